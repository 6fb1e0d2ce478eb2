/**
 * What operations returned and which service a handle stands for:
 * rpc-outcomes.pcap (made by record-rpc-outcomes.sh: Impacket-encoded
 * requests and Impacket-encoded responses of a scripted server, with real
 * handles and error codes, one response in two fragments splitting its
 * handle) replayed through the pipeline and checked against tshark's svcctl
 * return codes; the real Samba server's answers in samba-svcctl.pcap; and
 * hand-framed PDUs (pdus.ts) for what no capture shows: a response under
 * packet privacy (not read), a fault (no result), big-endian data, a
 * response in 1-byte stub fragments, an interface whose returns are not
 * read, the handle bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DceRpcAnalyzer } from '../../../src/protocols/dcerpc/analyzer.js';
import { callResult, statusName, statusOk } from '../../../src/protocols/dcerpc/call-result.js';
import type { DceRpcCallEvent } from '../../../src/protocols/dcerpc/events.js';
import { replayEvents } from '../../helpers/replay.js';
import { ofType } from '../../helpers/analyzer-context.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { concat, testContext, utf16 } from '../asn1/helpers.js';
import { bind, bindAck, fault, request, response, SVCCTL, type PduOpts } from './pdus.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc');
const OUTCOMES = path.join(FIXTURES, 'rpc-outcomes.pcap');
const SAMBA_SVCCTL = path.join(FIXTURES, 'samba-svcctl.pcap');
const EPMAPPER = 'e1af8308-5d1f-11c9-91a4-08002b14a0fa';

test('rpc-outcomes.pcap: every call with what it returned and the service its handle stands for', async () => {
  const calls = ofType(await replayEvents([OUTCOMES]), 'dce_rpc.call');
  assert.deepEqual(
    calls.map((c) => [c.client, c.operation, c.result?.name ?? null, c.result?.ok ?? null, c.details?.service_name ?? null]),
    [
      ['127.0.0.2', 'OpenSCManagerW', 'ERROR_SUCCESS', true, null],
      ['127.0.0.2', 'CreateServiceW', 'ERROR_SUCCESS', true, 'BTOBTO'],
      ['127.0.0.2', 'StartServiceW', 'ERROR_SERVICE_REQUEST_TIMEOUT', false, 'BTOBTO'],
      ['127.0.0.2', 'DeleteService', 'ERROR_SUCCESS', true, 'BTOBTO'],
      ['127.0.0.2', 'CloseServiceHandle', 'ERROR_SUCCESS', true, null],
      // The handle was closed: no longer a name for it.
      ['127.0.0.2', 'StartServiceW', 'ERROR_INVALID_HANDLE', false, null],
      ['127.0.0.3', 'OpenSCManagerW', 'ERROR_SUCCESS', true, null],
      ['127.0.0.3', 'CreateServiceW', 'ERROR_ACCESS_DENIED', false, 'PSEXESVC'],
      ['127.0.0.4', 'OpenSCManagerW', 'ERROR_SUCCESS', true, null],
      // Its response came in two fragments that split the handle.
      ['127.0.0.4', 'OpenServiceW', 'ERROR_SUCCESS', true, 'XblAuthManager'],
      ['127.0.0.4', 'ChangeServiceConfigW', 'ERROR_SUCCESS', true, 'XblAuthManager'],
      ['127.0.0.4', 'StartServiceW', 'ERROR_SERVICE_REQUEST_TIMEOUT', false, 'XblAuthManager'],
      ['127.0.0.4', 'ChangeServiceConfigW', 'ERROR_SUCCESS', true, 'XblAuthManager'],
      ['127.0.0.5', 'SchRpcRegisterTask', 'E_ACCESSDENIED', false, null],
      ['127.0.0.6', 'ExecMethod', 'WBEM_E_ACCESS_DENIED', false, null],
    ],
  );
  assert.equal(calls.find((c) => c.operation === 'SchRpcRegisterTask')!.result!.code, 0x80070005);
});

test('rpc-outcomes.pcap: the svcctl return codes equal what tshark decodes', async (t) => {
  let out: string;
  try {
    out = execFileSync('tshark', ['-n', '-r', OUTCOMES, '-Y', 'svcctl.rc', '-T', 'fields', '-e', 'dcerpc.opnum', '-e', 'svcctl.rc'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    t.skip('tshark is not installed');
    return;
  }
  const theirs = out
    .trim()
    .split('\n')
    .map((line) => {
      const [opnum, rc] = line.split('\t');
      return [Number(opnum!.split(',')[0]), Number(rc)];
    });
  // tshark decodes the status of CloseServiceHandle, CreateServiceW, OpenSCManagerW and OpenServiceW (not StartServiceW's or DeleteService's).
  const ours = ofType(await replayEvents([OUTCOMES]), 'dce_rpc.call')
    .filter((c) => c.interface_uuid === SVCCTL && [0, 12, 15, 16].includes(c.opnum))
    .map((c) => [c.opnum, c.result!.code]);
  assert.equal(theirs.length, 7);
  assert.deepEqual(ours, theirs);
});

test('samba-svcctl.pcap: the status a real Samba server returned, and no result for the calls it faulted', async () => {
  const calls = ofType(await replayEvents([SAMBA_SVCCTL]), 'dce_rpc.call');
  assert.deepEqual(
    calls.map((c) => [c.operation, c.fault ?? null, c.result ?? null]),
    [
      ['OpenSCManagerW', null, { code: 0, name: 'ERROR_SUCCESS', ok: true }],
      ['CreateServiceW', 'nca_s_op_rng_error', null],
      ['ChangeServiceConfigW', 'nca_s_op_rng_error', null],
      ['StartServiceW', 'nca_s_fault_context_mismatch', null],
    ],
  );
});

/** A 20-byte context handle of `n`s. */
function handle(n: number): Uint8Array {
  return concat(new Uint8Array(4), new Uint8Array(16).fill(n));
}

