/**
 * BER/DER reader shared by LDAP, Kerberos and SPNEGO.
 *
 * A `BerReader` walks the TLV elements inside one byte range and exposes the
 * current element's tag and value bounds as plain numbers; values are decoded
 * only when asked (integer, boolean, string, OID, KerberosTime). Nothing is
 * copied: strings are decoded from the caller's buffer. Every read is bounds
 * checked against the enclosing element, and nesting depth is bounded, so a
 * hostile length or a deeply nested structure yields `error`, never a throw.
 * Indefinite lengths (0x80) are rejected: LDAP, Kerberos and SPNEGO are all
 * sent with definite lengths in practice (DER or DER-like BER).
 */

/** Deepest nesting `enter()` allows. LDAP filters and Kerberos messages stay far below this. */
export const BER_MAX_DEPTH = 32;
/** Long-form length octets accepted: 4 covers 4 GiB, more than any buffer we hold. */
export const BER_MAX_LENGTH_OCTETS = 4;
/** High-tag-number octets accepted: 4 gives 28-bit tag numbers, far above any real protocol's tags. */
export const BER_MAX_TAG_OCTETS = 4;
/** INTEGER content octets decoded exactly: 6 octets (48 bits) stay inside a double's 53-bit precision. */
export const BER_MAX_INTEGER_OCTETS = 6;

export const TagClass = {
  UNIVERSAL: 0,
  APPLICATION: 1,
  CONTEXT: 2,
  PRIVATE: 3,
} as const;

export const UniversalTag = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  ENUMERATED: 10,
  UTF8_STRING: 12,
  SEQUENCE: 16,
  SET: 17,
  PRINTABLE_STRING: 19,
  IA5_STRING: 22,
  GENERALIZED_TIME: 24,
  GENERAL_STRING: 27,
} as const;

/** Why a read stopped. */
export type BerError =
  | 'truncated'
  | 'indefinite_length'
  | 'length_too_long'
  | 'tag_too_long'
  | 'depth_exceeded'
  | 'not_constructed';

/** Header of one element as returned by `readHeader` (reused by the caller). */
export interface BerHeader {
  cls: number;
  constructed: boolean;
  tag: number;
  /** Offset of the first value byte. */
  valueStart: number;
  /** Offset just past the value (may exceed the buffer when the element is incomplete). */
  valueEnd: number;
}

/**
 * Reads one TLV header at `off` (limit `end`) into `out`. Returns null on
 * success, 'truncated' when the header itself is incomplete, or another
 * error. `out.valueEnd` may lie beyond `end`: callers framing a stream use
 * that to learn how many bytes they still need.
 */
export function readHeader(buf: Uint8Array, off: number, end: number, out: BerHeader): BerError | null {
  if (off >= end) return 'truncated';
  const first = buf[off]!;
  let p = off + 1;
  let tag = first & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    let n = 0;
    for (;;) {
      if (p >= end) return 'truncated';
      if (n >= BER_MAX_TAG_OCTETS) return 'tag_too_long';
      const b = buf[p++]!;
      tag = tag * 128 + (b & 0x7f);
      n++;
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= end) return 'truncated';
  let len = buf[p++]!;
  if (len === 0x80) return 'indefinite_length';
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > BER_MAX_LENGTH_OCTETS) return 'length_too_long';
    if (p + n > end) return 'truncated';
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  out.cls = first >> 6;
  out.constructed = (first & 0x20) !== 0;
  out.tag = tag;
  out.valueStart = p;
  out.valueEnd = p + len;
  return null;
}

/**
 * Total size (header + value) of the element starting at `off`, for framing
 * a byte stream: -1 when more bytes are needed to know, -2 when the header is
 * malformed (indefinite or oversized length, oversized tag).
 */
export function elementSize(buf: Uint8Array, off: number, end: number): number {
  const err = readHeader(buf, off, end, scratchHeader);
  if (err === 'truncated') return -1;
  if (err !== null) return -2;
  return scratchHeader.valueEnd - off;
}
const scratchHeader: BerHeader = { cls: 0, constructed: false, tag: 0, valueStart: 0, valueEnd: 0 };

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 text of a byte range (invalid sequences become U+FFFD, never a throw). */
export function utf8Text(buf: Uint8Array, start: number, end: number): string {
  if (end <= start) return '';
  return utf8.decode(buf.subarray(start, end));
}

/** Signed big-endian two's-complement INTEGER; NaN when empty or longer than BER_MAX_INTEGER_OCTETS. */
export function decodeInteger(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n <= 0 || n > BER_MAX_INTEGER_OCTETS + 1) return Number.NaN;
  // A 7th octet is allowed only as a leading 0x00 (positive sign padding).
  if (n === BER_MAX_INTEGER_OCTETS + 1 && buf[start] !== 0) return Number.NaN;
  let v = 0;
  for (let i = start; i < end; i++) v = v * 256 + buf[i]!;
  if ((buf[start]! & 0x80) !== 0) v -= 2 ** (8 * n);
  return v;
}

/** OBJECT IDENTIFIER in dotted form; '' when malformed. */
export function decodeOid(buf: Uint8Array, start: number, end: number): string {
  if (end <= start) return '';
  let out = '';
  let v = 0;
  let first = true;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) return '';
    if ((b & 0x80) !== 0) continue;
    if (first) {
      const a = v < 40 ? 0 : v < 80 ? 1 : 2;
      out = `${a}.${v - a * 40}`;
      first = false;
    } else {
      out += `.${v}`;
    }
    v = 0;
  }
  // A trailing byte with the continuation bit set leaves v unfinished.
  if ((buf[end - 1]! & 0x80) !== 0) return '';
  return out;
}

