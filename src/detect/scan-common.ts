/**
 * The bookkeeping the port-scan rules (scan.port.vertical,
 * scan.port.horizontal) share: `ScanBursts`, per tracked pair the distinct
 * targets in a sliding window with the burst's time span and attempt kinds
 * (restarted with each new burst), and `HeldTargets`, the set of targets
 * merged into a scanner's held alert, restarted when a new alert opens.
 * Both are bounded, so memory stays flat however many sources scan.
 * `scanAttempt` is the filter both apply to a finished connection, and
 * `scanPace`/`moreTargets` the message parts they share.
 */
import { LruMap } from '../state/lru.js';
import { DistinctWindow } from '../state/window.js';
import type { ConnRecord } from '../flows/conn-record.js';
import type { DetectorContext } from './detector.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { ATTEMPT_NAMES, Attempt, classifyAttempt, isScanAttempt, type AttemptKind, type ScanType } from './tcp-attempt.js';
import type { FlowEndEvent } from '../events/types.js';
import { isUdpProbe } from './udp-probe.js';

/**
 * Targets held across all scanners of one rule (an address ~55 bytes, a port
 * ~20 bytes with its set entry: at most ~30 MB). Without it the per-scanner
 * cap times the scanner bound would allow 100,000 x 4,096 addresses (over
 * 20 GB) for scan.port.vertical and 100,000 x 65,536 ports for
 * scan.port.horizontal. Past it, the least recently used scanners' sets are
 * dropped (sets of alerts long emitted go first); a dropped scanner that
 * scans on starts a new set.
 */
export const MAX_HELD_TARGETS = 500_000;

/** Per scanner, the distinct targets (ports or hosts) merged into its held alert. */
export class HeldTargets<T> {
  readonly #sets: LruMap<string, Set<T>>;
  readonly #maxPerKey: number;
  readonly #maxTotal: number;
  /** Targets held by all sets. */
  #total = 0;

  /**
   * At most `maxKeys` scanners, `maxPerKey` targets remembered for each (more
   * are not added), `maxTotal` across all of them (least recently used
   * scanners dropped first).
   */
  constructor(maxKeys: number, maxPerKey: number, maxTotal = MAX_HELD_TARGETS) {
    this.#sets = new LruMap(maxKeys, (_key, set) => {
      this.#total -= set.size;
    });
    this.#maxPerKey = maxPerKey;
    this.#maxTotal = Math.max(maxPerKey, maxTotal);
  }

  /** Targets held across all scanners. */
  get held(): number {
    return this.#total;
  }

  /**
   * Adds `target` to `key`'s set and returns the set. `held` is false when no
   * alert is held for the key: the set then starts over with this target.
   */
  add(key: string, target: T, held: boolean): Set<T> {
    let set = this.#sets.get(key);
    if (set === undefined || !held) {
      if (set !== undefined) this.#total -= set.size;
      set = new Set();
      this.#sets.set(key, set);
    }
    if (set.size < this.#maxPerKey && !set.has(target)) {
      while (this.#total >= this.#maxTotal && this.#sets.evictOldest(key)) {}
      set.add(target);
      this.#total++;
    }
    return set;
  }
}

/**
 * The attempt kind a finished connection adds to a port scan: a failed or
 * payload-less TCP attempt, or an unanswered UDP probe (udp-probe.ts),
 * between two hosts the rule does not exclude. Anything else is
 * Attempt.NONE (the rule skips it).
 */
export function scanAttempt(e: FlowEndEvent, ctx: Pick<DetectorContext<unknown>, 'excluded'>): AttemptKind {
  const rec = e.record;
  const kind = rec.proto === 'udp' ? (isUdpProbe(rec) ? Attempt.UDP_PROBE : Attempt.NONE) : classifyAttempt(rec, e.openedWithAck);
  if (!isScanAttempt(kind)) return Attempt.NONE;
  if (ctx.excluded(rec['id.orig_h']) || ctx.excluded(rec['id.resp_h'])) return Attempt.NONE;
  return kind;
}

