/**
 * The class a DCOM activation names: activationClsid on stubs laid out per
 * MS-DCOM (pdus.ts), on Windows' own RemoteCreateInstance in Zeek's
 * kerberos135_auth capture and on Impacket's in dcom-wmi.pcap (both
 * checked against what tshark decodes), damaged stubs, and the analyzer's
 * `clsid` and `auth_level` on call events (no class read through packet
 * privacy, none read for other interfaces).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { activationClsid, isActivationRequest } from '../../../src/protocols/dcerpc/activation.js';
import { DceRpcAnalyzer } from '../../../src/protocols/dcerpc/analyzer.js';
import { replayEvents } from '../../helpers/replay.js';
import { ofType } from '../../helpers/analyzer-context.js';
import { REPO_ROOT, ZEEK_CORPUS } from '../../helpers/paths.js';
import { mutate, rng, testContext } from '../asn1/helpers.js';
import { ACTIVATOR, SVCCTL, activationStub, bind, bindAck, request, response } from './pdus.js';

const MMC20 = '49b2791a-b1ae-4c90-9b8e-e860ba07f889';
const SHELL_WINDOWS = '9ba05972-f6a8-11cf-a442-00a0c90a8f39';
const WBEM_LEVEL1_LOGIN = '8bc3f05e-d86b-11d0-a075-00c04fb68820';
const KRB135 = path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego', 'kerberos135_auth.pcapng');
const DCOM_WMI = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'dcom-wmi.pcap');

const read = (stub: Uint8Array): string | undefined => activationClsid(stub, 0, stub.length);

test('the class of an activation: Windows property order, Impacket order, ORPCTHIS extensions, RemoteGetClassObject', () => {
  assert.equal(read(activationStub(MMC20)), MMC20);
  assert.equal(read(activationStub(SHELL_WINDOWS, { instantiationFirst: true })), SHELL_WINDOWS);
  assert.equal(read(activationStub(MMC20, { extensions: true })), MMC20);
  assert.equal(read(activationStub(MMC20, { classObject: true })), MMC20);
  // Read inside a larger buffer, from the stub's offset.
  const stub = activationStub(MMC20);
  const framed = new Uint8Array(stub.length + 40);
  framed.set(stub, 24);
  assert.equal(activationClsid(framed, 24, 24 + stub.length), MMC20);
  assert.equal(isActivationRequest(ACTIVATOR, 4), true);
  assert.equal(isActivationRequest(ACTIVATOR, 3), true);
  assert.equal(isActivationRequest(ACTIVATOR, 5), false);
  assert.equal(isActivationRequest(SVCCTL, 4), false);
  assert.equal(isActivationRequest(undefined, 4), false);
});

test('no class from a stub that is cut, encrypted-looking, inconsistent or damaged; nothing throws', () => {
  const stub = activationStub(MMC20);
  // Cut anywhere before the classId's last byte: no class.
  const at = stub.length - 60;
  for (let end = 0; end < at; end += 7) assert.equal(activationClsid(stub, 0, end), undefined, `cut at ${end}`);
  // Random bytes (what packet privacy leaves) hold no OBJREF.
  const rand = rng(7);
  const noise = new Uint8Array(800).map(() => Math.floor(rand() * 256));
  assert.equal(read(noise), undefined);
  // A property count out of MS-DCOM's range, or sizes that point nowhere.
  const bad = activationStub(MMC20);
  const objref = bad.indexOf(0x4d, 40);
  const count = objref + 48 + 8 + 16 + 16;
  bad[count] = 11;
  assert.equal(read(bad), undefined);
  const lost = activationStub(MMC20);
  const sizes = objref + 48 + 8 + 16 + 48 + 4 + 2 * 16 + 4;
  lost[sizes] = 0xff;
  lost[sizes + 1] = 0xff;
  assert.equal(read(lost), undefined);
  for (let i = 0; i < 2000; i++) {
    const m = mutate(activationStub(MMC20, { extensions: i % 2 === 0 }), rand);
    const got = activationClsid(m, 0, m.length + (i % 3) * 50);
    assert.ok(got === undefined || /^[0-9a-f-]{36}$/.test(got));
  }
});

function activatorSession(stub: Uint8Array, o: { auth?: number; level?: number; uuid?: string; opnum?: number } = {}) {
  const ctx = testContext('tcp', 135);
  const a = new DceRpcAnalyzer(ctx);
  const auth = o.auth !== undefined ? { auth: o.auth, level: o.level ?? 2 } : {};
  a.data(true, bind(1, [{ ctx: 0, uuid: o.uuid ?? ACTIVATOR, major: 0 }], auth), 1);
  a.data(false, bindAck(1, '135', [0], auth), 1);
  a.data(true, request(2, 0, o.opnum ?? 4, stub, auth), 2);
  a.data(false, response(2, 0, new Uint8Array(16), auth), 2.01);
  a.end(3);
  return ofType(ctx.events, 'dce_rpc.call');
}

test('call events carry the class of a clear activation and the auth level; packet privacy hides the class', () => {
  const stub = activationStub(MMC20);
  let [c] = activatorSession(stub);
  assert.equal(c!.operation, 'RemoteCreateInstance');
  assert.equal(c!.clsid, MMC20);
  assert.equal(c!.auth_level, undefined);
  [c] = activatorSession(stub, { auth: 16, level: 5 });
  assert.equal(c!.clsid, MMC20);
  assert.equal(c!.auth_level, 5);
  // Packet privacy: the stub is ciphertext, even when (as here) it happens to read.
  [c] = activatorSession(stub, { auth: 16, level: 6 });
  assert.equal(c!.clsid, undefined);
  assert.equal(c!.auth_level, 6);
  [c] = activatorSession(activationStub(MMC20, { classObject: true }), { opnum: 3 });
  assert.equal(c!.operation, 'RemoteGetClassObject');
  assert.equal(c!.clsid, MMC20);
  // The same bytes sent to another interface or operation are not read.
  assert.equal(activatorSession(stub, { uuid: SVCCTL })[0]!.clsid, undefined);
  assert.equal(activatorSession(stub, { opnum: 5 })[0]!.clsid, undefined);
});

/** "client clsid" of each activation tshark decodes in `file`, or null without tshark. */
function tsharkClasses(file: string): string[] | null {
  try {
    const out = execFileSync('tshark', ['-2', '-r', file, '-Y', 'isystemactivator.properties.instninfo.clsid', '-T', 'fields', '-e', 'ip.src', '-e', 'isystemactivator.properties.instninfo.clsid'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n').filter((l) => l !== '').map((l) => l.replace('\t', ' '));
  } catch {
    return null;
  }
}

test('Windows (kerberos135_auth) and Impacket (dcom-wmi.pcap) activations: the classes tshark decodes', { skip: !fs.existsSync(KRB135) }, async () => {
  const windows = ofType(await replayEvents([KRB135]), 'dce_rpc.call');
  assert.deepEqual(windows.map((c) => [c.operation, c.clsid]), [['RemoteCreateInstance', WBEM_LEVEL1_LOGIN]]);
  const impacket = ofType(await replayEvents([DCOM_WMI]), 'dce_rpc.call').filter((c) => c.operation === 'RemoteCreateInstance');
  const classes = impacket.map((c) => `${c.client} ${c.clsid}`);
  assert.deepEqual(classes, [`127.0.0.2 ${WBEM_LEVEL1_LOGIN}`, `127.0.0.3 ${WBEM_LEVEL1_LOGIN}`, `127.0.0.4 ${MMC20}`, `127.0.0.5 ${SHELL_WINDOWS}`, `127.0.0.1 ${MMC20}`]);
  const tshark = tsharkClasses(DCOM_WMI);
  if (tshark !== null) {
    assert.deepEqual(classes, tshark);
    assert.deepEqual(tsharkClasses(KRB135), [`10.10.10.129 ${WBEM_LEVEL1_LOGIN}`]);
  }
});
