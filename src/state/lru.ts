/**
 * A size-capped map that forgets the (approximately) least recently used
 * entry. Relies on Map's insertion order: a touched entry is re-inserted at
 * the end, so the head is the eviction candidate. Re-inserting on every
 * access is the expensive part (a delete leaves a hole the map must compact),
 * so an entry is only moved when it has drifted into the older half of the
 * map; recently moved entries are already far from the head. Used wherever a
 * detector remembers something per host or per connection.
 */
import { FrontCursor } from './front-cursor.js';

interface Slot<V> {
  v: V;
  /** Value of the move counter when this entry was last (re)inserted. */
  at: number;
}

export class LruMap<K, V> {
  readonly #map = new Map<K, Slot<V>>();
  /** Where eviction goes on from (see front-cursor.ts: restarting from the map's start costs O(deletions)). */
  readonly #oldest = new FrontCursor(this.#map);
  /** Counts insertions and moves: an entry's age in positions is `#tick - slot.at`. */
  #tick = 0;
  readonly maxSize: number;
  /** Entries dropped because the map was full. */
  evictions = 0;

  /** Called with each entry dropped because the map was full (e.g. to give back what it held). */
  readonly #onEvict: ((key: K, value: V) => void) | undefined;

  constructor(maxSize: number, onEvict?: (key: K, value: V) => void) {
    this.maxSize = Math.max(1, maxSize);
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Returns the value and marks it recently used. */
  get(key: K): V | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    if (this.#tick - slot.at > this.#map.size >>> 1) {
      this.#map.delete(key);
      slot.at = ++this.#tick;
      this.#map.set(key, slot);
    }
    return slot.v;
  }

  /** Returns the value without touching recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.v;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): void {
    const slot = this.#map.get(key);
    if (slot !== undefined) {
      slot.v = value;
      if (this.#tick - slot.at > this.#map.size >>> 1) {
        this.#map.delete(key);
        slot.at = ++this.#tick;
        this.#map.set(key, slot);
      }
      return;
    }
    if (this.#map.size >= this.maxSize) this.#dropOldest(undefined, false);
    this.#map.set(key, { v: value, at: ++this.#tick });
  }

  /**
   * Drops the least recently used entry other than `keep` as if the map were
   * full (onEvict called, counted in `evictions`), for callers that bound
   * what the values hold as a whole; false when there is nothing to drop.
   */
  evictOldest(keep?: K): boolean {
    return this.#dropOldest(keep, keep !== undefined);
  }

  /** Drops the oldest entry (other than `keep` when `keeping`), counted and told to onEvict. */
  #dropOldest(keep: K | undefined, keeping: boolean): boolean {
    const e = this.#oldest.take(keeping ? keep : undefined);
    if (e === undefined) return false;
    this.evictions++;
    this.#onEvict?.(e[0], e[1].v);
    return true;
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /**
   * Removes every entry `drop` picks (a walk of the whole map, for sweeps
   * now and then, not per event). Not evictions: `onEvict` is not told and
   * `evictions` does not count them. Returns how many went.
   */
  prune(drop: (key: K, value: V) => boolean): number {
    let n = 0;
    for (const [k, s] of this.#map) {
      if (!drop(k, s.v)) continue;
      this.#map.delete(k);
      n++;
    }
    return n;
  }

  clear(): void {
    this.#map.clear();
    this.#oldest.reset();
  }

  /** Roughly oldest first (allocates; for inspection, not per event). */
  entries(): [K, V][] {
    const out: [K, V][] = [];
    for (const [k, s] of this.#map) out.push([k, s.v]);
    return out;
  }
}
