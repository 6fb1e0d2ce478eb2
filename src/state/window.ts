/**
 * Sliding-window counters in packet time, the building blocks of every
 * threshold rule. Both are bounded: a maximum number of keys (least recently
 * used key evicted first), per key either a member cap (distinct counts)
 * or a ring the size of the threshold (event counts), and a ceiling on
 * members or ring slots across all keys. Keys idle longer than
 * the window are swept as time advances, so memory stays flat however long
 * the capture runs.
 */
import { FrontCursor } from './front-cursor.js';

/** How often (in windows) idle keys are swept: often enough to free memory, rarely enough to be cheap. */
const SWEEP_FRACTION = 0.25;
/**
 * A touched key is moved to the end of the key map (LRU order) only when its
 * last move is older than this fraction of the window: moving on every event
 * costs a delete and an insert, and the order only needs to be roughly right.
 */
const MOVE_FRACTION = 0.125;

/** Drops keys whose `last` is at or before `cutoff`. Keys are in `moved` order, and `last >= moved`. */
function sweepKeys<E extends { last: number; moved: number }>(keys: Map<string, E>, cutoff: number, onDrop: (e: E) => void): void {
  for (const [k, e] of keys) {
    if (e.last <= cutoff) {
      onDrop(e);
      keys.delete(k);
    } else if (e.moved > cutoff) {
      break;
    }
  }
}

const NO_DROP = (): void => {};

/**
 * Sweeps `keys` of keys idle for a whole `window` once `ts` reaches `next`
 * (the time the previous sweep set); returns when the next sweep is due.
 */
function sweepIfDue<E extends { last: number; moved: number }>(keys: Map<string, E>, ts: number, window: number, next: number, onDrop: (e: E) => void): number {
  if (ts < next) return next;
  sweepKeys(keys, ts - window, onDrop);
  return ts + window * SWEEP_FRACTION;
}

/**
 * A key touched at `ts`: moved to the end of `keys` (LRU order) when its last
 * move is older than MOVE_FRACTION of the window, and its `last` advanced.
 */
function touchKey<E extends { last: number; moved: number }>(keys: Map<string, E>, key: string, e: E, ts: number, window: number): void {
  if (ts - e.moved > window * MOVE_FRACTION) {
    keys.delete(key);
    keys.set(key, e);
    e.moved = ts;
  }
  if (ts > e.last) e.last = ts;
}

/**
 * Drops the least recently used key of `keys` (through its cursor `oldest`)
 * other than `keep` (the key being added to), telling `onDrop`; false when
 * there is none to drop.
 */
function dropOldestKey<E>(oldest: FrontCursor<string, E>, keep: string | undefined, onDrop: (e: E) => void): boolean {
  const taken = oldest.take(keep);
  if (taken === undefined) return false;
  onDrop(taken[1]);
  return true;
}

interface DistinctEntry<M, X> {
  /**
   * The key's only member, while it has had one at a time (`members` null):
   * most keys never see a second member, and a Map of one costs ~180 bytes.
   */
  one: M | undefined;
  /** When `one` was last seen. */
  oneTs: number;
  /** member -> last time seen, once a second member came; insertion order is last-seen order (re-inserted on touch). */
  members: Map<M, number> | null;
  /** Where expiry goes on from in `members` (made on first use). */
  front: FrontCursor<M, number> | undefined;
  /** Members deleted or moved since `members` was built: the holes a walk from its start passes. */
  holes: number;
  last: number;
  /** When the key was last moved to the end of the key map. */
  moved: number;
  /** What the owner keeps beside the key's members (DistinctWindowOptions.extra), dropped with the key. */
  extra: X;
}

export interface DistinctWindowOptions<X = undefined> {
  /** Window length in seconds. */
  window: number;
  /** Maximum keys held; the least recently used key is dropped beyond it. */
  maxKeys: number;
  /** Maximum distinct members per key; counts saturate there (set it >= the threshold). */
  maxMembers: number;
  /**
   * Members held across all keys; beyond it the least recently used keys are
   * dropped. Keys times members alone would allow gigabytes (100k pairs of a
   * full port scan), so the whole structure has its own ceiling.
   */
  maxTotalMembers?: number;
  /**
   * Makes what the owner keeps per key beside its members (read with
   * `extraOf`), when the key is added; it lives and goes with the key, so
   * it is swept and evicted with it rather than held in a map of its own.
   */
  extra?: () => X;
}

