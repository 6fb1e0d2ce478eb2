/**
 * The tracker's data structures on their own: the open-addressing table
 * (lookups stay correct through random inserts and backward-shift deletes
 * at high load, and across growth) and the timer wheel (due flows are
 * visited, later ones are not, far deadlines and long gaps are handled),
 * and the flow store's growth (in place within its reservation, by copying
 * past it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable, KEY_META_V6, KEY_WORDS } from '../../src/flows/flow-table.js';
import { TimerWheel, WHEEL_SECONDS } from '../../src/flows/timer-wheel.js';
import { F_LAST_TS, FlowStore, REC_F64, RECORD_BYTES } from '../../src/flows/flow-store.js';

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

function keyOf(n: number): Uint32Array {
  const k = new Uint32Array(KEY_WORDS);
  k[0] = 17;
  k[1] = n & 0xffff;
  k[2] = n >>> 3; // few distinct words: many keys share most of their bytes
  return k;
}

test('table: random insert/remove at 50% load matches a Map', () => {
  const cap = 512;
  const t = new FlowTable(cap, 12345);
  const ref = new Map<number, number>(); // key number -> flow
  const freeFlows: number[] = [];
  for (let i = cap - 1; i >= 0; i--) freeFlows.push(i);
  const next = rng(99);
  for (let step = 0; step < 20000; step++) {
    const n = next() % 2000;
    const k = keyOf(n);
    const h = t.hash(k);
    const found = t.find(k, h);
    assert.equal(found, ref.get(n) ?? -1);
    if (found < 0 && freeFlows.length > 0 && next() % 3 !== 0) {
      const f = freeFlows.pop()!;
      t.insertAt(t.lastPos, k, h, f);
      ref.set(n, f);
    } else if (found >= 0) {
      t.remove(found);
      ref.delete(n);
      freeFlows.push(found);
    }
  }
  for (const [n, f] of ref) {
    const k = keyOf(n);
    assert.equal(t.find(k, t.hash(k)), f);
    const off = t.entryOffset(f);
    assert.equal(t.words[off + 1], n & 0xffff);
  }
});

test('table hash: IPv4 keys mix their four words, IPv6 keys all ten, and both spread well', () => {
  const t = new FlowTable(16, 777);
  const buckets = 1 << 16;
  const seen4 = new Uint8Array(buckets);
  const seen6 = new Uint8Array(buckets);
  let distinct4 = 0;
  let distinct6 = 0;
  const k = new Uint32Array(KEY_WORDS);
  for (let i = 0; i < buckets; i++) {
    // Neighbouring clients and ports towards one server: the usual worst case.
    k.fill(0);
    k[0] = 6;
    k[1] = (((32768 + (i & 1023)) << 16) | 443) >>> 0;
    k[2] = (0x0a000000 + (i >>> 10)) >>> 0;
    k[6] = 0xc6336401;
    const h4 = t.hash(k) & (buckets - 1);
    if (seen4[h4]++ === 0) distinct4++;
    k[0] = 6 | KEY_META_V6;
    k[2] = 0x20010db8;
    k[5] = i >>> 10; // IPv6 keys differ only in a word an IPv4 key never uses
    k[6] = 0x20010db8;
    k[9] = 1;
    const h6 = t.hash(k) & (buckets - 1);
    if (seen6[h6]++ === 0) distinct6++;
  }
  // Uniform hashing fills 1 - 1/e (63%) of the buckets.
  assert.ok(distinct4 > 0.6 * buckets, `IPv4 spread ${distinct4}`);
  assert.ok(distinct6 > 0.6 * buckets, `IPv6 spread ${distinct6}`);
});

test('table: growth keeps every key', () => {
  const t = new FlowTable(16, 1);
  for (let f = 0; f < 16; f++) {
    const k = keyOf(f * 7919);
    t.find(k, t.hash(k));
    t.insertAt(t.lastPos, k, t.hash(k), f);
  }
  t.grow(4096);
  for (let f = 0; f < 16; f++) {
    const k = keyOf(f * 7919);
    assert.equal(t.find(k, t.hash(k)), f);
  }
});

test('store: grows in place within its reservation and by copying past it, keeping every record', () => {
  const s = new FlowStore(4, 16);
  const reserved = s.u8.buffer;
  for (let f = 0; f < 4; f++) s.f64[f * REC_F64 + F_LAST_TS] = 100 + f;
  assert.equal(s.byteLength, 4 * RECORD_BYTES);
  s.grow(16);
  assert.equal(s.u8.buffer, reserved, 'no copy while within the reservation');
  assert.equal(s.capacity, 16);
  assert.equal(s.services.length, 16);
  assert.equal(s.byteLength, 16 * RECORD_BYTES, 'memory reports count records in use, not the reservation');
  s.f64[15 * REC_F64 + F_LAST_TS] = 115;
  s.grow(32);
  assert.notEqual(s.u8.buffer, reserved, 'past the reservation the records move to a larger buffer');
  assert.equal(s.connIds.length, 32);
  for (let f = 0; f < 4; f++) assert.equal(s.f64[f * REC_F64 + F_LAST_TS], 100 + f);
  assert.equal(s.f64[15 * REC_F64 + F_LAST_TS], 115);
  assert.equal(s.f64[31 * REC_F64 + F_LAST_TS], 0);
});

test('wheel: visits flows whose second has come, keeps the rest', () => {
  const w = new TimerWheel(8);
  w.start(100);
  w.schedule(0, 101.5);
  w.schedule(1, 105);
  w.schedule(2, 100 + WHEEL_SECONDS * 3); // beyond the span: filed at the far end
  const seen: number[] = [];
  w.advance(102, (f) => seen.push(f));
  assert.deepEqual(seen, [0]);
  w.advance(104.9, (f) => seen.push(f));
  assert.deepEqual(seen, [0]);
  w.advance(105, (f) => seen.push(f));
  assert.deepEqual(seen, [0, 1]);
  w.unlink(2);
  w.advance(100 + WHEEL_SECONDS * 4, (f) => seen.push(f));
  assert.deepEqual(seen, [0, 1]);
});

test('wheel: a long gap still reaches every filed flow exactly once', () => {
  const w = new TimerWheel(64);
  w.start(0);
  for (let f = 0; f < 64; f++) w.schedule(f, f * 17.3);
  const seen: number[] = [];
  w.advance(1e6, (f) => seen.push(f));
  assert.equal(seen.length, 64);
  assert.equal(new Set(seen).size, 64);
});

test('wheel: re-filing into the current second waits for the next call', () => {
  const w = new TimerWheel(2);
  w.start(10);
  w.schedule(0, 10.2);
  let visits = 0;
  w.advance(10.5, (f) => {
    visits++;
    w.schedule(f, 10.9);
  });
  assert.equal(visits, 1);
  w.advance(10.95, () => visits++);
  assert.equal(visits, 2);
});
