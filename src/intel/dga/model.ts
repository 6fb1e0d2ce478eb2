/**
 * The DGA model file (assets/intel/dga-model.json): one logistic regression
 * per generated-names family (that family against popular names), each over
 * two kinds of input, the dense label features (standardized with the
 * training means and deviations it stores) and the hashed character n-grams
 * and structure tokens (grams.ts: one weight per bucket, stored as signed
 * bytes times a scale, base64); the two quantized trigram tables the dense
 * features need (popular names and generated names, base64); the common
 * decision threshold (each family's bias is shifted in training so that its
 * own threshold, chosen on out-of-fold scores, falls there); and a note on
 * what it was trained on. A label's probability is the highest of the
 * families'. A file that does not have this shape raises PKT_ERR_DGA_MODEL:
 * scoring with a half-read model would be silently wrong.
 */
import fs from 'node:fs';
import { PicketError } from '../../util/errors.js';
import { FEATURE_COUNT, FEATURE_NAMES } from './features.js';
import { TABLE_SIZE, ALPHABET } from './ngram.js';

export const MODEL_FORMAT = 'picket-dga-2';
/** Hash table sizes a model may use, in bits: below 12 nearly every n-gram collides; above 22 the file is megabytes per family. */
const MIN_NGRAM_BITS = 12;
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
  /** Hashed n-gram table size in bits (2^ngram_bits buckets per family). */
  ngram_bits: number;
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
  /** Bucket weights, dequantized. */
  ngramWeights: Float32Array;
}

/** The model ready to score. */
export interface DgaModel {
  table: Uint8Array;
  dgaTable: Uint8Array;
  threshold: number;
  ngramBits: number;
  families: DgaFamilyModel[];
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

function familyFromJson(file: string, v: unknown, bits: number, index: number): DgaFamilyModel {
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
  return { name: f.name, mean: numbers(file, f.mean, `${where}: mean`), std, weights: numbers(file, f.weights, `${where}: weights`), bias: f.bias, ngramWeights };
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
  const table = trigramTable(file, m.trigrams, 'trigrams');
  const dgaTable = trigramTable(file, m.dga_trigrams, 'dga_trigrams');
  return {
    table,
    dgaTable,
    threshold: m.threshold,
    ngramBits: bits,
    families: m.families.map((f, i) => familyFromJson(file, f, bits, i)),
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

/** One family's probability for a label's dense features `x` and its first `count` buckets. */
export function familyProbability(f: DgaFamilyModel, x: Float64Array, buckets: Uint32Array, count: number): number {
  let z = f.bias;
  for (let i = 0; i < FEATURE_COUNT; i++) z += f.weights[i]! * ((x[i]! - f.mean[i]!) / f.std[i]!);
  const w = f.ngramWeights;
  for (let k = 0; k < count; k++) z += w[buckets[k]!]!;
  return 1 / (1 + Math.exp(-z));
}

/**
 * Probability that a label is generated: the highest family probability,
 * from its dense features `x` and the first `count` entries of `buckets`
 * (its hashed n-grams and structure tokens, grams.ts).
 */
export function probability(model: DgaModel, x: Float64Array, buckets: Uint32Array, count: number): number {
  let best = 0;
  const fams = model.families;
  for (let i = 0; i < fams.length; i++) {
    const q = familyProbability(fams[i]!, x, buckets, count);
    if (q > best) best = q;
  }
  return best;
}
