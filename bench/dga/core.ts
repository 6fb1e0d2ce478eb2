/**
 * Training machinery for the DGA model, shared by the training script
 * (train.ts, which writes assets/intel/dga-model.json) and the evaluation
 * (eval.ts, which retrains with one family left out at a time):
 *
 * - the trigram tables of popular and of generated labels, Witten-Bell
 *   interpolated down to bigrams and add-one unigrams, then quantized;
 * - dense features of training labels are cross-fitted (each fold scored by
 *   tables built without it) so the classifier learns how surprising an
 *   unseen popular name is, not one it memorized;
 * - one logistic regression over the standardized dense features and the
 *   hashed character n-grams (grams.ts), by shuffled SGD with per-weight
 *   Adagrad steps and L2, classes balanced and popular names weighted up;
 *   n-gram weights are quantized to signed bytes before anything is scored,
 *   so every figure is the shipped model's;
 * - the threshold is chosen on out-of-fold scores: each training fold is
 *   scored by a model trained without it, and the threshold is the lowest
 *   probability that keeps false positives on those popular names at or under
 *   a target rate. The held-out 30 % never takes part.
 */
import { BOS, EOS, SYMBOLS, SYMBOL_OF, ALPHABET, TABLE_SIZE, STEPS_PER_BIT, tri } from '../../src/intel/dga/ngram.js';
import { FEATURE_COUNT, FEATURE_NAMES, labelFeatures } from '../../src/intel/dga/features.js';
import { MODEL_FORMAT, type DgaModel, type DgaModelFile } from '../../src/intel/dga/model.js';
import { FOLDS, type Sample } from './data.js';
import { MAX_BUCKETS, gramBuckets } from '../../src/intel/dga/grams.js';

/** Trigram counts of `labels` added into `counts`. */
export function addCounts(counts: Float64Array, label: string): void {
  let a = BOS;
  let b = BOS;
  for (let i = 0; i <= label.length; i++) {
    let c = EOS;
    if (i < label.length) {
      const code = label.charCodeAt(i);
      c = code < 128 ? SYMBOL_OF[code]! : -1;
      if (c < 0) c = ALPHABET.length - 1;
    }
    counts[tri(a, b, c)]! += 1;
    a = b;
    b = c;
  }
}

/** Quantized surprise table from trigram counts (see ngram.ts). */
export function tableFromCounts(counts: Float64Array): Uint8Array {
  const S = SYMBOLS;
  const predictable = S - 1; // every symbol but the start
  const c2 = new Float64Array(S * S); // (b,c) summed over a
  const c1 = new Float64Array(S);
  let n = 0;
  for (let a = 0; a < S; a++)
    for (let b = 0; b < S; b++)
      for (let c = 0; c < S; c++) {
        const v = counts[tri(a, b, c)]!;
        c2[b * S + c]! += v;
        c1[c]! += v;
        n += v;
      }
  const uni = new Float64Array(S);
  for (let c = 0; c < S; c++) uni[c] = c === BOS ? 0 : (c1[c]! + 1) / (n + predictable);
  const bi = new Float64Array(S * S);
  for (let b = 0; b < S; b++) {
    let tot = 0;
    let types = 0;
    for (let c = 0; c < S; c++) {
      tot += c2[b * S + c]!;
      if (c2[b * S + c]! > 0) types++;
    }
    const lam = tot > 0 ? tot / (tot + types) : 0;
    for (let c = 0; c < S; c++) bi[b * S + c] = (tot > 0 ? lam * (c2[b * S + c]! / tot) : 0) + (1 - lam) * uni[c]!;
  }
  const table = new Uint8Array(TABLE_SIZE);
  for (let a = 0; a < S; a++)
    for (let b = 0; b < S; b++) {
      let tot = 0;
      let types = 0;
      for (let c = 0; c < S; c++) {
        const v = counts[tri(a, b, c)]!;
        tot += v;
        if (v > 0) types++;
      }
      const lam = tot > 0 ? tot / (tot + types) : 0;
      for (let c = 0; c < S; c++) {
        const p = (tot > 0 ? lam * (counts[tri(a, b, c)]! / tot) : 0) + (1 - lam) * bi[b * S + c]!;
        const bits = p > 0 ? -Math.log2(p) : 32;
        table[tri(a, b, c)] = Math.min(255, Math.round(bits * STEPS_PER_BIT));
      }
    }
  return table;
}

