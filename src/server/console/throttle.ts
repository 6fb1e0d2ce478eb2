/**
 * Login lock-out with backoff. After MAX_FAILURES wrong passwords for one
 * user name (from anywhere) the name is locked for LOCK_BASE_MS, doubling with
 * every further failure up to LOCK_MAX_MS; a correct password after the lock
 * ends clears the count. Kept per user name rather than per address so a
 * spread-out guessing attack is slowed too; the map is bounded so unknown
 * names cannot grow it without limit.
 */

/** Wrong passwords allowed before the first lock. */
export const MAX_FAILURES = 5;
/** First lock length; doubles with each failure after that. */
export const LOCK_BASE_MS = 30_000;
/** Longest lock: a legitimate user waits at most this long. */
export const LOCK_MAX_MS = 15 * 60_000;
/** Names tracked at once; the oldest entry is forgotten past this. */
export const MAX_TRACKED_NAMES = 10_000;

interface Entry {
  failures: number;
  lockedUntil: number;
}

export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Milliseconds until `name` may try again; 0 when it may try now. */
  retryAfterMs(name: string): number {
    const e = this.#entries.get(name);
    if (e === undefined) return 0;
    return Math.max(0, e.lockedUntil - this.#now());
  }

  failure(name: string): void {
    let e = this.#entries.get(name);
    if (e === undefined) {
      if (this.#entries.size >= MAX_TRACKED_NAMES) {
        const oldest = this.#entries.keys().next();
        if (oldest.done !== true) this.#entries.delete(oldest.value);
      }
      e = { failures: 0, lockedUntil: 0 };
      this.#entries.set(name, e);
    }
    e.failures++;
    if (e.failures >= MAX_FAILURES) {
      const lock = Math.min(LOCK_MAX_MS, LOCK_BASE_MS * 2 ** (e.failures - MAX_FAILURES));
      e.lockedUntil = this.#now() + lock;
    }
  }

  success(name: string): void {
    this.#entries.delete(name);
  }
}
