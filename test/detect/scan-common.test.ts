/**
 * The port-scan rules' held target sets stay bounded as a whole: targets held
 * across scanners never pass the budget, the scanner being added to keeps its
 * set, and a restarted or evicted set gives its targets back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldTargets } from '../../src/detect/scan-common.js';

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
