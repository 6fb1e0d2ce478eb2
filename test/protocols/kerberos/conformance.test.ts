/**
 * Kerberos conformance against the corpus: Zeek's kerberos.log baselines
 * (kinit over UDP/TCP, a TGS exchange, Kerberos inside SPNEGO in SMB and in
 * an LDAP SASL bind) and the Suricata krb5 tests. Every remaining difference
 * is listed below with its reason; anything else fails the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { replayEvents } from '../../helpers/replay.js';
import { readZeekLog } from '../../helpers/zeek-log.js';
import { ZEEK_CORPUS, SURICATA_CORPUS } from '../../helpers/paths.js';
import { kerberosSpec } from '../../../src/protocols/kerberos/index.js';
import { smbSpec } from '../../../src/protocols/smb/index.js';
import { ldapSpec } from '../../../src/protocols/ldap/index.js';
import type { KerberosRecord } from '../../../src/protocols/kerberos/events.js';
import { compareRows, readCutLog, type FieldDiff } from '../asn1/zeek-compare.js';
import { ofType } from '../asn1/helpers.js';

const FIELDS = ['request_type', 'client', 'service', 'success', 'error_msg', 'from', 'till', 'cipher', 'forwardable', 'renewable'] as const;
const TIMES = ['from', 'till'];
const key = (r: Record<string, unknown>): string => `${String(r['id.orig_p'])}/${String(r['id.resp_p'])}`;

async function records(files: string[], specs = [kerberosSpec]): Promise<KerberosRecord[]> {
  const events = await replayEvents(files, specs);
  return ofType(events, 'kerberos').map((e) => e.record);
}

function show(d: FieldDiff[]): string {
  return d.map((x) => `${x.key} ${x.field}: zeek=${x.zeek} picket=${x.picket}`).join('\n');
}

test('krb-kinit: kerberos.log', async () => {
  const dir = path.join(ZEEK_CORPUS, 'krb-kinit');
  const got = await records([path.join(dir, 'kinit.pcap')]);
  const diffs = compareRows(readZeekLog(path.join(dir, 'kerberos.log')), got as unknown as Record<string, unknown>[], key, FIELDS, TIMES);
  assert.deepEqual(diffs, [], show(diffs));
});

test('krb-auth-tgs: kerberos.log', async () => {
  const dir = path.join(ZEEK_CORPUS, 'krb-auth-tgs');
  const got = await records([path.join(dir, 'auth.pcap')]);
  const diffs = compareRows(readZeekLog(path.join(dir, 'tgs__kerberos.log')), got as unknown as Record<string, unknown>[], key, FIELDS, TIMES);
  assert.deepEqual(diffs, [], show(diffs));
});

test('krb-dcerpc-spnego: Kerberos AP inside SMB session setup (445)', async () => {
  const dir = path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego');
  const got = await records([path.join(dir, 'kerberos445_auth.pcapng')], [kerberosSpec, smbSpec]);
  const diffs = compareRows(readZeekLog(path.join(dir, 'kerberos.log.445')), got as unknown as Record<string, unknown>[], key, FIELDS, TIMES);
  assert.deepEqual(diffs, [], show(diffs));
});

test('krb-dcerpc-spnego: DCE-RPC on 135 is not analysed (known difference)', async () => {
  // Kerberos inside DCE-RPC bind PDUs on port 135 needs a DCE-RPC parser, which
  // Picket does not have: Zeek's one AP line for port 135 is absent.
  const dir = path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego');
  const got = await records([path.join(dir, 'kerberos135_auth.pcapng')], [kerberosSpec, smbSpec]);
  assert.equal(got.filter((r) => r['id.resp_p'] === 135).length, 0);
  assert.equal(readZeekLog(path.join(dir, 'kerberos.log.135')).length, 1);
});

test('ldap-aduser1: Kerberos AP inside an LDAP GSS-SPNEGO bind', async () => {
  const dir = path.join(ZEEK_CORPUS, 'ldap-aduser1');
  const all = await records([path.join(dir, 'aduser1.pcap')], [kerberosSpec, smbSpec, ldapSpec]);
  // Zeek ran with the BPF filter "port 389": keep the LDAP connection only.
  const got = all.filter((r) => r['id.resp_p'] === 389);
  const zeek = readCutLog(fs.readFileSync(path.join(dir, 'krb.kerberos.log'), 'utf8'));
  const diffs = compareRows(zeek, got as unknown as Record<string, unknown>[], key, FIELDS, TIMES);
  // The server's bind response carries no AP-REP (no mutual authentication), so
  // success stays unset in both.
  assert.deepEqual(diffs, [], show(diffs));
});

test('suricata krb5-kerberoasting: TGS-REP with an RC4 ticket', async () => {
  const got = await records([path.join(SURICATA_CORPUS, 'krb5-kerberoasting', 'kerberoast.pcap')]);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.request_type, 'TGS');
  assert.equal(got[0]!.success, true);
  assert.equal(got[0]!.cipher, 'rc4-hmac');
});

test('suricata krb5-probing: KRB_ERROR answering an AS-REQ', async () => {
  const events = await replayEvents([path.join(SURICATA_CORPUS, 'krb5-probing', 'krb.pcap')], [kerberosSpec]);
  const got = ofType(events, 'kerberos').map((e) => e.record);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.request_type, 'AS');
  assert.equal(got[0]!.success, false);
  assert.equal(got[0]!.error_msg, 'KDC_ERR_PREAUTH_REQUIRED');
  // PREAUTH_REQUIRED is the normal first round trip, not a failed login.
  assert.equal(ofType(events, 'auth').length, 0);
});
