/**
 * The DGA model file (assets/intel/dga-model.json): a logistic regression
 * over the label features (standardized with the training means and
 * deviations it stores), the two quantized trigram tables (popular names and
 * generated names, base64), the decision
 * threshold chosen in training, and a note on what it was trained on. A file
 * that does not have this shape raises PKT_ERR_DGA_MODEL: scoring with a
 * half-read model would be silently wrong.
 */
import fs from 'node:fs';
import { PicketError } from '../../util/errors.js';
import { FEATURE_COUNT, FEATURE_NAMES } from './features.js';
import { TABLE_SIZE, ALPHABET } from './ngram.js';

export const MODEL_FORMAT = 'picket-dga-1';

/** The JSON as stored. */
export interface DgaModelFile {
  format: string;
  alphabet: string;
  features: string[];
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
  /** Probability at or above which a label is called generated. */
  threshold: number;
  /** Base64 of TABLE_SIZE bytes (see ngram.ts): popular names. */
  trigrams: string;
  /** The same for generated names. */
  dga_trigrams: string;
  trained: Record<string, string | number>;
}

/** The model ready to score. */
export interface DgaModel {
  table: Uint8Array;
  dgaTable: Uint8Array;
  mean: Float64Array;
  std: Float64Array;
  weights: Float64Array;
  bias: number;
  threshold: number;
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

/** Checks and converts a parsed model file; `file` names it in errors. */
export function modelFromJson(json: unknown, file: string): DgaModel {
  if (typeof json !== 'object' || json === null) bad(file, 'not an object');
  const m = json as Partial<DgaModelFile>;
  if (m.format !== MODEL_FORMAT) bad(file, `format is ${String(m.format)}, expected ${MODEL_FORMAT}`);
  if (m.alphabet !== ALPHABET) bad(file, 'different alphabet');
  if (!Array.isArray(m.features) || m.features.join(',') !== FEATURE_NAMES.join(',')) bad(file, 'different feature list');
  if (typeof m.bias !== 'number' || typeof m.threshold !== 'number') bad(file, 'bias and threshold must be numbers');
  const table = trigramTable(file, m.trigrams, 'trigrams');
  const dgaTable = trigramTable(file, m.dga_trigrams, 'dga_trigrams');
  const std = numbers(file, m.std, 'std');
  for (let i = 0; i < std.length; i++) if (!(std[i]! > 0)) bad(file, 'std must be positive');
  return {
    table,
    dgaTable,
    mean: numbers(file, m.mean, 'mean'),
    std,
    weights: numbers(file, m.weights, 'weights'),
    bias: m.bias,
    threshold: m.threshold,
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

/** Probability that a feature vector is a generated label. */
export function probability(model: DgaModel, x: Float64Array): number {
  let z = model.bias;
  for (let i = 0; i < FEATURE_COUNT; i++) z += model.weights[i]! * ((x[i]! - model.mean[i]!) / model.std[i]!);
  return 1 / (1 + Math.exp(-z));
}
