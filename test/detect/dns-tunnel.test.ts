/**
 * dns.tunnel on the lab's iodine-style capture (test/lab/captures/
 * dns-tunnel.pcap), on every capture of the Zeek corpus and the lab's
 * everyday traffic (quiet), and on built dns events: a tunnel over address
 * records, the thresholds, the window, the allowlists and what is not judged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, dns, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, capturesUnder } from '../helpers/paths.js';
import { createDgaScorer } from '../../src/intel/dga/index.js';

const RULE = 'dns.tunnel';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');
const dga = createDgaScorer(REPO_ROOT);

/** A dnscat2-style name: hex data in labels of up to 63 characters under `domain` (`i` makes it distinct). */
function dataName(i: number, domain = 'c2-lab.example.net', chars = 90): string {
  let hex = '';
  let x = (i + 1) * 2654435761;
  while (hex.length < chars) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    hex += x.toString(16).padStart(8, '0');
  }
  hex = hex.slice(0, chars);
  const labels = hex.match(/.{1,60}/g)!;
  return `${labels.join('.')}.${domain}`;
}

/** `n` queries one second apart from 10.77.2.30, one name each. */
function queries(n: number, name: (i: number) => string = (i) => dataName(i), extra: Parameters<typeof dns>[1] = {}): ReturnType<typeof dns>[] {
  return Array.from({ length: n }, (_, i) => dns(1000 + i, { 'id.orig_h': '10.77.2.30', query: name(i), ...extra }));
}

test('dns-tunnel.pcap: iodine-style NULL queries under t.tunnel.example.net are a tunnel to example.net', async () => {
  const alerts = await replayRuleAlerts(path.join(LAB, 'dns-tunnel.pcap'), [RULE]);
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.equal(a.source?.ip, '10.77.2.25');
  assert.equal(a.destination?.ip, '10.77.1.1');
  assert.equal(a.threat.technique.id, 'T1071.004');
  assert.equal(a.evidence.domain, 'example.net');
  assert.equal(a.evidence.queries, 120);
  assert.equal(a.evidence.names_count, 120);
  assert.deepEqual(a.evidence.qtypes, { NULL: 120 });
  assert.match(a.message, /^10\.77\.2\.25 sent 120 DNS queries with long subdomains \(120 distinct names, \d+ characters on average\) under example\.net through 10\.77\.1\.1 in \d+ ms \(NULL\): a DNS tunnel carrying about [\d.]+ KB of encoded data out in query names$/);
});

test('dns-tunnel-short.pcap: 150 A queries carrying 24-character base32 chunks are a tunnel in short chunks', async () => {
  const alerts = await replayRuleAlerts(path.join(LAB, 'dns-tunnel-short.pcap'), [RULE]);
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.deepEqual([a.source.ip, a.destination?.ip, a.evidence.domain, a.evidence.chunks, a.evidence.queries, a.evidence.names_count], ['10.77.2.23', '10.77.1.1', 'example.net', 'short', 150, 150]);
  assert.deepEqual(a.evidence.qtypes, { A: 150 });
  assert.match(a.message, /^10\.77\.2\.23 sent 150 DNS queries with subdomains of 20-49 characters \(150 distinct names, \d+ characters on average\) under example\.net through 10\.77\.1\.1 in \d+ ms \(A\): a DNS tunnel carrying about [\d.]+ KB of encoded data out in query names, in short chunks$/);
});

test('ordinary DNS raises nothing: every capture of the Zeek corpus and the lab\u2019s everyday traffic', async () => {
  const corpus = capturesUnder(ZEEK_CORPUS);
  assert.ok(corpus.length >= 20, `captures in the corpus: ${corpus.length}`);
  for (const f of [...corpus, path.join(LAB, 'benign.pcap'), path.join(LAB, 'dns-flood.pcap')]) {
    assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
  }
});

test('a tunnel over A records alerts at min_queries queries with min_names names; one alert per client and domain, later queries join it', () => {
  const h = harness(SITE_YAML, { intel: { dga } });
  for (const e of queries(24)) h.emit(e);
  assert.equal(only(h.finish(), RULE).length, 0, '24 queries');
  for (const e of queries(40).slice(24)) h.emit(e);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.evidence.domain, 'example.net');
  assert.equal(a[0]!.evidence.queries, 40);
  assert.equal(a[0]!.evidence.average_subdomain_length, dataName(0).length - '.example.net'.length);
  assert.deepEqual(a[0]!.evidence.qtypes, { A: 40 });
  assert.equal(a[0]!.count, 40);
});

