/** The dedup hold: emission when the interval ends, drain at the end, bounded size. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertHold } from '../../src/alerts/dedup.js';
import type { HeldAlert } from '../../src/alerts/alert.js';

function held(key: string, firstSeen: number): HeldAlert {
  return {
    rule: { id: 'r', name: 'R', severity: 2, category: ['network'], technique: 'T0' },
    key,
    severity: 2,
    source: { ip: '10.0.0.1' },
    destination: undefined,
    transport: undefined,
    networkName: undefined,
    message: 'm',
    evidence: {},
    count: 1,
    firstSeen,
    lastSeen: firstSeen,
  };
}

test('alerts leave in first-seen order once their interval has passed', () => {
  const out: string[] = [];
  const h = new AlertHold(60, 100, (a) => out.push(a.key));
  h.open('a', held('a', 0));
  h.open('b', held('b', 30));
  h.advance(59.9);
  assert.deepEqual(out, []);
  h.advance(60);
  assert.deepEqual(out, ['a']);
  assert.equal(h.get('a'), undefined);
  assert.ok(h.get('b') !== undefined);
  h.advance(1000);
  assert.deepEqual(out, ['a', 'b']);
  assert.equal(h.size, 0);
});

test('drain emits everything; the table never exceeds its bound', () => {
  const out: string[] = [];
  const h = new AlertHold(3600, 3, (a) => out.push(a.key));
  for (let i = 0; i < 5; i++) h.open(`k${i}`, held(`k${i}`, i));
  assert.equal(h.size, 3);
  assert.deepEqual(out, ['k0', 'k1']);
  assert.equal(h.earlyEmits, 2);
  h.drain();
  assert.deepEqual(out, ['k0', 'k1', 'k2', 'k3', 'k4']);
});
