/**
 * Test helpers for the LDAP, SMB and Kerberos tests: a DER builder (so
 * hand-made messages read as their ASN.1 structure), a collecting
 * AnalyzerContext for a fixed connection, and a seeded mutator for
 * robustness tests. Byte helpers and the context come from test/helpers/
 * and are re-exported for these suites.
 */
import { collectingContext, ofType, type CollectingContext } from '../../helpers/analyzer-context.js';
import { be32, concat, hex, le16, le32, rng } from '../../helpers/bytes.js';

export { be32, concat, hex, le16, le32, ofType, rng };
export type TestContext = CollectingContext;

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return [0x80 | bytes.length, ...bytes];
}

/** One TLV with a single identifier octet `tag` (e.g. 0x30 SEQUENCE, 0xa0 [0] constructed). */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(...content);
  return concat(new Uint8Array([tag, ...derLength(body.length)]), body);
}

export const seq = (...c: Uint8Array[]): Uint8Array => tlv(0x30, ...c);
/** Explicit context tag [n] (constructed). */
export const ctx = (n: number, ...c: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...c);
/** Constructed APPLICATION tag [n] (n < 31). */
export const app = (n: number, ...c: Uint8Array[]): Uint8Array => tlv(0x60 | n, ...c);

export function int(v: number, tag = 0x02): Uint8Array {
  const bytes: number[] = [];
  let x = v;
  do {
    bytes.unshift(x & 0xff);
    x = Math.floor(x / 256);
  } while (x > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(tag, new Uint8Array(bytes));
}

export const enumerated = (v: number): Uint8Array => int(v, 0x0a);
export const octets = (s: string | Uint8Array, tag = 0x04): Uint8Array =>
  tlv(tag, typeof s === 'string' ? new TextEncoder().encode(s) : s);
export const genStr = (s: string): Uint8Array => octets(s, 0x1b);
export const genTime = (s: string): Uint8Array => octets(s, 0x18);
export const bool = (v: boolean): Uint8Array => tlv(0x01, new Uint8Array([v ? 0xff : 0]));

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const enc: number[] = [p & 0x7f];
    let x = Math.floor(p / 128);
    while (x > 0) {
      enc.unshift(0x80 | (x & 0x7f));
      x = Math.floor(x / 128);
    }
    bytes.push(...enc);
  }
  return tlv(0x06, new Uint8Array(bytes));
}

export function utf16(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) & 0xff;
    out[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return out;
}

/** A collecting context for a connection from 10.0.0.1:50000 to 10.0.0.2 on `respPort`. */
export function testContext(proto: 'tcp' | 'udp', respPort: number): TestContext {
  return collectingContext({ uid: 'Ctest', orig_h: '10.0.0.1', orig_p: 50000, resp_h: '10.0.0.2', resp_p: respPort, proto });
}

/** One random mutation of `input`: bit flips, truncation, a length-byte lie, or an inserted/removed run. */
export function mutate(input: Uint8Array, rand: () => number): Uint8Array {
  const b = new Uint8Array(input);
  const kind = Math.floor(rand() * 5);
  const at = Math.floor(rand() * Math.max(1, b.length));
  switch (kind) {
    case 0: {
      const flips = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < flips && b.length > 0; i++) b[Math.floor(rand() * b.length)]! ^= 1 << Math.floor(rand() * 8);
      return b;
    }
    case 1:
      return b.subarray(0, at);
    case 2: {
      // Length lie: set a byte to a "long form" length prefix or a large value.
      const lies = [0x80, 0x81, 0x84, 0x85, 0x8f, 0xff, 0x7f, 0x00];
      if (b.length > 0) b[at] = lies[Math.floor(rand() * lies.length)]!;
      return b;
    }
    case 3: {
      const n = Math.floor(rand() * 16);
      const ins = new Uint8Array(n).map(() => Math.floor(rand() * 256));
      return concat(b.subarray(0, at), ins, b.subarray(at));
    }
    default: {
      const n = Math.floor(rand() * 16);
      return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + n)));
    }
  }
}
