/** dns.excessive_queries and dns.excessive_ptr_txt. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_YAML, dns, harness, only } from './harness.js';

const Q = 'dns.excessive_queries';
const P = 'dns.excessive_ptr_txt';
const LOW = SITE_YAML + 'detectors:\n  dns.excessive_queries: { threshold: 100 }\n';

test('dns.excessive_queries: threshold-1 no, threshold yes, with counts by type', () => {
  const h1 = harness(LOW);
  for (let i = 0; i < 99; i++) h1.emit(dns(1000 + i * 0.5));
  assert.equal(only(h1.finish(), Q).length, 0);

  const h2 = harness(LOW);
  for (let i = 0; i < 100; i++) {
    const t = i % 3 === 0 ? { qtype: 1, qtype_name: 'A' } : i % 3 === 1 ? { qtype: 28, qtype_name: 'AAAA' } : { qtype: 65, qtype_name: 'HTTPS' };
    h2.emit(dns(1000 + i * 0.5, { ...t, rcode: 3, rcode_name: 'NXDOMAIN' }));
  }
  const a = only(h2.finish(), Q);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.by_type, { A: 34, AAAA: 33, HTTPS: 33 });
  assert.equal(a[0]!.evidence.nxdomain, 100);
  assert.equal(a[0]!.message, '10.77.2.20 sent 100 DNS address lookups in 50 s for 100 different names, 100 of them answered NXDOMAIN');
});

test('dns.excessive_queries: other types, NBNS and an excluded resolver\'s own queries do not count; default is 1000', () => {
  const h = harness(SITE_YAML + 'detectors:\n  dns.excessive_queries: { exclude: [10.77.1.53] }\n');
  // The resolver forwarding its clients' queries upstream.
  for (let i = 0; i < 2000; i++) h.emit(dns(1000 + i * 0.1, { 'id.orig_h': '10.77.1.53', 'id.resp_h': '192.0.2.53' }));
  for (let i = 0; i < 2000; i++) h.emit(dns(2000 + i * 0.1, { 'id.resp_h': '10.77.1.54', 'id.resp_p': 137 }));
  for (let i = 0; i < 2000; i++) h.emit(dns(3000 + i * 0.1, { 'id.resp_h': '10.77.1.54', qtype: 15, qtype_name: 'MX' }));
  assert.equal(only(h.finish(), Q).length, 0);
  const d = harness(SITE_YAML);
  for (let i = 0; i < 999; i++) d.emit(dns(1000 + i * 0.1));
  assert.equal(only(d.finish(), Q).length, 0);
  d.emit(dns(1100));
  assert.equal(only(d.finish(), Q).length, 1);
  // Its clients' queries to the excluded resolver still count.
  const c = harness(SITE_YAML + 'detectors:\n  dns.excessive_queries: { exclude: [10.77.1.53] }\n');
  for (let i = 0; i < 1000; i++) c.emit(dns(1000 + i * 0.1));
  assert.deepEqual(only(c.finish(), Q).map((a) => a.source.ip), ['10.77.2.20']);
});

test('dns.excessive_ptr_txt: a reverse sweep of a /24 alerts at 100 PTRs, not at 99', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 1; i <= 99; i++) h1.emit(dns(1000 + i * 0.1, { qtype: 12, qtype_name: 'PTR', query: `${i}.2.77.10.in-addr.arpa` }));
  assert.equal(only(h1.finish(), P).length, 0);
  const h2 = harness(SITE_YAML);
  for (let i = 1; i <= 254; i++) h2.emit(dns(1000 + i * 0.1, { qtype: 12, qtype_name: 'PTR', query: `${i}.2.77.10.in-addr.arpa` }));
  const a = only(h2.finish(), P);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.trigger, 'PTR');
  assert.equal(a[0]!.evidence.distinct_names, 254);
  assert.equal(a[0]!.count, 254);
});

test('dns.excessive_ptr_txt: TXT has its own threshold (50)', () => {
  const h1 = harness(SITE_YAML);
  for (let i = 0; i < 49; i++) h1.emit(dns(1000 + i, { qtype: 16, qtype_name: 'TXT', query: `c${i}.t.example.net` }));
  assert.equal(only(h1.finish(), P).length, 0);
  h1.emit(dns(1050, { qtype: 16, qtype_name: 'TXT' }));
  const a = only(h1.finish(), P);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.trigger, 'TXT');
});

test('dns.excessive_ptr_txt: NULL queries (iodine\'s carrier) count with TXT, and the message names both', () => {
  const nul = harness(SITE_YAML);
  for (let i = 0; i < 50; i++) nul.emit(dns(1000 + i, { qtype: 10, qtype_name: 'NULL', query: `paaaa${i}.t.example.net` }));
  const a = only(nul.finish(), P);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.trigger, 'NULL');
  assert.match(a[0]!.message, /^10\.77\.2\.20 sent 50 NULL DNS lookups in 49 s for 50 different names$/);
  const mixed = harness(SITE_YAML);
  for (let i = 0; i < 50; i++) mixed.emit(dns(1000 + i, { qtype: i % 2 === 0 ? 16 : 10, qtype_name: i % 2 === 0 ? 'TXT' : 'NULL', query: `m${i}.t.example.net` }));
  const b = only(mixed.finish(), P);
  assert.equal(b.length, 1);
  assert.match(b[0]!.message, / sent 50 TXT and NULL DNS lookups /);
  assert.deepEqual(b[0]!.evidence.by_type, { TXT: 25, NULL: 25 });
});

test('dns.excessive_queries: past the threshold the message keeps counting and first_seen is the first lookup', () => {
  const h = harness(LOW);
  for (let i = 0; i < 150; i++) h.emit(dns(1000 + i * 0.5));
  const a = only(h.finish(), Q);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 150);
  assert.match(a[0]!.message, /^10\.77\.2\.20 sent 150 DNS address lookups in 75 s /);
  assert.equal(a[0]!.first_seen, new Date(1000 * 1000).toISOString());
});