/** Where one attempt leaves its pair's burst. */
export interface ScanBurst {
  /** Distinct targets of the pair in the window, this attempt included. */
  readonly distinct: number;
  /** Seconds from the burst's earliest to its newest attempt start. */
  readonly span: number;
  /**
   * The burst's attempt counts, indexed by AttemptKind: one array per burst,
   * updated as the burst goes on (a new burst gets a new one).
   */
  readonly counts: ArrayLike<number>;
}

/** Sizes of a rule's burst tracking, from its options. */
export interface ScanBurstOptions {
  /** Sliding window in seconds. */
  window: number;
  /** Pairs tracked at once (window, span and counts alike). */
  maxKeys: number;
  /** The rule's alert threshold: the window keeps at least this many targets per pair. */
  threshold: number;
}

/**
 * A burst's span and attempt kinds, kept in its pair's window entry.
 * Connection records reach the rules in the order connections END
 * (timeouts differ by state), not the order they started, so neither the
 * first nor the last record marks the scan's edges: the span runs from the
 * earliest to the newest start seen in the current burst.
 */
interface BurstFigures {
  first: number;
  newest: number;
  counts: number[];
}

/** Counts of no burst yet (replaced at a key's first attempt, never written). */
const NO_COUNTS: number[] = [];

/**
 * Per tracked pair, the distinct targets in a sliding window together with
 * the burst's time span and attempt kinds: a distinct count of 1 starts a
 * new burst, which restarts the span and the counts. One window entry per
 * pair holds all three, swept and evicted together.
 *
 * Memory, measured (Node 20, 64-bit): about 460 bytes per pair with one
 * target (the pair's text included); a pair with several targets ~200
 * more for its member map and ~50 per target. At the default 100,000 pairs
 * of one target each, ~46 MB per instance.
 */
export class ScanBursts<T extends string | number> {
  readonly #targets: DistinctWindow<T, BurstFigures>;

  constructor(o: ScanBurstOptions) {
    // Room for as many targets as there are TCP ports, or the threshold if that is higher.
    this.#targets = new DistinctWindow<T, BurstFigures>({
      window: o.window,
      maxKeys: o.maxKeys,
      maxMembers: Math.max(o.threshold, 65536),
      extra: () => ({ first: 0, newest: 0, counts: NO_COUNTS }),
    });
  }

  /** Counts one attempt of `kind` by `key` on `target` at `ts`. */
  add(key: string, target: T, ts: number, kind: AttemptKind): ScanBurst {
    const distinct = this.#targets.add(key, target, ts);
    const b = this.#targets.extraOf(key)!;
    if (distinct === 1) {
      b.first = ts;
      b.newest = ts;
      b.counts = new Array<number>(ATTEMPT_NAMES.length).fill(0);
    } else {
      if (ts < b.first) b.first = ts;
      if (ts > b.newest) b.newest = ts;
    }
    b.counts[kind]!++;
    return { distinct, span: b.newest - b.first, counts: b.counts };
  }

  /** Pairs dropped from the window because it was full (their bursts restart). */
  get evictions(): number {
    return this.#targets.evictions;
  }

  /** Up to `max` of `key`'s targets in the window. */
  members(key: string, max: number): T[] {
    return this.#targets.members(key, max);
  }
}

/** How each scan type probed, for messages. */
const PROBES: Readonly<Record<ScanType, string>> = {
  syn: 'half-open SYNs',
  connect: 'full connects',
  fin: 'FIN probes (FIN or Xmas scan)',
  null: 'NULL probes (no TCP flags)',
  ack: 'bare ACK probes (ACK or window scan)',
  udp: 'datagrams that got no reply',
};

/** " in 12 s with half-open SYNs": how long a scan took and how it probed. */
export function scanPace(span: number, type: ScanType): string {
  return ` in ${formatDuration(span)} with ${PROBES[type]}`;
}

/** " (and 3 more ports)" for targets merged in besides the one named, "" for none. */
export function moreTargets(others: number, one: string, many: string): string {
  return others > 0 ? ` (and ${formatCount(others)} more ${others === 1 ? one : many})` : '';
}