export interface Prepared {
  /** Tables from every training label (popular names; generated names). */
  table: Uint8Array;
  dgaTable: Uint8Array;
  samples: Sample[];
  /** Features per sample (row-major, FEATURE_COUNT each). */
  x: Float64Array;
  /** Hashed n-gram buckets of every sample, concatenated; sample i owns gramStart[i]..gramStart[i+1]. */
  grams: Uint32Array;
  gramStart: Uint32Array;
  /** Hashed n-gram table size in bits. */
  bits: number;
}

/** Trigram tables of one class: from every training label, and without each fold (cross-fitting). */
function classTables(samples: Sample[], use: (s: Sample) => boolean): { all: Uint8Array; without: Uint8Array[] } {
  const total = new Float64Array(TABLE_SIZE);
  const folds: Float64Array[] = [];
  for (let f = 0; f < FOLDS; f++) folds.push(new Float64Array(TABLE_SIZE));
  for (const s of samples) {
    if (s.test || !use(s)) continue;
    addCounts(total, s.label);
    addCounts(folds[s.fold]!, s.label);
  }
  const without: Uint8Array[] = [];
  for (let f = 0; f < FOLDS; f++) {
    const rest = new Float64Array(TABLE_SIZE);
    for (let i = 0; i < TABLE_SIZE; i++) rest[i] = total[i]! - folds[f]![i]!;
    without.push(tableFromCounts(rest));
  }
  return { all: tableFromCounts(total), without };
}

/**
 * Builds both trigram tables and every sample's features. A training row is
 * scored by tables built without its fold; held-out rows by the full tables.
 * `leaveOut` names a family kept out of the generated-names table entirely
 * (leave-family-out evaluation).
 */
export function prepare(benign: Sample[], dga: Sample[], leaveOut?: string, bits = NGRAM_BITS): Prepared {
  const pop = classTables(benign, () => true);
  const gen = classTables(dga, (s) => s.group !== leaveOut);
  const samples = [...benign, ...dga];
  const x = new Float64Array(samples.length * FEATURE_COUNT);
  const row = new Float64Array(FEATURE_COUNT);
  const buf = new Uint32Array(MAX_BUCKETS);
  const gramStart = new Uint32Array(samples.length + 1);
  let total = 0;
  for (const s of samples) total += gramBuckets(s.label, s.domain, bits, buf);
  const grams = new Uint32Array(total);
  let at = 0;
  samples.forEach((s, i) => {
    const inTraining = !s.test && s.group !== leaveOut;
    const t = inTraining && !s.dga ? pop.without[s.fold]! : pop.all;
    const g = inTraining && s.dga ? gen.without[s.fold]! : gen.all;
    labelFeatures(t, g, s.label, row);
    x.set(row, i * FEATURE_COUNT);
    gramStart[i] = at;
    const n = gramBuckets(s.label, s.domain, bits, buf);
    grams.set(buf.subarray(0, n), at);
    at += n;
  });
  gramStart[samples.length] = at;
  return { table: pop.all, dgaTable: gen.all, samples, x, grams, gramStart, bits };
}


/** Hashed n-gram table size in bits, per family model: 2^17 one-byte weights each keep the file near a megabyte. */
export const NGRAM_BITS = 17;

export interface Trained {
  mean: Float64Array;
  std: Float64Array;
  weights: Float64Array;
  bias: number;
  /** n-gram bucket weights after quantization (byte * ngramScale). */
  ngram: Float32Array;
  ngramBytes: Int8Array;
  ngramScale: number;
  /** Decision threshold (FAMILY_THRESHOLD once fitFamilies has shifted the bias). */
  threshold: number;
}