/** `members()` rebuilds a key's member map once this many holes are behind it (see front-cursor.ts). */
const MEMBER_HOLES_MAX = 64;

/** Default ceiling of members across all keys (~100 bytes each: ~50 MB). */
export const DEFAULT_MAX_TOTAL_MEMBERS = 500_000;

/**
 * Distinct members per key within the last `window` seconds (e.g. ports per
 * source/destination pair, hosts per source/port). A key holds its first
 * member inline and gets a member map only when a second one comes (most
 * keys of a busy network are a pair that met once); `extra` lets an owner
 * keep its own per-key figures in the same entry.
 *
 * Memory, measured (Node 20, 64-bit): about 250 bytes per key with one
 * member, key text included (a pair of IPv4 addresses), where a member map
 * of its own made it ~400; a key with several members costs ~200 bytes more
 * for its map, and ~50 per member.
 */
export class DistinctWindow<M extends string | number = string | number, X = undefined> {
  readonly #opts: DistinctWindowOptions<X>;
  readonly #keys = new Map<string, DistinctEntry<M, X>>();
  readonly #oldestKey = new FrontCursor(this.#keys);
  readonly #maxTotal: number;
  readonly #extra: () => X;
  #total = 0;
  #nextSweep = -Infinity;
  /** Keys dropped because `maxKeys` or `maxTotalMembers` was reached. */
  evictions = 0;
  /** New members not stored because a key was at `maxMembers`. */
  membersCapped = 0;

