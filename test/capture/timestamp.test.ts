/**
 * Tests for the exact pcapng tick conversion: compared with BigInt arithmetic
 * on deterministic pseudo-random 64-bit tick counts for decimal and binary
 * resolutions, including counts far beyond 2^53.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawPacket } from '../../src/capture/packet.js';
import { setPacketTicks, tickScaleFromTsresol } from '../../src/capture/timestamp.js';

/** xorshift32: deterministic inputs, no dependency. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

test('decimal resolutions 10^0..10^9 are exact for any 64-bit count', () => {
  const next = rng(7);
  const pkt = new RawPacket();
  for (let exp = 0; exp <= 9; exp++) {
    const scale = tickScaleFromTsresol(exp)!;
    const d = 10n ** BigInt(exp);
    for (let i = 0; i < 2000; i++) {
      // Mix small high words (fast path) and huge ones (long division).
      const high = i % 2 === 0 ? next() % 0x200000 : next();
      const low = next();
      const v = (BigInt(high) << 32n) | BigInt(low);
      setPacketTicks(pkt, high, low, scale);
      const sec = v / d;
      if (sec > BigInt(Number.MAX_SAFE_INTEGER)) continue;
      assert.equal(BigInt(pkt.tsSec), sec, `exp ${exp} v ${v}`);
      assert.equal(BigInt(pkt.tsNsec), ((v % d) * 10n ** 9n) / d, `exp ${exp} v ${v}`);
    }
  }
});

test('binary resolutions 2^-1..2^-30 floor to the nanosecond', () => {
  const next = rng(11);
  const pkt = new RawPacket();
  for (let exp = 1; exp <= 30; exp++) {
    const scale = tickScaleFromTsresol(0x80 | exp)!;
    const d = 1n << BigInt(exp);
    for (let i = 0; i < 500; i++) {
      const high = next() % 0x200000;
      const low = next();
      const v = (BigInt(high) << 32n) | BigInt(low);
      setPacketTicks(pkt, high, low, scale);
      assert.equal(BigInt(pkt.tsSec), v / d);
      const ns = ((v % d) * 10n ** 9n) / d;
      assert.ok(Math.abs(pkt.tsNsec - Number(ns)) <= 1, `exp ${exp}: ${pkt.tsNsec} vs ${ns}`);
    }
  }
});

test('nanosecond ticks of a 2024 time, the offset, and impossible resolutions', () => {
  const pkt = new RawPacket();
  const v = 1700000010123456789n;
  const scale = tickScaleFromTsresol(9)!;
  scale.offsetSec = -10;
  setPacketTicks(pkt, Number(v >> 32n), Number(v & 0xffffffffn), scale);
  assert.equal(pkt.tsSec, 1700000000);
  assert.equal(pkt.tsNsec, 123456789);
  assert.ok(Math.abs(pkt.ts - 1700000000.123456789) < 1e-6);
  assert.equal(tickScaleFromTsresol(20), undefined);
  assert.equal(tickScaleFromTsresol(0x80 | 64), undefined);
});
