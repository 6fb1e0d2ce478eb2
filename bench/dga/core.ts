/**
 * Training machinery for the DGA model, shared by the training script
 * (train.ts, which writes assets/intel/dga-model.json) and the evaluation
 * (eval.ts, which retrains with one family left out at a time):
 *
 * - the trigram table of popular labels, Witten-Bell interpolated down to
 *   bigrams and add-one unigrams, then quantized;
 * - features of training benign labels are cross-fitted (each fold scored by
 *   a table built without it) so the classifier learns how surprising an
 *   unseen popular name is, not one it memorized;
 * - logistic regression by full-batch Adam with L2, classes weighted equally;
 * - the threshold is the lowest probability that keeps false positives on the
 *   (cross-fitted) training benign labels at or under a target rate.
 */
import { BOS, EOS, SYMBOLS, SYMBOL_OF, ALPHABET, TABLE_SIZE, STEPS_PER_BIT, tri } from '../../src/intel/dga/ngram.js';
import { FEATURE_COUNT, FEATURE_NAMES, labelFeatures } from '../../src/intel/dga/features.js';
import { MODEL_FORMAT, type DgaModel, type DgaModelFile } from '../../src/intel/dga/model.js';
import { FOLDS, type Sample } from './data.js';

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
export function prepare(benign: Sample[], dga: Sample[], leaveOut?: string): Prepared {
  const pop = classTables(benign, () => true);
  const gen = classTables(dga, (s) => s.group !== leaveOut);
  const samples = [...benign, ...dga];
  const x = new Float64Array(samples.length * FEATURE_COUNT);
  const row = new Float64Array(FEATURE_COUNT);
  samples.forEach((s, i) => {
    const inTraining = !s.test && s.group !== leaveOut;
    const t = inTraining && !s.dga ? pop.without[s.fold]! : pop.all;
    const g = inTraining && s.dga ? gen.without[s.fold]! : gen.all;
    labelFeatures(t, g, s.label, row);
    x.set(row, i * FEATURE_COUNT);
  });
  return { table: pop.all, dgaTable: gen.all, samples, x };
}

export interface Trained {
  mean: Float64Array;
  std: Float64Array;
  weights: Float64Array;
  bias: number;
  threshold: number;
}

export interface TrainOptions {
  /** Training rows to use (indices into prepared.samples). */
  rows: number[];
  /** Largest false-positive share allowed on training benign rows when picking the threshold. */
  fpTarget: number;
  /** Weight of a benign row relative to a generated one after class balancing (> 1 moves the boundary into the benign tail). */
  benignWeight?: number;
  iterations?: number;
  l2?: number;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Logistic regression on the chosen rows; threshold from their benign rows. */
export function train(p: Prepared, o: TrainOptions): Trained {
  const F = FEATURE_COUNT;
  const rows = o.rows;
  const mean = new Float64Array(F);
  const std = new Float64Array(F);
  for (const r of rows) for (let j = 0; j < F; j++) mean[j]! += p.x[r * F + j]!;
  for (let j = 0; j < F; j++) mean[j]! /= rows.length;
  for (const r of rows) for (let j = 0; j < F; j++) std[j]! += (p.x[r * F + j]! - mean[j]!) ** 2;
  for (let j = 0; j < F; j++) std[j] = Math.sqrt(std[j]! / rows.length) || 1;
  const z = new Float64Array(rows.length * F);
  const y = new Float64Array(rows.length);
  let pos = 0;
  rows.forEach((r, i) => {
    for (let j = 0; j < F; j++) z[i * F + j] = (p.x[r * F + j]! - mean[j]!) / std[j]!;
    y[i] = p.samples[r]!.dga ? 1 : 0;
    pos += y[i]!;
  });
  const neg = rows.length - pos;
  const wPos = rows.length / (2 * pos);
  const wNeg = (rows.length / (2 * neg)) * (o.benignWeight ?? 1);
  const w = new Float64Array(F + 1);
  const m = new Float64Array(F + 1);
  const v = new Float64Array(F + 1);
  const g = new Float64Array(F + 1);
  const iters = o.iterations ?? 1500;
  const l2 = o.l2 ?? 1e-4;
  const lr = 0.05;
  for (let t = 1; t <= iters; t++) {
    g.fill(0);
    for (let i = 0; i < rows.length; i++) {
      let s = w[F]!;
      for (let j = 0; j < F; j++) s += w[j]! * z[i * F + j]!;
      const err = (sigmoid(s) - y[i]!) * (y[i] === 1 ? wPos : wNeg);
      for (let j = 0; j < F; j++) g[j]! += err * z[i * F + j]!;
      g[F]! += err;
    }
    for (let j = 0; j <= F; j++) {
      let gj = g[j]! / rows.length;
      if (j < F) gj += l2 * w[j]!;
      m[j] = 0.9 * m[j]! + 0.1 * gj;
      v[j] = 0.999 * v[j]! + 0.001 * gj * gj;
      const mh = m[j]! / (1 - 0.9 ** t);
      const vh = v[j]! / (1 - 0.999 ** t);
      w[j]! -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
  }
  // Threshold: benign training probabilities, highest first; allow fpTarget of them above it.
  const benignP: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (y[i] === 1) continue;
    let s = w[F]!;
    for (let j = 0; j < F; j++) s += w[j]! * z[i * F + j]!;
    benignP.push(sigmoid(s));
  }
  benignP.sort((a, b) => b - a);
  const allowed = Math.floor(benignP.length * o.fpTarget);
  const threshold = Math.min(0.999999, (benignP[allowed] ?? 0) + 1e-9);
  return { mean, std, weights: w.slice(0, F), bias: w[F]!, threshold };
}

export function toModel(p: Prepared, t: Trained): DgaModel {
  return { table: p.table, dgaTable: p.dgaTable, mean: t.mean, std: t.std, weights: t.weights, bias: t.bias, threshold: t.threshold, trained: {} };
}

export function toModelFile(p: Prepared, t: Trained, trained: Record<string, string | number>): DgaModelFile {
  const r = (x: number): number => Number(x.toPrecision(8));
  return {
    format: MODEL_FORMAT,
    alphabet: ALPHABET,
    features: [...FEATURE_NAMES],
    mean: [...t.mean].map(r),
    std: [...t.std].map(r),
    weights: [...t.weights].map(r),
    bias: r(t.bias),
    threshold: r(t.threshold),
    trigrams: Buffer.from(p.table).toString('base64'),
    dga_trigrams: Buffer.from(p.dgaTable).toString('base64'),
    trained,
  };
}

/** Probability of prepared row `i` under a trained model. */
export function rowProbability(p: Prepared, t: Trained, i: number): number {
  let s = t.bias;
  for (let j = 0; j < FEATURE_COUNT; j++) s += t.weights[j]! * ((p.x[i * FEATURE_COUNT + j]! - t.mean[j]!) / t.std[j]!);
  return sigmoid(s);
}
