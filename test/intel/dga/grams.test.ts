/**
 * Character n-gram slots and structure tokens of a label
 * (src/intel/dga/grams.ts), and how training estimates and shares the
 * false-positive budget among family models (UnionRate and
 * allocateThresholds in bench/dga/core.ts), on hand-built inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIRECT_SLOTS, MAX_BUCKETS, TOKEN_SLOTS, gramBuckets } from '../../../src/intel/dga/grams.js';
import { TAIL_NAMES, UnionRate, allocateThresholds } from '../../../bench/dga/core.js';

const BITS = 17;
const buckets = (label: string, domain: string, max = 4): number[] => {
  const out = new Uint32Array(MAX_BUCKETS);
  return [...out.subarray(0, gramBuckets(label, domain, BITS, out, max))];
};
/** Framed runs of 1..max symbols, less the lone start and end marks. */
const runs = (n: number, max: number): number => {
  let r = 0;
  for (let i = 0; i < n + 2; i++) r += Math.min(max, n + 2 - i);
  return r - 2;
};

test('a label yields 4 structure tokens and every framed run of 1 to max symbols but the lone marks', () => {
  // "^abc$": 5 framed positions; runs of up to 4 starting at each: 4+4+3+2+1 = 14, less the lone "^" and "$".
  assert.equal(buckets('abc', 'abc.com').length, 4 + 14 - 2);
  for (const max of [3, 4, 5]) assert.equal(buckets('a'.repeat(12), 'a'.repeat(12) + '.com', max).length, 4 + runs(12, max), String(max));
  const b = buckets('kzmbnwqv', 'kzmbnwqv.co.uk', 5);
  // Tokens in their own slots, 1-3-runs below them (indexed directly), 4- and 5-runs in the upper half.
  for (const t of b.slice(0, 4)) assert.ok(t >= DIRECT_SLOTS && t < DIRECT_SLOTS + TOKEN_SLOTS);
  const direct = b.slice(4).filter((x) => x < DIRECT_SLOTS).length;
  const hashed = b.slice(4).filter((x) => x >= 2 ** (BITS - 1) && x < 2 ** BITS).length;
  assert.equal(direct, runs(8, 3));
  assert.equal(hashed, runs(8, 5) - runs(8, 3));
});

test('1-3-runs never collide: distinct runs get distinct slots, the same run the same slot anywhere', () => {
  // "ab" in two labels is one slot; "ab" and "ba" are two.
  const ab = buckets('abx', 'abx.com', 3);
  const xab = buckets('xab', 'xab.com', 3);
  assert.ok(ab.some((s) => xab.includes(s) && s >= 39), 'the bigram slot is shared');
  const all = new Set<number>();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  // Every trigram of three letters inside a label: all distinct.
  for (const a of alphabet.slice(0, 6)) for (const b2 of alphabet.slice(0, 6)) for (const c of alphabet.slice(30)) all.add(buckets(`${a}${b2}${c}`, 'x.com', 3)[11]!); // tokens 0-3, then per position: a ^a | b ab ^ab | c bc abc
  assert.equal(all.size, 6 * 6 * 7);
});

test('the suffix changes only the suffix tokens; the same label hashes the same way', () => {
  const com = buckets('kzmbnwqv', 'kzmbnwqv.com');
  const ru = buckets('kzmbnwqv', 'kzmbnwqv.ru');
  assert.deepEqual(buckets('kzmbnwqv', 'kzmbnwqv.com'), com);
  assert.deepEqual(com.slice(3), ru.slice(3), 'n-grams and the shape token do not depend on the suffix');
  assert.notEqual(com[1], ru[1]);
  assert.notEqual(com[2], ru[2]);
  // No suffix given: the label alone (still scored, suffix tokens of the empty suffix).
  assert.deepEqual(buckets('kzmbnwqv', 'kzmbnwqv').slice(3), com.slice(3));
  // Digits change the shape token; length changes the length token.
  assert.notEqual(buckets('kzmbnwq1', 'kzmbnwq1.com')[3], com[3]);
  assert.notEqual(buckets('kzmbnwqvx', 'kzmbnwqvx.com')[0], com[0]);
});

