/**
 * The bookkeeping the TCP port-scan rules (scan.port.vertical,
 * scan.port.horizontal) share: attempt kinds counted per tracked pair and
 * restarted with each new burst, and the set of targets merged into a
 * scanner's held alert, restarted when a new alert opens. Both are bounded
 * LRU maps, so memory stays flat however many sources scan. `windowSpan`
 * also serves scan.arp.
 */
import { LruMap } from '../state/lru.js';
import { ATTEMPT_NAMES, type AttemptKind } from './tcp-attempt.js';

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

/** Per scanner, the distinct targets (ports or hosts) merged into its held alert. */
export class HeldTargets<T> {
  readonly #sets: LruMap<string, Set<T>>;
  readonly #maxPerKey: number;

  /** At most `maxKeys` scanners, `maxPerKey` targets remembered for each (more are not added). */
  constructor(maxKeys: number, maxPerKey: number) {
    this.#sets = new LruMap(maxKeys);
    this.#maxPerKey = maxPerKey;
  }

  /**
   * Adds `target` to `key`'s set and returns the set. `held` is false when no
   * alert is held for the key: the set then starts over with this target.
   */
  add(key: string, target: T, held: boolean): Set<T> {
    let set = this.#sets.get(key);
    if (set === undefined || !held) {
      set = new Set();
      this.#sets.set(key, set);
    }
    if (set.size < this.#maxPerKey) set.add(target);
    return set;
  }
}

/** Seconds from a window's oldest member (`oldest`, NaN when none) to `ts`. */
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

export function windowSpan(oldest: number, ts: number): number {
  return Number.isNaN(oldest) ? 0 : ts - oldest;
}
