/** ldap.excessive_queries: search counts, result sums and reconnaissance filters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, ldapSealed, ldapSearch, ldapSearchLog, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { retainedBytes } from '../helpers/heap.js';

const RULE = 'ldap.excessive_queries';

test('199 searches in 5 min: no alert; 200: alert naming recon filters seen', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 199; i++) h1.emit(ldapSearch(1000 + i));
  assert.equal(only(h1.finish(), RULE).length, 0);

  const h2 = harness(SITE_YAML);
  h2.emit(ldapSearch(999, { filter: '(&(objectCategory=person)(objectClass=user)(servicePrincipalName=*))' }));
  for (let i = 0; i < 199; i++) h2.emit(ldapSearch(1000 + i));
  const a = only(h2.finish(), RULE);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.recon_filters, ['service accounts (Kerberoasting)', 'all people']);
  assert.match(a[0]!.message, /^10\.77\.2\.20 ran 200 LDAP searches in 3 min, including searches for service accounts \(Kerberoasting\), all people$/);
});

test('result entries: 4,999 no, 5,000 yes', () => {
  const h1 = harness(SITE_YAML);
  h1.emit(ldapSearchLog(1000, { result_count: 4000 }));
  h1.emit(ldapSearchLog(1010, { result_count: 999 }));
  assert.equal(only(h1.finish(), RULE).length, 0);
  const h2 = harness(SITE_YAML);
  h2.emit(ldapSearchLog(1000, { result_count: 4000 }));
  h2.emit(ldapSearchLog(1010, { result_count: 1000 }));
  const a = only(h2.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.result_entries, 5000);
});

test('a single recon filter alerts only when asked to', () => {
  const quiet = harness(SITE_YAML);
  quiet.emit(ldapSearch(1000, { filter: '(adminCount=1)' }));
  assert.equal(only(quiet.finish(), RULE).length, 0);
  const loud = harness(SITE_YAML + 'detectors:\n  ldap.excessive_queries: { alert_on_recon_filter: true }\n');
  loud.emit(ldapSearch(1000, { filter: '(adminCount=1)' }));
  assert.equal(only(loud.finish(), RULE).length, 1);
});

test('filter samples kept per client do not keep the whole filter text alive', () => {
  const kept = retainedBytes(() => {
    const h = harness(SITE_YAML);
    for (let c = 0; c < 200; c++) {
      for (let i = 0; i < 10; i++) h.emit(ldapSearch(1000 + i, { client: `10.77.2.${c}`, filter: `(cn=${c}-${i}`.padEnd(32 * 1024, '*') }));
    }
    return h;
  });
  // Samples sliced from 32 KiB filters kept 64 MB; cut into their own strings, under 1 MB.
  assert.ok(kept < 12 * 1024 * 1024, `${kept} bytes kept`);
});

test('excluding a domain controller leaves its own searches out, not the ones others send it', () => {
  const h = harness(SITE_YAML + 'detectors:\n  ldap.excessive_queries: { exclude: [10.77.1.5] }\n');
  for (let i = 0; i < 300; i++) h.emit(ldapSearch(1000 + i, { client: '10.77.1.5', server: '10.77.1.6' }));
  // The workstation's searches go to the excluded DC 10.77.1.5.
  for (let i = 0; i < 200; i++) h.emit(ldapSearch(1000 + i));
  assert.deepEqual(only(h.finish(), RULE).map((a) => a.source.ip), ['10.77.2.20']);
});

test('SASL-sealed sessions: 200 requests counted from their buffers alert, 199 do not; the searches stay unread', () => {
  const quiet = harness(SITE_YAML);
  quiet.emit(ldapSealed(1000, { requests: 120, responses: 240 }));
  quiet.emit(ldapSealed(1100, { requests: 79, responses: 158 }));
  assert.equal(only(quiet.finish(), RULE).length, 0);

  const h = harness(SITE_YAML);
  h.emit(ldapSealed(1000, { requests: 120, responses: 240 }));
  h.emit(ldapSealed(1100, { requests: 80, responses: 160 }));
  // Later batches join the open alert.
  h.emit(ldapSealed(1150, { requests: 50, responses: 100 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 sent 250 LDAP requests in at most 5 min over SASL-sealed sessions (GSS-SPNEGO), counted from their encrypted messages');
  assert.equal(a[0]!.count, 250);
  assert.deepEqual([a[0]!.evidence.sealed_requests, a[0]!.evidence.sealed_result_entries, a[0]!.evidence.searches, a[0]!.evidence.sealed_mechanisms], [250, 250, 0, ['GSS-SPNEGO']]);
  assert.deepEqual([a[0]!.destination?.ip, a[0]!.destination?.port], ['10.77.1.5', 389]);
});

test('SASL-sealed sessions: result entries are the responses beyond one per request; 5,000 in the window alert', () => {
  const quiet = harness(SITE_YAML);
  // A few paged searches: 10 requests, 4,999 entries and 10 completions.
  quiet.emit(ldapSealed(1000, { requests: 10, responses: 5009 }));
  assert.equal(only(quiet.finish(), RULE).length, 0);
  const h = harness(SITE_YAML);
  h.emit(ldapSealed(1000, { requests: 10, responses: 3010 }));
  h.emit(ldapSealed(1030, { requests: 5, responses: 2005 }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /^10\.77\.2\.20 received about 5,000 LDAP entries in at most 5 min over SASL-sealed sessions \(GSS-SPNEGO\)/);
  // Another client's sealed traffic, and an excluded one, stay apart.
  const other = harness(SITE_YAML + 'detectors:\n  ldap.excessive_queries: { exclude: [10.77.2.21] }\n');
  other.emit(ldapSealed(1000, { client: '10.77.2.21', requests: 500, responses: 9000 }));
  other.emit(ldapSealed(1000, { client: '10.77.2.22', requests: 100, responses: 2000 }));
  assert.equal(only(other.finish(), RULE).length, 0);
});

test('ldap-sealed.pcap (slapd, DIGEST-MD5 with its encryption layer): the paging enumeration alerts from its sealed messages, the two own lookups do not', async () => {
  const a = await replayRuleAlerts(path.join(REPO_ROOT, 'test', 'lab', 'captures', 'ldap-sealed.pcap'), [RULE]);
  assert.deepEqual(a.map((x) => x.source.ip), ['10.77.2.21']);
  const x = a[0]!;
  // 30 connections x (8 page requests + unbind) = 270 sealed requests. Each returned 36 entries and
  // 8 completions; the estimate takes one response per request, and the unbind has none: 35 a connection.
  assert.deepEqual([x.evidence.sealed_requests, x.evidence.sealed_result_entries, x.evidence.searches], [270, 1050, 0]);
  assert.equal(x.message, '10.77.2.21 sent 270 LDAP requests in at most 5 min over SASL-sealed sessions (DIGEST-MD5), counted from their encrypted messages');
});