  constructor(opts: DistinctWindowOptions<X>) {
    this.#opts = opts;
    this.#maxTotal = Math.max(opts.maxMembers, opts.maxTotalMembers ?? DEFAULT_MAX_TOTAL_MEMBERS);
    this.#extra = opts.extra ?? (() => undefined as X);
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Members held across all keys. */
  get totalMembers(): number {
    return this.#total;
  }

  /** Records `member` for `key` at `ts`; returns the distinct count in the window. */
  add(key: string, member: M, ts: number): number {
    this.#nextSweep = sweepIfDue(this.#keys, ts, this.#opts.window, this.#nextSweep, this.#dropped);
    let e = this.#keys.get(key);
    if (e === undefined) {
      if (this.#keys.size >= this.#opts.maxKeys) this.#evictOne();
      if (this.#total >= this.#maxTotal) this.#evictOne(key);
      e = { one: member, oneTs: ts, members: null, front: undefined, holes: 0, last: ts, moved: ts, extra: this.#extra() };
      this.#keys.set(key, e);
      this.#total++;
      return 1;
    }
    touchKey(this.#keys, key, e, ts, this.#opts.window);
    this.#prune(e, ts);
    const members = e.members;
    if (members === null) {
      if (e.one === undefined || e.one === member) {
        if (e.one === undefined) {
          if (this.#total >= this.#maxTotal) this.#evictOne(key);
          this.#total++;
        }
        e.one = member;
        e.oneTs = ts;
        return 1;
      }
      if (this.#opts.maxMembers <= 1) {
        this.membersCapped++;
        return 1;
      }
      // A second member: from now on the key keeps a map (its first member first, as least recently seen).
      if (this.#total >= this.#maxTotal) this.#evictOne(key);
      e.members = new Map([[e.one, e.oneTs]]);
      e.one = undefined;
      e.members.set(member, ts);
      this.#total++;
      return 2;
    }
    if (members.has(member)) {
      members.delete(member);
      members.set(member, ts);
      e.holes++;
    } else if (members.size < this.#opts.maxMembers) {
      if (this.#total >= this.#maxTotal) this.#evictOne(key);
      members.set(member, ts);
      this.#total++;
    } else {
      this.membersCapped++;
    }
    return members.size;
  }

  /** Distinct members of `key` still inside the window at `ts`. */
  count(key: string, ts: number): number {
    const e = this.#keys.get(key);
    if (e === undefined) return 0;
    this.#prune(e, ts);
    return sizeOf(e);
  }

  /** Oldest last-seen time among the members in the window (start of the activity), or NaN. */
  oldest(key: string): number {
    const e = this.#keys.get(key);
    if (e === undefined) return NaN;
    if (e.members === null) return e.one === undefined ? NaN : e.oneTs;
    const first = (e.front ??= new FrontCursor(e.members)).peek();
    return first === undefined ? NaN : first[1];
  }

  /** What the `extra` option made for `key`, while the key is held. */
  extraOf(key: string): X | undefined {
    return this.#keys.get(key)?.extra;
  }

  /** Members in the window, least recently seen first (for evidence; allocates). */
  members(key: string, limit = Infinity): M[] {
    const out: M[] = [];
    const e = this.#walkable(key);
    if (e === undefined) return out;
    if (e.members === null) {
      if (e.one !== undefined && limit > 0) out.push(e.one);
      return out;
    }
    for (const m of e.members.keys()) {
      if (out.length >= limit) break;
      out.push(m);
    }
    return out;
  }

  /** Members in the window with the time each was last seen, least recently seen first (allocates). */
  entries(key: string, limit = Infinity): [M, number][] {
    const out: [M, number][] = [];
    const e = this.#walkable(key);
    if (e === undefined) return out;
    if (e.members === null) {
      if (e.one !== undefined && limit > 0) out.push([e.one, e.oneTs]);
      return out;
    }
    for (const entry of e.members) {
      if (out.length >= limit) break;
      out.push(entry);
    }
    return out;
  }

  /** `key`'s entry, its member map rebuilt first when a walk from its start would pass many holes. */
  #walkable(key: string): DistinctEntry<M, X> | undefined {
    const e = this.#keys.get(key);
    if (e === undefined) return undefined;
    if (e.members !== null && e.holes > MEMBER_HOLES_MAX) {
      // Walking from the start passes every hole: rebuild the map without them (same order).
      e.members = new Map(e.members);
      e.front = undefined;
      e.holes = 0;
    }
    return e;
  }

  delete(key: string): void {
    const e = this.#keys.get(key);
    if (e === undefined) return;
    this.#total -= sizeOf(e);
    this.#keys.delete(key);
  }

  #prune(e: DistinctEntry<M, X>, ts: number): void {
    const cutoff = ts - this.#opts.window;
    const members = e.members;
    if (members === null) {
      if (e.one !== undefined && e.oneTs <= cutoff) {
        e.one = undefined;
        this.#total--;
      }
      return;
    }
    if (members.size === 0) return;
    const front = (e.front ??= new FrontCursor(members));
    for (let first = front.peek(); first !== undefined && first[1] <= cutoff; first = front.peek()) {
      front.dropPeeked();
      e.holes++;
      this.#total--;
    }
    if (members.size === 0) {
      // Every member left the window: back to the inline form, the map and its cursor freed.
      e.members = null;
      e.front = undefined;
      e.holes = 0;
    }
  }

  /** Drops the least recently used key (never `keep`, the one being added to). */
  #evictOne(keep?: string): void {
    if (dropOldestKey(this.#oldestKey, keep, this.#dropped)) this.evictions++;
  }

  /** Keeps the member total right when a sweep drops an idle key. */
  readonly #dropped = (e: DistinctEntry<M, X>): void => {
    this.#total -= sizeOf(e);
  };
}

/** Members a DistinctWindow entry holds. */
function sizeOf(e: DistinctEntry<string | number, unknown>): number {
  return e.members === null ? (e.one === undefined ? 0 : 1) : e.members.size;
}

interface RateEntry {
  /**
   * Timestamps, a ring. A plain array of numbers (V8 stores them unboxed):
   * ~110 bytes at the starting 8 slots, against ~260 for a Float64Array
   * with its buffer object (a key with one event costs ~260 bytes in all).
   */
  ring: number[];
  /** Index of the oldest timestamp. */
  head: number;
  size: number;
  last: number;
  moved: number;
}

export interface RateWindowOptions {
  window: number;
  /** The threshold: the ring keeps this many timestamps, enough to decide "N events within the window". */
  capacity: number;
  maxKeys: number;
  /**
   * Timestamp slots held by all keys' rings together; beyond it the least
   * recently used keys are dropped. Keys times capacity alone would allow
   * hundreds of megabytes (50,000 clients with a ring of 1,000 is 400 MB).
   */
  maxTotalSlots?: number;
}

/** Default ceiling of ring slots across all keys (8 bytes each: 16 MB). */
export const DEFAULT_MAX_TOTAL_SLOTS = 2_000_000;

/** Timestamps a key's ring starts with; it doubles as events come, up to the capacity. */
const RATE_RING_START = 8;

/**
 * Events per key within the last `window` seconds, exact up to `capacity`
 * (the rule's threshold): the ring holds the latest `capacity` timestamps, so
 * "capacity events in the window" is `count() === capacity`. A ring starts
 * small and grows only while a key's events keep coming: with a threshold of
 * 1,000, a ring of full size per key was 8 KB for every client that made one
 * DNS lookup, hundreds of megabytes on a network of many clients.
 */
export class RateWindow {
  readonly #opts: RateWindowOptions;
  readonly #keys = new Map<string, RateEntry>();
  readonly #oldestKey = new FrontCursor(this.#keys);
  readonly #maxSlots: number;
  /** Ring slots held across all keys. */
  #slots = 0;
  #nextSweep = -Infinity;
  /** Keys dropped because `maxKeys` or `maxTotalSlots` was reached. */
  evictions = 0;

  constructor(opts: RateWindowOptions) {
    const capacity = Math.max(1, Math.floor(opts.capacity));
    this.#opts = { window: opts.window, capacity, maxKeys: opts.maxKeys };
    this.#maxSlots = Math.max(capacity, opts.maxTotalSlots ?? DEFAULT_MAX_TOTAL_SLOTS);
  }

  get capacity(): number {
    return this.#opts.capacity;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Timestamp slots held by all rings (what `maxTotalSlots` bounds). */
  get totalSlots(): number {
    return this.#slots;
  }

  /** Records one event; returns the number of events in the window (at most `capacity`). */
  add(key: string, ts: number): number {
    this.#nextSweep = sweepIfDue(this.#keys, ts, this.#opts.window, this.#nextSweep, this.#dropped);
    let e = this.#keys.get(key);
    if (e === undefined) {
      if (this.#keys.size >= this.#opts.maxKeys) this.#evictOne();
      const start = Math.min(RATE_RING_START, this.#opts.capacity);
      while (this.#slots + start > this.#maxSlots && this.#evictOne()) {}
      e = { ring: newRing(start), head: 0, size: 0, last: ts, moved: ts };
      this.#keys.set(key, e);
      this.#slots += start;
    } else {
      touchKey(this.#keys, key, e, ts, this.#opts.window);
    }
    this.#prune(e, ts);
    if (e.size === e.ring.length && e.size < this.#opts.capacity) {
      const before = e.ring.length;
      const after = Math.min(before * 2, this.#opts.capacity);
      while (this.#slots + after - before > this.#maxSlots && this.#evictOne(key)) {}
      grow(e, after);
      this.#slots += after - before;
    }
    const cap = e.ring.length;
    if (e.size === cap) {
      e.ring[e.head] = ts;
      e.head = (e.head + 1) % cap;
    } else {
      e.ring[(e.head + e.size) % cap] = ts;
      e.size++;
    }
    return e.size;
  }

  count(key: string, ts: number): number {
    const e = this.#keys.get(key);
    if (e === undefined) return 0;
    this.#prune(e, ts);
    return e.size;
  }

  /** Time of the oldest event still counted, or NaN. */
  oldest(key: string): number {
    const e = this.#keys.get(key);
    return e === undefined || e.size === 0 ? NaN : e.ring[e.head]!;
  }

  /** Forget a key (e.g. after it alerted, to count the next burst afresh). */
  delete(key: string): void {
    const e = this.#keys.get(key);
    if (e === undefined) return;
    this.#slots -= e.ring.length;
    this.#keys.delete(key);
  }

  /** Drops the least recently used key (never `keep`, the one being added to); false when there is none. */
  #evictOne(keep?: string): boolean {
    if (!dropOldestKey(this.#oldestKey, keep, this.#dropped)) return false;
    this.evictions++;
    return true;
  }

  /** Keeps the slot total right when a sweep drops an idle key. */
  readonly #dropped = (e: RateEntry): void => {
    this.#slots -= e.ring.length;
  };

  #prune(e: RateEntry, ts: number): void {
    const cutoff = ts - this.#opts.window;
    const cap = e.ring.length;
    while (e.size > 0 && e.ring[e.head]! <= cutoff) {
      e.head = (e.head + 1) % cap;
      e.size--;
    }
  }
}

/** A ring of `length` slots. */
function newRing(length: number): number[] {
  return new Array<number>(length).fill(0);
}

/** Moves a full ring's timestamps, oldest first, to the start of a ring of `length` slots. */
function grow(e: RateEntry, length: number): void {
  const old = e.ring;
  const ring = newRing(length);
  for (let i = 0; i < e.size; i++) ring[i] = old[(e.head + i) % old.length]!;
  e.ring = ring;
  e.head = 0;
}

interface SumEntry {
  /**
   * Per-bucket sums, made once the key's sum spans two buckets: until then
   * all of `sum` lies in the head bucket, and most keys (one connection each)
   * never need more; a typed array per key costs a backing store.
   */
  buckets: Float64Array | null;
  /** Index of the bucket holding time `headStart`. */
  head: number;
  headStart: number;
  sum: number;
  last: number;
  moved: number;
}

/** Buckets per window for SumWindow: the sum is exact to one tenth of the window. */
const SUM_BUCKETS = 10;

export interface SumWindowOptions {
  window: number;
  maxKeys: number;
}

/**
 * Sum of values per key over the last `window` seconds (e.g. LDAP result
 * entries per client), in SUM_BUCKETS fixed buckets: memory per key is
 * constant however many values arrive.
 */
export class SumWindow {
  readonly #opts: SumWindowOptions;
  readonly #width: number;
  readonly #keys = new Map<string, SumEntry>();
  readonly #oldestKey = new FrontCursor(this.#keys);
  #nextSweep = -Infinity;
  /** Keys dropped because `maxKeys` was reached. */
  evictions = 0;

  constructor(opts: SumWindowOptions) {
    this.#opts = opts;
    this.#width = opts.window / SUM_BUCKETS;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Adds `value` at `ts`; returns the sum over the window. */
  add(key: string, value: number, ts: number): number {
    this.#nextSweep = sweepIfDue(this.#keys, ts, this.#opts.window, this.#nextSweep, NO_DROP);
    let e = this.#keys.get(key);
    if (e === undefined) {
      // Nothing to remember: an absent key sums to 0 all the same.
      if (value === 0) return 0;
      if (this.#keys.size >= this.#opts.maxKeys && dropOldestKey(this.#oldestKey, undefined, NO_DROP)) this.evictions++;
      e = { buckets: null, head: 0, headStart: ts - (ts % this.#width), sum: 0, last: ts, moved: ts };
      this.#keys.set(key, e);
    } else {
      touchKey(this.#keys, key, e, ts, this.#opts.window);
    }
    this.#rotate(e, ts);
    const b = e.buckets;
    if (b !== null) b[e.head] = b[e.head]! + value;
    e.sum += value;
    return e.sum;
  }

  sum(key: string, ts: number): number {
    const e = this.#keys.get(key);
    if (e === undefined) return 0;
    this.#rotate(e, ts);
    return e.sum;
  }

  /** Moves the head bucket forward to `ts`, clearing buckets that fell out of the window. */
  #rotate(e: SumEntry, ts: number): void {
    if (ts < e.headStart + this.#width) return;
    const steps = Math.floor((ts - e.headStart) / this.#width);
    if (steps >= SUM_BUCKETS) {
      e.buckets?.fill(0);
      e.sum = 0;
      e.head = 0;
    } else {
      let b = e.buckets;
      if (b === null && e.sum !== 0) {
        // The sum so far becomes the head bucket's, which the window keeps for a while yet.
        b = e.buckets = new Float64Array(SUM_BUCKETS);
        b[e.head] = e.sum;
      }
      if (b !== null) {
        for (let i = 0; i < steps; i++) {
          e.head = (e.head + 1) % SUM_BUCKETS;
          e.sum -= b[e.head]!;
          b[e.head] = 0;
        }
      } else {
        e.head = (e.head + steps) % SUM_BUCKETS;
      }
    }
    e.headStart += steps * this.#width;
  }
}
