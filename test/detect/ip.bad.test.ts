/** ip.bad on synthetic flows, on the lab's intel capture, and silence on benign captures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, flow, harness, only, session } from './harness.js';
import { MemoryIndicatorIndex } from '../../src/intel/store/indicator-index.js';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { INTEL_RULES, LAB_CAPTURES, labIntel, replayWithIntel } from '../intel/store/lab-intel.js';

const RULE = 'ip.bad';

const index = MemoryIndicatorIndex.build([
  { source: 'bad-ips.txt', indicators: [{ kind: 'ip', value: '203.0.113.66', to_ids: true }, { kind: 'cidr', value: '192.0.2.0/25', to_ids: true }] },
  { source: 'misp:misp.example', indicators: [{ kind: 'ip', value: '198.51.100.77', to_ids: false, event_id: '5' }] },
]);

test('outbound to a listed address or CIDR alerts, answered or not; evidence names the source', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(session({ ts: 1000, 'id.resp_h': '203.0.113.66', 'id.resp_p': 443 }));
  h.emit(flow({ ts: 1001, 'id.orig_h': '10.77.2.21', 'id.resp_h': '192.0.2.100', 'id.resp_p': 8080, conn_state: 'S0', history: 'S' }));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 2);
  assert.equal(a[0]!.evidence.direction, 'outbound');
  assert.equal(a[0]!.evidence.established, true);
  assert.match(a[0]!.message, /10\.77\.2\.20 connected to listed address 203\.0\.113\.66 on TCP 443, in bad-ips\.txt/);
  assert.equal(a[1]!.evidence.indicator, '192.0.2.0/25');
  assert.equal(a[1]!.evidence.established, false);
  assert.match(a[1]!.message, /attempted to connect to listed address 192\.0\.2\.100 \(listed as 192\.0\.2\.0\/25\)/);
});

test('inbound from a listed address alerts when answered; unanswered knocks only with unanswered_inbound', () => {
  const answered = session({ ts: 1000, 'id.orig_h': '203.0.113.66', 'id.resp_h': '10.77.1.10', 'id.resp_p': 22 });
  const knock = flow({ ts: 1001, 'id.orig_h': '203.0.113.66', 'id.resp_h': '10.77.1.11', 'id.resp_p': 23, conn_state: 'S0', history: 'S', resp_pkts: 0 });
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  h.emit(answered);
  h.emit(knock);
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.direction, 'inbound');
  assert.equal(a[0]!.evidence.internal_host, '10.77.1.10');
  const all = harness(SITE_YAML + 'detectors:\n  ip.bad: { unanswered_inbound: true }\n', { intel: { indicators: index } });
  all.emit(answered);
  all.emit(knock);
  assert.equal(only(all.finish(), RULE).length, 2);
  const off = harness(SITE_YAML + 'detectors:\n  ip.bad: { inbound: false }\n', { intel: { indicators: index } });
  off.emit(answered);
  assert.equal(only(off.finish(), RULE).length, 0);
});

test('unlisted, enrichment-only and excluded addresses stay quiet', () => {
  const h = harness(SITE_YAML + 'detectors:\n  ip.bad: { exclude: [10.77.2.30] }\n', { intel: { indicators: index } });
  h.emit(session({ ts: 1000, 'id.resp_h': '192.0.2.200', 'id.resp_p': 443 }));
  h.emit(session({ ts: 1000, 'id.resp_h': '198.51.100.77', 'id.resp_p': 443 }));
  h.emit(session({ ts: 1000, 'id.orig_h': '10.77.2.30', 'id.resp_h': '203.0.113.66', 'id.resp_p': 443 }));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('lab intel.pcap: the four connections to listed addresses alert (intel.expect.json "conn" matches)', async () => {
  const lab = await labIntel();
  try {
    const a = only(await replayWithIntel([path.join(LAB_CAPTURES, 'intel.pcap')], lab), RULE);
    const got = a.map((x) => `${x.source.ip}>${x.destination?.ip}:${x.destination?.port}`).sort();
    assert.deepEqual(got, ['10.77.2.20>192.0.2.99:8080', '10.77.2.20>198.18.0.77:9001', '10.77.2.20>203.0.113.66:80', '10.77.2.21>203.0.113.66:443']);
    assert.ok(a.every((x) => x.event.severity === 3 && x.evidence.direction === 'outbound'));
    // The HTTP fetches carried payload both ways; the bare connects to 9001 and 443 sent none.
    assert.deepEqual(a.filter((x) => x.evidence.established === true).map((x) => x.destination?.port).sort(), [80, 8080]);
  } finally {
    lab.cleanup();
  }
});

test('benign captures (lab benign.pcap, zeek wikipedia.pcap) raise none of the intel rules', async () => {
  const lab = await labIntel(undefined, {});
  try {
    const a = await replayWithIntel([path.join(LAB_CAPTURES, 'benign.pcap'), path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap')], lab);
    assert.deepEqual(a.filter((x) => INTEL_RULES.includes(x.rule.id)).map((x) => x.message), []);
  } finally {
    lab.cleanup();
  }
});

test('a listed IPv4 address reached through NAT64 (64:ff9b::/96) alerts, naming the listed address', () => {
  const h = harness(SITE_YAML, { intel: { indicators: index } });
  // 64:ff9b::cb00:7142 is 203.0.113.66 (listed); 64:ff9b::c000:264 is 192.0.2.100 (in the listed /25).
  h.emit(session({ ts: 1000, 'id.orig_h': 'fd77:2::30', 'id.resp_h': '64:ff9b::cb00:7142', 'id.resp_p': 443 }));
  h.emit(session({ ts: 1001, 'id.orig_h': 'fd77:2::30', 'id.resp_h': '64:ff9b::c000:264', 'id.resp_p': 80 }));
  h.emit(session({ ts: 1002, 'id.orig_h': 'fd77:2::30', 'id.resp_h': '64:ff9b::c000:2ff', 'id.resp_p': 80 }));
  const a = only(h.finish(), RULE);
  assert.deepEqual(a.map((x) => x.evidence.indicator), ['203.0.113.66', '192.0.2.0/25']);
  assert.match(a[0]!.message, /connected to listed address 64:ff9b::cb00:7142 \(listed as 203\.0\.113\.66\)/);
});
