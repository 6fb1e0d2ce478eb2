/**
 * Training machinery for the DGA model, shared by the training script
 * (train.ts, which writes assets/intel/dga-model.json) and the evaluation
 * (eval.ts, which retrains with one family left out at a time):
 *
 * - the trigram tables of popular and of generated labels, Witten-Bell
 *   interpolated down to bigrams and add-one unigrams, then quantized;
 * - the tables are built from the training folds only; dense features of
 *   training labels are cross-fitted (each training fold scored by tables
 *   built without it) so the classifier learns how surprising an unseen
 *   popular name is, not one it memorized; validation and held-out labels
 *   are scored by the tables of all training folds, as the shipped model is;
 * - one logistic regression per family over the standardized dense features
 *   and the character n-gram slots (grams.ts), by shuffled SGD with
 *   per-weight Adagrad steps and L2, classes balanced and popular names
 *   weighted up; slot weights are quantized to signed bytes before anything
 *   is scored, so every figure is the shipped model's;
 * - the family thresholds are chosen on the validation folds, scored by the
 *   very models that ship, sharing one false-positive budget fixed before
 *   any held-out figure was seen (allocateThresholds). The held-out 30 %
 *   never takes part.
 */
import { BOS, EOS, SYMBOLS, SYMBOL_OF, ALPHABET, TABLE_SIZE, STEPS_PER_BIT, tri } from '../../src/intel/dga/ngram.js';
import { FEATURE_COUNT, FEATURE_NAMES, labelFeatures } from '../../src/intel/dga/features.js';
import { MODEL_FORMAT, type DgaModel, type DgaModelFile } from '../../src/intel/dga/model.js';
import { FOLDS, type Sample } from './data.js';
import { MAX_BUCKETS, gramBuckets } from '../../src/intel/dga/grams.js';
import { packFamilies } from '../../src/intel/dga/model.js';
import { Prng } from '../gen/prng.js';

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
  /** Slot table size in bits, and the longest run with a slot (grams.ts). */
  bits: number;
  maxGram: number;
}