test('few distinct names, short subdomains, slow queries, reverse lookups and mDNS do not count', () => {
  const cases: [string, ReturnType<typeof dns>[]][] = [
    // The same long name again and again (a cache-busting client has few names, not 15).
    ['14 names', queries(60, (i) => dataName(i % 14))],
    // Names under the 50-character subdomain mark (49 characters left of example.net).
    ['short subdomains', queries(60, (i) => dataName(i, 'example.net', 49))],
    ['reverse lookups', queries(60, (i) => `${dataName(i, 'in-addr.arpa')}`, { qtype: 12, qtype_name: 'PTR' })],
    ['mDNS', queries(60, (i) => dataName(i), { 'id.resp_p': 5353 })],
    ['no public suffix', queries(60, (i) => dataName(i, 'corp.internal'))],
  ];
  for (const [what, events] of cases) {
    const h = harness(SITE_YAML, { intel: { dga } });
    for (const e of events) h.emit(e);
    assert.equal(only(h.finish(), RULE).length, 0, what);
  }
  // 25 queries over 10 minutes: never 25 within the 5-minute window.
  const slow = harness(SITE_YAML, { intel: { dga } });
  for (let i = 0; i < 25; i++) slow.emit(dns(1000 + i * 25, { 'id.orig_h': '10.77.2.30', query: dataName(i) }));
  assert.equal(only(slow.finish(), RULE).length, 0, 'slow');
});

test('popular domains (reputation lookups) are skipped unless skip_popular is off; allow lists domains', () => {
  // Sophos' reputation lookups put a hash in the name, under a popular domain.
  const sophos = (i: number): string => dataName(i, 'sxl.sophosxl.net', 64);
  const h = harness(SITE_YAML, { intel: { dga } });
  for (const e of queries(40, sophos)) h.emit(e);
  assert.equal(only(h.finish(), RULE).length, 0);
  const all = harness(`${SITE_YAML}detectors:\n  dns.tunnel: { skip_popular: false }\n`, { intel: { dga } });
  for (const e of queries(40, sophos)) all.emit(e);
  assert.deepEqual(only(all.finish(), RULE).map((a) => a.evidence.domain), ['sophosxl.net']);
  const allowed = harness(`${SITE_YAML}detectors:\n  dns.tunnel: { allow: [c2-lab.example.net] }\n`, { intel: { dga } });
  for (const e of queries(40)) allowed.emit(e);
  assert.equal(only(allowed.finish(), RULE).length, 0);
});

test('thresholds are options; a bad one names its key', () => {
  const h = harness(`${SITE_YAML}detectors:\n  dns.tunnel: { min_subdomain_length: 30, min_queries: 5, min_names: 5 }\n`, { intel: { dga } });
  for (const e of queries(5, (i) => dataName(i, 'c2-lab.example.net', 30))) h.emit(e);
  assert.equal(only(h.finish(), RULE).length, 1);
  assert.throws(() => harness(`${SITE_YAML}detectors:\n  dns.tunnel: { min_queries: 0 }\n`), /min_queries/);
});

test('short chunks: 100 distinct names with 20-49-character subdomains under one domain alert, 99 do not; long and short tallies are one alert', () => {
  const h = harness(SITE_YAML, { intel: { dga } });
  for (const e of queries(99, (i) => dataName(i, 'c2-lab.example.net', 24))) h.emit(e);
  assert.equal(only(h.finish(), RULE).length, 0, '99 names');
  h.emit(dns(1200, { 'id.orig_h': '10.77.2.30', query: dataName(99, 'c2-lab.example.net', 24) }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.chunks, 'short');
  assert.equal(a[0]!.evidence.names_count, 100);
  assert.match(
    a[0]!.message,
    /^10\.77\.2\.30 \(workstations\) sent 100 DNS queries with subdomains of 20-49 characters \(100 distinct names, 31 characters on average\) under example\.net through 10\.77\.1\.53 \(servers\) in 3 min \(A\): a DNS tunnel carrying about [\d.]+ KB of encoded data out in query names, in short chunks$/,
  );
  // Subdomains under 20 characters (an AD domain's host names) never count; the threshold is an option.
  const hosts = harness(SITE_YAML, { intel: { dga } });
  for (const e of queries(300, (i) => `host-${i}.corp.example.net`)) hosts.emit(e);
  assert.equal(only(hosts.finish(), RULE).length, 0);
  const lower = harness(`${SITE_YAML}detectors:\n  dns.tunnel: { short_min_names: 30 }\n`, { intel: { dga } });
  for (const e of queries(30, (i) => dataName(i, 'c2-lab.example.net', 24))) lower.emit(e);
  assert.equal(only(lower.finish(), RULE).length, 1);
  // A tool sending both long and short names under one domain: one alert for the client and domain.
  const both = harness(SITE_YAML, { intel: { dga } });
  for (const e of queries(40)) both.emit(e);
  for (const e of queries(120, (i) => dataName(1000 + i, 'c2-lab.example.net', 24))) both.emit(e);
  assert.deepEqual(only(both.finish(), RULE).map((x) => x.evidence.domain), ['example.net']);
});
