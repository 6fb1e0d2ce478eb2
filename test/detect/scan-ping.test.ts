/**
 * scan.ping on ICMP flow records: unanswered echo, timestamp and
 * address-mask requests to many internal hosts from one source alert once
 * the unanswered ones reach the threshold, naming the hosts that did
 * answer; a monitor pinging live hosts, sources outside the site (unless
 * `external_sources`), group destinations, other ICMP types, and the
 * window's end stay quiet. The lab's ping-sweep capture (nmap -sn -PE
 * across the router) alerts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { flow, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT } from '../helpers/paths.js';
import type { FlowEndEvent } from '../../src/events/types.js';

const RULE = 'scan.ping';

/** An ICMP request of `type` from `src` to `dst` at `ts`, answered or not. */
function ping(ts: number, src: string, dst: string, answered: boolean, type = 8): FlowEndEvent {
  return flow({ ts, proto: 'icmp', 'id.orig_h': src, 'id.orig_p': type, 'id.resp_h': dst, 'id.resp_p': type === 128 ? 129 : 0, conn_state: 'OTH', history: '', orig_pkts: 1, orig_bytes: 56, resp_pkts: answered ? 1 : 0, resp_bytes: answered ? 56 : 0 });
}

function run(events: FlowEndEvent[], yaml = '') {
  const h = harness(yaml);
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

/** `n` requests from `src` to consecutive hosts of 10.77.3.0/24 starting at .1, the first `live` answered. */
function sweep(src: string, n: number, live: number, t0 = 100, type = 8): FlowEndEvent[] {
  return Array.from({ length: n }, (_, i) => ping(t0 + i * 0.01, src, `10.77.3.${i + 1}`, i < live, type));
}

test('25 unanswered requests to distinct internal hosts alert, naming the hosts that answered', () => {
  const a = run(sweep('10.77.2.20', 30, 3));
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.rule.id, x.event.severity, x.source.ip], [RULE, 2, '10.77.2.20']);
  assert.equal(x.message, '10.77.2.20 sent ICMP echo requests to 30 hosts in 290 ms; 27 never answered, 3 did (10.77.3.1, 10.77.3.2, 10.77.3.3): a ping sweep');
  assert.deepEqual([x.evidence.unanswered_count, x.evidence.answered_count, x.evidence.answered_hosts, x.evidence.icmp_types], [27, 3, ['10.77.3.1', '10.77.3.2', '10.77.3.3'], ['echo']]);
  // 24 unanswered stay under the threshold.
  assert.deepEqual(run(sweep('10.77.2.20', 27, 3)), []);
});

test('timestamp and address-mask requests and ICMPv6 echo count; other ICMP and group destinations do not', () => {
  const mixed = [...sweep('10.77.2.20', 15, 0, 100, 13), ...sweep('10.77.2.20', 15, 0, 200, 17).map((e) => ({ ...e, record: { ...e.record, 'id.resp_h': e.record['id.resp_h'].replace('10.77.3.', '10.77.4.') } }))];
  const a = run(mixed);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.icmp_types, ['timestamp', 'address mask']);
  const v6 = Array.from({ length: 30 }, (_, i) => ping(100 + i, 'fd77:2::20', `fd77:3::${(i + 1).toString(16)}`, false, 128));
  assert.equal(run(v6).length, 1);
  const unreachables = Array.from({ length: 30 }, (_, i) => ping(100 + i, '10.77.2.20', `10.77.3.${i + 1}`, false, 3));
  const group = Array.from({ length: 30 }, (_, i) => ping(100 + i, '10.77.2.20', i % 2 === 0 ? '224.0.0.1' : '255.255.255.255', false));
  assert.deepEqual(run([...unreachables, ...group]), []);
});

test('a monitor pinging live hosts, outside sources, Internet destinations and a slow trickle stay quiet', () => {
  assert.deepEqual(run(sweep('10.77.2.21', 200, 200)), []);
  const outside = sweep('198.51.100.10', 40, 0);
  assert.deepEqual(run(outside), []);
  assert.equal(run(outside, 'detectors:\n  scan.ping: { external_sources: true }\n').length, 1);
  assert.deepEqual(run(Array.from({ length: 40 }, (_, i) => ping(100 + i, '10.77.2.20', `198.51.100.${i + 1}`, false))), []);
  // One request every 20 s: never 25 inside the 5-minute window.
  assert.deepEqual(run(Array.from({ length: 40 }, (_, i) => ping(100 + i * 20, '10.77.2.20', `10.77.3.${i + 1}`, false))), []);
  assert.deepEqual(run(sweep('10.77.2.20', 40, 0), 'detectors:\n  scan.ping: { exclude: [10.77.2.20] }\n'), []);
});

test('the lab\'s ping-sweep capture (nmap -sn -PE over a segment behind the router) alerts', async () => {
  const a = await replayRuleAlerts(path.join(REPO_ROOT, 'test', 'lab', 'captures', 'ping-sweep.pcap'), [RULE]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.77.2.20');
  assert.deepEqual(a[0]!.evidence.answered_hosts, ['10.77.3.1', '10.77.3.2']);
  assert.equal(a[0]!.evidence.unanswered_count, 254);
});
