import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BerReader,
  BER_MAX_DEPTH,
  TagClass,
  UniversalTag,
  decodeGeneralizedTime,
  decodeInteger,
  decodeOid,
  elementSize,
} from '../../../src/protocols/asn1/ber.js';
import { StreamBuffer } from '../../../src/protocols/asn1/stream-buffer.js';
import { hex, seq, int, octets, oid, tlv, ctx } from './helpers.js';

test('short and long form lengths', () => {
  const b = hex(`
    04 03 61 62 63              # OCTET STRING "abc", short form
    04 81 02 78 79              # OCTET STRING "xy", long form (1 length octet)
    04 82 00 01 7a              # OCTET STRING "z", long form (2 length octets)
  `);
  const r = new BerReader(b);
  assert.ok(r.next());
  assert.equal(r.str(), 'abc');
  assert.ok(r.next());
  assert.equal(r.str(), 'xy');
  assert.ok(r.next());
  assert.equal(r.str(), 'z');
  assert.equal(r.next(), false);
  assert.equal(r.error, null);
});

test('multi-byte tag numbers', () => {
  // [APPLICATION 200] primitive: 0x5f, then 200 = 0x81 0x48 in base-128.
  const b = hex('5f 81 48 01 ff');
  const r = new BerReader(b);
  assert.ok(r.next());
  assert.equal(r.cls, TagClass.APPLICATION);
  assert.equal(r.tag, 200);
  assert.equal(r.constructed, false);
  assert.equal(r.length, 1);
});

test('tag numbers longer than the bound are rejected', () => {
  const r = new BerReader(hex('5f 81 81 81 81 01 01 00'));
  assert.equal(r.next(), false);
  assert.equal(r.error, 'tag_too_long');
});

test('indefinite and oversized lengths are errors, not throws', () => {
  const r1 = new BerReader(hex('30 80 02 01 01 00 00'));
  assert.equal(r1.next(), false);
  assert.equal(r1.error, 'indefinite_length');
  const r2 = new BerReader(hex('04 85 01 00 00 00 00 00'));
  assert.equal(r2.next(), false);
  assert.equal(r2.error, 'length_too_long');
  const r3 = new BerReader(hex('04 10 61'));
  assert.equal(r3.next(), false);
  assert.equal(r3.error, 'truncated');
});

test('integers: sign, size bound', () => {
  assert.equal(decodeInteger(hex('7f'), 0, 1), 127);
  assert.equal(decodeInteger(hex('ff'), 0, 1), -1);
  assert.equal(decodeInteger(hex('00 80'), 0, 2), 128);
  assert.equal(decodeInteger(hex('ff 7f'), 0, 2), -129);
  assert.equal(decodeInteger(hex('55 d6 9f 61'), 0, 4), 1440128865);
  assert.ok(Number.isNaN(decodeInteger(new Uint8Array(0), 0, 0)));
  assert.ok(Number.isNaN(decodeInteger(hex('01 02 03 04 05 06 07 08'), 0, 8)));
});

test('OIDs, including multi-byte arcs', () => {
  const o = oid('1.2.840.113554.1.2.2');
  assert.equal(decodeOid(o, 2, o.length), '1.2.840.113554.1.2.2');
  assert.equal(decodeOid(hex('2b 06 01 05 05 02'), 0, 6), '1.3.6.1.5.5.2');
  // A trailing continuation byte is malformed.
  assert.equal(decodeOid(hex('2b 86'), 0, 2), '');
});

test('KerberosTime', () => {
  const t = new TextEncoder().encode('20150119224819Z');
  assert.equal(decodeGeneralizedTime(t, 0, t.length), Date.UTC(2015, 0, 19, 22, 48, 19) / 1000);
  const bad = new TextEncoder().encode('2015011922481Z');
  assert.ok(Number.isNaN(decodeGeneralizedTime(bad, 0, bad.length)));
  const frac = new TextEncoder().encode('19700101000001.5Z');
  assert.equal(decodeGeneralizedTime(frac, 0, frac.length), 1.5);
});

test('SEQUENCE iteration and seekContext skipping absent optional fields', () => {
  const b = seq(ctx(0, int(5)), ctx(2, octets('x')), ctx(4, int(9)));
  const top = new BerReader(b);
  assert.ok(top.next());
  assert.ok(top.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE));
  const r = top.enter()!;
  assert.ok(r.seekContext(2));
  assert.equal(r.enter()!.next(), true);
  // [3] is absent: the seek stops before [4] and leaves it for the next seek.
  assert.equal(r.seekContext(3), false);
  assert.ok(r.seekContext(4));
  const v = r.enter()!;
  assert.ok(v.next());
  assert.equal(v.int(), 9);
});

test('nesting depth is bounded', () => {
  let b = octets('leaf');
  for (let i = 0; i < BER_MAX_DEPTH + 2; i++) b = seq(b);
  let r: BerReader | null = new BerReader(b);
  let depth = 0;
  while (r !== null && r.next() && r.constructed) {
    r = r.enter();
    if (r !== null) depth++;
  }
  assert.equal(r, null);
  assert.equal(depth, BER_MAX_DEPTH);
});

test('elementSize frames a stream', () => {
  const m = seq(int(1), octets('hello'));
  assert.equal(elementSize(m, 0, m.length), m.length);
  assert.equal(elementSize(m, 0, 1), -1);
  assert.equal(elementSize(hex('30 80'), 0, 2), -2);
  const big = tlv(0x30, new Uint8Array(300));
  assert.equal(elementSize(big, 0, 3), -1); // 30 82 01 | 2c: length not complete yet
  assert.equal(elementSize(big, 0, 4), 304);
});

test('StreamBuffer: nothing allocated before the first byte, then growth with what is held', () => {
  const sb = new StreamBuffer(256 * 1024);
  assert.equal(sb.bytes.length, 0, 'an idle flow (or a UDP one) holds no buffer');
  assert.ok(sb.push(hex('01 02 03 04 05')));
  assert.ok(sb.bytes.length <= 256, String(sb.bytes.length));
  const big = new Uint8Array(10000).fill(7);
  assert.ok(sb.push(big));
  assert.equal(sb.length, 10005);
  assert.ok(sb.bytes.length >= 10005 && sb.bytes.length <= 16384, String(sb.bytes.length));
  assert.deepEqual([...sb.bytes.subarray(sb.offset, sb.offset + 6)], [1, 2, 3, 4, 5, 7]);
});

test('StreamBuffer: bounded append, consume, compaction', () => {
  const sb = new StreamBuffer(8);
  assert.ok(sb.push(hex('01 02 03 04 05')));
  sb.consume(3);
  assert.ok(sb.push(hex('06 07 08 09 0a')));
  assert.equal(sb.length, 7);
  assert.deepEqual([...sb.bytes.subarray(sb.offset, sb.offset + sb.length)], [4, 5, 6, 7, 8, 9, 10]);
  assert.equal(sb.push(hex('0b 0c')), false);
  assert.equal(sb.length, 7);
});
