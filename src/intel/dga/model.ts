/**
 * The DGA model file (assets/intel/dga-model.json): one logistic regression
 * per generated-names family (that family against popular names), each over
 * two kinds of input, the dense label features (standardized with the
 * training means and deviations it stores) and the character n-grams and
 * structure tokens (grams.ts: one weight per slot, stored as signed bytes
 * times a scale, base64); the two quantized trigram tables the dense
 * features need (popular names and generated names, base64); the common
 * decision threshold (each family's bias is shifted in training so that its
 * own threshold, chosen on a validation split, falls there); and a note on
 * what it was trained on. A label's probability is the highest of the
 * families'. A file that does not have this shape raises PKT_ERR_DGA_MODEL:
 * scoring with a half-read model would be silently wrong.
 *
 * Loaded for speed: the family models are scored together, so the slot
 * weights are interleaved (slot-major: one slot's bytes for every family sit
 * side by side, one memory fetch per slot instead of one per family) and
 * summed as integers, each family's scale applied once at the end; the
 * standardization is folded into the dense weights and the bias.
 */
import fs from 'node:fs';
import { PicketError } from '../../util/errors.js';
import { FEATURE_COUNT, FEATURE_NAMES } from './features.js';
import { TABLE_SIZE, ALPHABET } from './ngram.js';
import { MIN_TABLE_BITS, MAX_GRAM } from './grams.js';

/** Shortest hashed run a model may use (3: direct slots only). */
const MIN_NGRAM_MAX = 3;

export const MODEL_FORMAT = 'picket-dga-3';
/** Slot table sizes a model may use, in bits: below MIN_TABLE_BITS the direct trigram slots do not fit; above 22 the file is megabytes per family. */
const MIN_NGRAM_BITS = MIN_TABLE_BITS;
const MAX_NGRAM_BITS = 22;
/** Family models a file may hold: one per generator family is a handful; far more is not a model this code wrote. */
const MAX_FAMILIES = 64;

/** One family's logistic regression, as stored. */
export interface DgaFamilyFile {
  name: string;
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
  /** Weight of one step of a stored n-gram byte. */
  ngram_scale: number;
  /** Base64 of 2^ngram_bits signed bytes: bucket weight = byte * ngram_scale. */
  ngrams: string;
}

/** The JSON as stored. */
export interface DgaModelFile {
  format: string;
  alphabet: string;
  features: string[];
  /** Probability at or above which a label is called generated (any family). */
  threshold: number;
  /** Base64 of TABLE_SIZE bytes (see ngram.ts): popular names. */
  trigrams: string;
  /** The same for generated names. */
  dga_trigrams: string;
  /** Slot table size in bits (2^ngram_bits slots per family; layout in grams.ts). */
  ngram_bits: number;
  /** Longest character run with a slot (3 to 5). */
  ngram_max: number;
  families: DgaFamilyFile[];
  trained: Record<string, string | number>;
}

/** One family's model ready to score. */
export interface DgaFamilyModel {
  name: string;
  mean: Float64Array;
  std: Float64Array;
  weights: Float64Array;
  bias: number;
  /** Slot weights, dequantized. */
  ngramWeights: Float32Array;
}

/** The family models folded and interleaved for scoring (see the file comment). */
export interface DgaPacked {
  /** Family count. */
  families: number;
  /** Bytes per slot in `slots`: LANES when the families fit (padded with zero weights), else the family count. */
  stride: number;
  /** Slot weight bytes, slot-major: slot s of family f at s * stride + f. */
  slots: Int8Array;
  /** Per family: weight of one byte step. */
  scales: Float64Array;
  /** Per family: bias with the standardization folded in. */
  bias: Float64Array;
  /** Per family: FEATURE_COUNT dense weights divided by the deviations (family-major). */
  dense: Float64Array;
}

/** The model ready to score. */
export interface DgaModel {
  table: Uint8Array;
  dgaTable: Uint8Array;
  threshold: number;
  ngramBits: number;
  ngramMax: number;
  families: DgaFamilyModel[];
  packed: DgaPacked;
  trained: Record<string, string | number>;
}