export interface TrainOptions {
  /** Training rows to use (indices into prepared.samples). */
  rows: number[];
  /** Weight of a benign row relative to a generated one after class balancing (> 1 moves the boundary into the benign tail). */
  benignWeight: number;
  epochs: number;
  /** L2 penalty per update on the weights a row touches. */
  l2: number;
  /** Adagrad base step. */
  rate: number;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Deterministic PRNG (mulberry32) for the row order, so training reruns write the same model. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Largest stored byte magnitude (int8). */
const BYTE_MAX = 127;

/** Logistic regression over dense features and hashed n-grams on the chosen rows (threshold left at 0.5). */
export function train(p: Prepared, o: TrainOptions): Trained {
  const F = FEATURE_COUNT;
  const rows = o.rows;
  const mean = new Float64Array(F);
  const std = new Float64Array(F);
  for (const r of rows) for (let j = 0; j < F; j++) mean[j]! += p.x[r * F + j]!;
  for (let j = 0; j < F; j++) mean[j]! /= rows.length;
  for (const r of rows) for (let j = 0; j < F; j++) std[j]! += (p.x[r * F + j]! - mean[j]!) ** 2;
  for (let j = 0; j < F; j++) std[j] = Math.sqrt(std[j]! / rows.length) || 1;
  let pos = 0;
  for (const r of rows) if (p.samples[r]!.dga) pos++;
  const neg = rows.length - pos;
  const wPos = rows.length / (2 * pos);
  const wNeg = (rows.length / (2 * neg)) * o.benignWeight;
  const size = 1 << p.bits;
  const w = new Float64Array(F + 1); // dense weights, then the bias
  const gw = new Float64Array(F + 1);
  const ng = new Float64Array(size);
  const gng = new Float64Array(size);
  const z = new Float64Array(F);
  const order = rows.slice();
  const rand = prng(0x5eed);
  const eps = 1e-8;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const k = Math.floor(rand() * (i + 1));
      const t = order[i]!;
      order[i] = order[k]!;
      order[k] = t;
    }
    for (const r of order) {
      let s = w[F]!;
      for (let j = 0; j < F; j++) {
        z[j] = (p.x[r * F + j]! - mean[j]!) / std[j]!;
        s += w[j]! * z[j]!;
      }
      const a = p.gramStart[r]!;
      const b = p.gramStart[r + 1]!;
      for (let k = a; k < b; k++) s += ng[p.grams[k]!]!;
      const dga = p.samples[r]!.dga;
      const err = (sigmoid(s) - (dga ? 1 : 0)) * (dga ? wPos : wNeg);
      for (let j = 0; j <= F; j++) {
        const g = err * (j < F ? z[j]! : 1) + (j < F ? o.l2 * w[j]! : 0);
        gw[j]! += g * g;
        w[j]! -= (o.rate * g) / Math.sqrt(gw[j]! + eps);
      }
      for (let k = a; k < b; k++) {
        const h = p.grams[k]!;
        const g = err + o.l2 * ng[h]!;
        gng[h]! += g * g;
        ng[h]! -= (o.rate * g) / Math.sqrt(gng[h]! + eps);
      }
    }
  }
  let max = 0;
  for (let i = 0; i < size; i++) max = Math.max(max, Math.abs(ng[i]!));
  const ngramScale = max > 0 ? max / BYTE_MAX : 1;
  const ngramBytes = new Int8Array(size);
  const ngram = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const q = Math.max(-BYTE_MAX, Math.min(BYTE_MAX, Math.round(ng[i]! / ngramScale)));
    ngramBytes[i] = q;
    ngram[i] = q * ngramScale;
  }
  return { mean, std, weights: w.slice(0, F), bias: w[F]!, ngram, ngramBytes, ngramScale, threshold: 0.5 };
}

/** Probability of prepared row `i` under a trained model (quantized n-gram weights, as shipped). */
export function rowProbability(p: Prepared, t: Trained, i: number): number {
  let s = t.bias;
  for (let j = 0; j < FEATURE_COUNT; j++) s += t.weights[j]! * ((p.x[i * FEATURE_COUNT + j]! - t.mean[j]!) / t.std[j]!);
  for (let k = p.gramStart[i]!; k < p.gramStart[i + 1]!; k++) s += t.ngram[p.grams[k]!]!;
  return sigmoid(s);
}

