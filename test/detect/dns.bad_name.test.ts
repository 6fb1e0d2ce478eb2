/** dns.bad_name on synthetic dns events and on the lab's intel capture. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, dns, harness, only } from './harness.js';
import { MemoryIndicatorIndex } from '../../src/intel/store/indicator-index.js';
import { FIXTURE_DOMAINS, LAB_CAPTURES, labIntel, replayWithIntel } from '../intel/store/lab-intel.js';

const RULE = 'dns.bad_name';

const index = MemoryIndicatorIndex.build([
  { source: 'bad-domains.txt', indicators: [{ kind: 'domain', value: 'evil.example', to_ids: true }] },
  {
    source: 'misp:misp.example',
    indicators: [
      { kind: 'domain', value: 'c2.test', to_ids: true, event_id: '9747', event_info: 'OSINT - Sednit update', tags: ['tlp:white'] },
      { kind: 'domain', value: 'context-only.test', to_ids: false, event_id: '12' },
    ],
  },
]);

test('a query for a listed name or any subdomain alerts, naming the list', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(dns(1000, { query: 'evil.example' }));
  h.emit(dns(1001, { query: 'a.b.evil.example', 'id.orig_h': '10.77.2.21' }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 2);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.evidence.indicator, 'evil.example');
  assert.deepEqual(a[0]!.evidence.matches, [{ source: 'bad-domains.txt', kind: 'domain', indicator: 'evil.example' }]);
  assert.match(a[1]!.message, /10\.77\.2\.21 looked up a\.b\.evil\.example listed as evil\.example in bad-domains\.txt/);
});

test('the evidence names the MISP event; repeated lookups are one alert with a count', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  for (let i = 0; i < 5; i++) h.emit(dns(1000 + i * 60, { query: 'beacon.c2.test' }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 5);
  assert.deepEqual(a[0]!.evidence.matches, [
    { source: 'misp:misp.example', kind: 'domain', indicator: 'c2.test', event_id: '9747', event_info: 'OSINT - Sednit update', tags: ['tlp:white'] },
  ]);
  assert.match(a[0]!.message, /misp:misp\.example event 9747 "OSINT - Sednit update"/);
});

test('a CNAME target that is listed alerts; check_cnames: false turns that off', () => {
  const cname = dns(1000, { query: 'innocent.example.org', answers: ['cdn.evil.example', '192.0.2.5'] });
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(cname);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.matched_via, 'cname');
  assert.equal(a[0]!.evidence.matched_name, 'cdn.evil.example');
  const off = harness(SITE_YAML + 'detectors:\n  dns.bad_name: { check_cnames: false }\n', { intel: { indicators: index } });
  off.emit(cname);
  assert.equal(only(off.finish(), RULE).length, 0);
});

test('unlisted names, look-alike suffixes, non-to_ids indicators, TXT answers and excluded clients stay quiet', () => {
  const h = harness(SITE_YAML + 'detectors:\n  dns.bad_name: { exclude: [10.77.1.53] }\n', { intel: { indicators: index } });
  h.emit(dns(1000, { query: 'notevil.example', 'id.resp_h': '10.77.1.54' }));
  h.emit(dns(1001, { query: 'evil.example.com', 'id.resp_h': '10.77.1.54' }));
  h.emit(dns(1002, { query: 'context-only.test', 'id.resp_h': '10.77.1.54' }));
  h.emit(dns(1003, { query: 'spf.example.net', answers: ['TXT 20 v=spf1 include:evil.example'], 'id.resp_h': '10.77.1.54' }));
  // The excluded resolver forwarding a client's lookup upstream.
  h.emit(dns(1004, { query: 'evil.example', 'id.orig_h': '10.77.1.53', 'id.resp_h': '192.0.2.53' }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('excluding the resolver keeps its clients\' lookups through it: exclude names DNS clients', () => {
  const h = harness(SITE_YAML + 'detectors:\n  dns.bad_name: { exclude: [10.77.1.53] }\n', { intel: { indicators: index } });
  h.emit(dns(1000, { query: 'evil.example' })); // 10.77.2.20 asks the resolver 10.77.1.53
  h.emit(dns(1001, { query: 'evil.example', 'id.orig_h': '10.77.1.53', 'id.resp_h': '192.0.2.53' }));
  const a = only(h.finish(), RULE);
  assert.deepEqual(a.map((x) => x.source.ip), ['10.77.2.20']);
});

test('without indicator sources the rule stays quiet', () => {
  const h = harness(SITE_YAML);
  h.emit(dns(1000, { query: 'evil.example' }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('lab intel.pcap: the three listed names looked up by 10.77.2.20 alert', async () => {
  const lab = await labIntel();
  try {
    const a = only(await replayWithIntel([path.join(LAB_CAPTURES, 'intel.pcap')], lab), RULE);
    assert.deepEqual(a.map((x) => x.evidence.query).sort(), [...FIXTURE_DOMAINS].sort());
    for (const x of a) {
      assert.equal(x.source.ip, '10.77.2.20');
      assert.equal(x.destination?.ip, '10.77.1.1');
      assert.deepEqual(x.evidence.matches, [{ source: 'bad-domains.txt', kind: 'domain', indicator: x.evidence.query! }]);
    }
  } finally {
    lab.cleanup();
  }
});
