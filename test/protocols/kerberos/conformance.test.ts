/**
 * Kerberos conformance against the corpus: Zeek's kerberos.log baselines
 * (kinit over UDP/TCP, a TGS exchange, Kerberos inside SPNEGO in SMB, in a
 * DCE-RPC bind and in an LDAP SASL bind) and the Suricata krb5 tests. Every remaining difference
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
import { dceRpcSpec } from '../../../src/protocols/dcerpc/index.js';
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

test('krb-dcerpc-spnego: Kerberos AP inside a DCE-RPC bind (135)', async () => {
  const dir = path.join(ZEEK_CORPUS, 'krb-dcerpc-spnego');
  const got = await records([path.join(dir, 'kerberos135_auth.pcapng')], [kerberosSpec, smbSpec, dceRpcSpec]);
  assert.equal(got.length, 1);
  const diffs = compareRows(readZeekLog(path.join(dir, 'kerberos.log.135')), got as unknown as Record<string, unknown>[], key, FIELDS, TIMES);
  assert.deepEqual(diffs, [], show(diffs));
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
  const events = await replayEvents([path.join(SURICATA_CORPUS, 'krb5-kerberoasting', 'kerberoast.pcap')], [kerberosSpec]);
  const got = ofType(events, 'kerberos').map((e) => e.record);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.request_type, 'TGS');
  assert.equal(got[0]!.success, true);
  // Suricata's krb5.ticket_encryption (rc4-hmac, weak) is kerberos.log's cipher: the ticket's enc-part etype.
  assert.equal(got[0]!.cipher, 'rc4-hmac');
  assert.equal(got[0]!.client, 'spotless/OFFENSE.LOCAL');
  assert.equal(got[0]!.service, 'HTTP/dc-mantvydas.offense.local');
  // A Windows client (the capture's PowerShell KerberosRequestorSecurityToken) offers AES first;
  // the KDC still chose RC4 for the ticket, because the service account has no AES key.
  assert.deepEqual(got[0]!.request_ciphers, ['aes256-cts-hmac-sha1-96', 'aes128-cts-hmac-sha1-96', 'rc4-hmac', 'rc4-hmac-exp', 'unknown--135']);
  const kdc = ofType(events, 'kerberos.kdc');
  assert.equal(kdc.length, 1);
  const { ts: _ts, uid: _uid, ...rest } = kdc[0]!;
  assert.deepEqual(rest, {
    type: 'kerberos.kdc',
    client: '10.0.0.2',
    client_port: 49216,
    kdc: '10.0.0.6',
    kdc_port: 88,
    transport: 'tcp',
    request_type: 'TGS',
    principal: 'spotless',
    realm: 'OFFENSE.LOCAL',
    service: 'HTTP/dc-mantvydas.offense.local',
    request_seen: true,
    request_etypes: [18, 17, 23, 24, -135],
    preauth: false,
    success: true,
    ticket_etype: 23,
    // The session key (the reply's enc-part) is AES: only the ticket is weak.
    reply_etype: 18,
    error_code: -1,
  });
});

test('krb-kinit: kerberos.kdc pre-authentication facts (MIT KDC, most test principals without required pre-authentication)', async () => {
  const events = await replayEvents([path.join(ZEEK_CORPUS, 'krb-kinit', 'kinit.pcap')], [kerberosSpec]);
  const kdc = ofType(events, 'kerberos.kdc');
  // Every kerberos.log exchange plus the 9 NEEDED_PREAUTH prompts the log drops.
  assert.equal(kdc.length, ofType(events, 'kerberos').length + 9);
  assert.equal(kdc.filter((e) => e.error_code === 25).length, 9);
  assert.ok(kdc.every((e) => e.request_seen));
  const asReps = kdc.filter((e) => e.request_type === 'AS' && e.success);
  assert.equal(asReps.filter((e) => !e.preauth).length, 47);
  // PA-ENC-TIMESTAMP (requires_preauth_client_principal) and PKINIT (anonymous and test_pkinit).
  assert.deepEqual(asReps.filter((e) => e.preauth).map((e) => e.principal).sort(), ['WELLKNOWN/ANONYMOUS', 'WELLKNOWN/ANONYMOUS', 'requires_preauth_client_principal', 'test_pkinit']);
  assert.ok(asReps.every((e) => e.reply_etype === 18 && e.ticket_etype === 18));
  assert.deepEqual([...new Set(kdc.map((e) => e.request_etypes.join(',')))], ['18,17,16,23,25,26']);
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
  const kdc = ofType(events, 'kerberos.kdc');
  assert.equal(kdc.length, 1);
  assert.equal(kdc[0]!.request_type, 'AS');
  assert.equal(kdc[0]!.principal, 'aiello');
  assert.equal(kdc[0]!.realm, 'AD.NWRA.COM');
  assert.equal(kdc[0]!.error_code, 25);
  // Only PA-REQ-ENC-PA-REP (149): no pre-authentication yet, as every first AS-REQ.
  assert.equal(kdc[0]!.preauth, false);
  assert.deepEqual(kdc[0]!.request_etypes, [18, 17, 20, 19, 16, 23, 25, 26]);
});
