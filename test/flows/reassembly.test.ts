import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReassemblyBudget, TcpReassembler, type StreamConsumer } from '../../src/flows/reassembly.js';

class Collector implements StreamConsumer {
  orig: string[] = [];
  resp: string[] = [];
  gaps: Array<[boolean, number]> = [];
  data(fromOrig: boolean, data: Uint8Array): void {
    (fromOrig ? this.orig : this.resp).push(Buffer.from(data).toString('latin1'));
  }
  gap(fromOrig: boolean, len: number): void {
    this.gaps.push([fromOrig, len]);
  }
}

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

test('in-order segments after a SYN are delivered as they come', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  r.segment(true, 1000, true, false, new Uint8Array(0), 0);
  r.segment(true, 1001, false, false, bytes('GET '), 0);
  r.segment(true, 1005, false, false, bytes('/ HTTP/1.1'), 0);
  assert.deepEqual(c.orig, ['GET ', '/ HTTP/1.1']);
});

test('retransmissions and overlaps are trimmed, first arrival wins', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  r.segment(true, 1, true, false, new Uint8Array(0), 0);
  r.segment(true, 2, false, false, bytes('abcd'), 0);
  r.segment(true, 2, false, false, bytes('abcd'), 0); // pure retransmission
  r.segment(true, 4, false, false, bytes('XXef'), 0); // overlap: "cd" already delivered
  assert.equal(c.orig.join(''), 'abcdef');
});

test('out-of-order segments wait for the hole, then drain in order', () => {
  const c = new Collector();
  const budget = new ReassemblyBudget();
  const r = new TcpReassembler(c, budget);
  r.segment(false, 500, true, false, new Uint8Array(0), 0);
  r.segment(false, 507, false, false, bytes('world'), 0);
  r.segment(false, 504, false, false, bytes('lo '), 0);
  assert.deepEqual(c.resp, []);
  assert.equal(budget.heldBytes, 8);
  r.segment(false, 501, false, false, bytes('hel'), 0);
  assert.equal(c.resp.join(''), 'hello world');
  assert.equal(budget.heldBytes, 0);
});

test('sequence numbers wrap around 2^32', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  const isn = 0xfffffffd;
  r.segment(true, isn, true, false, new Uint8Array(0), 0); // next = 0xfffffffe
  r.segment(true, 0x00000000, false, false, bytes('cd'), 0); // out of order, after the wrap
  r.segment(true, 0xfffffffe, false, false, bytes('ab'), 0);
  assert.equal(c.orig.join(''), 'abcd');
});

test('a stream picked up mid-way starts at its first data', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  r.segment(true, 77777, false, false, bytes('mid'), 0);
  r.segment(true, 77780, false, false, bytes('dle'), 0);
  assert.equal(c.orig.join(''), 'middle');
});

test('a per-direction bound turns the hole into a counted gap', () => {
  const c = new Collector();
  const budget = new ReassemblyBudget();
  const r = new TcpReassembler(c, budget, { maxBytesPerDirection: 8, maxSegmentsPerDirection: 100 });
  r.segment(true, 0, true, false, new Uint8Array(0), 0);
  r.segment(true, 11, false, false, bytes('12345'), 0); // hole of 10 bytes (1..10)
  r.segment(true, 16, false, false, bytes('6789'), 0); // exceeds 8 held bytes
  assert.deepEqual(c.gaps, [[true, 10]]);
  assert.equal(c.orig.join(''), '123456789');
  assert.equal(budget.overflows, 1);
  assert.equal(budget.heldBytes, 0);
});

test('the global budget bounds all flows together', () => {
  const c = new Collector();
  const budget = new ReassemblyBudget(6);
  const a = new TcpReassembler(c, budget);
  const b = new TcpReassembler(c, budget);
  a.segment(true, 0, true, false, new Uint8Array(0), 0);
  b.segment(true, 0, true, false, new Uint8Array(0), 0);
  a.segment(true, 5, false, false, bytes('aaaa'), 0);
  assert.equal(budget.heldBytes, 4);
  b.segment(true, 5, false, false, bytes('bbbb'), 0); // 8 > 6: b gives up on its hole
  assert.equal(budget.overflows, 1);
  assert.equal(budget.heldBytes, 4);
  a.release();
  assert.equal(budget.heldBytes, 0);
});

test('flush delivers held data with gaps at flow end', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  r.segment(true, 0, true, false, new Uint8Array(0), 0);
  r.segment(true, 1, false, false, bytes('ab'), 0);
  r.segment(true, 6, false, false, bytes('fg'), 0);
  r.flush(1);
  assert.equal(c.orig.join(''), 'abfg');
  assert.deepEqual(c.gaps, [[true, 3]]);
});

