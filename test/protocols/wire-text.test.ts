/**
 * printableText: UTF-16 text from RPC stubs made log text the way logString
 * writes bytes (controls as \xNN, unpaired surrogates as \uNNNN), cut at a
 * number of characters and marked, never inside a surrogate pair.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printableText } from '../../src/protocols/wire-text.js';

test('printable text is kept as it is, non-ASCII letters included', () => {
  assert.equal(printableText('%COMSPEC% /Q /c echo \\\\host\\C$', 100), '%COMSPEC% /Q /c echo \\\\host\\C$');
  assert.equal(printableText('Dienst für Überwachung \u{1F600}', 100), 'Dienst für Überwachung \u{1F600}');
});

test('controls, DEL and C1 controls as \\xNN; unpaired surrogates as \\uNNNN', () => {
  assert.equal(printableText('a\tb\r\n\x00\x7f\x85c', 100), 'a\\x09b\\x0d\\x0a\\x00\\x7f\\x85c');
  assert.equal(printableText('x\ud800y\udc00', 100), 'x\\ud800y\\udc00');
});

test('cut at max characters with "...", never inside a surrogate pair', () => {
  assert.equal(printableText('abcdef', 6), 'abcdef');
  assert.equal(printableText('abcdefg', 6), 'abcdef...');
  assert.equal(printableText('ab\tdefg', 4), 'ab\\x09d...');
  assert.equal(printableText('ab\u{1F600}\t', 3), 'ab...');
  assert.equal(printableText('ab\u{1F600}\t', 4), 'ab\u{1F600}...');
});
