/**
 * The DGA scorer: a DNS name -> probability that its registrable label was
 * machine-generated, and the verdict at the model's threshold (or one the
 * caller sets). Names on the allowlist, names without an ICANN public suffix
 * and labels too short to judge are not scored; each such skip is counted
 * by reason so nothing disappears silently.
 */
import type { DgaScore, DgaScorer } from '../context.js';
import { FEATURE_COUNT, labelFeatures } from './features.js';
import { probability, type DgaModel } from './model.js';
import { registrableLabel } from './label.js';
import type { Surprise } from './ngram.js';
import { MAX_BUCKETS, gramBuckets } from './grams.js';

/**
 * Shortest label scored by default: the shortest Conficker labels have 5
 * characters. Below it a random label and a short brand or acronym ("xkcd",
 * "ebay", "qq") share the same statistics; at 5 and 6 they still often do,
 * which the family thresholds pay for (docs/intel-ua-dga.md).
 */
export const DEFAULT_MIN_LENGTH = 5;

export interface ScorerOptions {
  /** Registrable domains never scored. */
  allow?: ReadonlySet<string>;
  /** Probability at which a label is called generated (default: the model's). */
  threshold?: number;
  /** Shortest label scored (default DEFAULT_MIN_LENGTH). */
  minLength?: number;
}

export class ModelDgaScorer implements DgaScorer {
  readonly model: DgaModel;
  readonly threshold: number;
  readonly minLength: number;
  readonly #allow: ReadonlySet<string>;
  readonly #x = new Float64Array(FEATURE_COUNT);
  readonly #scratch: Surprise = { total: 0, max: 0, steps: 0 };
  /** Hashed n-gram buckets of the label being scored (reused). */
  readonly #buckets = new Uint32Array(MAX_BUCKETS);
  /** Names not scored, by reason. */
  readonly skipped = new Map<string, number>();

  constructor(model: DgaModel, opts: ScorerOptions = {}) {
    this.model = model;
    this.threshold = opts.threshold ?? model.threshold;
    this.minLength = opts.minLength ?? DEFAULT_MIN_LENGTH;
    this.#allow = opts.allow ?? new Set();
  }

  /** Allowlisted registrable domains. */
  get allowSize(): number {
    return this.#allow.size;
  }

  /**
   * Probability for a label (no allowlist, no length floor): training and
   * evaluation use it. `domain` is its registrable domain (label + "." +
   * public suffix); without it the label is scored as if it had no suffix.
   */
  labelProbability(label: string, domain: string = label): number {
    const x = labelFeatures(this.model.table, this.model.dgaTable, label, this.#x, this.#scratch);
    const count = gramBuckets(label, domain, this.model.ngramBits, this.#buckets, this.model.ngramMax);
    return probability(this.model, x, this.#buckets, count);
  }

  /** True when `domain` (a registrable domain) is allowlisted. */
  allowed(domain: string): boolean {
    return this.#allow.has(domain);
  }

  score(name: string): DgaScore {
    const r = registrableLabel(name);
    if (typeof r === 'string') return this.#skip(name, r);
    if (this.#allow.has(r.domain)) return this.#skip(name, 'allowlisted');
    if (r.label.length < this.minLength) return this.#skip(name, 'too short');
    const p = this.labelProbability(r.label, r.domain);
    return { name, score: Math.round(p * 10000) / 10000, dga: p >= this.threshold };
  }

  #skip(name: string, reason: string): DgaScore {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
    return { name, score: 0, dga: false, skipped: reason };
  }
}
