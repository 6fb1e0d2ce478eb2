/**
 * LDAP conformance against Zeek's ldap.log / ldap_search.log / ntlm.log
 * baselines and the Suricata ldap-search test. Every remaining difference is
 * written out below with its reason; any other difference fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { replayEvents } from '../../helpers/replay.js';
import { readZeekLog } from '../../helpers/zeek-log.js';
import { ZEEK_CORPUS, SURICATA_CORPUS } from '../../helpers/paths.js';
import { ldapSpec } from '../../../src/protocols/ldap/index.js';
import type { PicketEvent } from '../../../src/events/types.js';
import { compareRows, readCutLog, type FieldDiff } from '../asn1/zeek-compare.js';
import { ofType } from '../asn1/helpers.js';

const LDAP_FIELDS = ['message_id', 'version', 'opcode', 'result', 'diagnostic_message', 'object', 'argument'] as const;
const SEARCH_FIELDS = ['message_id', 'scope', 'deref_aliases', 'base_object', 'result_count', 'result', 'diagnostic_message', 'filter', 'attributes'] as const;
const NTLM_FIELDS = ['username', 'hostname', 'domainname', 'server_nb_computer_name', 'server_dns_computer_name', 'server_tree_name', 'success'] as const;

const byMessage = (r: Record<string, unknown>): string => `${String(r['id.orig_p'])}/${String(r['message_id'])}`;
const byConn = (r: Record<string, unknown>): string => `${String(r['id.orig_p'])}/${String(r['id.resp_p'])}`;

function recs(events: PicketEvent[], type: 'ldap' | 'ldap_search' | 'ntlm'): Record<string, unknown>[] {
  return events.filter((e) => e.type === type).map((e) => (e as unknown as { record: Record<string, unknown> }).record);
}

function show(d: FieldDiff[]): string {
  return d.map((x) => `${x.key} ${x.field}: zeek=${x.zeek} picket=${x.picket}`).join('\n');
}

/** Zeek renders an AND/OR of three or more operands nested two at a time; Picket writes RFC 4515's flat form. */
const AD_FILTER_ZEEK = '(&(&(sAMAccountName=*)(mail=*))(!(UserAccountControl:1.2.840.113556.1.4.803:=2)))';
const AD_FILTER_RFC4515 = '(&(sAMAccountName=*)(mail=*)(!(UserAccountControl:1.2.840.113556.1.4.803:=2)))';
/** Zeek logs search attributes only when LDAP::default_log_search_attributes is set; Picket always does. */
const AD_ATTRIBUTES = 'sAMAccountName,pwdLastSet,mail,lastLogon';

test('ldap-simpleauth: ldap.log and ldap_search.log (attributes test)', async () => {
  const dir = path.join(ZEEK_CORPUS, 'ldap-simpleauth');
  const events = await replayEvents([path.join(dir, 'simpleauth.pcap')], [ldapSpec]);
  let d = compareRows(readZeekLog(path.join(dir, 'attributes__ldap.log')), recs(events, 'ldap'), byMessage, LDAP_FIELDS);
  assert.deepEqual(d, [], show(d));
  d = compareRows(readZeekLog(path.join(dir, 'attributes__ldap_search.log')), recs(events, 'ldap_search'), byMessage, SEARCH_FIELDS);
  assert.deepEqual(d, [], show(d));
  // The "basic" baseline is the same run without attribute logging.
  d = compareRows(readZeekLog(path.join(dir, 'basic__ldap_search.log')), recs(events, 'ldap_search'), byMessage, SEARCH_FIELDS);
  assert.deepEqual(d, [{ key: '25936/2', field: 'attributes', zeek: undefined, picket: 'sAMAccountName' }], show(d));
  // Two successful simple binds.
  const auth = ofType(events, 'auth');
  assert.deepEqual(
    auth.map((a) => [a.service, a.outcome]),
    [
      ['ldap', 'success'],
      ['ldap', 'success'],
    ],
  );
});

test('ldap-aduser1 (Kerberos GSS-SPNEGO): ldap.log and ldap_search.log', async () => {
  const dir = path.join(ZEEK_CORPUS, 'ldap-aduser1');
  // Zeek ran this capture with the BPF filter "port 389"; only the LDAP analyzer runs here.
  const events = await replayEvents([path.join(dir, 'aduser1.pcap')], [ldapSpec]);
  let d = compareRows(readZeekLog(path.join(dir, 'krb.ldap.log')), recs(events, 'ldap'), byMessage, LDAP_FIELDS);
  assert.deepEqual(d, [], show(d));
  d = compareRows(readZeekLog(path.join(dir, 'krb.ldap_search.log')), recs(events, 'ldap_search'), byMessage, SEARCH_FIELDS);
  assert.deepEqual(
    d,
    [
      { key: '54544/1319382063', field: 'filter', zeek: AD_FILTER_ZEEK, picket: AD_FILTER_RFC4515 },
      { key: '54544/1319382063', field: 'attributes', zeek: undefined, picket: AD_ATTRIBUTES },
    ],
    show(d),
  );
});

