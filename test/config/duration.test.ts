/** Duration parsing and formatting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

test('parseDuration', () => {
  assert.equal(parseDuration('30s'), 30);
  assert.equal(parseDuration('5m'), 300);
  assert.equal(parseDuration('1h'), 3600);
  assert.equal(parseDuration('24h'), 86400);
  assert.equal(parseDuration('1.5h'), 5400);
  assert.equal(parseDuration('250ms'), 0.25);
  assert.equal(parseDuration('45'), 45);
  assert.equal(parseDuration(12), 12);
  for (const bad of ['', '5 minutes', '-1s', 'h', '1x']) assert.equal(parseDuration(bad), null, bad);
  assert.equal(parseDuration(-1), null);
  assert.equal(parseDuration(Number.NaN), null);
});

test('formatDuration', () => {
  assert.equal(formatDuration(0.2), '200 ms');
  assert.equal(formatDuration(12), '12 s');
  assert.equal(formatDuration(119), '119 s');
  assert.equal(formatDuration(240), '4 min');
  assert.equal(formatDuration(5400), '90 min');
  assert.equal(formatDuration(9000), '2.5 h');
  assert.equal(formatDuration(3 * 86400), '3 d');
});
