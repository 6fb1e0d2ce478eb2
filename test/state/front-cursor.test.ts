/** FrontCursor: oldest-first removal from an age-ordered Map while entries are added, moved and deleted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrontCursor } from '../../src/state/front-cursor.js';

test('take removes entries oldest first, and sees entries added after it started', () => {
  const m = new Map<string, number>([['a', 1], ['b', 2]]);
  const c = new FrontCursor(m);
  assert.deepEqual(c.take(), ['a', 1]);
  m.set('c', 3);
  assert.deepEqual(c.take(), ['b', 2]);
  assert.deepEqual(c.take(), ['c', 3]);
  assert.equal(c.take(), undefined);
  m.set('d', 4);
  assert.deepEqual(c.take(), ['d', 4], 'a cursor that ran out starts again');
  assert.equal(m.size, 0);
});

test('an entry moved to the end (delete and set) is taken at its new place', () => {
  const m = new Map<string, number>([['a', 1], ['b', 2], ['c', 3]]);
  const c = new FrontCursor(m);
  assert.deepEqual(c.take(), ['a', 1]);
  m.delete('b');
  m.set('b', 4);
  assert.deepEqual(c.take(), ['c', 3]);
  assert.deepEqual(c.take(), ['b', 4]);
});

test('take skips the kept key, which stays in the map', () => {
  const m = new Map<string, number>([['a', 1], ['b', 2]]);
  const c = new FrontCursor(m);
  assert.deepEqual(c.take('a'), ['b', 2]);
  assert.equal(c.take('a'), undefined, 'only the kept key is left');
  assert.deepEqual([...m], [['a', 1]]);
  assert.deepEqual(c.take(), ['a', 1]);
});

test('peek holds the front entry until it is dropped or moves', () => {
  const m = new Map<string, number>([['a', 1], ['b', 2], ['c', 3]]);
  const c = new FrontCursor(m);
  assert.deepEqual(c.peek(), ['a', 1]);
  assert.deepEqual(c.peek(), ['a', 1], 'peeking again does not advance');
  c.dropPeeked();
  assert.equal(m.has('a'), false);
  assert.deepEqual(c.peek(), ['b', 2]);
  // b is seen again: it moves to the end with a new time, so c is now the oldest.
  m.delete('b');
  m.set('b', 5);
  assert.deepEqual(c.peek(), ['c', 3]);
  c.dropPeeked();
  assert.deepEqual(c.peek(), ['b', 5]);
  m.delete('b');
  assert.equal(c.peek(), undefined);
});

test('a long run of evictions keeps exact LRU order and never loses an entry', () => {
  const m = new Map<number, number>();
  const c = new FrontCursor(m);
  const cap = 1000;
  let taken = 0;
  for (let i = 0; i < 50_000; i++) {
    if (m.size >= cap) {
      const e = c.take();
      assert.equal(e?.[0], i - cap, 'the oldest key goes first');
      taken++;
    }
    m.set(i, i);
  }
  assert.equal(taken, 50_000 - cap);
  assert.equal(m.size, cap);
});

test('reset after clear starts from the new contents', () => {
  const m = new Map<string, number>([['a', 1]]);
  const c = new FrontCursor(m);
  assert.deepEqual(c.peek(), ['a', 1]);
  m.clear();
  c.reset();
  m.set('z', 9);
  assert.deepEqual(c.take(), ['z', 9]);
});
