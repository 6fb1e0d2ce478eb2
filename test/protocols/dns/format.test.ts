/**
 * bytesToText, the text of DNS names and strings: ASCII as is (or
 * lower-cased A-Z), valid UTF-8 decoded, other high bytes as \xNN; the same
 * result through its flat ASCII path (up to 1,024 bytes) and beyond it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToText } from '../../../src/protocols/dns/format.js';

/** The expected text of ASCII bytes. */
function asciiText(bytes: Uint8Array, lower: boolean): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(lower && b >= 0x41 && b <= 0x5a ? b + 32 : b);
  return s;
}

test('ASCII of any length and content, as is and lower-cased', () => {
  let seed = 11;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (const len of [0, 1, 12, 13, 63, 255, 1023, 1024, 1025, 3000]) {
    for (let k = 0; k < 20; k++) {
      const pad = rand(5);
      const buf = new Uint8Array(pad + len + 3);
      for (let i = 0; i < buf.length; i++) buf[i] = rand(0x80);
      const bytes = buf.subarray(pad, pad + len);
      for (const lower of [false, true]) {
        assert.equal(bytesToText(buf, pad, pad + len, lower), asciiText(bytes, lower), `length ${len}, lower ${lower}`);
      }
    }
  }
});

test('UTF-8 and stray high bytes take the decoding path, also after ASCII', () => {
  const enc = new TextEncoder();
  const name = enc.encode('Bücher.Example');
  assert.equal(bytesToText(name, 0, name.length), 'Bücher.Example');
  assert.equal(bytesToText(name, 0, name.length, true), 'bücher.example');
  const stray = Uint8Array.of(0x41, 0x62, 0xff, 0x43);
  assert.equal(bytesToText(stray, 0, 4), 'Ab\\xffC');
  assert.equal(bytesToText(stray, 0, 4, true), 'ab\\xffc');
  const long = new Uint8Array(2000).fill(0x61);
  long[1999] = 0xe9;
  assert.equal(bytesToText(long, 0, 2000), 'a'.repeat(1999) + '\\xe9');
});