export interface FamilyFitted {
  families: string[];
  /** One model per family, its bias shifted so that FAMILY_THRESHOLD is its chosen threshold. */
  models: Trained[];
  /** Per family: the probability threshold chosen on out-of-fold scores (before the shift). */
  thresholds: number[];
  /** Out-of-fold probability of each training row under each family's model (before the shift). */
  outOfFold: Float64Array[];
}

/**
 * The common threshold of the shipped family models: each family's own
 * threshold is moved here by shifting its bias, so one number decides
 * (a name is generated when any family model reaches it) and the score a
 * user sees means the same for every family.
 */
export const FAMILY_THRESHOLD = 0.9;

const logit = (q: number): number => Math.log(q / (1 - q));

/** Highest probability of prepared row `i` over the family models. */
export function rowMaxProbability(p: Prepared, models: readonly Trained[], i: number): number {
  let best = 0;
  for (const m of models) {
    const q = rowProbability(p, m, i);
    if (q > best) best = q;
  }
  return best;
}

/** Recall the budget is first spent towards, per family; past it, what is left goes to whoever gains most. */
export const RECALL_GOAL = 0.95;

/**
 * Per-family thresholds sharing one false-positive budget: `budget` popular
 * names (out-of-fold) may be flagged in all. Greedily, the move with the
 * most recall gained per popular name newly flagged is taken: a move lowers
 * one family's threshold past its next few popular names (a name another
 * family already flags costs nothing). Gains count up to RECALL_GOAL first,
 * so families close to it are not starved by one that cannot get there;
 * leftover budget then goes uncapped. `benign[f]` and `positive[f]` are
 * family f's out-of-fold scores of popular rows (the same rows, in the same
 * order, for every family) and of its own names. A family that is not
 * `movable` keeps the threshold just above its highest popular score.
 */
export function allocateThresholds(benign: Float64Array[], positive: Float64Array[], budget: number, movable: readonly boolean[]): number[] {
  const F = benign.length;
  const nb = benign[0]?.length ?? 0;
  const order = benign.map((b) => [...b.keys()].sort((x, y) => b[y]! - b[x]!));
  const pos = positive.map((q) => Float64Array.from(q).sort().reverse());
  const next = new Array<number>(F).fill(0); // popular names admitted per family
  const at = (f: number, k: number): number => (k < nb ? Math.min(0.999999, benign[f]![order[f]![k]!]! + 1e-9) : 0);
  const thr = order.map((_, f) => at(f, 0));
  const recall = (f: number, t: number): number => {
    const q = pos[f]!;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid]! >= t) lo = mid + 1;
      else hi = mid;
    }
    return q.length === 0 ? 1 : lo / q.length;
  };
  const flagged = new Uint8Array(nb);
  let used = 0;
  for (const cap of [RECALL_GOAL, 1]) {
    for (;;) {
      let best = -1;
      let bestSteps = 0;
      let bestRatio = 0;
      for (let f = 0; f < F; f++) {
        if (!movable[f]) continue;
        const base = Math.min(cap, recall(f, thr[f]!));
        let cost = 0;
        for (let j = 1; next[f]! + j <= nb; j++) {
          if (!flagged[order[f]![next[f]! + j - 1]!]) cost++;
          if (used + cost > budget) break;
          const gain = Math.min(cap, recall(f, at(f, next[f]! + j))) - base;
          if (gain <= 0) continue;
          const ratio = cost === 0 ? Infinity : gain / cost;
          if (ratio > bestRatio) {
            bestRatio = ratio;
            best = f;
            bestSteps = j;
          }
        }
      }
      if (best < 0) break;
      for (let j = 0; j < bestSteps; j++) {
        const row = order[best]![next[best]! + j]!;
        if (!flagged[row]) {
          flagged[row] = 1;
          used++;
        }
      }
      next[best]! += bestSteps;
      thr[best] = at(best, next[best]!);
    }
  }
  return thr;
}

