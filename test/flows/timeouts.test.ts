/**
 * When flows end, all in packet time: inactivity, the TCP attempt timer,
 * close and reset delays (late packets still count), connection reuse,
 * option overrides, and eviction when the table is full.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { c2s, s2c, pkt, recordingTracker } from './packets.js';
import { FlowTracker } from '../../src/flows/tracker.js';

const udp = (ts: number, sp = 5000, src = '10.0.0.1') =>
  pkt({ src, dst: '10.0.0.2', sp, dp: 6000, proto: 17, len: 10, ts });

test('UDP inactivity (60 s) ends a flow at expire(), not before', () => {
  const { tracker, ended } = recordingTracker();
  tracker.track(udp(0));
  tracker.track(udp(10));
  tracker.expire(69.9);
  assert.equal(ended.length, 0);
  tracker.expire(70);
  assert.equal(ended.length, 1);
  assert.equal(ended[0]!.reason, 'timeout');
  assert.equal(tracker.stats.live, 0);
});

test('a packet after the timeout starts a new flow even without expire()', () => {
  const { tracker, ended, started } = recordingTracker();
  const a = tracker.track(udp(0));
  assert.equal(tracker.lastIsNew, true);
  assert.equal(tracker.track(udp(59)), a);
  assert.equal(tracker.lastIsNew, false);
  tracker.track(udp(119.5));
  assert.equal(tracker.lastIsNew, true);
  assert.equal(ended.length, 1);
  assert.equal(ended[0]!.reason, 'timeout');
  assert.equal(ended[0]!.record.orig_pkts, 2);
  assert.equal(started.length, 2);
});

test('TCP attempt: a lone SYN ends 5 s after the first SYN, retransmissions included', () => {
  const { tracker, ended } = recordingTracker();
  tracker.track(c2s(100, 'S', 1000));
  tracker.track(c2s(103, 'S', 1000));
  tracker.expire(104.9);
  assert.equal(ended.length, 0);
  tracker.expire(105);
  assert.equal(ended.length, 1);
  assert.equal(ended[0]!.reason, 'timeout');
  assert.equal(ended[0]!.record.conn_state, 'S0');
  assert.equal(ended[0]!.record.history, 'S');
  assert.equal(ended[0]!.record.orig_pkts, 2);
  // A further retry after that is a new connection attempt, as in Zeek.
  tracker.track(c2s(109, 'S', 1000));
  assert.equal(tracker.lastIsNew, true);
});

test('close delay: a late ACK still counts, the flow ends 5 s after the close', () => {
  const { tracker, ended } = recordingTracker();
  for (const p of [
    c2s(1, 'S', 1000),
    s2c(1.1, 'SA', 5000, 1001),
    c2s(1.2, 'A', 1001, 5001),
    c2s(1.5, 'FA', 1001, 5001),
    s2c(1.6, 'FA', 5001, 1002),
  ]) {
    tracker.track(p);
  }
  tracker.track(c2s(3, 'A', 1002, 5002));
  tracker.expire(6.5);
  assert.equal(ended.length, 0);
  tracker.expire(6.7);
  assert.equal(ended.length, 1);
  const { record, reason } = ended[0]!;
  assert.equal(reason, 'closed');
  assert.equal(record.conn_state, 'SF');
  assert.equal(record.orig_pkts, 4);
  // The trailing ACK is in the packet count but not the duration.
  assert.equal(record.duration, 0.6);
});

test('RST: the flow ends tcpReset seconds after the reset', () => {
  const { tracker, ended } = recordingTracker({ timeouts: { tcpReset: 2 } });
  tracker.track(c2s(1, 'S', 1000));
  tracker.track(s2c(1.1, 'RA', 0, 1001));
  tracker.expire(3.0);
  assert.equal(ended.length, 0);
  tracker.expire(3.2);
  assert.equal(ended.length, 1);
  assert.equal(ended[0]!.reason, 'closed');
  assert.equal(ended[0]!.record.conn_state, 'REJ');
});

test('reuse: a new SYN on a closed tuple starts a new connection at once', () => {
  const { tracker, ended } = recordingTracker();
  for (const p of [c2s(1, 'S', 1000), s2c(1.1, 'RA', 0, 1001)]) tracker.track(p);
  tracker.track(c2s(1.5, 'S', 1000));
  assert.equal(tracker.lastIsNew, true);
  assert.equal(ended.length, 1);
  assert.equal(ended[0]!.reason, 'closed');
  assert.equal(ended[0]!.record.conn_state, 'REJ');
  // And a SYN with a new ISN on an open attempt is a new connection too (Zeek: SYN_seq_jump).
  tracker.track(c2s(2, 'S', 9999));
  assert.equal(tracker.lastIsNew, true);
  assert.equal(ended.length, 2);
});

test('established TCP uses the 5 min inactivity timeout, a handshake-only one 1 min', () => {
  const { tracker, ended } = recordingTracker();
  for (const p of [c2s(0, 'S', 1000), s2c(0.1, 'SA', 5000, 1001), c2s(0.2, 'A', 1001, 5001)]) tracker.track(p);
  tracker.expire(100);
  assert.equal(ended.length, 0);
  tracker.expire(300.3);
  assert.equal(ended.length, 1);
  assert.equal(ended[0]!.reason, 'timeout');
  assert.equal(ended[0]!.record.conn_state, 'S1');
});

test('timeouts can be overridden; 0 disables an inactivity timeout', () => {
  const short = recordingTracker({ timeouts: { udpInactivity: 10 } });
  short.tracker.track(udp(0));
  short.tracker.expire(10);
  assert.equal(short.ended.length, 1);
  const never = recordingTracker({ timeouts: { udpInactivity: 0 } });
  never.tracker.track(udp(0));
  never.tracker.expire(1e6);
  assert.equal(never.ended.length, 0);
  never.tracker.flushAll();
  assert.equal(never.ended[0]!.reason, 'capture_end');
  assert.throws(() => new FlowTracker({ timeouts: { tcpClose: -1 } }, { onStart() {}, onEnd() {} }), {
    code: 'PKT_ERR_FLOWS_BAD_TIMEOUT',
  });
});

test('flushAll reports capture_end, or the timer reason when a timer already ran out', () => {
  const { tracker, ended } = recordingTracker();
  tracker.track(udp(0, 1111));
  tracker.track(udp(100, 2222));
  tracker.flushAll();
  const reasons = new Map(ended.map((e) => [e.record['id.orig_p'], e.reason]));
  assert.equal(reasons.get(1111), 'timeout');
  assert.equal(reasons.get(2222), 'capture_end');
  assert.equal(tracker.stats.live, 0);
  assert.equal(tracker.stats.ended, 2);
});

test('a full table evicts the least recently active flow', () => {
  const { tracker, ended } = recordingTracker({ maxFlows: 4 });
  for (let i = 0; i < 4; i++) tracker.track(udp(i + 1, 1000 + i));
  tracker.track(udp(5, 1000)); // flow 1000 is active again
  tracker.track(udp(6, 2000)); // a fifth flow
  assert.equal(tracker.stats.evicted, 1);
  assert.equal(tracker.stats.live, 4);
  assert.equal(ended.length, 1);
  assert.equal(ended[0]!.reason, 'evicted');
  assert.equal(ended[0]!.record['id.orig_p'], 1001);
});

test('eviction keeps working under churn far beyond maxFlows', () => {
  const { tracker, ended } = recordingTracker({ maxFlows: 64 });
  for (let i = 0; i < 5000; i++) tracker.track(udp(i, 1024 + i));
  assert.equal(tracker.stats.live, 64);
  assert.equal(tracker.stats.evicted, 5000 - 64);
  assert.equal(ended.length, 5000 - 64);
  tracker.flushAll();
  assert.equal(tracker.stats.created, 5000);
  assert.equal(tracker.stats.ended, 5000);
});

test('growth past the initial capacity keeps every flow findable', () => {
  const { tracker, ended } = recordingTracker();
  const slots: number[] = [];
  for (let i = 0; i < 10000; i++) slots.push(tracker.track(udp(1, i % 60000, `10.1.${i >> 8}.${i & 255}`)));
  for (let i = 0; i < 10000; i++) {
    assert.equal(tracker.track(udp(2, i % 60000, `10.1.${i >> 8}.${i & 255}`)), slots[i]);
  }
  assert.equal(tracker.stats.live, 10000);
  tracker.flushAll();
  assert.equal(ended.length, 10000);
  // (Source ports that are likely server ports, e.g. 53, flip the roles.)
  assert.ok(ended.every((e) => e.record.orig_pkts + e.record.resp_pkts === 2));
});

test('at the end, a flow whose time ran out by the caller\'s clock ends as a timeout', () => {
  // One thread of several sees other threads' packets only as time going by.
  const a = recordingTracker();
  a.tracker.track(udp(0));
  a.tracker.flushAll(60.5);
  assert.equal(a.ended[0]!.reason, 'timeout');
  const b = recordingTracker();
  b.tracker.track(udp(0));
  b.tracker.flushAll(59.5);
  assert.equal(b.ended[0]!.reason, 'capture_end');
  // Without a clock of its own the caller gets the tracker's newest packet.
  const c = recordingTracker();
  c.tracker.track(udp(0));
  c.tracker.track(udp(61, 5001));
  c.tracker.flushAll();
  assert.deepEqual(c.ended.map((e) => e.reason).sort(), ['capture_end', 'timeout']);
});
