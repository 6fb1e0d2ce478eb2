/**
 * Oldest-first access to a Map kept in age order (its insertion order, an
 * entry re-inserted at the end when it is touched), for the bounded
 * structures that forget their oldest entries: LRU eviction and sliding
 * window expiry.
 *
 * Iterating a Map from its start walks over every entry deleted since V8
 * last rebuilt the table, so "delete the first entry" done that way costs
 * as much as the deletions before it: measured at 100,000 keys, 43-55 µs
 * per eviction once a structure was full, and 16 µs per expiry for one key
 * sliding over 20,000 members. A cursor keeps one live iterator across
 * calls instead (a Map iterator stays valid while entries are deleted and
 * added, and sees re-inserted entries at their new place), so each entry
 * is passed once: constant time per removal, amortized.
 */
export class FrontCursor<K, V> {
  readonly #map: Map<K, V>;
  #it: Iterator<[K, V]> | null = null;
  /** The entry `peek` returned, not yet removed (checked again before use: it may have moved). */
  #head: [K, V] | null = null;

  constructor(map: Map<K, V>) {
    this.#map = map;
  }

  /**
   * The oldest entry, left in place (undefined when the map is empty). An
   * entry re-inserted since with the same value still counts as the
   * oldest, so values should change when an entry is touched (a time).
   */
  peek(): [K, V] | undefined {
    return this.#front(undefined);
  }

  /** Removes the entry the last `peek` returned. */
  dropPeeked(): void {
    const h = this.#head;
    if (h === null) return;
    this.#head = null;
    this.#map.delete(h[0]);
  }

  /**
   * Removes and returns the oldest entry whose key is not `keep` (an entry
   * skipped that way is passed over until the cursor starts again from the
   * front); undefined when there is none.
   */
  take(keep?: K): [K, V] | undefined {
    const e = this.#front(keep);
    if (e === undefined) return undefined;
    this.#head = null;
    this.#map.delete(e[0]);
    return e;
  }

  /** Forget the position (after the map was cleared or replaced). */
  reset(): void {
    this.#it = null;
    this.#head = null;
  }

  #front(keep: K | undefined): [K, V] | undefined {
    const map = this.#map;
    const h = this.#head;
    if (h !== null) {
      if (h[0] !== keep && map.has(h[0]) && map.get(h[0]) === h[1]) return h;
      this.#head = null;
    }
    // At most one fresh start per call: a fresh iterator that runs out means nothing is left.
    let fresh = false;
    for (;;) {
      if (this.#it === null) {
        this.#it = map.entries();
        fresh = true;
      }
      const r = this.#it.next();
      if (r.done === true) {
        this.#it = null;
        if (fresh) return undefined;
        continue;
      }
      if (r.value[0] === keep) continue;
      this.#head = r.value;
      return r.value;
    }
  }
}