export interface FamilyOptions extends TrainOptions {
  /** Largest share of out-of-fold popular names flagged, all families together. */
  fpTarget: number;
  /** The model a data family's names train (near-identical families can share one). */
  modelOf: (family: string) => string;
  /** Models that may spend the false-positive budget (the others never flag an out-of-fold popular name). */
  spends: (model: string) => boolean;
}

export function fitFamilies(p: Prepared, o: FamilyOptions): FamilyFitted {
  const groupOf = (r: number): string => o.modelOf(p.samples[r]!.group);
  const families = [...new Set(o.rows.filter((r) => p.samples[r]!.dga).map(groupOf))].sort();
  const rowsOf = (family: string, rows: number[]): number[] => rows.filter((r) => !p.samples[r]!.dga || groupOf(r) === family);
  const outOfFold = families.map(() => new Float64Array(o.rows.length));
  for (let f = 0; f < FOLDS; f++) {
    const inFold: number[] = [];
    const rest: number[] = [];
    o.rows.forEach((r, k) => (p.samples[r]!.fold === f ? inFold.push(k) : rest.push(r)));
    families.forEach((fam, j) => {
      const m = train(p, { ...o, rows: rowsOf(fam, rest) });
      for (const k of inFold) outOfFold[j]![k] = rowProbability(p, m, o.rows[k]!);
    });
  }
  const benignIdx: number[] = [];
  o.rows.forEach((r, k) => {
    if (!p.samples[r]!.dga) benignIdx.push(k);
  });
  const benign = families.map((_, j) => Float64Array.from(benignIdx, (k) => outOfFold[j]![k]!));
  const positive = families.map((fam, j) => {
    const out: number[] = [];
    o.rows.forEach((r, k) => {
      if (p.samples[r]!.dga && groupOf(r) === fam) out.push(outOfFold[j]![k]!);
    });
    return Float64Array.from(out);
  });
  const thresholds = allocateThresholds(benign, positive, Math.floor(benignIdx.length * o.fpTarget), families.map(o.spends));
  const models = families.map((fam, j) => {
    const m = train(p, { ...o, rows: rowsOf(fam, o.rows) });
    m.bias += logit(FAMILY_THRESHOLD) - logit(thresholds[j]!);
    m.threshold = FAMILY_THRESHOLD;
    return m;
  });
  return { families, models, thresholds, outOfFold };
}

export function toModel(p: Prepared, ff: FamilyFitted): DgaModel {
  return {
    table: p.table,
    dgaTable: p.dgaTable,
    threshold: FAMILY_THRESHOLD,
    ngramBits: p.bits,
    families: ff.models.map((m, j) => ({ name: ff.families[j]!, mean: m.mean, std: m.std, weights: m.weights, bias: m.bias, ngramWeights: m.ngram })),
    trained: {},
  };
}

export function toModelFile(p: Prepared, ff: FamilyFitted, trained: Record<string, string | number>): DgaModelFile {
  const r = (x: number): number => Number(x.toPrecision(8));
  return {
    format: MODEL_FORMAT,
    alphabet: ALPHABET,
    features: [...FEATURE_NAMES],
    threshold: FAMILY_THRESHOLD,
    trigrams: Buffer.from(p.table).toString('base64'),
    dga_trigrams: Buffer.from(p.dgaTable).toString('base64'),
    ngram_bits: p.bits,
    families: ff.models.map((m, j) => ({
      name: ff.families[j]!,
      mean: [...m.mean].map(r),
      std: [...m.std].map(r),
      weights: [...m.weights].map(r),
      bias: r(m.bias),
      // Stored exactly: the bytes were made with this scale.
      ngram_scale: m.ngramScale,
      ngrams: Buffer.from(m.ngramBytes.buffer, m.ngramBytes.byteOffset, m.ngramBytes.byteLength).toString('base64'),
    })),
    trained,
  };
}
