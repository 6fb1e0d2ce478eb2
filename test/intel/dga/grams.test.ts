/**
 * Hashed n-grams and structure tokens of a label (src/intel/dga/grams.ts),
 * and how training shares the false-positive budget among family models
 * (allocateThresholds in bench/dga/core.ts), on hand-built inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BUCKETS, MAX_GRAM, gramBuckets } from '../../../src/intel/dga/grams.js';
import { allocateThresholds } from '../../../bench/dga/core.js';

const BITS = 17;
const buckets = (label: string, domain: string): number[] => {
  const out = new Uint32Array(MAX_BUCKETS);
  return [...out.subarray(0, gramBuckets(label, domain, BITS, out))];
};

test('a label yields 4 structure tokens and every framed 1..5-gram but the lone marks', () => {
  // "^abc$": 5 framed positions; runs starting at each: 5+4+3+2+1 = 15, less the lone "^" and "$".
  assert.equal(buckets('abc', 'abc.com').length, 4 + 15 - 2);
  // Longer labels: MAX_GRAM runs per start, fewer near the end.
  const n = 12;
  const framed = n + 2;
  let runs = 0;
  for (let i = 0; i < framed; i++) runs += Math.min(MAX_GRAM, framed - i);
  assert.equal(buckets('a'.repeat(n), 'a'.repeat(n) + '.com').length, 4 + runs - 2);
  for (const b of buckets('kzmbnwqv', 'kzmbnwqv.co.uk')) assert.ok(b >= 0 && b < 2 ** BITS);
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

test('an output buffer too small is filled and never overrun', () => {
  const out = new Uint32Array(10);
  assert.equal(gramBuckets('abcdefghij', 'abcdefghij.com', BITS, out), 10);
  assert.equal(gramBuckets('abc', 'abc.com', BITS, new Uint32Array(2)), 0);
});

test('the false-positive budget buys the most recall per popular name, and a shared popular name costs once', () => {
  // Two families, four popular names (rows 0..3). Family 0's own names sit low, family 1's high.
  const benign = [Float64Array.of(0.9, 0.8, 0.1, 0.05), Float64Array.of(0.95, 0.2, 0.1, 0.05)];
  const positive = [Float64Array.of(0.85, 0.7, 0.6), Float64Array.of(0.99, 0.98)];
  // Budget 1: family 0 (recall 0) admits row 0 (0.9) and reaches 1/3; family 1 already has recall 1 and
  // stays; family 0 cannot admit row 1 (0.8) without a second name.
  const one = allocateThresholds(benign, positive, 1, [true, true]);
  assert.ok(one[0]! > 0.8 && one[0]! <= 0.85, String(one[0]));
  assert.ok(one[1]! > 0.95);
  // Budget 2: admitting rows 0 and 1 at once buys family 0 all its names (0.475 per name, more than 1/3 for one).
  const two = allocateThresholds(benign, positive, 2, [true, true]);
  assert.ok(two[0]! > 0.1 && two[0]! <= 0.6, String(two[0]));
  // Family 1 (one name at 0.93) gains most from row 0 and takes it; family 0 then admits the same row for free.
  const shared = allocateThresholds(benign, [positive[0]!, Float64Array.of(0.93)], 1, [true, true]);
  assert.ok(shared[1]! > 0.2 && shared[1]! <= 0.93, String(shared[1]));
  assert.ok(shared[0]! > 0.8);
  // A family that may not spend keeps its threshold above all popular names.
  const fixed = allocateThresholds(benign, positive, 2, [false, true]);
  assert.ok(fixed[0]! > 0.9);
});
