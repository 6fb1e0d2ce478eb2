/**
 * The bookkeeping the port-scan rules (scan.port.vertical,
 * scan.port.horizontal) share: attempt kinds counted per tracked pair and
 * restarted with each new burst, and the set of targets merged into a
 * scanner's held alert, restarted when a new alert opens. Both are bounded
 * LRU maps, so memory stays flat however many sources scan. `ScanBursts`
 * bundles the per-pair window, span and counts both rules update together
 * for each attempt; `scanAttempt` is the filter both apply to a finished
 * connection, and `scanPace`/`moreTargets` the message parts they share.
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

/** Attempt counts per tracked pair, indexed by AttemptKind. */
export class AttemptCounts {
  readonly #counts: LruMap<string, Uint32Array>;

  constructor(maxKeys: number) {
    this.#counts = new LruMap(maxKeys);
  }

  /**
   * Counts one attempt of `kind` for `key` and returns the key's counts.
   * `distinct` is the key's distinct count in the window after this attempt:
   * 1 means a new burst, whose counts start from zero.
   */
  add(key: string, kind: AttemptKind, distinct: number): Uint32Array {
    let k = this.#counts.get(key);
    if (k === undefined || distinct === 1) {
      k = new Uint32Array(ATTEMPT_NAMES.length);
      this.#counts.set(key, k);
    }
    k[kind]!++;
    return k;
  }
}

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
 * First and newest attempt times per tracked key, for the "in N s" of a scan
 * message. Connection records reach the rules in the order connections END
 * (timeouts differ by state), not the order they started, so neither the
 * first nor the last record marks the scan's edges: the span runs from the
 * earliest to the newest start seen in the current burst.
 */
export class AttemptSpan {
  readonly #spans: LruMap<string, Float64Array>;

  constructor(maxKeys: number) {
    this.#spans = new LruMap(maxKeys);
  }

  /** Records `ts` for `key` (`fresh` restarts the burst) and returns the span in seconds. */
  note(key: string, ts: number, fresh: boolean): number {
    let s = this.#spans.get(key);
    if (s === undefined || fresh) {
      s = new Float64Array([ts, ts]);
      this.#spans.set(key, s);
    } else {
      if (ts < s[0]!) s[0] = ts;
      if (ts > s[1]!) s[1] = ts;
    }
    return s[1]! - s[0]!;
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
  /** The burst's attempt counts, indexed by AttemptKind. */
  readonly counts: Uint32Array;
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
 * Per tracked pair, the distinct targets in a sliding window together with
 * the burst's time span and attempt kinds: a distinct count of 1 starts a
 * new burst, which restarts the span and the counts.
 */
export class ScanBursts<T extends string | number> {
  readonly #targets: DistinctWindow<T>;
  readonly #spans: AttemptSpan;
  readonly #kinds: AttemptCounts;

  constructor(o: ScanBurstOptions) {
    // Room for as many targets as there are TCP ports, or the threshold if that is higher.
    this.#targets = new DistinctWindow<T>({ window: o.window, maxKeys: o.maxKeys, maxMembers: Math.max(o.threshold, 65536) });
    this.#spans = new AttemptSpan(o.maxKeys);
    this.#kinds = new AttemptCounts(o.maxKeys);
  }

  /** Counts one attempt of `kind` by `key` on `target` at `ts`. */
  add(key: string, target: T, ts: number, kind: AttemptKind): ScanBurst {
    const distinct = this.#targets.add(key, target, ts);
    const span = this.#spans.note(key, ts, distinct === 1);
    const counts = this.#kinds.add(key, kind, distinct);
    return { distinct, span, counts };
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
