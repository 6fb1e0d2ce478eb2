/**
 * The port-scan rules' held target sets stay bounded as a whole: targets held
 * across scanners never pass the budget, the scanner being added to keeps its
 * set, and a restarted or evicted set gives its targets back. A pair's burst
 * (ScanBursts) keeps its span and attempt kinds until it starts over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldTargets, ScanBursts } from '../../src/detect/scan-common.js';
import { Attempt } from '../../src/detect/tcp-attempt.js';

function fill(h: HeldTargets<number>, key: string, count: number): void {
  for (let t = 0; t < count; t++) h.add(key, t, true);
}

test('targets held across scanners stay within the budget, least recently used scanners dropped first', () => {
  const h = new HeldTargets<number>(100, 50, 120);
  for (let k = 0; k < 10; k++) fill(h, `10.0.0.${k}`, 50);
  assert.ok(h.held <= 120, String(h.held));
  assert.equal(h.add('10.0.0.9', 0, true).size, 50, 'the newest scanner keeps its whole set');
  // The oldest scanners lost their sets: scanning on starts a new one.
  assert.equal(h.add('10.0.0.0', 7, true).size, 1);
  assert.ok(h.held <= 120, String(h.held));
});

test('a set restarted for a new alert, or evicted from the full scanner map, gives its targets back', () => {
  const h = new HeldTargets<number>(2, 50, 1000);
  fill(h, 'a', 40);
  h.add('a', 99, false);
  assert.equal(h.held, 1);
  fill(h, 'b', 30);
  fill(h, 'c', 5);
  assert.equal(h.held, 35, "'a' was evicted with its target");
});

test('a pair\'s burst keeps its span and attempt kinds until the window empties, then starts over', () => {
  const b = new ScanBursts<number>({ window: 300, maxKeys: 10, threshold: 15 });
  const first = b.add('a>b', 1, 1000, Attempt.REJECTED);
  assert.deepEqual([first.distinct, first.span], [1, 0]);
  // Records come in the order connections end: an earlier start widens the span backwards.
  const second = b.add('a>b', 2, 990, Attempt.HALF_OPEN);
  assert.deepEqual([second.distinct, second.span], [2, 10]);
  const third = b.add('a>b', 3, 1020, Attempt.HALF_OPEN);
  assert.deepEqual([third.distinct, third.span], [3, 30]);
  assert.equal(third.counts[Attempt.REJECTED], 1);
  assert.equal(third.counts[Attempt.HALF_OPEN], 2);
  assert.equal(first.counts, third.counts, 'one burst, one array of counts');
  assert.deepEqual(b.members('a>b', 10), [1, 2, 3]);
  // Every target left the window: a new burst, with counts of its own.
  const later = b.add('a>b', 4, 2000, Attempt.CONNECT);
  assert.deepEqual([later.distinct, later.span], [1, 0]);
  assert.equal(later.counts[Attempt.CONNECT], 1);
  assert.equal(later.counts[Attempt.HALF_OPEN], 0);
  assert.equal(third.counts[Attempt.HALF_OPEN], 2, 'the earlier burst\'s counts, held by whoever took them, stay as they were');
  assert.equal(b.add('c>d', 1, 2000, Attempt.REJECTED).counts[Attempt.CONNECT], 0, 'pairs count apart');
});