function u32(v: number, little = true): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, little);
  return b;
}

/** ROpenServiceW's stub: the manager's handle, the name as a [string] wchar_t array, the access mask. */
function openServiceStub(name: string, little = true): Uint8Array {
  const units = name.length + 1;
  const chars = little ? utf16(`${name}\0`) : utf16(`${name}\0`).map((_, i, a) => a[i ^ 1]!);
  const pad = new Uint8Array((4 - (chars.length % 4)) % 4);
  return concat(handle(1), u32(units, little), u32(0, little), u32(units, little), chars, pad, u32(0xf01ff, little));
}

interface Exchange {
  opnum: number;
  stub: Uint8Array;
  /** The response stub, in pieces of this many bytes (default: one fragment). */
  answer?: Uint8Array;
  pieces?: number;
  opts?: PduOpts;
  fault?: number;
}

/** One association bound to `uuid` making each exchange in turn; the call events. */
function association(uuid: string, exchanges: Exchange[], little = true): DceRpcCallEvent[] {
  const ctx = testContext('tcp', 49670);
  const a = new DceRpcAnalyzer(ctx);
  a.data(true, bind(1, [{ ctx: 0, uuid }], { little }), 1);
  a.data(false, bindAck(1, '49670', [0], { little }), 1);
  let id = 2;
  for (const x of exchanges) {
    a.data(true, request(id, 0, x.opnum, x.stub, { little }), id);
    if (x.fault !== undefined) {
      a.data(false, fault(id, x.fault, { little }), id);
    } else {
      const answer = x.answer ?? u32(0, little);
      const size = x.pieces ?? answer.length;
      for (let at = 0; at < answer.length; at += size) {
        const flags = (at === 0 ? 1 : 0) | (at + size >= answer.length ? 2 : 0);
        a.data(false, response(id, 0, answer.subarray(at, at + size), { little, ...x.opts, flags }), id);
      }
    }
    id++;
  }
  a.end(id);
  return ofType(ctx.events, 'dce_rpc.call');
}

const opened = (n: number, little = true): Uint8Array => concat(handle(n), u32(0, little));

test('a handle returned in 1-byte fragments, big-endian data, and the start that names its service', () => {
  for (const little of [true, false]) {
    const calls = association(
      SVCCTL,
      [
        { opnum: 16, stub: openServiceStub('Spooler', little), answer: opened(7, little), pieces: 1 },
        { opnum: 19, stub: concat(handle(7), u32(0, little), u32(0, little)), answer: u32(1056, little) },
      ],
      little,
    );
    assert.deepEqual(
      calls.map((c) => [c.operation, c.result, c.details]),
      [
        ['OpenServiceW', { code: 0, name: 'ERROR_SUCCESS', ok: true }, { service_name: 'Spooler' }],
        ['StartServiceW', { code: 1056, name: 'ERROR_SERVICE_ALREADY_RUNNING', ok: false }, { service_name: 'Spooler' }],
      ],
      little ? 'little-endian' : 'big-endian',
    );
  }
});

