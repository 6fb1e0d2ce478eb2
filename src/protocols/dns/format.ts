/**
 * Text rendering of wire values shared by the DNS, NBNS and DHCP analyzers:
 * IPv4/IPv6 addresses (RFC 5952 form, as Zeek prints them), MAC addresses,
 * hex strings, and byte strings from the wire. Byte strings become text
 * without losing anything: valid UTF-8 is decoded, any other byte >= 0x80 is
 * kept as a `\xNN` escape (the form Zeek's log writer uses), so a name with
 * junk bytes stays distinguishable from a clean one.
 */

const HEX = '0123456789abcdef';

/** Dotted-quad text of the 4 bytes at `off`. */
export function ipv4At(buf: Uint8Array, off: number): string {
  return `${buf[off]!}.${buf[off + 1]!}.${buf[off + 2]!}.${buf[off + 3]!}`;
}

/** Dotted-quad text of an unsigned 32-bit address. */
export function ipv4FromNumber(n: number): string {
  return `${(n >>> 24) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/**
 * RFC 5952 text of the 16 bytes at `off`: lower-case hex, leading zeros
 * dropped, the longest run (first on ties) of two or more zero groups as
 * "::", and IPv4-mapped addresses (::ffff:a.b.c.d) in mixed notation.
 */
export function ipv6At(buf: Uint8Array, off: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4At(buf, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += g[i]!.toString(16);
  }
  return out;
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

/** Length of the valid UTF-8 sequence starting at `i` (before `end`), or 0 when it is not one. */
function utf8SeqLen(buf: Uint8Array, i: number, end: number): number {
  const b = buf[i]!;
  let n: number;
  let min: number;
  if (b >= 0xc2 && b <= 0xdf) {
    n = 2;
    min = 0x80;
  } else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    min = 0x800;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > end) return 0;
  let cp = b & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const c = buf[i + k]!;
    if ((c & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/**
 * Text of the bytes [start, end): ASCII as is, valid UTF-8 decoded, any other
 * byte >= 0x80 as "\xNN". With `lower`, ASCII A-Z become a-z (Zeek lower-cases
 * DNS names "for consistency"; other scripts are left alone, as in Zeek's C locale).
 */
export function bytesToText(buf: Uint8Array, start: number, end: number, lower = false): string {
  let out = '';
  for (let i = start; i < end; ) {
    const b = buf[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(lower && b >= 0x41 && b <= 0x5a ? b + 32 : b);
      i++;
      continue;
    }
    const n = utf8SeqLen(buf, i, end);
    if (n === 0) {
      out += '\\x' + HEX[b >> 4]! + HEX[b & 15]!;
      i++;
      continue;
    }
    let cp = b & (0xff >> (n + 1));
    for (let k = 1; k < n; k++) cp = (cp << 6) | (buf[i + k]! & 0x3f);
    out += String.fromCodePoint(cp);
    i += n;
  }
  return out;
}
