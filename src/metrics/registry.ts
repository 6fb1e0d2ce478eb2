/**
 * A tiny Prometheus registry: counters, gauges and histograms with fixed
 * buckets, rendered in the text exposition format (version 0.0.4) that every
 * Prometheus-compatible scraper reads. No dependency: the format is a few
 * lines per series, and a scrape is rare (every 15-60 s), so rendering may
 * allocate freely. Updating a metric (`inc`, `set`, `observe`) costs one map
 * lookup per label set; code that runs per packet keeps plain numbers and
 * publishes them through a collector (`Registry.onCollect`) at scrape time.
 */
import { PicketError } from '../util/errors.js';

/** The Content-Type a /metrics endpoint answers with. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Metric and label names allowed by the Prometheus data model. */
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Distinct label sets one metric may hold. Label values come from rule ids,
 * sink names and decoder reasons (tens each); the cap keeps a bug or a
 * hostile value from growing a scrape without bound. Past it, new series are
 * counted in `dropped` instead of stored.
 */
export const MAX_SERIES_PER_METRIC = 10_000;

/** Latency buckets in seconds (1 ms to 10 s), for store writes and sink sends. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Go-style float text: integers plain, the specials as Prometheus spells them. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

abstract class Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: MetricType;
  /** Label sets refused past MAX_SERIES_PER_METRIC or with wrong names. */
  dropped = 0;

  constructor(name: string, help: string, labelNames: readonly string[]) {
    if (!METRIC_NAME_RE.test(name)) throw new PicketError('PKT_ERR_METRICS_NAME', `"${name}" is not a valid metric name`);
    for (const l of labelNames) {
      if (!LABEL_NAME_RE.test(l) || l.startsWith('__') || l === 'le') {
        throw new PicketError('PKT_ERR_METRICS_NAME', `"${l}" is not a valid label name for ${name}`);
      }
    }
    this.name = name;
    this.help = help;
    this.labelNames = Object.freeze([...labelNames]);
  }

  /** The series key ('' without labels) or null when the label set does not fit. */
  protected key(labels: Labels | undefined): string | null {
    const names = this.labelNames;
    if (names.length === 0) return '';
    if (labels === undefined) return null;
    let out = '';
    for (let i = 0; i < names.length; i++) {
      const v = labels[names[i]!];
      if (v === undefined) return null;
      out += `${i > 0 ? ',' : ''}${names[i]}="${escapeLabelValue(v)}"`;
    }
    return out;
  }

  abstract render(): string;
  /** Forgets every series (collectors that mirror a snapshot start afresh each scrape). */
  abstract reset(): void;
}

abstract class ScalarMetric extends Metric {
  readonly #values = new Map<string, number>();

  protected update(labels: Labels | undefined, fn: (old: number) => number): void {
    const k = this.key(labels);
    if (k === null) {
      this.dropped++;
      return;
    }
    const old = this.#values.get(k);
    if (old === undefined && this.#values.size >= MAX_SERIES_PER_METRIC) {
      this.dropped++;
      return;
    }
    this.#values.set(k, fn(old ?? 0));
  }

