/**
 * Dedup by holding. The first match of (rule, dedup key) opens a held alert;
 * later matches within `interval` seconds of packet time only raise its count,
 * move last_seen and replace message and evidence with the latest (detectors
 * merge what they want to keep). The alert is emitted once, when the interval
 * that started at its first match has passed in packet time, or at the end of
 * the capture. JSON-lines output thus holds exactly one line per key per
 * interval, carrying the final count; the price is that a live sensor reports
 * an incident up to one interval after it began (set `dedup_interval` lower
 * for faster, more repetitive alerts).
 *
 * Prompt mode (live sensors): the first match is also emitted at once, so a
 * person hears of an incident when it starts; the final version is emitted
 * again at the end of the interval only if more matches came (same rule.id,
 * dedup_key and first_seen: consumers upsert on those).
 *
 * Memory: at most `maxOpen` held alerts; beyond that the oldest is emitted
 * early (counted), so a flood of distinct keys cannot grow the table.
 */
import type { HeldAlert } from './alert.js';

export class AlertHold {
  readonly #interval: number;
  readonly #maxOpen: number;
  readonly #emit: (held: HeldAlert) => void;
  /** Insertion order is first-match order, so the head is always the next to expire. */
  readonly #open = new Map<string, HeldAlert>();
  #nextExpiry = Infinity;
  /** Alerts emitted before their interval ended because the table was full. */
  earlyEmits = 0;

  readonly #prompt: boolean;

  constructor(interval: number, maxOpen: number, emit: (held: HeldAlert) => void, prompt = false) {
    this.#interval = interval;
    this.#maxOpen = maxOpen;
    this.#emit = emit;
    this.#prompt = prompt;
  }

  /** Emits a held alert unless its prompt emission already said everything. */
  #final(held: HeldAlert): void {
    if (held.emittedCount !== undefined && held.emittedCount === held.count) return;
    this.#emit(held);
  }

  get size(): number {
    return this.#open.size;
  }

  get(key: string): HeldAlert | undefined {
    return this.#open.get(key);
  }

  /** Holds a new alert (the caller checked `get(key)` first). */
  open(key: string, held: HeldAlert): void {
    if (this.#open.size >= this.#maxOpen) {
      const first = this.#open.keys().next();
      if (first.done !== true) {
        const oldest = this.#open.get(first.value)!;
        this.#open.delete(first.value);
        this.earlyEmits++;
        this.#final(oldest);
      }
    }
    this.#open.set(key, held);
    if (this.#prompt) {
      this.#emit(held);
      held.emittedCount = held.count;
    }
    if (this.#open.size === 1 || held.firstSeen + this.#interval < this.#nextExpiry) this.#recompute();
  }

  /** Emits every held alert whose interval has ended by packet time `ts`. */
  advance(ts: number): void {
    if (ts < this.#nextExpiry) return;
    for (const [key, held] of this.#open) {
      if (held.firstSeen + this.#interval > ts) break;
      this.#open.delete(key);
      this.#final(held);
    }
    this.#recompute();
  }

  /** Emits everything still held (end of capture), oldest first. */
  drain(): void {
    for (const [key, held] of this.#open) {
      this.#open.delete(key);
      this.#final(held);
    }
    this.#nextExpiry = Infinity;
  }

  #recompute(): void {
    const first = this.#open.values().next();
    this.#nextExpiry = first.done === true ? Infinity : first.value.firstSeen + this.#interval;
  }
}