function bad(file: string, why: string): never {
  throw new PicketError('PKT_ERR_DGA_MODEL', `${file} is not a Picket DGA model (${why})`);
}

function numbers(file: string, v: unknown, name: string): Float64Array {
  if (!Array.isArray(v) || v.length !== FEATURE_COUNT || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    bad(file, `${name} must be ${FEATURE_COUNT} numbers`);
  }
  return Float64Array.from(v as number[]);
}

function trigramTable(file: string, v: unknown, name: string): Uint8Array {
  if (typeof v !== 'string') bad(file, `${name} missing`);
  const table = new Uint8Array(Buffer.from(v, 'base64'));
  if (table.length !== TABLE_SIZE) bad(file, `${name} has ${table.length} bytes, expected ${TABLE_SIZE}`);
  return table;
}

interface FamilyRead {
  model: DgaFamilyModel;
  bytes: Buffer;
  scale: number;
}

function familyFromJson(file: string, v: unknown, bits: number, index: number): FamilyRead {
  if (typeof v !== 'object' || v === null) bad(file, `family ${index} is not an object`);
  const f = v as Partial<DgaFamilyFile>;
  const where = `family ${typeof f.name === 'string' ? f.name : index}`;
  if (typeof f.name !== 'string' || f.name === '') bad(file, `family ${index} has no name`);
  if (typeof f.bias !== 'number' || !Number.isFinite(f.bias)) bad(file, `${where}: bias must be a number`);
  if (typeof f.ngram_scale !== 'number' || !(f.ngram_scale > 0) || !Number.isFinite(f.ngram_scale)) bad(file, `${where}: ngram_scale must be a positive number`);
  if (typeof f.ngrams !== 'string') bad(file, `${where}: ngrams missing`);
  const raw = Buffer.from(f.ngrams, 'base64');
  if (raw.length !== 2 ** bits) bad(file, `${where}: ngrams has ${raw.length} bytes, expected ${2 ** bits}`);
  const ngramWeights = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) ngramWeights[i] = raw.readInt8(i) * f.ngram_scale;
  const std = numbers(file, f.std, `${where}: std`);
  for (let i = 0; i < std.length; i++) if (!(std[i]! > 0)) bad(file, `${where}: std must be positive`);
  return {
    model: { name: f.name, mean: numbers(file, f.mean, `${where}: mean`), std, weights: numbers(file, f.weights, `${where}: weights`), bias: f.bias, ngramWeights },
    bytes: raw,
    scale: f.ngram_scale,
  };
}

/** Families summed in one unrolled pass (a slot's bytes then fill 8 adjacent bytes, one cache line holds 8 slots). */
export const LANES = 8;

/** Folds and interleaves family models whose slot weights are `bytes[f]` * `scales[f]` (see DgaPacked). */
export function packFamilies(families: readonly DgaFamilyModel[], bytes: readonly Int8Array[], scales: readonly number[]): DgaPacked {
  const F = families.length;
  const size = bytes[0]?.length ?? 0;
  const stride = F <= LANES ? LANES : F;
  const slots = new Int8Array(size * stride);
  const bias = new Float64Array(F);
  const dense = new Float64Array(F * FEATURE_COUNT);
  for (let f = 0; f < F; f++) {
    const m = families[f]!;
    const b = bytes[f]!;
    for (let s = 0; s < size; s++) slots[s * stride + f] = b[s]!;
    let z = m.bias;
    for (let i = 0; i < FEATURE_COUNT; i++) {
      const w = m.weights[i]! / m.std[i]!;
      dense[f * FEATURE_COUNT + i] = w;
      z -= w * m.mean[i]!;
    }
    bias[f] = z;
  }
  return { families: F, stride, slots, scales: Float64Array.from(scales), bias, dense };
}

