/**
 * Connection uids: "C" followed by base62 text, like Zeek's. Each uid is a
 * pure function of (seed, flow number), so a replay with the same seed
 * yields the same uids (tests and diffs rely on that), and uids never repeat
 * within a tracker: the first base62 word is a bijective 32-bit mix of the
 * flow number, the second carries the number's high bits.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^6 > 2^32, so six base62 digits hold one 32-bit word. */
const DIGITS_PER_WORD = 6;
const TWO_32 = 4294967296;

/** murmur3's 32-bit finaliser: a bijection on 32-bit values with good avalanche. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function word62(w: number): string {
  let v = w >>> 0;
  let s = '';
  for (let i = 0; i < DIGITS_PER_WORD; i++) {
    s = BASE62[v % 62]! + s;
    v = Math.floor(v / 62);
  }
  return s;
}

/** The uid of flow number `n` (0, 1, 2, ...) under `seed`. */
export function makeUid(seed: number, n: number): string {
  const s = fmix32(seed >>> 0);
  const lo = n % TWO_32;
  const hi = Math.floor(n / TWO_32);
  const w0 = fmix32((lo + s) >>> 0);
  const w1 = fmix32((hi ^ Math.imul(s, 0x9e3779b1)) >>> 0);
  const w2 = fmix32((w0 ^ 0x5bd1e995 ^ s) >>> 0);
  return 'C' + word62(w0) + word62(w1) + word62(w2);
}
