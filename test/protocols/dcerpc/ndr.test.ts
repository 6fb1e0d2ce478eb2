/**
 * The bounded NDR reader on hand-laid bytes (C706 chapter 14): alignment
 * counted from the stub's start, both byte orders, pointers, conformant
 * varying strings (UTF-16 and 8-bit) with their limits, BSTRs, byte arrays,
 * and the sticky failure: past the end, an offset other than 0, counts that
 * disagree or exceed their limit all fail and nothing after reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NdrReader } from '../../../src/protocols/dcerpc/ndr.js';
import { concat, le16, le32 } from '../../helpers/bytes.js';
import { utf16 } from '../asn1/helpers.js';

/** A [string] wchar_t array: max count, offset, actual count, units (and the terminator when `nul`). */
function wide(text: string, o: { max?: number; offset?: number; actual?: number; nul?: boolean } = {}): Uint8Array {
  const units = text.length + (o.nul === false ? 0 : 1);
  return concat(le32(o.max ?? units), le32(o.offset ?? 0), le32(o.actual ?? units), utf16(text), o.nul === false ? [] : [0, 0]);
}

test('primitives: alignment from the stub start (not the buffer), little and big endian', () => {
  // The stub starts at offset 3 of the buffer: u32 alignment is counted from there.
  const b = concat([0xee, 0xee, 0xee], [0x01, 0xaa, 0x02, 0x03], le32(0x04050607), [0x08], [0xbb], le16(0x090a));
  const r = new NdrReader(b, 3, b.length);
  assert.equal(r.u8(), 1);
  assert.equal(r.u16(), 0x0302);
  assert.equal(r.offset, 4);
  assert.equal(r.u32(), 0x04050607);
  assert.equal(r.u8(), 8);
  assert.equal(r.u16(), 0x090a);
  assert.equal(r.ok, true);
  const be = new NdrReader(new Uint8Array([0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]), 0, 8, false);
  be.u8();
  assert.equal(be.u32(), 0x12345678);
  assert.equal(be.ok, true);
});

test('a read past the end fails, and the failure sticks: nothing after reads or moves', () => {
  const r = new NdrReader(new Uint8Array([1, 2, 3, 4, 5, 6]), 0, 6);
  assert.equal(r.u32(), 0x04030201);
  assert.equal(r.u32(), 0);
  assert.equal(r.ok, false);
  assert.equal(r.offset, 4);
  assert.equal(r.u8(), 0);
  assert.equal(r.wideString(100, 100), undefined);
  assert.equal(r.offset, 4);
  // An end beyond the buffer is the buffer's end; one before the start fails at once.
  const short = new NdrReader(new Uint8Array(4), 0, 400);
  short.u32();
  short.u32();
  assert.equal(short.ok, false);
  assert.equal(new NdrReader(new Uint8Array(8), 6, 2).ok, false);
});

test('wideString: text up to the NUL, limits on the counts, offset 0, actual within max', () => {
  const ok = (b: Uint8Array, limit = 100, keep = 100): string | undefined => {
    const r = new NdrReader(b, 0, b.length);
    const s = r.wideString(limit, keep);
    return r.ok ? s : undefined;
  };
  assert.equal(ok(wide('BTOBTO')), 'BTOBTO');
  assert.equal(ok(wide('no terminator', { nul: false })), 'no terminator');
  // Text after a NUL is not the string's (the server stops there too).
  assert.equal(ok(wide('abc\0hidden')), 'abc');
  assert.equal(ok(wide('x', { offset: 1 })), undefined);
  assert.equal(ok(wide('abcd', { max: 3 })), undefined);
  assert.equal(ok(wide('abcd'), 4), undefined, 'max count 5 over a limit of 4');
  assert.equal(ok(wide('abcd'), 5), 'abcd');
  // Counts announcing more than is there.
  assert.equal(ok(wide('abcd', { max: 0xffffffff, actual: 0xfffffffe })), undefined);
  assert.equal(ok(wide('abcd').subarray(0, 20)), undefined);
  // A string longer than `keep` comes back as keep + 1 units, and the next field is still read.
  const b = concat(wide('0123456789'), [0, 0], le32(0x11223344));
  const r = new NdrReader(b, 0, b.length);
  assert.equal(r.wideString(100, 4), '01234');
  assert.equal(r.u32(), 0x11223344);
  assert.equal(r.ok, true);
  // Big-endian UTF-16.
  const bigEndian = concat([0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3], [0, 0x41, 0x20, 0xac, 0, 0]);
  assert.equal(new NdrReader(bigEndian, 0, bigEndian.length, false).wideString(10, 10), 'A\u20ac');
});

test('ansiString: 8-bit text as log text (valid UTF-8 kept, other bytes as \\xNN)', () => {
  const b = concat(le32(9), le32(0), le32(9), [0x63, 0x3a, 0x5c, 0xe9, 0x01, 0xc3, 0xa9, 0x41, 0]);
  assert.equal(new NdrReader(b, 0, b.length).ansiString(100, 100), 'c:\\\\xe9\\x01\u00e9A');
});

test('unique pointers: null gives "" (still ok), a referent its string; byte arrays skipped within their limit', () => {
  const b = concat(le32(0), le32(0x20000), wide('svc'), le32(0x20004), le32(3), [1, 2, 3], [0xbf], le32(7));
  const r = new NdrReader(b, 0, b.length);
  assert.equal(r.uniqueString(true, 100, 100), '');
  assert.equal(r.uniqueString(true, 100, 100), 'svc');
  assert.equal(r.uniqueBytes(10), 3);
  assert.equal(r.u32(), 7);
  assert.equal(r.ok, true);
  const over = new NdrReader(b, 0, b.length);
  over.uniqueString(true, 100, 100);
  over.uniqueString(true, 100, 100);
  assert.equal(over.uniqueBytes(2), 0);
  assert.equal(over.ok, false);
});

test('bstr: FLAGGED_WORD_BLOB after its pointer; a conformance that disagrees with clSize fails', () => {
  const blob = (text: string, o: { max?: number } = {}): Uint8Array =>
    concat(le32(0x348b), le32(o.max ?? text.length), le32(2 * text.length), le32(text.length), utf16(text));
  const read = (b: Uint8Array): string | undefined => {
    const r = new NdrReader(b, 0, b.length);
    const s = r.bstr(100, 100);
    return r.ok ? s : undefined;
  };
  assert.equal(read(blob('Win32_Process\0')), 'Win32_Process');
  assert.equal(read(blob('Create')), 'Create');
  assert.equal(read(blob('Create', { max: 7 })), undefined);
  assert.equal(read(le32(0)), '');
  assert.equal(read(blob('x'.repeat(101))), undefined);
});
