/** cutText: a cut that keeps exactly the head of the text, and not the text itself. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutText, ownText, shortText } from '../../src/util/cut-text.js';
import { retainedBytes } from '../helpers/heap.js';

test('short text is returned as is; long text is cut to its first code units exactly', () => {
  assert.equal(cutText('curl/8.5.0', 512), 'curl/8.5.0');
  const odd = `a\ud800b${'é'.repeat(600)}😀`;
  assert.equal(cutText(odd, 512), odd.slice(0, 512));
  assert.equal(cutText(odd, 3), 'a\ud800b', 'a lone surrogate is kept as it was');
  assert.equal(cutText('x😀', 2), 'x\ud83d', 'cut like slice: by code unit');
});

test('a cut does not keep the long original alive', () => {
  const kept = retainedBytes(() => {
    const cuts: string[] = [];
    for (let i = 0; i < 500; i++) cuts.push(cutText(`${i} `.padEnd(64 * 1024, 'x'), 512));
    return cuts;
  });
  // 500 plain slices of 64 KiB strings kept 32 MB; the cuts are about 0.3 MB.
  assert.ok(kept < 4 * 1024 * 1024, `${kept} bytes kept`);
});

test('shortText marks a cut with "..." and leaves short text alone', () => {
  assert.equal(shortText('abcdef', 6), 'abcdef');
  assert.equal(shortText('abcdefg', 6), 'abcdef...');
});

test('ownText copies a piece of a long text exactly, so the piece does not keep the text alive', () => {
  const odd = `a\ud800b${'é'.repeat(20)}😀`;
  assert.equal(ownText(odd), odd);
  assert.equal(ownText('short'), 'short');
  const kept = retainedBytes(() => {
    const pieces: string[] = [];
    for (let i = 0; i < 500; i++) pieces.push(ownText(`name-of-account-${i},`.padEnd(64 * 1024, 'x').slice(0, 20)));
    return pieces;
  });
  // 500 slices of 64 KiB strings kept 32 MB.
  assert.ok(kept < 1024 * 1024, `${kept} bytes kept`);
});
