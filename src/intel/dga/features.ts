/**
 * The numbers the DGA model weighs for one label: trigram surprise against
 * popular names (mean and total bits, the worst step, per length band, and
 * against uniformly random text), the same against generated names (and the
 * likelihood ratio of the two), length, character
 * entropy, digits (share, runs, letter/digit switches), consonant runs,
 * vowel share, distinct characters and hyphens. Training
 * (bench/dga/train.ts) and scoring use this one function, so the model can
 * never see features computed differently from how it was trained.
 */
import { ALPHABET, SYMBOL_OF, surprise, type Surprise } from './ngram.js';

export const FEATURE_NAMES = [
  'length',
  'log_length',
  'bits_mean',
  'bits_total',
  'bits_max',
  'bits_mean_x_log_length',
  'entropy',
  'digit_share',
  'digit_runs',
  'max_digit_run',
  'letter_digit_switches',
  'max_consonant_run',
  'vowel_share',
  'distinct_share',
  'hyphens',
  'bits_mean_len_le_6',
  'bits_mean_len_7_9',
  'bits_mean_len_10_12',
  'bits_mean_len_13_16',
  'bits_mean_len_ge_17',
  'bits_over_uniform',
  'dga_bits_mean',
  'llr_mean',
  'llr_total',
] as const;

/**
 * Length bands for the per-band surprise features: how surprising a popular
 * name may be depends on its length (short brands are odd strings more often),
 * and one weight per band lets a linear model follow that.
 */
const BANDS = [6, 9, 12, 16] as const;
/** Bits per character of a uniformly random letter-or-digit string (log2 36). */
const UNIFORM_BITS = Math.log2(36);

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Per-symbol counts of the label being scored (reused: scoring runs per DNS event). */
const counts = new Uint16Array(ALPHABET.length);

function isVowel(code: number): boolean {
  return code === 97 || code === 101 || code === 105 || code === 111 || code === 117;
}

/** Writes the features of `label` (lower-case LDH) into `out` (length FEATURE_COUNT). */
export function labelFeatures(
  table: Uint8Array,
  dgaTable: Uint8Array,
  label: string,
  out: Float64Array,
  scratch: Surprise = { total: 0, max: 0, steps: 0 },
): Float64Array {
  const n = label.length;
  const dgaBits = surprise(dgaTable, label, scratch).total;
  const s = surprise(table, label, scratch);
  counts.fill(0);
  let distinct = 0;
  let digits = 0;
  let digitRuns = 0;
  let maxDigitRun = 0;
  let digitRun = 0;
  let switches = 0;
  let consonantRun = 0;
  let maxConsonantRun = 0;
  let vowels = 0;
  let hyphens = 0;
  let prevKind = 0; // 1 letter, 2 digit, 3 hyphen
  for (let i = 0; i < n; i++) {
    const code = label.charCodeAt(i);
    const sym = code < 128 ? SYMBOL_OF[code]! : -1;
    if (sym >= 0 && counts[sym]++ === 0) distinct++;
    let kind = 3;
    if (code >= 48 && code <= 57) kind = 2;
    else if (code >= 97 && code <= 122) kind = 1;
    if (kind === 2) {
      digits++;
      digitRun++;
      if (digitRun === 1) digitRuns++;
      if (digitRun > maxDigitRun) maxDigitRun = digitRun;
    } else digitRun = 0;
    if (kind === 1 && !isVowel(code) && code !== 121) {
      consonantRun++;
      if (consonantRun > maxConsonantRun) maxConsonantRun = consonantRun;
    } else consonantRun = 0;
    if (kind === 1 && isVowel(code)) vowels++;
    if (kind === 3) hyphens++;
    if (i > 0 && kind !== prevKind && kind !== 3 && prevKind !== 3) switches++;
    prevKind = kind;
  }
  let entropy = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k]!;
    if (c === 0) continue;
    const p = c / n;
    entropy -= p * Math.log2(p);
  }
  const letters = n - digits - hyphens;
  const logLength = Math.log(n + 1);
  const mean = s.total / s.steps;
  out[0] = n;
  out[1] = logLength;
  out[2] = mean;
  out[3] = s.total;
  out[4] = s.max;
  out[5] = mean * logLength;
  out[6] = entropy;
  out[7] = n > 0 ? digits / n : 0;
  out[8] = digitRuns;
  out[9] = maxDigitRun;
  out[10] = switches;
  out[11] = maxConsonantRun;
  out[12] = letters > 0 ? vowels / letters : 0;
  out[13] = n > 0 ? distinct / n : 0;
  out[14] = hyphens;
  let band: number = BANDS.length;
  for (let k = 0; k < BANDS.length; k++) {
    if (n <= BANDS[k]!) {
      band = k;
      break;
    }
  }
  for (let k = 0; k <= BANDS.length; k++) out[15 + k] = k === band ? mean : 0;
  // Log-likelihood ratio against a uniformly random string of the same length, in bits.
  out[20] = s.total - UNIFORM_BITS * s.steps;
  // Popular-names model against generated-names model: positive when the label fits the latter better.
  out[21] = dgaBits / s.steps;
  out[22] = mean - dgaBits / s.steps;
  out[23] = s.total - dgaBits;
  return out;
}