test('ldap-aduser1 (NTLM via Sicily): ldap.log, ldap_search.log, ntlm.log', async () => {
  const dir = path.join(ZEEK_CORPUS, 'ldap-aduser1');
  const events = await replayEvents([path.join(dir, 'aduser1-ntlm.pcap')], [ldapSpec]);
  let d = compareRows(readZeekLog(path.join(dir, 'ntlm.ldap.log')), recs(events, 'ldap'), byMessage, LDAP_FIELDS);
  assert.deepEqual(d, [], show(d));
  d = compareRows(readZeekLog(path.join(dir, 'ntlm.ldap_search.log')), recs(events, 'ldap_search'), byMessage, SEARCH_FIELDS);
  assert.deepEqual(
    d,
    [
      { key: '37618/1673297393', field: 'filter', zeek: AD_FILTER_ZEEK, picket: AD_FILTER_RFC4515 },
      { key: '37618/1673297393', field: 'attributes', zeek: undefined, picket: AD_ATTRIBUTES },
    ],
    show(d),
  );
  const zeekNtlm = readCutLog(fs.readFileSync(path.join(dir, 'ntlm.ntlm.log'), 'utf8'));
  d = compareRows(zeekNtlm, recs(events, 'ntlm'), byConn, NTLM_FIELDS);
  // Zeek's LDAP analyzer forwards only the client's NTLM messages; Picket also
  // reads the server's CHALLENGE (Sicily puts it in matchedDN) and the bind result.
  assert.deepEqual(
    d,
    [
      { key: '37618/389', field: 'server_nb_computer_name', zeek: undefined, picket: 'WIN-VGO56I95EAK' },
      { key: '37618/389', field: 'server_dns_computer_name', zeek: undefined, picket: 'WIN-VGO56I95EAK.ADHACKING.local' },
      { key: '37618/389', field: 'server_tree_name', zeek: undefined, picket: 'ADHACKING.local' },
      { key: '37618/389', field: 'success', zeek: undefined, picket: 'T' },
    ],
    show(d),
  );
});

test('ldap-sasl-ntlm: ldap.log, ldap_search.log, ntlm.log', async () => {
  const dir = path.join(ZEEK_CORPUS, 'ldap-sasl-ntlm');
  const events = await replayEvents([path.join(dir, 'sasl-ntlm.pcap')], [ldapSpec]);
  let d = compareRows(readZeekLog(path.join(dir, 'ldap.log')), recs(events, 'ldap'), byMessage, LDAP_FIELDS);
  assert.deepEqual(d, [], show(d));
  d = compareRows(readZeekLog(path.join(dir, 'ldap_search.log')), recs(events, 'ldap_search'), byMessage, SEARCH_FIELDS);
  assert.deepEqual(d, [], show(d));
  d = compareRows(readCutLog(fs.readFileSync(path.join(dir, 'ntlm.log'), 'utf8')), recs(events, 'ntlm'), byConn, NTLM_FIELDS);
  // As above: Picket knows the bind's outcome. (The CHALLENGE from slapd carries no target info.)
  assert.deepEqual(d, [{ key: '60126/389', field: 'success', zeek: undefined, picket: 'T' }], show(d));
});

test('ldap-invalid-credentials: ldap.log and one failure auth event per attempt', async () => {
  const dir = path.join(ZEEK_CORPUS, 'ldap-invalid-credentials');
  const events = await replayEvents([path.join(dir, 'ldap_invalid_credentials.pcap')], [ldapSpec]);
  const zeek = readZeekLog(path.join(dir, 'ldap.log'));
  const d = compareRows(zeek, recs(events, 'ldap'), byMessage, LDAP_FIELDS);
  // Active Directory NUL-terminates its diagnostic text. Zeek keeps the NUL
  // (the baseline shows it as '?'); Picket drops the terminator.
  const expected: FieldDiff[] = [];
  for (const z of zeek) {
    if (z['diagnostic_message']?.endsWith('?') === true) {
      expected.push({
        key: `${z['id.orig_p']}/${z['message_id']}`,
        field: 'diagnostic_message',
        zeek: z['diagnostic_message'],
        picket: z['diagnostic_message'].slice(0, -1),
      });
    }
  }
  assert.equal(expected.length, 12);
  assert.deepEqual(d, expected, show(d));
  const auth = ofType(events, 'auth');
  assert.equal(auth.length, 12);
  assert.ok(auth.every((a) => a.outcome === 'failure' && a.detail === 'invalid credentials (GSS-SPNEGO)'));
  assert.deepEqual(auth.slice(0, 3).map((a) => a.user), ['Administrator', 'DC01-ZION$', 'DESKTOP-EVIL$']);
});

test('suricata ldap-search: search request fields and results', async () => {
  const events = await replayEvents([path.join(SURICATA_CORPUS, 'ldap-search', 'ldap.pcap')], [ldapSpec]);
  const ev = ofType(events, 'ldap.search');
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.message_id, 2);
  assert.equal(ev[0]!.base_object, 'dc=example,dc=com');
  assert.equal(ev[0]!.scope, 'tree');
  assert.equal(ev[0]!.size_limit, 1000);
  assert.deepEqual(ev[0]!.attributes, ['*', '+']);
  const s = ofType(events, 'ldap_search');
  assert.equal(s.length, 1);
  assert.equal(s[0]!.record.deref_aliases, 'never');
  assert.equal(s[0]!.record.result_count, 1);
  assert.equal(s[0]!.record.result, 'success');
});