test('no result under packet privacy, after a fault, or for an interface whose returns are not read; a refused open names no handle', () => {
  const calls = association(SVCCTL, [
    // The response is encrypted: neither its status nor its handle is read.
    { opnum: 16, stub: openServiceStub('Spooler'), answer: opened(7), opts: { auth: 16, level: 6 } },
    { opnum: 19, stub: concat(handle(7), u32(0), u32(0)) },
    { opnum: 16, stub: openServiceStub('WinRM'), fault: 5 },
    // Refused: the zero handle it returns stands for nothing.
    { opnum: 16, stub: openServiceStub('RemoteRegistry'), answer: concat(new Uint8Array(20), u32(5)) },
    { opnum: 19, stub: concat(new Uint8Array(20), u32(0), u32(0)) },
    // Signed only (packet integrity): read.
    { opnum: 16, stub: openServiceStub('Schedule'), answer: opened(9), opts: { auth: 16, level: 5 } },
    { opnum: 2, stub: handle(9) },
  ]);
  assert.deepEqual(
    calls.map((c) => [c.operation, c.result?.name ?? null, c.fault ?? null, c.details?.service_name ?? null]),
    [
      ['OpenServiceW', null, null, 'Spooler'],
      ['StartServiceW', 'ERROR_SUCCESS', null, null],
      ['OpenServiceW', null, 'ACCESS_DENIED', 'WinRM'],
      ['OpenServiceW', 'ERROR_ACCESS_DENIED', null, 'RemoteRegistry'],
      ['StartServiceW', 'ERROR_SUCCESS', null, null],
      ['OpenServiceW', 'ERROR_SUCCESS', null, 'Schedule'],
      ['DeleteService', 'ERROR_SUCCESS', null, 'Schedule'],
    ],
  );
  // epmapper's operations end with a status parameter of their own: not read as a result.
  const ept = association(EPMAPPER, [{ opnum: 3, stub: new Uint8Array(64), answer: new Uint8Array(32).fill(0xff) }]);
  assert.equal(ept[0]!.result, undefined);
  // A response stub shorter than a status gives none.
  const short = association(SVCCTL, [{ opnum: 19, stub: concat(handle(1), u32(0), u32(0)), answer: new Uint8Array(2) }]);
  assert.equal(short[0]!.result, undefined);
});

test('at most 64 handles per association: the oldest is forgotten first', () => {
  const exchanges: Exchange[] = [];
  for (let n = 1; n <= 65; n++) exchanges.push({ opnum: 16, stub: openServiceStub(`svc${n}`), answer: opened(n) });
  exchanges.push({ opnum: 19, stub: concat(handle(1), u32(0), u32(0)) }, { opnum: 19, stub: concat(handle(2), u32(0), u32(0)) });
  const calls = association(SVCCTL, exchanges);
  assert.deepEqual(
    calls.slice(-2).map((c) => c.details?.service_name ?? null),
    [null, 'svc2'],
  );
});

test('status names and outcomes by kind', () => {
  assert.deepEqual(callResult('win32', 5), { code: 5, name: 'ERROR_ACCESS_DENIED', ok: false });
  assert.equal(statusOk('win32', 234), true); // ERROR_MORE_DATA: an enumeration's next page
  assert.equal(statusOk('ntstatus', 0x00000107), true); // STATUS_SOME_NOT_MAPPED
  assert.equal(statusOk('ntstatus', 0x8000001a), true); // STATUS_NO_MORE_ENTRIES, a warning
  assert.equal(statusOk('ntstatus', 0xc0000022), false);
  assert.equal(statusOk('hresult', 1), true); // S_FALSE
  assert.equal(statusOk('hresult', 0x80041003), false);
  assert.equal(statusName('hresult', 0x80070431), 'HRESULT_FROM_WIN32(ERROR_SERVICE_EXISTS)');
  assert.equal(statusName('win32', 0x12345), '0x00012345');
  assert.equal(statusName('ntstatus', 0xc0000073), 'STATUS_NONE_MAPPED');
});
