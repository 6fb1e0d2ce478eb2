/**
 * The running figures of a threshold rule's alert. A rule counts events in
 * a sliding window that holds at most `threshold` of them, so the window's
 * count stops at the threshold: told in the message, a 30-failure attack
 * read "20 failures", and its first_seen was the moment the threshold was
 * crossed. Once an alert is open the engine already holds both right (its
 * count and first_seen); before, the window knows them.
 */
import type { HeldView } from './detector.js';

export interface Burst {
  /** Events the alert covers with this one. */
  total: number;
  /** When they began (the alert's first_seen). */
  first: number;
  /** What this report adds to the alert's count: the window's events when it opens, else the event's weight (1). */
  count: number;
}

/**
 * `held`: the alert open for the key, if any; `inWindow`: the window's count
 * with this event; `oldest`: the window's oldest event time (NaN if unknown);
 * `weight`: how many observations this event stands for (several guesses
 * reported at once).
 */
export function burstOf(held: HeldView | undefined, inWindow: number, oldest: number, ts: number, weight = 1): Burst {
  if (held !== undefined) return { total: held.count + weight, first: Math.min(held.firstSeen, ts), count: weight };
  return { total: inWindow, first: Number.isNaN(oldest) ? ts : Math.min(oldest, ts), count: inWindow };
}
