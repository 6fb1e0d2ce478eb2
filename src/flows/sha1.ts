/**
 * SHA-1 of one short message (at most 55 bytes, i.e. one 64-byte block),
 * returned as base64, for Community ID. Every ended flow needs one, and
 * node:crypto's createHash costs an object, a Buffer and a native call per
 * flow; this runs on preallocated scratch arrays and allocates only the
 * result string. (SHA-1 is what the Community ID spec fixes; nothing here
 * relies on its strength.)
 */

/** Largest message that still fits one block with SHA-1 padding. */
export const SHA1_ONE_BLOCK_MAX = 55;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const W = new Int32Array(80);
const BLOCK = new Uint8Array(64);
const DIGEST = new Uint8Array(20);
const B64_CODES = Uint8Array.from(B64, (ch) => ch.charCodeAt(0));
const CHARS = new Uint8Array(28);
const EQUALS = 0x3d;

/**
 * Base64 of SHA-1(`msg[0..len)`) after a two-character `prefix` (Community
 * ID's version, "1:"); `len` must be <= SHA1_ONE_BLOCK_MAX. The result is one
 * flat string: `prefix + hash` would be a two-part string that the runtime
 * copies again the first time it is hashed or read.
 */
export function sha1Base64(msg: Uint8Array, len: number, prefix: string): string {
  const block = BLOCK;
  for (let i = 0; i < len; i++) block[i] = msg[i]!;
  block[len] = 0x80;
  for (let i = len + 1; i < 62; i++) block[i] = 0;
  const bits = len * 8;
  block[62] = (bits >>> 8) & 0xff;
  block[63] = bits & 0xff;
  const w = W;
  for (let i = 0; i < 16; i++) {
    const o = i * 4;
    w[i] = (block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!;
  }
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = 0x67452301;
  let b = 0xefcdab89 | 0;
  let c = 0x98badcfe | 0;
  let d = 0x10325476;
  let e = 0xc3d2e1f0 | 0;
  // Four 20-round stages, each its own loop so no round branches on its stage.
  for (let i = 0; i < 20; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 20; i < 40; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 40; i < 60; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 60; i < 80; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  const h = DIGEST;
  putWord(h, 0, (0x67452301 + a) | 0);
  putWord(h, 4, ((0xefcdab89 | 0) + b) | 0);
  putWord(h, 8, ((0x98badcfe | 0) + c) | 0);
  putWord(h, 12, (0x10325476 + d) | 0);
  putWord(h, 16, ((0xc3d2e1f0 | 0) + e) | 0);
  // 20 bytes -> 27 base64 characters and one '=' of padding, made as one flat string.
  const out = CHARS;
  for (let i = 0, o = 0; i < 18; i += 3, o += 4) {
    const v = (h[i]! << 16) | (h[i + 1]! << 8) | h[i + 2]!;
    out[o] = B64_CODES[v >>> 18]!;
    out[o + 1] = B64_CODES[(v >>> 12) & 63]!;
    out[o + 2] = B64_CODES[(v >>> 6) & 63]!;
    out[o + 3] = B64_CODES[v & 63]!;
  }
  const v = (h[18]! << 16) | (h[19]! << 8);
  out[24] = B64_CODES[v >>> 18]!;
  out[25] = B64_CODES[(v >>> 12) & 63]!;
  out[26] = B64_CODES[(v >>> 6) & 63]!;
  out[27] = EQUALS;
  if (prefix.length !== 2) throw new RangeError(`sha1Base64: the prefix must have two characters, got ${JSON.stringify(prefix)}`);
  return String.fromCharCode(
    prefix.charCodeAt(0), prefix.charCodeAt(1),
    out[0]!, out[1]!, out[2]!, out[3]!, out[4]!, out[5]!, out[6]!, out[7]!, out[8]!, out[9]!, out[10]!, out[11]!, out[12]!, out[13]!,
    out[14]!, out[15]!, out[16]!, out[17]!, out[18]!, out[19]!, out[20]!, out[21]!, out[22]!, out[23]!, out[24]!, out[25]!, out[26]!, out[27]!,
  );
}

function putWord(out: Uint8Array, o: number, v: number): void {
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}
