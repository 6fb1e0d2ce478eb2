/**
 * Zeek conn_state and history for hand-built TCP exchanges, one per state,
 * plus the history letters and their repeat rules. Client 10.0.0.1:40000,
 * server 10.0.0.2:80; client ISN 1000, server ISN 5000.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { c2s, s2c, runOne, recordingTracker } from './packets.js';
import type { DecodedPacket } from '../../src/decode/decoded.js';

/** SYN, SYN-ACK, ACK at t = 1, 1.1, 1.2. */
function handshake(): DecodedPacket[] {
  return [c2s(1, 'S', 1000), s2c(1.1, 'SA', 5000, 1001), c2s(1.2, 'A', 1001, 5001)];
}

function stateOf(packets: DecodedPacket[]): { state: string; history: string } {
  const { record } = runOne(packets);
  return { state: record.conn_state, history: record.history };
}

test('S0: a SYN and no reply', () => {
  const { record } = runOne([c2s(1, 'S', 1000)]);
  assert.equal(record.conn_state, 'S0');
  assert.equal(record.history, 'S');
  assert.equal(record.orig_pkts, 1);
  assert.equal(record.orig_ip_bytes, 40);
  assert.equal(record.resp_pkts, 0);
  // One packet: Zeek leaves duration and the byte counts unset.
  assert.equal(record.duration, undefined);
  assert.equal(record.orig_bytes, undefined);
});

test('S1: handshake, no close', () => {
  assert.deepEqual(stateOf(handshake()), { state: 'S1', history: 'ShA' });
});

test('SF: data both ways and a FIN exchange; the final ACK is not in the duration', () => {
  const { record } = runOne([
    ...handshake(),
    c2s(1.3, 'PA', 1001, 5001, 100),
    s2c(1.4, 'PA', 5001, 1101, 200),
    c2s(1.5, 'FA', 1101, 5201),
    s2c(1.6, 'FA', 5201, 1102),
    c2s(1.7, 'A', 1102, 5202),
  ]);
  assert.equal(record.conn_state, 'SF');
  assert.equal(record.history, 'ShADdFf');
  assert.equal(record.orig_bytes, 100);
  assert.equal(record.resp_bytes, 200);
  assert.equal(record.orig_pkts, 5);
  assert.equal(record.resp_pkts, 3);
  assert.equal(record.orig_ip_bytes, 5 * 40 + 100);
  assert.equal(record.resp_ip_bytes, 3 * 40 + 200);
  assert.equal(record.duration, 0.6);
});

test('REJ: SYN answered by RST', () => {
  assert.deepEqual(stateOf([c2s(1, 'S', 1000), s2c(1.1, 'RA', 0, 1001)]), { state: 'REJ', history: 'Sr' });
});

test('RSTO and RSTR: established, then a RST from either side', () => {
  assert.deepEqual(stateOf([...handshake(), c2s(1.3, 'RA', 1001, 5001)]), { state: 'RSTO', history: 'ShAR' });
  assert.deepEqual(stateOf([...handshake(), s2c(1.3, 'R', 5001)]), { state: 'RSTR', history: 'ShAr' });
});

test('RSTOS0: SYN then RST from the originator, no SYN-ACK', () => {
  assert.deepEqual(stateOf([c2s(1, 'S', 1000), c2s(1.1, 'R', 1001)]), { state: 'RSTOS0', history: 'SR' });
});

test('RSTRH: SYN-ACK then RST from the responder, no SYN (roles flipped by port)', () => {
  const { record } = runOne([s2c(1, 'SA', 5000, 1001), s2c(1.1, 'R', 5001)]);
  assert.equal(record.conn_state, 'RSTRH');
  assert.equal(record.history, '^hr');
  assert.equal(record['id.orig_h'], '10.0.0.1');
  assert.equal(record['id.resp_p'], 80);
});

test('SH and SHR: a FIN towards a silent peer', () => {
  assert.deepEqual(stateOf([c2s(1, 'S', 1000), c2s(1.1, 'F', 1001)]), { state: 'SH', history: 'SF' });
  assert.deepEqual(stateOf([s2c(1, 'SA', 5000, 1001), s2c(1.1, 'FA', 5001, 1001)]), {
    state: 'SHR',
    history: '^hf',
  });
});

test('S2 and S3: established, only one side closes', () => {
  assert.deepEqual(stateOf([...handshake(), c2s(1.3, 'FA', 1001, 5001)]), { state: 'S2', history: 'ShAF' });
  assert.deepEqual(stateOf([...handshake(), s2c(1.3, 'FA', 5001, 1001)]), { state: 'S3', history: 'ShAf' });
});

