/**
 * The timing DHCPv4 and DHCPv6 transactions share (Zeek's join_data
 * expiration): open transactions by key, each checked FIRST_CHECK_S after
 * it opened and every QUIET_S after that, by packet time, and logged once
 * quiet for QUIET_S or watched for `maxWatch` seconds; at most
 * MAX_TRANSACTIONS open (the oldest is logged to make room); everything
 * logged when the last flow of the protocol ends. What a transaction holds
 * and how it is logged is the protocol's: its subclass folds messages in
 * and implements `write`.
 */

/** First expiry check after creation (Zeek's &create_expire on join_data). */
export const FIRST_CHECK_S = 10;
/** Re-check interval and the quiet time after which a transaction is done (Zeek: 5 s). */
export const QUIET_S = 5;
/**
 * Open transactions kept at once. A DISCOVER or SOLICIT flood with random
 * ids would otherwise grow the table without bound; the oldest is logged to
 * make room.
 */
export const MAX_TRANSACTIONS = 10000;

/** The times every open transaction carries. */
export interface OpenTransaction {
  /** When it opened. */
  readonly ts: number;
  /** Its newest message. */
  last: number;
  /** When it is next checked for expiry. */
  nextCheck: number;
}

export abstract class TransactionTable<K, T extends OpenTransaction> {
  readonly #byKey = new Map<K, T>();
  /** Earliest nextCheck of any entry (skip the sweep until then). */
  #nextSweep = Infinity;
  /** Flows of the protocol alive; when it drops to 0 everything is logged. */
  #live = 0;
  readonly #maxWatch: number;

  /** `maxWatch`: the longest a transaction stays open (seconds). */
  constructor(maxWatch: number) {
    this.#maxWatch = maxWatch;
  }

  /** Writes a finished transaction out (its log line and events). */
  protected abstract write(t: T): void;

  /** Open transactions. */
  get size(): number {
    return this.#byKey.size;
  }

  /** A flow of the protocol began. */
  attach(): void {
    this.#live++;
  }

  /** A flow of the protocol ended: expire by its time, and log all when it was the last one. */
  detach(ts: number): void {
    if (this.#live > 0) this.#live--;
    this.expire(ts);
    if (this.#live === 0) this.flushAll();
  }

  /** Logs every open transaction (capture end). */
  flushAll(): void {
    for (const t of this.#byKey.values()) this.write(t);
    this.#byKey.clear();
    this.#nextSweep = Infinity;
  }

  /** Logs the transactions whose check time has come and that are done. */
  expire(now: number): void {
    if (now < this.#nextSweep) return;
    let next = Infinity;
    for (const [key, t] of this.#byKey) {
      if (t.nextCheck <= now) {
        if (now - t.last > QUIET_S || now - t.ts > this.#maxWatch) {
          this.write(t);
          this.#byKey.delete(key);
          continue;
        }
        t.nextCheck = now + QUIET_S;
      }
      if (t.nextCheck < next) next = t.nextCheck;
    }
    this.#nextSweep = next;
  }

  protected get(key: K): T | undefined {
    return this.#byKey.get(key);
  }

  /**
   * Opens `t` under `key`. When the table is full the oldest transaction is
   * logged first to make room, and true is returned (for the caller's
   * anomaly count).
   */
  protected open(key: K, t: T): boolean {
    let full = false;
    if (this.#byKey.size >= MAX_TRANSACTIONS) {
      const [oldestKey, oldest] = this.#byKey.entries().next().value as [K, T];
      this.write(oldest);
      this.#byKey.delete(oldestKey);
      full = true;
    }
    this.#byKey.set(key, t);
    if (t.nextCheck < this.#nextSweep) this.#nextSweep = t.nextCheck;
    return full;
  }

  /** Logs and forgets the transaction under `key` (it reached a per-entry bound). */
  protected close(key: K): void {
    const t = this.#byKey.get(key);
    if (t === undefined) return;
    this.write(t);
    this.#byKey.delete(key);
  }
}
