/**
 * Hashed character n-grams and structure tokens of a label, the sparse half
 * of the DGA model:
 * every 1..MAX_GRAM-character run of the label framed with a start and an
 * end mark ("^kzmbnwqv$"), hashed into one of 2^bits buckets. A weight per
 * bucket, learned discriminatively (bench/dga/core.ts), says how much that
 * run speaks for "generated" or "popular"; the framing lets "starts with a
 * digit" or "ends in -q" count on their own. Training and scoring share
 * this one function, so the buckets can never drift apart.
 *
 * Runs per DNS event: no allocation, only an index loop over char codes and
 * integer hashing into a caller-owned buffer.
 */
import { ALPHABET, SYMBOL_OF } from './ngram.js';
import { MAX_NAME_LENGTH } from './label.js';

/** Longest character run hashed: 5 covers syllables and short words; longer runs are mostly unique. */
export const MAX_GRAM = 5;
/** Start and end marks (outside the alphabet's symbol range). */
const START = ALPHABET.length;
const END = ALPHABET.length + 1;
/** Buckets a label can produce at most: MAX_GRAM per framed position (a label is never longer than a name). */
export const MAX_BUCKETS = (MAX_NAME_LENGTH + 2) * MAX_GRAM + 4;

/** Symbol of framed position `i` of `label` (0 = start mark, length + 1 = end mark). */
function symbolAt(label: string, i: number): number {
  if (i === 0) return START;
  if (i > label.length) return END;
  const code = label.charCodeAt(i - 1);
  const s = code < 128 ? SYMBOL_OF[code]! : -1;
  return s < 0 ? ALPHABET.length - 1 : s; // anything else counts as a hyphen, as in ngram.ts
}

/** fmix32 (murmur3's finalizer): spreads a 32-bit hash over every bit. */
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
/** Seeds of the structure tokens, apart from every n-gram hash (which never mixes these in). */
const SEED_LENGTH = 0x1000001;
const SEED_SUFFIX = 0x2000003;
const SEED_SUFFIX_LENGTH = 0x3000005;
const SEED_SHAPE_LENGTH = 0x4000007;

/**
 * Writes the buckets of `label`'s features into `out` and returns how many
 * were written: every n-gram (n = 1..MAX_GRAM, framed; the lone start and
 * end marks are left out, every label has them), then four structure
 * tokens: the length, the public suffix (the rest of `domain` after the
 * label and its dot; "" when `domain` is just the label), suffix x length,
 * and character classes (letters only / with digits / with hyphens) x
 * length. A generator fixes its lengths, alphabet and suffixes; these tokens
 * let the weights say how common each combination is among popular names.
 * `bits` is the table size in bits (model.ngram_bits).
 */
export function gramBuckets(label: string, domain: string, bits: number, out: Uint32Array): number {
  const framed = label.length + 2;
  const mask = (1 << bits) - 1;
  let k = 0;
  if (out.length < 4) return 0;
  const len = label.length < MAX_LENGTH_TOKEN ? label.length : MAX_LENGTH_TOKEN;
  let suffix = SEED_SUFFIX;
  for (let i = label.length + 1; i < domain.length; i++) suffix = Math.imul(suffix ^ domain.charCodeAt(i), 0x01000193);
  let digits = 0;
  let hyphens = 0;
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c >= 48 && c <= 57) digits = 1;
    else if (c < 97 || c > 122) hyphens = 1;
  }
  out[k++] = fmix(Math.imul(SEED_LENGTH ^ len, 0x01000193)) & mask;
  out[k++] = fmix(suffix) & mask;
  out[k++] = fmix(Math.imul(suffix ^ SEED_SUFFIX_LENGTH, 0x01000193) ^ len) & mask;
  out[k++] = fmix(Math.imul(SEED_SHAPE_LENGTH ^ (digits + 2 * hyphens), 0x01000193) ^ (len << 4)) & mask;
  for (let i = 0; i < framed; i++) {
    let h = 0x811c9dc5;
    for (let n = 1; n <= MAX_GRAM && i + n <= framed; n++) {
      h = Math.imul(h ^ symbolAt(label, i + n - 1), 0x01000193);
      if (n === 1 && (i === 0 || i === framed - 1)) continue;
      if (k >= out.length) return k;
      // The run length is folded in, so "ab" and "b" of one start differ.
      out[k++] = fmix(h ^ n) & mask;
    }
  }
  return k;
}
