/**
 * How much a series of connections from one host to one destination looks
 * like a command-and-control beacon: an implant that wakes up on a timer,
 * checks in with a small, same-sized request, and does so for hours.
 *
 * Four parts, each from 0 to 1, averaged with equal weights (RITA's beacon
 * analysis also weighs timing, data size, duration and a histogram equally;
 * the measures here are our own):
 *
 * - timing: how regular the gaps between check-ins are. The spread is the
 *   median absolute deviation of the gaps over their median: 0 for a fixed
 *   timer, about 0.06 for Cobalt Strike's 20 % jitter, 0.17 for 50 %, and
 *   0.7 for gaps that follow no timer (a person browsing, exponential gaps).
 *   It scores 1 - spread / 0.5 (at least 0), blended with the symmetry of
 *   the gaps (Bowley's quartile skew; jitter is symmetric, bursts are not).
 * - size: the same measure over the bytes the host sent per check-in.
 * - span: hours over which the host kept checking in, full at `fullSpan`.
 * - steadiness: the check-ins spread over the whole span, not in a few
 *   bursts: the share of 24 equal slices of the span that hold one, against
 *   the share a timer with the median gap would fill.
 *
 * Connections that start close to the previous one are one check-in (a
 * beacon that opens two connections at once or seconds apart, a retried
 * handshake); their bytes add up. Close is within `burstGap` seconds (1 s),
 * or within a fifth of the series' longer gaps (its 75th percentile): a
 * check-in's second connection 3 s after the first, on a one-minute timer,
 * joins it, while a timer's own gaps never fall that short (even 50 %
 * jitter keeps each gap over half the sleep).
 */

/** Gaps (seconds) up to this apart are one check-in by default. */
export const DEFAULT_BURST_GAP = 1;
/** Share of the series' 75th-percentile gap under which connections are one check-in. */
const BURST_SHARE = 0.2;
/** Spread (MAD / median) at which the timing and size parts reach 0. */
const SPREAD_AT_ZERO = 0.5;
/** Weight of the spread against the skew inside the timing and size parts. */
const SPREAD_WEIGHT = 0.7;
/** Slices of the span for steadiness. */
const SLICES = 24;

export interface BeaconScore {
  /** The average of the four parts, 0..1. */
  score: number;
  timing: number;
  size: number;
  span: number;
  steadiness: number;
  /** Check-ins after merging bursts. */
  checkins: number;
  /** Median gap between check-ins, seconds. */
  interval: number;
  /** Spread of the gaps (MAD / median): the timer's jitter. */
  jitter: number;
  /** Seconds from the first check-in to the last. */
  spanSeconds: number;
  /** Median bytes sent per check-in. */
  bytes: number;
}

export interface BeaconScoreOptions {
  /** Seconds of checking in that give a full span part (6 h by default in the rule). */
  fullSpan: number;
  burstGap?: number;
}

/**
 * Reusable work arrays, so scoring allocates nothing once they have grown
 * to the largest series scored.
 */
export class BeaconScratch {
  order = new Float64Array(64);
  starts = new Float64Array(64);
  bytes = new Float64Array(64);
  gaps = new Float64Array(64);
  work = new Float64Array(64);

  ensure(n: number): void {
    if (this.order.length >= n) return;
    let size = this.order.length;
    while (size < n) size *= 2;
    this.order = new Float64Array(size);
    this.starts = new Float64Array(size);
    this.bytes = new Float64Array(size);
    this.gaps = new Float64Array(size);
    this.work = new Float64Array(size);
  }
}

