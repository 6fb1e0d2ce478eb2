/**
 * Step functions over an address space, the build-time form of every source:
 * sorted breakpoints, each starting a run of addresses that share one value
 * (-1 = no data) up to the next breakpoint. Inclusive ranges from a CSV and
 * prefixes from an mmdb tree both become steps, and two sources (ASN and
 * country) are combined by merging their breakpoints. IPv4 keys are numbers,
 * IPv6 keys are bigints; this code runs once per cache build, never per lookup.
 */

/** No data for this run of addresses. */
export const NO_VALUE = -1;

export interface Steps<K> {
  /** Ascending; the first is always the start of the address space. */
  starts: K[];
  values: number[];
}

/** Arithmetic the builders need, for numbers (IPv4) or bigints (IPv6). */
export interface KeyOps<K> {
  zero: K;
  /** Last address of the space. */
  max: K;
  next(k: K): K;
  lt(a: K, b: K): boolean;
}

export const V4_OPS: KeyOps<number> = {
  zero: 0,
  max: 0xffffffff,
  next: (k) => k + 1,
  lt: (a, b) => a < b,
};

const V6_MAX = (1n << 128n) - 1n;

export const V6_OPS: KeyOps<bigint> = {
  zero: 0n,
  max: V6_MAX,
  next: (k) => k + 1n,
  lt: (a, b) => a < b,
};

/** Why ranges were clipped or dropped while building steps. */
export interface StepProblems {
  /** A range starting inside the previous one (clipped to what is left, or dropped). */
  overlap: number;
  /** Start after end. */
  reversed: number;
}

/**
 * Builds steps by appending runs in address order; adjacent runs with the
 * same value collapse into one breakpoint.
 */
export class StepBuilder<K> {
  readonly #ops: KeyOps<K>;
  readonly steps: Steps<K>;
  /** First address not yet covered (undefined once the whole space is covered). */
  #cursor: K | undefined;
  readonly problems: StepProblems = { overlap: 0, reversed: 0 };

  constructor(ops: KeyOps<K>) {
    this.#ops = ops;
    this.steps = { starts: [], values: [] };
    this.#cursor = ops.zero;
  }

  #push(start: K, value: number): void {
    const s = this.steps;
    const n = s.values.length;
    if (n > 0 && s.values[n - 1] === value) return;
    s.starts.push(start);
    s.values.push(value);
  }

  /** Adds the inclusive range [start, end]; ranges must come in ascending order. */
  range(start: K, end: K, value: number): void {
    const ops = this.#ops;
    if (ops.lt(end, start)) {
      this.problems.reversed++;
      return;
    }
    const cursor = this.#cursor;
    if (cursor === undefined) {
      this.problems.overlap++;
      return;
    }
    let from = start;
    if (ops.lt(start, cursor)) {
      this.problems.overlap++;
      if (ops.lt(end, cursor)) return;
      from = cursor;
    } else if (ops.lt(cursor, start)) {
      this.#push(cursor, NO_VALUE);
    }
    this.#push(from, value);
    this.#cursor = ops.lt(end, ops.max) ? ops.next(end) : undefined;
  }

  /** Closes the space: addresses after the last range have no value. */
  finish(): Steps<K> {
    if (this.#cursor !== undefined) this.#push(this.#cursor, NO_VALUE);
    if (this.steps.starts.length === 0) this.#push(this.#ops.zero, NO_VALUE);
    return this.steps;
  }
}

/**
 * Merges two step functions over the same space: every breakpoint of either
 * starts a run whose value is `combine(valueA, valueB)`.
 */
export function mergeSteps<K>(
  ops: KeyOps<K>,
  a: Steps<K>,
  b: Steps<K>,
  combine: (va: number, vb: number) => number,
): Steps<K> {
  const out: Steps<K> = { starts: [], values: [] };
  let i = 0;
  let j = 0;
  let va = NO_VALUE;
  let vb = NO_VALUE;
  while (i < a.starts.length || j < b.starts.length) {
    let at: K;
    if (j >= b.starts.length || (i < a.starts.length && ops.lt(a.starts[i]!, b.starts[j]!))) {
      at = a.starts[i]!;
    } else {
      at = b.starts[j]!;
    }
    // Take every breakpoint at this address from both sides.
    while (i < a.starts.length && !ops.lt(at, a.starts[i]!) && !ops.lt(a.starts[i]!, at)) va = a.values[i++]!;
    while (j < b.starts.length && !ops.lt(at, b.starts[j]!) && !ops.lt(b.starts[j]!, at)) vb = b.values[j++]!;
    const v = combine(va, vb);
    const n = out.values.length;
    if (n > 0 && out.values[n - 1] === v) continue;
    out.starts.push(at);
    out.values.push(v);
  }
  if (out.starts.length === 0) {
    out.starts.push(ops.zero);
    out.values.push(combine(NO_VALUE, NO_VALUE));
  }
  return out;
}

/** Same steps with every value mapped (e.g. one source alone, no merge). */
export function mapSteps<K>(s: Steps<K>, f: (v: number) => number): Steps<K> {
  const out: Steps<K> = { starts: [], values: [] };
  for (let i = 0; i < s.starts.length; i++) {
    const v = f(s.values[i]!);
    const n = out.values.length;
    if (n > 0 && out.values[n - 1] === v) continue;
    out.starts.push(s.starts[i]!);
    out.values.push(v);
  }
  return out;
}
