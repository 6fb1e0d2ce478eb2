/**
 * Character n-grams and structure tokens of a label, the sparse half of the
 * DGA model: every run of 1..max characters of the label framed with a start
 * and an end mark ("^kzmbnwqv$"), mapped to one weight slot each. A weight
 * per slot, learned discriminatively (bench/dga/core.ts), says how much that
 * run speaks for "generated" or "popular"; the framing lets "starts with a
 * digit" or "ends in -q" count on their own. Training and scoring share this
 * one function, so the slots can never drift apart.
 *
 * Layout of a table of 2^bits slots (bits >= MIN_TABLE_BITS):
 *   [0, DIRECT_SLOTS)              1-, 2- and 3-grams, indexed directly (no collisions:
 *                                  a random trigram never borrows a popular one's weight)
 *   [DIRECT_SLOTS, +TOKEN_SLOTS)   the four structure tokens, hashed
 *   [2^(bits-1), 2^bits)           4- and (when asked) 5-grams, hashed
 * Longer runs are hashed because there are too many to index; keeping them
 * out of the direct part means a collision can only blur a long run.
 *
 * Runs per DNS event: no allocation and no string slicing, only an index
 * loop over char codes building integer run ids, written into a caller-owned
 * buffer.
 */
import { ALPHABET, SYMBOL_OF } from './ngram.js';
import { MAX_NAME_LENGTH } from './label.js';

/** Longest run ever used: 5 covers syllables and short words; longer runs are mostly unique. */
export const MAX_GRAM = 5;
/** Start and end marks, after the alphabet's symbols. */
const START = ALPHABET.length;
const END = ALPHABET.length + 1;
/** Symbols a framed position can hold. */
const R = ALPHABET.length + 2;
/** Directly indexed slots: every 1-, 2- and 3-run of framed symbols. */
export const DIRECT_SLOTS = R + R * R + R * R * R;
const BI_BASE = R;
const TRI_BASE = R + R * R;
/** Slots the structure tokens hash into: four tokens with a few hundred values each. */
export const TOKEN_SLOTS = 4096;
/** Smallest table that holds the direct and token slots below its upper (hashed) half. */
export const MIN_TABLE_BITS = Math.ceil(Math.log2(2 * (DIRECT_SLOTS + TOKEN_SLOTS)));
/** Slots a label can produce at most: MAX_GRAM per framed position plus the tokens (a label is never longer than a name). */
export const MAX_BUCKETS = (MAX_NAME_LENGTH + 2) * MAX_GRAM + 4;

/** fmix32 (murmur3's finalizer): spreads a 32-bit value over every bit. */
function fmix(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Lengths above this share one length token (few popular or generated labels are longer). */
export const MAX_LENGTH_TOKEN = 40;
/** Seeds of the hashed slots, so a 4-run, a 5-run and each token never share a hash by construction. */
const SEED_LENGTH = 0x1000001;
const SEED_SUFFIX = 0x2000003;
const SEED_SUFFIX_LENGTH = 0x3000005;
const SEED_SHAPE_LENGTH = 0x4000007;
const SEED_FOUR = 0x5000009;
const SEED_FIVE = 0x600000b;

/**
 * Writes the slots of `label`'s features into `out` and returns how many
 * were written: four structure tokens first (the length, the public suffix
 * = the rest of `domain` after the label and its dot, "" when `domain` is
 * just the label; suffix x length; character classes, letters only / with
 * digits / with hyphens, x length), then per framed position the runs
 * ending there, 1 to `maxGram` long (the lone start and end marks are left
 * out: every label has them). A generator fixes its lengths, alphabet and
 * suffixes; the tokens let the weights say how common each combination is
 * among popular names. `bits` is the table size in bits (model.ngram_bits,
 * at least MIN_TABLE_BITS); `maxGram` is 3, 4 or 5 (model.ngram_max).
 */
export function gramBuckets(label: string, domain: string, bits: number, out: Uint32Array, maxGram = 4): number {
  const n = label.length;
  if (out.length < 4 || bits < MIN_TABLE_BITS) return 0;
  const half = 1 << (bits - 1);
  const hashMask = half - 1;
  const len = n < MAX_LENGTH_TOKEN ? n : MAX_LENGTH_TOKEN;
  let suffix = SEED_SUFFIX;
  for (let i = n + 1; i < domain.length; i++) suffix = Math.imul(suffix ^ domain.charCodeAt(i), 0x01000193);
  let digits = 0;
  let hyphens = 0;
  for (let i = 0; i < n; i++) {
    const c = label.charCodeAt(i);
    if (c >= 48 && c <= 57) digits = 1;
    else if (c < 97 || c > 122) hyphens = 1;
  }
  let k = 0;
  out[k++] = DIRECT_SLOTS + (fmix(Math.imul(SEED_LENGTH ^ len, 0x01000193)) & (TOKEN_SLOTS - 1));
  out[k++] = DIRECT_SLOTS + (fmix(suffix) & (TOKEN_SLOTS - 1));
  out[k++] = DIRECT_SLOTS + (fmix(Math.imul(suffix ^ SEED_SUFFIX_LENGTH, 0x01000193) ^ len) & (TOKEN_SLOTS - 1));
  out[k++] = DIRECT_SLOTS + (fmix(Math.imul(SEED_SHAPE_LENGTH ^ (digits + 2 * hyphens), 0x01000193) ^ (len << 4)) & (TOKEN_SLOTS - 1));
  // Symbols of the previous four framed positions (-1 before the start).
  let p1 = -1;
  let p2 = -1;
  let p3 = -1;
  let p4 = -1;
  for (let j = 0; j <= n + 1; j++) {
    let c: number;
    if (j === 0) c = START;
    else if (j > n) c = END;
    else {
      const code = label.charCodeAt(j - 1);
      const s = code < 128 ? SYMBOL_OF[code]! : -1;
      c = s < 0 ? ALPHABET.length - 1 : s; // anything else counts as a hyphen, as in ngram.ts
    }
    if (k + MAX_GRAM > out.length) return k;
    if (j > 0 && j <= n) out[k++] = c;
    if (p1 >= 0) {
      const bi = p1 * R + c;
      out[k++] = BI_BASE + bi;
      if (p2 >= 0) {
        const tri = p2 * R * R + bi;
        out[k++] = TRI_BASE + tri;
        if (p3 >= 0 && maxGram >= 4) {
          const four = p3 * R * R * R + tri;
          out[k++] = half + (fmix(four ^ SEED_FOUR) & hashMask);
          if (p4 >= 0 && maxGram >= 5) out[k++] = half + (fmix(Math.imul(p4, R * R * R * R) + four + SEED_FIVE) & hashMask);
        }
      }
    }
    p4 = p3;
    p3 = p2;
    p2 = p1;
    p1 = c;
  }
  return k;
}