/** Quantile `q` of the first `n` values of `sorted` (ascending), interpolated. */
function quantile(sorted: Float64Array, n: number, q: number): number {
  if (n === 0) return 0;
  const at = (n - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function sortPrefix(a: Float64Array, n: number): void {
  a.subarray(0, n).sort();
}

/**
 * Regularity of the first `n` values of `values` (sorted in place): 1 when
 * all are equal, falling with their spread and skew. `work` is scratch.
 * Returns the part's score; `out[0]` gets the median, `out[1]` the spread.
 */
function regularity(values: Float64Array, n: number, work: Float64Array, out: [number, number]): number {
  sortPrefix(values, n);
  const median = quantile(values, n, 0.5);
  for (let i = 0; i < n; i++) work[i] = Math.abs(values[i]! - median);
  sortPrefix(work, n);
  const mad = quantile(work, n, 0.5);
  // A median of 0 (every check-in sent nothing, or all at once) is regular only if nothing deviates.
  const spread = median > 0 ? mad / median : mad > 0 ? 1 : 0;
  const q1 = quantile(values, n, 0.25);
  const q3 = quantile(values, n, 0.75);
  const iqr = q3 - q1;
  const skew = iqr > 0 ? Math.abs(q1 + q3 - 2 * median) / iqr : 0;
  out[0] = median;
  out[1] = spread;
  const spreadPart = Math.max(0, 1 - spread / SPREAD_AT_ZERO);
  return SPREAD_WEIGHT * spreadPart + (1 - SPREAD_WEIGHT) * (1 - Math.min(1, skew));
}

/**
 * Scores `n` connections given by start time and bytes sent (in any order).
 * Fewer than 3 check-ins score 0 (two points make no rhythm).
 */
export function scoreBeacon(starts: ArrayLike<number>, bytes: ArrayLike<number>, n: number, opts: BeaconScoreOptions, s: BeaconScratch): BeaconScore {
  s.ensure(n);
  // Order by start time (connections are reported as they end).
  const order = s.order;
  for (let i = 0; i < n; i++) order[i] = i;
  order.subarray(0, n).sort((a, b) => starts[a]! - starts[b]!);
  // How close is one check-in: the fixed floor, or a fifth of the longer gaps.
  const rawGaps = Math.max(0, n - 1);
  for (let i = 1; i < n; i++) s.work[i - 1] = starts[order[i]!]! - starts[order[i - 1]!]!;
  sortPrefix(s.work, rawGaps);
  const burstGap = Math.max(opts.burstGap ?? DEFAULT_BURST_GAP, BURST_SHARE * quantile(s.work, rawGaps, 0.75));
  // Merge bursts into check-ins.
  let k = 0;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    const t = starts[j]!;
    if (k > 0 && t - last <= burstGap) {
      s.bytes[k - 1] = s.bytes[k - 1]! + bytes[j]!;
    } else {
      s.starts[k] = t;
      s.bytes[k] = bytes[j]!;
      k++;
    }
    last = t;
  }
  const empty: BeaconScore = { score: 0, timing: 0, size: 0, span: 0, steadiness: 0, checkins: k, interval: 0, jitter: 0, spanSeconds: 0, bytes: 0 };
  if (k < 3) return empty;
  const first = s.starts[0]!;
  const spanSeconds = s.starts[k - 1]! - first;
  for (let i = 1; i < k; i++) s.gaps[i - 1] = s.starts[i]! - s.starts[i - 1]!;
  const stats: [number, number] = [0, 0];

  // Steadiness first: it reads the start times before `gaps` is sorted.
  const sliceWidth = spanSeconds / SLICES;
  let filled = 0;
  let slice = -1;
  for (let i = 0; i < k; i++) {
    const at = sliceWidth > 0 ? Math.min(SLICES - 1, Math.floor((s.starts[i]! - first) / sliceWidth)) : 0;
    if (at !== slice) {
      filled++;
      slice = at;
    }
  }

  const timing = regularity(s.gaps, k - 1, s.work, stats);
  const interval = stats[0];
  const jitter = stats[1];
  const size = regularity(s.bytes, k, s.work, stats);
  const medianBytes = stats[0];
  const span = Math.min(1, spanSeconds / opts.fullSpan);
  // A timer with the median gap fills min(24, span / gap) slices.
  const expected = interval > 0 ? Math.min(SLICES, Math.max(1, spanSeconds / interval)) : SLICES;
  const steadiness = Math.min(1, filled / expected);
  const score = (timing + size + span + steadiness) / 4;
  return { score, timing, size, span, steadiness, checkins: k, interval, jitter, spanSeconds, bytes: medianBytes };
}