test('an output buffer too small is filled and never overrun; a table too small for the direct slots yields nothing', () => {
  const out = new Uint32Array(10);
  const n = gramBuckets('abcdefghij', 'abcdefghij.com', BITS, out);
  assert.ok(n > 4 && n <= 10);
  assert.equal(gramBuckets('abc', 'abc.com', BITS, new Uint32Array(2)), 0);
  assert.equal(gramBuckets('abc', 'abc.com', 16, new Uint32Array(MAX_BUCKETS)), 0);
});

/** Popular-name probabilities whose logits are 0, -0.1, -0.2, ... (n names). */
const ladder = (n: number, shift = 0): Float64Array => Float64Array.from({ length: n }, (_, i) => 1 / (1 + Math.exp(i * 0.1 - shift)));

test('the union rate counts names near in and extrapolates the tail past the TAIL_NAMES-th margin', () => {
  const n = 1000;
  const r = new UnionRate([ladder(n)], n);
  // Threshold at probability 0.5 (logit 0): only the top name (logit 0) is at or above it... but that is
  // inside the fitted tail, so the estimate is the exponential tail, not a count.
  const top = r.at([0.5]);
  assert.ok(top > 0 && top < (TAIL_NAMES + 1) / n, String(top));
  // Deep in (logit -10, 101 names above): counted.
  assert.equal(r.at([1 / (1 + Math.exp(10))]), 101 / n);
  // Far above every name: small but not zero (a new sample can hold a higher name).
  const far = r.at([1 / (1 + Math.exp(-3))]);
  assert.ok(far > 0 && far < top);
  // Two families flagging the same names count them once; a second family with higher scores dominates.
  const same = new UnionRate([ladder(n), ladder(n)], n);
  assert.equal(same.at([1 / (1 + Math.exp(10)), 1 / (1 + Math.exp(10))]), 101 / n);
  const shifted = new UnionRate([ladder(n), ladder(n, 2)], n);
  assert.ok(shifted.at([0.5, 0.5]) > r.at([0.5]));
});

test('the false-positive budget secures the recall goal first, then buys the most recall per expected false positive', () => {
  const n = 2000;
  // Family 0's own names score like its popular names' top (hard); family 1's sit above them (easy).
  const benign = [ladder(n), ladder(n)];
  const hard = Float64Array.from({ length: 200 }, (_, i) => 1 / (1 + Math.exp(i * 0.05 + 0.5)));
  const easy = Float64Array.from({ length: 200 }, (_, i) => 1 / (1 + Math.exp(-3 + i * 0.001)));
  const rate = new UnionRate(benign, n);
  const thr = allocateThresholds(rate, [hard, easy], 0.005, [true, true], [0.999, 0.999]);
  // The easy family reaches its names at no real cost; the hard one spends the rest, within the budget.
  assert.ok(thr[1]! <= easy[easy.length - 1]! + 1e-9, String(thr[1]));
  assert.ok(rate.at(thr) <= 0.005 + 1e-12);
  const hardRecall = [...hard].filter((q) => q >= thr[0]!).length / hard.length;
  assert.ok(hardRecall > 0 && hardRecall < 0.95, String(hardRecall));
  // No budget: thresholds stay above every name of the family.
  const none = allocateThresholds(rate, [hard, easy], 0, [true, true], [0.999, 0.999]);
  assert.ok(none[0]! > hard[0]!);
  // A family that may not spend keeps its fixed threshold.
  const fixed = allocateThresholds(rate, [hard, easy], 0.005, [false, true], [0.77, 0.999]);
  assert.equal(fixed[0], 0.77);
});