/** Trigram tables of one class: from every training-fold label, and without each fold (cross-fitting). */
function classTables(samples: Sample[], use: (s: Sample) => boolean): { all: Uint8Array; without: Uint8Array[] } {
  const total = new Float64Array(TABLE_SIZE);
  const folds: Float64Array[] = [];
  for (let f = 0; f < FOLDS; f++) folds.push(new Float64Array(TABLE_SIZE));
  for (const s of samples) {
    if (s.test || s.valid || !use(s)) continue;
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
 * scored by tables built without its fold; validation and held-out rows by
 * the tables of every training fold. `leaveOut` names a family kept out of
 * the generated-names table entirely (leave-family-out evaluation).
 */
export function prepare(benign: Sample[], dga: Sample[], leaveOut?: string, bits = NGRAM_BITS, maxGram = NGRAM_MAX): Prepared {
  const pop = classTables(benign, () => true);
  const gen = classTables(dga, (s) => s.group !== leaveOut);
  const samples = [...benign, ...dga];
  const x = new Float64Array(samples.length * FEATURE_COUNT);
  const row = new Float64Array(FEATURE_COUNT);
  const buf = new Uint32Array(MAX_BUCKETS);
  const gramStart = new Uint32Array(samples.length + 1);
  let total = 0;
  for (const s of samples) total += gramBuckets(s.label, s.domain, bits, buf, maxGram);
  const grams = new Uint32Array(total);
  let at = 0;
  samples.forEach((s, i) => {
    const inTraining = !s.test && !s.valid && s.group !== leaveOut;
    const t = inTraining && !s.dga ? pop.without[s.fold]! : pop.all;
    const g = inTraining && s.dga ? gen.without[s.fold]! : gen.all;
    labelFeatures(t, g, s.label, row);
    x.set(row, i * FEATURE_COUNT);
    gramStart[i] = at;
    const n = gramBuckets(s.label, s.domain, bits, buf, maxGram);
    grams.set(buf.subarray(0, n), at);
    at += n;
  });
  gramStart[samples.length] = at;
  return { table: pop.all, dgaTable: gen.all, samples, x, grams, gramStart, bits, maxGram };
}

/** Slot table size in bits, per family model: 2^17 (the smallest that holds the direct trigram slots) one-byte weights each keep the file near a megabyte. */
export const NGRAM_BITS = 17;
/** Longest character run with a slot (see grams.ts). */
export const NGRAM_MAX = 4;

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
  /** L2 penalty per update on the dense weights. */
  l2: number;
  /** L2 penalty per update on the slot weights a row touches (larger: a slot seen in a few names should not decide alone). */
  l2Slots: number;
  /** Adagrad base step. */
  rate: number;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
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
  // Deterministic row order, so training reruns write the same model.
  const rng = new Prng(0x5eed);
  const rand = (): number => rng.float();
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
        const g = err + o.l2Slots * ng[h]!;
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
  /** Per family: the probability threshold chosen on the validation rows (before the shift). */
  thresholds: number[];
  /** Validation figures at the chosen thresholds: popular names flagged of all, and per family [names, flagged]. */
  validation: { benign: number; flagged: number; recall: Map<string, [number, number]> };
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
 * Highest popular-name scores per family the tail is fitted on: about the
 * top 0.5 % of a validation part of 6,000 names, enough for a stable slope
 * and still in the tail.
 */
export const TAIL_NAMES = 30;
/** Recall steps a threshold move is made of (0.5 % of a family's names). */
const RECALL_STEPS = 200;

const toLogit = (q: number): number => {
  const c = Math.min(1 - 1e-12, Math.max(1e-12, q));
  return Math.log(c / (1 - c));
};

/** Popular names per family kept as candidates for the union's tail: far more than TAIL_NAMES, so the union's top names are all among them. */
const TAIL_CANDIDATES = 300;

/**
 * The expected share of popular names the family models flag together, at
 * given per-family thresholds, from their scores of the validation popular
 * names (`total` of them; the rest could not be scored and never flag).
 * Counting the names above the thresholds is not enough: a threshold put
 * just above the k-th highest score flags about k + 1 names of a new sample,
 * not k (the new sample has its own names in the gap), and with several
 * family thresholds each placed at such a gap the errors add up. So the
 * union is judged by one number per name, its margin (the highest over the
 * families of score minus threshold, in logits; flagged when >= 0), and
 * past the TAIL_NAMES-th highest margin the margins are taken to fall off
 * exponentially (slope by maximum likelihood); nearer in, names are counted.
 */
export class UnionRate {
  readonly #logits: Float64Array[];
  readonly #total: number;
  readonly #margin: Float64Array;

  /** `benign[f][i]`: family f's probability for popular name i. */
  constructor(benign: readonly Float64Array[], total: number) {
    const n = benign[0]?.length ?? 0;
    const keep = new Uint8Array(n);
    for (const b of benign) {
      const order = [...b.keys()].sort((x, y) => b[y]! - b[x]!);
      for (let i = 0; i < Math.min(TAIL_CANDIDATES, n); i++) keep[order[i]!] = 1;
    }
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (keep[i]) rows.push(i);
    this.#logits = benign.map((b) => Float64Array.from(rows, (i) => toLogit(b[i]!)));
    this.#total = Math.max(1, total);
    this.#margin = new Float64Array(rows.length);
  }

  /** Expected share flagged at probability thresholds `thr` (one per family). */
  at(thr: readonly number[]): number {
    const m = this.#margin;
    m.fill(-Infinity);
    for (let f = 0; f < this.#logits.length; f++) {
      const t = toLogit(thr[f]!);
      const l = this.#logits[f]!;
      for (let i = 0; i < m.length; i++) if (l[i]! - t > m[i]!) m[i] = l[i]! - t;
    }
    const sorted = Float64Array.from(m).sort().reverse();
    const k = Math.min(TAIL_NAMES, sorted.length - 1);
    if (k <= 0) return 0;
    const u = sorted[k]!;
    if (u >= 0) {
      let c = 0;
      while (c < sorted.length && sorted[c]! >= 0) c++;
      return c / this.#total;
    }
    let excess = 0;
    for (let i = 0; i < k; i++) excess += sorted[i]! - u;
    if (excess <= 0) return 0;
    return (k / this.#total) * Math.exp((-k / excess) * -u);
  }
}

/**
 * Per-family thresholds sharing one false-positive budget: the expected
 * share of popular names flagged by any family (UnionRate) stays at or under
 * `budget`. A threshold moves down in steps of 1/RECALL_STEPS of its
 * family's names; in three rounds:
 *  1. the goal first: while some family below RECALL_GOAL can reach it
 *     within what is left, the one that gets there for the least expected
 *     false positives does (so a family that can meet the goal is never
 *     starved by one that gains faster but cannot);
 *  2. greedily, the move with the most recall per expected false positive,
 *     gains counted up to RECALL_GOAL (families short of it come first);
 *  3. the same, uncapped, with what is left.
 * `positive[f]` holds family f's scores of its own validation names. A
 * family that is not `movable` keeps the threshold `fixed[f]`.
 */
export function allocateThresholds(rate: UnionRate, positive: readonly Float64Array[], budget: number, movable: readonly boolean[], fixed: readonly number[]): number[] {
  const F = positive.length;
  const pos = positive.map((q) => Float64Array.from(q).sort().reverse());
  // Candidate thresholds per family: the score of its name at each recall step (step 0: above them all).
  const steps = pos.map((q) => {
    const out = new Float64Array(RECALL_STEPS + 1);
    out[0] = q.length > 0 ? Math.min(1 - 1e-12, q[0]! + 1e-9) : 1 - 1e-12;
    for (let i = 1; i <= RECALL_STEPS; i++) out[i] = q.length > 0 ? q[Math.min(q.length - 1, Math.ceil((i * q.length) / RECALL_STEPS) - 1)]! : out[0]!;
    return out;
  });
  const recallAt = (f: number, i: number): number => (i === 0 ? 0 : Math.min(1, Math.ceil((i * pos[f]!.length) / RECALL_STEPS) / Math.max(1, pos[f]!.length)));
  const step = new Array<number>(F).fill(0);
  const thr = steps.map((s, f) => (movable[f] ? s[0]! : fixed[f]!));
  let used = rate.at(thr);
  const costOf = (f: number, i: number): number => {
    const keep = thr[f]!;
    thr[f] = steps[f]![i]!;
    const r = rate.at(thr);
    thr[f] = keep;
    return r - used;
  };
  const move = (f: number, i: number): void => {
    step[f] = i;
    thr[f] = steps[f]![i]!;
    used = rate.at(thr);
  };
  for (;;) {
    let best = -1;
    let bestStep = 0;
    let bestCost = Infinity;
    for (let f = 0; f < F; f++) {
      if (!movable[f] || recallAt(f, step[f]!) >= RECALL_GOAL) continue;
      for (let i = step[f]! + 1; i <= RECALL_STEPS; i++) {
        if (recallAt(f, i) < RECALL_GOAL) continue;
        const cost = costOf(f, i);
        if (used + cost <= budget && cost < bestCost) {
          best = f;
          bestStep = i;
          bestCost = cost;
        }
        break;
      }
    }
    if (best < 0) break;
    move(best, bestStep);
  }
  for (const cap of [RECALL_GOAL, 1]) {
    for (;;) {
      let best = -1;
      let bestStep = 0;
      let bestRatio = 0;
      for (let f = 0; f < F; f++) {
        if (!movable[f]) continue;
        const base = Math.min(cap, recallAt(f, step[f]!));
        for (let i = step[f]! + 1; i <= RECALL_STEPS; i++) {
          const gain = Math.min(cap, recallAt(f, i)) - base;
          if (gain <= 0) continue;
          const cost = costOf(f, i);
          if (used + cost > budget) break;
          const ratio = cost <= 0 ? Infinity : gain / cost;
          if (ratio > bestRatio) {
            bestRatio = ratio;
            best = f;
            bestStep = i;
          }
        }
      }
      if (best < 0) break;
      move(best, bestStep);
    }
  }
  return thr;
}

export interface FamilyOptions extends TrainOptions {
  /** Validation rows the thresholds are chosen on (indices into prepared.samples). */
  validRows: number[];
  /** Largest expected share of popular names flagged, all families together (see allocateThresholds). */
  fpTarget: number;
  /** Validation popular names, short ones included (they are never flagged but count in the share). */
  validBenignTotal: number;
  /** The model a data family's names train (near-identical families can share one). */
  modelOf: (family: string) => string;
  /** Models that may spend the false-positive budget (the others never flag a validation popular name). */
  spends: (model: string) => boolean;
}

/**
 * Trains one model per family (its names against every popular name of the
 * training rows), scores the validation rows with those same models and
 * picks the family thresholds there (allocateThresholds), then shifts each
 * bias so that FAMILY_THRESHOLD is its threshold.
 */
export function fitFamilies(p: Prepared, o: FamilyOptions): FamilyFitted {
  const groupOf = (r: number): string => o.modelOf(p.samples[r]!.group);
  const families = [...new Set(o.rows.filter((r) => p.samples[r]!.dga).map(groupOf))].sort();
  const models = families.map((fam) => train(p, { ...o, rows: o.rows.filter((r) => !p.samples[r]!.dga || groupOf(r) === fam) }));
  const validBenign = o.validRows.filter((r) => !p.samples[r]!.dga);
  const benign = models.map((m) => Float64Array.from(validBenign, (r) => rowProbability(p, m, r)));
  const positive = families.map((fam, j) => Float64Array.from(o.validRows.filter((r) => p.samples[r]!.dga && groupOf(r) === fam), (r) => rowProbability(p, models[j]!, r)));
  // A family that does not spend keeps a threshold just above its highest popular name.
  const highest = benign.map((b) => Math.min(1 - 1e-9, b.reduce((m, q) => Math.max(m, q), 0) + 1e-9));
  const thresholds = allocateThresholds(new UnionRate(benign, o.validBenignTotal), positive, o.fpTarget, families.map(o.spends), highest);
  models.forEach((m, j) => {
    m.bias += logit(FAMILY_THRESHOLD) - logit(thresholds[j]!);
    m.threshold = FAMILY_THRESHOLD;
  });
  let flagged = 0;
  for (const r of validBenign) if (rowMaxProbability(p, models, r) >= FAMILY_THRESHOLD) flagged++;
  const recall = new Map<string, [number, number]>();
  for (const r of o.validRows) {
    const s = p.samples[r]!;
    if (!s.dga) continue;
    const e = recall.get(s.group) ?? [0, 0];
    e[0]++;
    if (rowMaxProbability(p, models, r) >= FAMILY_THRESHOLD) e[1]++;
    recall.set(s.group, e);
  }
  return { families, models, thresholds, validation: { benign: validBenign.length, flagged, recall } };
}

/** The fitted families as a scorable model (what loading the written file gives). */
export function toModel(p: Prepared, ff: FamilyFitted): DgaModel {
  const families = ff.models.map((m, j) => ({ name: ff.families[j]!, mean: m.mean, std: m.std, weights: m.weights, bias: m.bias, ngramWeights: m.ngram }));
  return {
    table: p.table,
    dgaTable: p.dgaTable,
    threshold: FAMILY_THRESHOLD,
    ngramBits: p.bits,
    ngramMax: p.maxGram,
    families,
    packed: packFamilies(
      families,
      ff.models.map((m) => m.ngramBytes),
      ff.models.map((m) => m.ngramScale),
    ),
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
    ngram_max: p.maxGram,
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
