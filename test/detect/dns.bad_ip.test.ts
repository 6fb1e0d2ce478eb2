/** dns.bad_ip on synthetic dns.answer events and on the lab's intel capture. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only } from './harness.js';
import { MemoryIndicatorIndex } from '../../src/intel/store/indicator-index.js';
import type { DnsAnswerEvent } from '../../src/protocols/dns/events.js';
import { FIXTURE_IPS, LAB_CAPTURES, labIntel, replayWithIntel } from '../intel/store/lab-intel.js';

const RULE = 'dns.bad_ip';

function answer(ts: number, query: string, addrs: string[], client = '10.77.2.20'): DnsAnswerEvent {
  return { type: 'dns.answer', ts, uid: 'Cans1', client, server: '10.77.1.1', query, qtype_name: 'A', addrs, ttls: addrs.map(() => 300), cnames: [] };
}

const index = MemoryIndicatorIndex.build([
  {
    source: 'bad-ips.txt',
    indicators: [
      { kind: 'ip', value: '203.0.113.66', to_ids: true },
      { kind: 'cidr', value: '198.51.100.0/28', to_ids: true },
      { kind: 'ip', value: '2001:db8::66', to_ids: true },
    ],
  },
  { source: 'misp-feed:osint', indicators: [{ kind: 'ip', value: '192.0.2.7', to_ids: false, event_id: 'e1' }] },
]);

test('an answer resolving to a listed address or into a listed CIDR alerts, naming the source', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(answer(1000, 'new-domain.example', ['192.0.2.1', '203.0.113.66']));
  h.emit(answer(1001, 'other.example', ['198.51.100.9']));
  h.emit(answer(1002, 'v6.example', ['2001:db8:0:0::66']));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 3);
  assert.equal(a[0]!.evidence.address, '203.0.113.66');
  assert.equal(a[0]!.evidence.query, 'new-domain.example');
  assert.match(a[0]!.message, /resolved new-domain\.example to 203\.0\.113\.66, listed in bad-ips\.txt/);
  assert.equal(a[1]!.evidence.indicator, '198.51.100.0/28');
  assert.equal(a[2]!.evidence.address, '2001:db8:0:0::66');
  assert.equal(a[0]!.event.severity, 3);
});

test('unlisted answers, enrichment-only (non-to_ids) indicators and excluded addresses stay quiet', () => {
  const h = harness(SITE_YAML + 'detectors:\n  dns.bad_ip: { exclude: [198.51.100.0/24] }\n', { intel: { indicators: index } });
  h.emit(answer(1000, 'fine.example', ['192.0.2.1', '198.51.100.16']));
  h.emit(answer(1001, 'ctx.example', ['192.0.2.7']));
  h.emit(answer(1002, 'excluded.example', ['198.51.100.9']));
  assert.equal(only(h.finish(), RULE).length, 0);
  const none = harness(SITE_YAML);
  none.emit(answer(1000, 'x.example', ['203.0.113.66']));
  assert.equal(only(none.finish(), RULE).length, 0);
});

test('lab intel.pcap: the three answers with listed addresses alert for 10.77.2.20', async () => {
  const lab = await labIntel();
  try {
    const a = only(await replayWithIntel([path.join(LAB_CAPTURES, 'intel.pcap')], lab), RULE);
    assert.deepEqual(a.map((x) => x.evidence.address).sort(), [...FIXTURE_IPS].sort());
    assert.ok(a.every((x) => x.source.ip === '10.77.2.20'));
  } finally {
    lab.cleanup();
  }
});
