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

const BASE62_CODES = Uint8Array.from(BASE62, (ch) => ch.charCodeAt(0));
const UID_PREFIX = 0x43; // 'C'
/** Character codes of a uid being made: 'C' and three words of six digits. */
const CODES = new Uint8Array(1 + 3 * DIGITS_PER_WORD);

/** Writes `w` as six base62 digits (most significant first) at `at`. */
function word62(w: number, at: number): void {
  let v = w >>> 0;
  for (let i = DIGITS_PER_WORD - 1; i >= 0; i--) {
    CODES[at + i] = BASE62_CODES[v % 62]!;
    v = Math.floor(v / 62);
  }
}

/**
 * The uid of flow number `n` (0, 1, 2, ...) under `seed`, as one flat string
 * (a concatenated one is copied again the first time it is hashed or read).
 */
export function makeUid(seed: number, n: number): string {
  const s = fmix32(seed >>> 0);
  const lo = n % TWO_32;
  const hi = Math.floor(n / TWO_32);
  const w0 = fmix32((lo + s) >>> 0);
  const w1 = fmix32((hi ^ Math.imul(s, 0x9e3779b1)) >>> 0);
  const w2 = fmix32((w0 ^ 0x5bd1e995 ^ s) >>> 0);
  return base62Id(UID_PREFIX, w0, w1, w2);
}

/** `prefix` (a character code) followed by three 32-bit words as six base62 digits each, as one flat string. */
export function base62Id(prefix: number, w0: number, w1: number, w2: number): string {
  const c = CODES;
  c[0] = prefix;
  word62(w0, 1);
  word62(w1, 1 + DIGITS_PER_WORD);
  word62(w2, 1 + 2 * DIGITS_PER_WORD);
  return String.fromCharCode(
    c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!,
    c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!, c[18]!,
  );
}