  /** Current value of one series (0 when never set). */
  get(labels?: Labels): number {
    const k = this.key(labels);
    return k === null ? 0 : (this.#values.get(k) ?? 0);
  }

  reset(): void {
    this.#values.clear();
  }

  render(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
    for (const [k, v] of this.#values) out += `${this.name}${k === '' ? '' : `{${k}}`} ${formatValue(v)}\n`;
    return out;
  }
}

/** A value that only goes up (restarts at 0 with the process). Names end in `_total`. */
export class Counter extends ScalarMetric {
  readonly type = 'counter' as const;

  inc(by = 1, labels?: Labels): void {
    if (!(by >= 0)) {
      this.dropped++;
      return;
    }
    this.update(labels, (old) => old + by);
  }

  /** Mirrors a total kept elsewhere (pipeline stats): the counter takes that value. */
  setTotal(value: number, labels?: Labels): void {
    this.update(labels, () => value);
  }
}

/** A value that goes up and down (queue depth, live flows). */
export class Gauge extends ScalarMetric {
  readonly type = 'gauge' as const;

  set(value: number, labels?: Labels): void {
    this.update(labels, () => value);
  }

  inc(by = 1, labels?: Labels): void {
    this.update(labels, (old) => old + by);
  }

  dec(by = 1, labels?: Labels): void {
    this.update(labels, (old) => old - by);
  }
}

interface HistogramSeries {
  /** Per-bucket (non-cumulative) counts; the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/** Observations counted into fixed upper bounds (`le`), plus their sum and count. */
export class Histogram extends Metric {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly string[]) {
    super(name, help, labelNames);
    for (let i = 0; i < buckets.length; i++) {
      if (!Number.isFinite(buckets[i]!) || (i > 0 && buckets[i]! <= buckets[i - 1]!)) {
        throw new PicketError('PKT_ERR_METRICS_BUCKETS', `histogram ${name}: buckets must be finite and increasing`);
      }
    }
    this.buckets = Object.freeze([...buckets]);
  }

  observe(value: number, labels?: Labels): void {
    const k = this.key(labels);
    if (k === null || Number.isNaN(value)) {
      this.dropped++;
      return;
    }
    let s = this.#series.get(k);
    if (s === undefined) {
      if (this.#series.size >= MAX_SERIES_PER_METRIC) {
        this.dropped++;
        return;
      }
      s = { counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.#series.set(k, s);
    }
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Observations so far for one series. */
  count(labels?: Labels): number {
    const k = this.key(labels);
    return k === null ? 0 : (this.#series.get(k)?.count ?? 0);
  }

  reset(): void {
    this.#series.clear();
  }

  render(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} histogram\n`;
    for (const [k, s] of this.#series) {
      const sep = k === '' ? '' : ',';
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += s.counts[i]!;
        const le = i < this.buckets.length ? formatValue(this.buckets[i]!) : '+Inf';
        out += `${this.name}_bucket{${k}${sep}le="${le}"} ${cumulative}\n`;
      }
      const braces = k === '' ? '' : `{${k}}`;
      out += `${this.name}_sum${braces} ${formatValue(s.sum)}\n${this.name}_count${braces} ${s.count}\n`;
    }
    return out;
  }
}

/** A set of metrics rendered together; `defaultRegistry` serves /metrics. */
export class Registry {
  readonly #metrics = new Map<string, Metric>();
  readonly #collectors: (() => void)[] = [];
  /** Collector calls that threw (a broken stats source must not break the scrape). */
  collectorErrors = 0;

  #get<M extends Metric>(name: string, type: MetricType, labelNames: readonly string[], make: () => M): M {
    const old = this.#metrics.get(name);
    if (old !== undefined) {
      if (old.type !== type || old.labelNames.join(',') !== labelNames.join(',')) {
        throw new PicketError('PKT_ERR_METRICS_CONFLICT', `metric ${name} is already registered as a ${old.type} with labels [${old.labelNames.join(', ')}]`);
      }
      return old as M;
    }
    const m = make();
    this.#metrics.set(name, m);
    return m;
  }

  /** The counter `name`, created on first use (same name and labels return the same counter). */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#get(name, 'counter', labelNames, () => new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#get(name, 'gauge', labelNames, () => new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS, labelNames: readonly string[] = []): Histogram {
    return this.#get(name, 'histogram', labelNames, () => new Histogram(name, help, buckets, labelNames));
  }

  /** Runs `fn` before every render, to copy a stats snapshot into metrics. */
  onCollect(fn: () => void): void {
    this.#collectors.push(fn);
  }

  /** The text exposition of every metric, in registration order. */
  render(): string {
    for (let i = 0; i < this.#collectors.length; i++) {
      try {
        this.#collectors[i]!();
      } catch {
        this.collectorErrors++;
      }
    }
    let out = '';
    for (const m of this.#metrics.values()) out += m.render();
    return out;
  }
}

/** The process-wide registry behind /metrics. */
export const defaultRegistry = new Registry();

/** The /metrics body: every metric of `registry` (default: the process-wide one). */
export function renderMetrics(registry: Registry = defaultRegistry): string {
  return registry.render();
}