test('OTH: midstream traffic without a SYN', () => {
  const { record } = runOne([
    c2s(1, 'PA', 1001, 5001, 10),
    s2c(1.1, 'PA', 5001, 1011, 20),
    c2s(1.2, 'A', 1011, 5021),
  ]);
  assert.equal(record.conn_state, 'OTH');
  assert.equal(record.history, 'DdA');
  assert.equal(record.orig_bytes, 10);
  assert.equal(record.resp_bytes, 20);
});

test('Q and I: SYN+FIN and FIN+RST packets', () => {
  assert.equal(stateOf([c2s(1, 'SF', 1000)]).history, 'Q');
  assert.equal(stateOf([...handshake(), c2s(1.3, 'FR', 1001)]).history, 'ShAI');
});

test('T: retransmitted data, recorded again at 10 and 100 occurrences', () => {
  const data = (ts: number): DecodedPacket => c2s(ts, 'PA', 1001, 5001, 100);
  const run = (rexmits: number): string => {
    const pkts = [...handshake(), data(1.3)];
    for (let i = 0; i < rexmits; i++) pkts.push(data(1.4 + i * 0.001));
    return stateOf(pkts).history;
  };
  assert.equal(run(1), 'ShADT');
  assert.equal(run(9), 'ShADT');
  assert.equal(run(10), 'ShADTT');
  assert.equal(run(99), 'ShADTT');
  assert.equal(run(100), 'ShADTTT');
});

test('W: a zero window from the responder', () => {
  const h = stateOf([...handshake(), s2c(1.3, 'A', 5001, 1001, 0, { win: 0 })]).history;
  assert.equal(h, 'ShAaw');
});

test('S, F and R repeat only when their sequence number differs', () => {
  // A retransmitted SYN (same ISN) is one 'S'.
  assert.equal(stateOf([c2s(1, 'S', 1000), c2s(2, 'S', 1000)]).history, 'S');
  // The same FIN twice is one 'F'; a FIN at a later sequence number is another.
  assert.equal(stateOf([...handshake(), c2s(1.3, 'FA', 1001, 5001), c2s(1.4, 'FA', 1001, 5001)]).history, 'ShAF');
  assert.equal(
    stateOf([...handshake(), c2s(1.3, 'FA', 1001, 5001), c2s(1.4, 'FA', 1001, 5001, 10)]).history,
    'ShAFF',
  );
});

test('G: content gaps reported by reassembly, with missed_bytes', () => {
  const { tracker, ended } = recordingTracker();
  let slot = -1;
  for (const p of handshake()) slot = tracker.track(p);
  tracker.addMissedBytes(slot, 50, true);
  tracker.addMissedBytes(slot, 7, false);
  tracker.flushAll();
  assert.equal(ended[0]!.record.history, 'ShAGg');
  assert.equal(ended[0]!.record.missed_bytes, 57);
});

test('SYN-ACK before SYN: roles swap when the SYN arrives (history ^)', () => {
  // Neither port is a likely server port, so the first SYN-ACK keeps its sender as originator.
  const a = { src: '10.0.0.9', dst: '10.0.0.8' };
  const { record } = runOne([
    c2s(1, 'SA', 7000, 2001, 0, { ...a, sp: 5555, dp: 6666 }),
    c2s(1.001, 'S', 2000, 0, 0, { src: a.dst, dst: a.src, sp: 6666, dp: 5555 }),
    c2s(1.1, 'A', 2001, 7001, 0, { src: a.dst, dst: a.src, sp: 6666, dp: 5555 }),
  ]);
  assert.equal(record['id.orig_h'], '10.0.0.8');
  assert.equal(record['id.orig_p'], 6666);
  // Zeek records the letter before the state machine flips, so 's' precedes '^'.
  assert.equal(record.history, 'Hs^A');
  assert.equal(record.conn_state, 'S1');
});

test('the tracker keeps whether a flow\'s first packet carried ACK (a FIN probe has none, a late close has it)', () => {
  const probe = recordingTracker();
  probe.tracker.track(c2s(1, 'F', 100));
  assert.equal(probe.tracker.openedWithAck(probe.started[0]!), false);
  const close = recordingTracker();
  close.tracker.track(c2s(1, 'FA', 100, 200));
  assert.equal(close.tracker.openedWithAck(close.started[0]!), true);
  const syn = recordingTracker();
  syn.tracker.track(c2s(1, 'S', 100));
  assert.equal(syn.tracker.openedWithAck(syn.started[0]!), false);
});
