/**
 * Text rendering of wire values shared by the DNS, NBNS and DHCP analyzers:
 * IPv4/IPv6 addresses (RFC 5952 form, as Zeek prints them), MAC addresses,
 * hex strings, and byte strings from the wire. Byte strings become text
 * without losing anything: valid UTF-8 is decoded, any other byte >= 0x80 is
 * kept as a `\xNN` escape (the form Zeek's log writer uses), so a name with
 * junk bytes stays distinguishable from a clean one. Address text comes from
 * the decoder's formatters (src/decode/addr.ts) so every log writes addresses
 * the same way.
 */
import { ipv4ToString, ipv6ToString } from '../../decode/addr.js';
import { decodeUtf8, utf8Length } from '../wire-text.js';

const HEX = '0123456789abcdef';

/** Big-endian 32-bit word of the 4 bytes at `off`. */
function u32At(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/** Dotted-quad text of the 4 bytes at `off`. */
export function ipv4At(buf: Uint8Array, off: number): string {
  return ipv4ToString(u32At(buf, off));
}

/** Scratch words for `ipv6At`: the text is built before the next call, so one buffer serves all. */
const V6_WORDS = new Uint32Array(4);

/**
 * RFC 5952 text of the 16 bytes at `off` (the decoder's formatter, which
 * writes what Zeek logs): lower-case hex, leading zeros dropped, the longest
 * run (first on ties) of two or more zero groups as "::", and IPv4-mapped
 * addresses (::ffff:a.b.c.d) in mixed notation.
 */
export function ipv6At(buf: Uint8Array, off: number): string {
  for (let i = 0; i < 4; i++) V6_WORDS[i] = u32At(buf, off + 4 * i);
  return ipv6ToString(V6_WORDS);
}

/** "aa:bb:cc:dd:ee:ff" of `len` bytes at `off`. */
export function macAt(buf: Uint8Array, off: number, len = 6): string {
  let out = '';
  for (let i = 0; i < len; i++) {
    const b = buf[off + i]!;
    if (i > 0) out += ':';
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** Lower-case hex of `len` bytes at `off`, no separators. */
export function hexAt(buf: Uint8Array, off: number, len: number): string {
  let out = '';
  for (let i = 0; i < len; i++) {
    const b = buf[off + i]!;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** Longest text made through the flat ASCII path of bytesToText (DNS names are at most 255 bytes). */
const ASCII_SCRATCH = Buffer.alloc(1024);

/**
 * Text of the bytes [start, end): ASCII as is, valid UTF-8 decoded, any other
 * byte >= 0x80 as "\xNN". With `lower`, ASCII A-Z become a-z (Zeek lower-cases
 * DNS names "for consistency"; other scripts are left alone, as in Zeek's C locale).
 */
export function bytesToText(buf: Uint8Array, start: number, end: number, lower = false): string {
  // All ASCII (nearly every name): copied into a scratch buffer and read out
  // as one flat string. Appended a character at a time, a name longer than a
  // dozen characters became a chain of parts that V8 copied again the first
  // time it was hashed or read, and names are map keys of several rules.
  const n = end - start;
  if (n <= ASCII_SCRATCH.length) {
    const a = ASCII_SCRATCH;
    let i = 0;
    for (; i < n; i++) {
      const b = buf[start + i]!;
      if (b >= 0x80) break;
      a[i] = lower && b >= 0x41 && b <= 0x5a ? b + 32 : b;
    }
    if (i === n) return a.toString('latin1', 0, n);
  }
  let out = '';
  for (let i = start; i < end; ) {
    const b = buf[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(lower && b >= 0x41 && b <= 0x5a ? b + 32 : b);
      i++;
      continue;
    }
    const n = utf8Length(buf, i, end);
    if (n === 0) {
      out += '\\x' + HEX[b >> 4]! + HEX[b & 15]!;
      i++;
      continue;
    }
    out += String.fromCodePoint(decodeUtf8(buf, i, n));
    i += n;
  }
  return out;
}
