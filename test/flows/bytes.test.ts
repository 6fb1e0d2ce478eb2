/**
 * Byte and packet accounting: TCP sizes from sequence numbers (so
 * retransmissions count once, acked-but-unseen data counts, and 32-bit
 * wrap-around is handled), UDP/ICMP payload sums, IP bytes, and the record
 * fields Zeek leaves unset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { c2s, s2c, pkt, runOne } from './packets.js';

test('TCP: a retransmitted segment is counted once in orig_bytes but twice in packets and IP bytes', () => {
  const { record } = runOne([
    c2s(1, 'S', 1000),
    s2c(1.1, 'SA', 5000, 1001),
    c2s(1.2, 'PA', 1001, 5001, 100),
    c2s(1.3, 'PA', 1001, 5001, 100),
    s2c(1.4, 'A', 5001, 1101),
  ]);
  assert.equal(record.orig_bytes, 100);
  assert.equal(record.orig_pkts, 3);
  assert.equal(record.orig_ip_bytes, 40 + 140 + 140);
  assert.equal(record.history, 'ShDTa');
});

test('TCP: data acked by the peer but never captured still counts (Zeek sizes from acks)', () => {
  const { record } = runOne([
    c2s(1, 'S', 1000),
    s2c(1.1, 'SA', 5000, 1001),
    c2s(1.2, 'PA', 1001, 5001, 100),
    // 1101..1200 was sent but not captured; the server acks it.
    s2c(1.4, 'A', 5001, 1201),
  ]);
  assert.equal(record.orig_bytes, 200);
});

test('TCP: sequence numbers wrapping past 2^32 are counted correctly', () => {
  const isn = 0xffffff00; // 256 below the wrap
  const p = [
    c2s(1, 'S', isn),
    s2c(1.1, 'SA', 5000, isn + 1),
    c2s(1.2, 'A', isn + 1, 5001),
  ];
  let seq = isn + 1;
  for (let i = 0; i < 3; i++) {
    p.push(c2s(1.3 + i / 10, 'PA', seq >>> 0, 5001, 200));
    seq += 200;
  }
  p.push(c2s(1.7, 'FA', seq >>> 0, 5001));
  p.push(s2c(1.8, 'FA', 5001, (seq + 1) >>> 0));
  const { record } = runOne(p);
  assert.equal(record.orig_bytes, 600);
  assert.equal(record.resp_bytes, 0);
  assert.equal(record.conn_state, 'SF');
});

test('TCP: a retransmission across the wrap is still one copy', () => {
  const isn = 0xffffffa0;
  const { record } = runOne([
    c2s(1, 'S', isn),
    s2c(1.1, 'SA', 5000, isn + 1),
    c2s(1.2, 'PA', (isn + 1) >>> 0, 5001, 300), // crosses 2^32
    c2s(1.3, 'PA', (isn + 1) >>> 0, 5001, 300),
    c2s(1.4, 'PA', (isn + 301) >>> 0, 5001, 50),
  ]);
  assert.equal(record.orig_bytes, 350);
  assert.equal(record.history, 'ShDT');
});

test('UDP: payload bytes from the UDP length, IP bytes from the IP length, D/d once each', () => {
  const q = (ts: number, len: number) => pkt({ src: '10.0.0.1', dst: '10.0.0.53', sp: 5000, dp: 53, proto: 17, len, ts });
  const r = (ts: number, len: number) => pkt({ src: '10.0.0.53', dst: '10.0.0.1', sp: 53, dp: 5000, proto: 17, len, ts });
  const { record } = runOne([q(1, 30), r(1.01, 90), q(2, 30), r(2.01, 100)]);
  assert.equal(record.proto, 'udp');
  assert.equal(record.conn_state, 'SF');
  assert.equal(record.history, 'Dd');
  assert.equal(record.orig_bytes, 60);
  assert.equal(record.resp_bytes, 190);
  assert.equal(record.orig_ip_bytes, 2 * 58);
  assert.equal(record.resp_ip_bytes, 28 * 2 + 190);
  assert.equal(record.duration, 1.01);
});

test('UDP: one datagram leaves duration and byte counts unset (Zeek), S0', () => {
  const { record } = runOne([pkt({ src: '10.0.0.1', dst: '10.0.0.2', sp: 5000, dp: 6000, proto: 17, len: 10, ts: 1 })]);
  assert.equal(record.conn_state, 'S0');
  assert.equal(record.history, 'D');
  assert.equal(record.duration, undefined);
  assert.equal(record.orig_bytes, undefined);
  assert.equal(record.orig_pkts, 1);
  assert.equal(record.orig_ip_bytes, 38);
});

test('ICMP: bytes after the 8-byte header, conn_state OTH, no history', () => {
  const { record } = runOne([
    pkt({ src: '10.0.0.1', dst: '10.0.0.2', proto: 1, sp: 8, dp: 0, len: 56, ts: 1 }),
    pkt({ src: '10.0.0.2', dst: '10.0.0.1', proto: 1, sp: 0, dp: 0, len: 56, ts: 1.5 }),
  ]);
  assert.equal(record.proto, 'icmp');
  assert.equal(record['id.orig_p'], 8);
  assert.equal(record['id.resp_p'], 0);
  assert.equal(record.conn_state, 'OTH');
  assert.equal(record.history, '');
  assert.equal(record.orig_bytes, 56);
  assert.equal(record.resp_bytes, 56);
  assert.equal(record.ip_proto, 1);
});

test('link-layer and VLAN fields come from the first packet', () => {
  const mc = 0x0000aabbccddee01;
  const ms = 0x0000aabbccddee02;
  const { record } = runOne([
    c2s(1, 'S', 1000, 0, 0, { srcMac: mc, dstMac: ms, vlan: 0, innerVlan: 7 }),
    s2c(1.1, 'SA', 5000, 1001, 0, { srcMac: ms, dstMac: mc, vlan: 0, innerVlan: 7 }),
  ]);
  assert.equal(record.orig_l2_addr, 'aa:bb:cc:dd:ee:01');
  assert.equal(record.resp_l2_addr, 'aa:bb:cc:dd:ee:02');
  assert.equal(record.vlan, 0);
  assert.equal(record.inner_vlan, 7);
  const bare = runOne([c2s(1, 'S', 1000)]).record;
  assert.equal(bare.orig_l2_addr, undefined);
  assert.equal(bare.vlan, undefined);
  assert.equal(bare.inner_vlan, undefined);
});

test('record keys follow Zeek column order', () => {
  const { record } = runOne([c2s(1, 'S', 1000), s2c(1.1, 'SA', 5000, 1001)]);
  assert.deepEqual(Object.keys(record), [
    'ts',
    'uid',
    'id.orig_h',
    'id.orig_p',
    'id.resp_h',
    'id.resp_p',
    'proto',
    'duration',
    'orig_bytes',
    'resp_bytes',
    'conn_state',
    'missed_bytes',
    'history',
    'orig_pkts',
    'orig_ip_bytes',
    'resp_pkts',
    'resp_ip_bytes',
    'ip_proto',
    'community_id',
  ]);
});