test('stop() ends delivery in one direction only', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  r.segment(true, 0, false, false, bytes('x'), 0);
  r.stop(true);
  r.segment(true, 1, false, false, bytes('y'), 0);
  r.segment(false, 0, false, false, bytes('z'), 0);
  assert.deepEqual(c.orig, ['x']);
  assert.deepEqual(c.resp, ['z']);
});

test('begin: a stream started from a SYN seen earlier holds a first segment that overtook its predecessor', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  // The reassembler was created after the handshake: the SYN said the stream starts at 1001.
  r.begin(true, 1001);
  r.segment(true, 1005, false, false, bytes('/ HTTP/1.1'), 0);
  assert.deepEqual(c.orig, []);
  r.segment(true, 1001, false, false, bytes('GET '), 0);
  r.segment(true, 1001, false, false, bytes('GET '), 0); // retransmission
  assert.equal(c.orig.join(''), 'GET / HTTP/1.1');
  // Without begin, the first segment seen would have started the stream and the earlier bytes been dropped.
  const c2 = new Collector();
  const r2 = new TcpReassembler(c2, new ReassemblyBudget());
  r2.begin(false, 7);
  r2.begin(false, 99); // once started, begin is ignored
  r2.segment(false, 7, false, false, bytes('ok'), 0);
  assert.deepEqual(c2.resp, ['ok']);
});

test('an acknowledgement past a hole with data held after it declares the hole lost at once', () => {
  const c = new Collector();
  const budget = new ReassemblyBudget();
  const r = new TcpReassembler(c, budget);
  r.segment(true, 100, true, false, new Uint8Array(0), 0); // next = 101
  r.segment(true, 101, false, false, bytes('GET /'), 0);
  r.segment(true, 116, false, false, bytes('HTTP/1.1'), 0); // 10 bytes lost before this one
  assert.deepEqual(c.gaps, []);
  r.ack(true, 106, 0); // acknowledges only what was delivered: nothing to do
  assert.deepEqual(c.gaps, []);
  r.ack(true, 124, 0); // the receiver has everything: the hole is capture loss
  assert.deepEqual(c.gaps, [[true, 10]]);
  assert.deepEqual(c.orig, ['GET /', 'HTTP/1.1']);
  assert.equal(budget.heldBytes, 0);
  assert.equal(budget.gapBytes, 10);
});

test('an acknowledgement inside a hole declares only the acknowledged part lost', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  r.segment(false, 0, true, false, new Uint8Array(0), 0); // next = 1
  r.segment(false, 21, false, false, bytes('tail'), 0); // bytes 1..20 not seen yet
  r.ack(false, 11, 0); // 1..10 were received, 11..20 may still come
  assert.deepEqual(c.gaps, [[false, 10]]);
  assert.deepEqual(c.resp, []);
  r.segment(false, 11, false, false, bytes('0123456789'), 0);
  assert.deepEqual(c.resp, ['0123456789', 'tail']);
});

test('acknowledgements are ignored before the stream starts, when stale, or implausibly far ahead', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  r.ack(true, 5000, 0); // no stream yet
  r.segment(true, 1000, true, false, new Uint8Array(0), 0); // next = 1001
  r.segment(true, 1011, false, false, bytes('later'), 0);
  r.ack(true, 990, 0); // behind the stream
  r.ack(true, (1001 + 2 ** 30 + 1) >>> 0, 0); // beyond any TCP window: another numbering
  assert.deepEqual(c.gaps, []);
  r.segment(true, 1001, false, false, bytes('0123456789'), 0);
  assert.equal(c.orig.join(''), '0123456789later');
});

test('at the end, acknowledged bytes never seen are a gap; the FIN is not data', () => {
  const c = new Collector();
  const budget = new ReassemblyBudget();
  const r = new TcpReassembler(c, budget);
  r.segment(false, 0, true, false, new Uint8Array(0), 0); // next = 1
  r.segment(false, 1, false, false, bytes('head'), 0);
  r.segment(false, 105, false, true, new Uint8Array(0), 0); // FIN at 105: bytes 5..104 lost
  r.ack(false, 106, 0); // the peer acknowledges the data and the FIN
  assert.deepEqual(c.gaps, []); // nothing held after the hole: wait for the end
  r.flush(1);
  assert.deepEqual(c.gaps, [[false, 100]]);
  assert.equal(budget.gapBytes, 100);
});

test('a direction finished or stopped takes no acknowledgement gaps', () => {
  const c = new Collector();
  const r = new TcpReassembler(c, new ReassemblyBudget());
  r.segment(true, 0, true, false, new Uint8Array(0), 0);
  r.segment(true, 1, false, true, bytes('bye'), 0); // FIN right after the data: finished
  r.ack(true, 50, 0);
  r.segment(false, 0, true, false, new Uint8Array(0), 0);
  r.stop(false);
  r.ack(false, 50, 0);
  r.flush(1);
  assert.deepEqual(c.gaps, []);
});
