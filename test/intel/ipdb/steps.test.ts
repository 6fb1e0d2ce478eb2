/** Step functions: ranges with gaps, overlaps and reversed bounds; merging two sources. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_VALUE, StepBuilder, V4_OPS, V6_OPS, mergeSteps } from '../../../src/intel/ipdb/steps.js';

test('ranges become breakpoints; gaps get NO_VALUE; equal neighbours collapse', () => {
  const b = new StepBuilder(V4_OPS);
  b.range(10, 19, 1);
  b.range(20, 29, 1); // same value, adjacent: one run
  b.range(40, 49, 2);
  const s = b.finish();
  assert.deepEqual(s.starts, [0, 10, 30, 40, 50]);
  assert.deepEqual(s.values, [NO_VALUE, 1, NO_VALUE, 2, NO_VALUE]);
});

test('overlapping ranges are clipped or dropped, reversed ones dropped, and counted', () => {
  const b = new StepBuilder(V4_OPS);
  b.range(0, 9, 1);
  b.range(5, 14, 2); // clipped to 10..14
  b.range(3, 8, 3); // inside what is covered: dropped
  b.range(30, 20, 4); // reversed
  const s = b.finish();
  assert.deepEqual(s.starts, [0, 10, 15]);
  assert.deepEqual(s.values, [1, 2, NO_VALUE]);
  assert.deepEqual(b.problems, { overlap: 2, reversed: 1 });
});

test('a range reaching the end of the space closes it (IPv4 and IPv6)', () => {
  const b = new StepBuilder(V4_OPS);
  b.range(0xff000000, 0xffffffff, 7);
  b.range(0xffffff00, 0xffffffff, 8); // after the end: overlap
  assert.deepEqual(b.finish(), { starts: [0, 0xff000000], values: [NO_VALUE, 7] });
  const b6 = new StepBuilder(V6_OPS);
  b6.range(1n << 125n, (1n << 128n) - 1n, 1);
  assert.deepEqual(b6.finish().starts, [0n, 1n << 125n]);
});

test('merging takes every breakpoint of both sides and combines values', () => {
  const a = new StepBuilder(V4_OPS);
  a.range(10, 29, 1);
  const c = new StepBuilder(V4_OPS);
  c.range(0, 19, 100);
  c.range(20, 39, 200);
  const m = mergeSteps(V4_OPS, a.finish(), c.finish(), (x, y) => (x === NO_VALUE && y === NO_VALUE ? NO_VALUE : x * 1000 + y));
  assert.deepEqual(m.starts, [0, 10, 20, 30, 40]);
  assert.deepEqual(m.values, [-1000 + 100, 1100, 1200, -1000 + 200, NO_VALUE]);
});