/** Checks and converts a parsed model file; `file` names it in errors. */
export function modelFromJson(json: unknown, file: string): DgaModel {
  if (typeof json !== 'object' || json === null) bad(file, 'not an object');
  const m = json as Partial<DgaModelFile>;
  if (m.format !== MODEL_FORMAT) bad(file, `format is ${String(m.format)}, expected ${MODEL_FORMAT}`);
  if (m.alphabet !== ALPHABET) bad(file, 'different alphabet');
  if (!Array.isArray(m.features) || m.features.join(',') !== FEATURE_NAMES.join(',')) bad(file, 'different feature list');
  if (typeof m.threshold !== 'number' || !(m.threshold > 0 && m.threshold < 1)) bad(file, 'threshold must be a probability');
  const bits = m.ngram_bits;
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < MIN_NGRAM_BITS || bits > MAX_NGRAM_BITS) bad(file, `ngram_bits must be an integer from ${MIN_NGRAM_BITS} to ${MAX_NGRAM_BITS}`);
  if (!Array.isArray(m.families) || m.families.length === 0 || m.families.length > MAX_FAMILIES) bad(file, `families must hold 1 to ${MAX_FAMILIES} models`);
  const max = m.ngram_max;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < MIN_NGRAM_MAX || max > MAX_GRAM) bad(file, `ngram_max must be an integer from ${MIN_NGRAM_MAX} to ${MAX_GRAM}`);
  const table = trigramTable(file, m.trigrams, 'trigrams');
  const dgaTable = trigramTable(file, m.dga_trigrams, 'dga_trigrams');
  const read = m.families.map((f, i) => familyFromJson(file, f, bits, i));
  const families = read.map((r) => r.model);
  const packed = packFamilies(
    families,
    read.map((r) => new Int8Array(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength)),
    read.map((r) => r.scale),
  );
  return {
    table,
    dgaTable,
    threshold: m.threshold,
    ngramBits: bits,
    ngramMax: max,
    families,
    packed,
    trained: typeof m.trained === 'object' && m.trained !== null ? m.trained : {},
  };
}

export function loadModel(file: string): DgaModel {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PicketError('PKT_ERR_DGA_MODEL', `cannot read the DGA model ${file}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return bad(file, (err as Error).message);
  }
  return modelFromJson(json, file);
}

/** Per-family integer sums of slot bytes (reused: scoring runs per DNS event; one scorer at a time per thread). */
let sums = new Int32Array(8);

/**
 * Probability that a label is generated: the highest family probability,
 * from its dense features `x` and the first `count` entries of `buckets`
 * (its n-gram and structure-token slots, grams.ts). One pass over the slots
 * sums every family's bytes; the best logit is turned into a probability once.
 */
export function probability(model: DgaModel, x: Float64Array, buckets: Uint32Array, count: number): number {
  const p = model.packed;
  const F = p.families;
  if (sums.length < p.stride) sums = new Int32Array(p.stride);
  const acc = sums;
  const slots = p.slots;
  if (p.stride === LANES) {
    // Unrolled over the 8 lanes, in locals: the common case (up to 8 families).
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    let a5 = 0;
    let a6 = 0;
    let a7 = 0;
    for (let k = 0; k < count; k++) {
      const base = buckets[k]! << 3;
      a0 += slots[base]!;
      a1 += slots[base + 1]!;
      a2 += slots[base + 2]!;
      a3 += slots[base + 3]!;
      a4 += slots[base + 4]!;
      a5 += slots[base + 5]!;
      a6 += slots[base + 6]!;
      a7 += slots[base + 7]!;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    acc[4] = a4;
    acc[5] = a5;
    acc[6] = a6;
    acc[7] = a7;
  } else {
    acc.fill(0, 0, F);
    for (let k = 0; k < count; k++) {
      const base = buckets[k]! * F;
      for (let f = 0; f < F; f++) acc[f]! += slots[base + f]!;
    }
  }
  let best = -Infinity;
  const dense = p.dense;
  for (let f = 0; f < F; f++) {
    let z = p.bias[f]! + p.scales[f]! * acc[f]!;
    const at = f * FEATURE_COUNT;
    for (let i = 0; i < FEATURE_COUNT; i++) z += dense[at + i]! * x[i]!;
    if (z > best) best = z;
  }
  return 1 / (1 + Math.exp(-best));
}