function digits(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[at + i]! - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * GeneralizedTime as used by Kerberos (KerberosTime, "YYYYMMDDHHMMSSZ"),
 * also accepting fractional seconds; returns epoch seconds or NaN.
 */
export function decodeGeneralizedTime(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 15) return Number.NaN;
  const y = digits(buf, start, 4);
  const mo = digits(buf, start + 4, 2);
  const d = digits(buf, start + 6, 2);
  const h = digits(buf, start + 8, 2);
  const mi = digits(buf, start + 10, 2);
  const s = digits(buf, start + 12, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) {
    return Number.NaN;
  }
  let p = start + 14;
  let frac = 0;
  if (buf[p] === 0x2e || buf[p] === 0x2c) {
    p++;
    let scale = 0.1;
    while (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) {
      frac += (buf[p]! - 0x30) * scale;
      scale /= 10;
      p++;
    }
  }
  if (p !== end - 1 || buf[p] !== 0x5a /* Z */) return Number.NaN;
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000 + frac;
}

/**
 * Iterates the elements inside [start, end). After `next()` returns true the
 * current element is described by `cls`, `constructed`, `tag`, `valueStart`,
 * `valueEnd`. `next()` returns false at the end of the range or on a
 * malformed element (then `error` is set and iteration stops).
 */
export class BerReader {
  readonly buf: Uint8Array;
  readonly end: number;
  readonly depth: number;
  pos: number;
  cls = 0;
  constructed = false;
  tag = 0;
  /** Offset of the current element's first header byte. */
  start = 0;
  valueStart = 0;
  valueEnd = 0;
  error: BerError | null = null;
  readonly #hdr: BerHeader = { cls: 0, constructed: false, tag: 0, valueStart: 0, valueEnd: 0 };

  constructor(buf: Uint8Array, start = 0, end = buf.length, depth = 0) {
    this.buf = buf;
    this.pos = start;
    this.end = Math.min(end, buf.length);
    this.depth = depth;
  }

  /** Advances to the next element; false at the end or on error. */
  next(): boolean {
    if (this.error !== null || this.pos >= this.end) return false;
    const err = readHeader(this.buf, this.pos, this.end, this.#hdr);
    if (err !== null) {
      this.error = err;
      return false;
    }
    if (this.#hdr.valueEnd > this.end) {
      this.error = 'truncated';
      return false;
    }
    this.start = this.pos;
    this.cls = this.#hdr.cls;
    this.constructed = this.#hdr.constructed;
    this.tag = this.#hdr.tag;
    this.valueStart = this.#hdr.valueStart;
    this.valueEnd = this.#hdr.valueEnd;
    this.pos = this.valueEnd;
    return true;
  }

  /** True when the current element has this class and tag number. */
  is(cls: number, tag: number): boolean {
    return this.cls === cls && this.tag === tag;
  }

  /** Value length of the current element. */
  get length(): number {
    return this.valueEnd - this.valueStart;
  }

  /**
   * A reader over the current element's value. Returns null (and sets
   * `error`) past BER_MAX_DEPTH. Works on primitive elements too, which lets
   * callers look inside OCTET STRINGs that wrap encoded data.
   */
  enter(): BerReader | null {
    if (this.depth + 1 > BER_MAX_DEPTH) {
      this.error = 'depth_exceeded';
      return null;
    }
    return new BerReader(this.buf, this.valueStart, this.valueEnd, this.depth + 1);
  }

  /** INTEGER / ENUMERATED value (NaN when malformed or too large). */
  int(): number {
    return decodeInteger(this.buf, this.valueStart, this.valueEnd);
  }

  /** BOOLEAN value (any non-zero octet is true; empty is false). */
  bool(): boolean {
    return this.length > 0 && this.buf[this.valueStart] !== 0;
  }

  /** String value decoded as UTF-8 (OCTET STRING, GeneralString, UTF8String, IA5String...). */
  str(): string {
    return utf8Text(this.buf, this.valueStart, this.valueEnd);
  }

  /** OBJECT IDENTIFIER in dotted form ('' when malformed). */
  oid(): string {
    return decodeOid(this.buf, this.valueStart, this.valueEnd);
  }

  /** GeneralizedTime / KerberosTime in epoch seconds (NaN when malformed). */
  time(): number {
    return decodeGeneralizedTime(this.buf, this.valueStart, this.valueEnd);
  }

  /** View of the value bytes (not a copy). */
  bytes(): Uint8Array {
    return this.buf.subarray(this.valueStart, this.valueEnd);
  }

  /**
   * Moves to the element with context tag `[tag]` (skipping lower tags, as
   * optional fields are absent) and returns true; false when a higher tag,
   * the end, or an error comes first. Leaves the reader on the found element.
   */
  seekContext(tag: number): boolean {
    while (this.next()) {
      if (this.cls === TagClass.CONTEXT && this.tag === tag) return true;
      if (this.cls === TagClass.CONTEXT && this.tag > tag) {
        // Step back so a later seek for the higher tag still finds it.
        this.pos = this.start;
        return false;
      }
    }
    return false;
  }
}
