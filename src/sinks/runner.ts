/**
 * One sink at work: its filter, its disk queue and its transport, joined by a
 * delivery loop. `offer` filters and appends to the queue (synchronously, so
 * the alert is on disk when it returns) and wakes the loop; the loop sends the
 * oldest queued alerts in order, acknowledges them once sent, and after a
 * failure waits (exponential backoff: initial, 2x, 4x ... capped at the
 * maximum) and sends the same batch again. Delivery is at least once: an
 * alert is only acknowledged after its send succeeded, so an outage or a
 * restart loses nothing and resends nothing that was acknowledged.
 */
import type { Alert } from '../alerts/alert.js';
import type { AlertFilter } from './filter.js';
import { isDeliverableAlert } from './alert-shape.js';
import type { DiskQueue, QueueStats } from './queue.js';
import { errorText, RejectedError, type SinkTransport } from './transport.js';

export type SinkState = 'idle' | 'sending' | 'backoff' | 'closed';

export interface SinkStats {
  name: string;
  type: string;
  state: SinkState;
  /** Alerts waiting on disk. */
  queued: number;
  /** Alerts that passed the filter and were queued. */
  accepted: number;
  /** Alerts the filter did not want. */
  filtered: number;
  delivered: number;
  /** Failed delivery attempts (each retried). */
  failures: number;
  /** Alerts refused for good by the receiver (not retried). */
  rejected: number;
  /** Alerts dropped because the queue was full (oldest first). */
  dropped: number;
  /** Alerts that could not be queued, by reason (oversize, io_error, closed). */
  lost: Record<string, number>;
  /** Queue records that were not valid alerts (damaged on disk), skipped. */
  corrupt: number;
  /** Alerts offered without the fields a sink needs (rule.id, event.severity, message, source, evidence), skipped. */
  malformed: number;
  /** The most recent failure or rejection (kept after later successes; `state` tells the current health). */
  lastError: string | null;
  /** Delay before the next attempt while in backoff, in ms. */
  retryInMs: number;
  queue: QueueStats;
}

export interface RetryPolicy {
  /** First delay after a failure, in ms. */
  initialMs: number;
  /** Largest delay, in ms. */
  maxMs: number;
}

export class SinkRunner {
  readonly name: string;
  readonly type: string;
  readonly #filter: AlertFilter;
  readonly #queue: DiskQueue;
  readonly #transport: SinkTransport;
  readonly #retry: RetryPolicy;
  #state: SinkState = 'idle';
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #loop: Promise<void> | null = null;
  #waiters: (() => void)[] = [];
  #accepted = 0;
  #filtered = 0;
  #delivered = 0;
  #failures = 0;
  #rejected = 0;
  #corrupt = 0;
  #malformed = 0;
  readonly #lost: Record<string, number> = {};
  #lastError: string | null = null;
  #retryInMs = 0;

  constructor(name: string, type: string, filter: AlertFilter, queue: DiskQueue, transport: SinkTransport, retry: RetryPolicy) {
    this.name = name;
    this.type = type;
    this.#filter = filter;
    this.#queue = queue;
    this.#transport = transport;
    this.#retry = retry;
    // Alerts left from the previous run go out first.
    if (queue.depth > 0) this.#wake();
  }

  /** A method, not an inline comparison: close() changes the state while the loop awaits. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #lose(reason: string): void {
    this.#lost[reason] = (this.#lost[reason] ?? 0) + 1;
  }

  /** Queues the alert if the filter wants it; never throws (a malformed alert is counted and skipped). */
  offer(alert: Alert): void {
    if (this.#state === 'closed') {
      this.#lose('closed');
      return;
    }
    let text: string;
    try {
      if (!isDeliverableAlert(alert)) {
        this.#malformed++;
        return;
      }
      if (!this.#filter(alert)) {
        this.#filtered++;
        return;
      }
      text = JSON.stringify(alert);
    } catch {
      // Still not an alert the filter can read, or not JSON (cycles, BigInt).
      this.#malformed++;
      return;
    }
    const r = this.#queue.append(text);
    if (r !== 'ok') {
      this.#lose(r);
      return;
    }
    this.#accepted++;
    this.#wake();
  }

  /** Starts the loop unless it runs or waits for a retry (a retry timer wakes it). */
  #wake(): void {
    if (this.#loop !== null || this.#timer !== null || this.#state === 'closed') return;
    this.#loop = this.#run().finally(() => {
      this.#loop = null;
      // An alert offered after the loop's last read but before this callback found the loop still set.
      if (this.#state === 'idle' && this.#queue.depth > 0) this.#wake();
      else this.#settle();
    });
  }

  async #run(): Promise<void> {
    this.#state = 'sending';
    for (;;) {
      if (this.#isClosed()) return;
      const entries = this.#queue.read(this.#transport.batchSize);
      if (entries.length === 0) {
        if (this.#queue.depth > 0) {
          // The queue holds alerts it could not read (I/O error, counted by the queue): wait, then try again.
          this.#failures++;
          this.#lastError = 'could not read the queue';
          this.#backoff();
          return;
        }
        this.#state = 'idle';
        return;
      }
      const alerts: Alert[] = [];
      for (const e of entries) {
        const a = parseAlert(e.text);
        if (a === null) this.#corrupt++;
        else alerts.push(a);
      }
      const end = entries[entries.length - 1]!.seq + 1;
      if (alerts.length > 0) {
        try {
          await this.#transport.send(alerts);
          this.#delivered += alerts.length;
          this.#attempt = 0;
        } catch (e) {
          if (this.#isClosed()) return;
          if (e instanceof RejectedError) {
            this.#rejected += alerts.length;
            this.#lastError = errorText(e);
          } else {
            this.#failures++;
            this.#lastError = errorText(e);
            this.#backoff();
            return;
          }
        }
      }
      // Drops past the bound may have moved the acked number beyond this batch; ackTo never goes back.
      this.#queue.ackTo(end);
    }
  }

  #backoff(): void {
    const delay = Math.min(this.#retry.maxMs, this.#retry.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    this.#state = 'backoff';
    this.#retryInMs = delay;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#retryInMs = 0;
      this.#wake();
    }, delay);
    // A pending retry must not keep a finished process alive; close() clears it anyway.
    this.#timer.unref();
  }

  /** Resolves flush() callers once nothing is being sent. */
  #settle(): void {
    if (this.#loop !== null) return;
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /**
   * Resolves when the queue is on disk and the loop has stopped: either
   * everything is delivered, or the sink is failing and waits to retry (so
   * flush never hangs on an outage; `stats().queued` tells which).
   */
  flush(): Promise<void> {
    this.#queue.sync();
    if (this.#loop === null) {
      if (this.#timer === null && this.#queue.depth > 0 && this.#state !== 'closed') this.#wake();
      else return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Retries now instead of waiting out the backoff (after an operator fixed the receiver). */
  retryNow(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#retryInMs = 0;
    this.#wake();
  }

  /** Stops delivering, closes the transport and the queue; undelivered alerts stay on disk. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const loop = this.#loop;
    this.#state = 'closed';
    await this.#transport.close();
    if (loop !== null) await loop;
    this.#queue.close();
    this.#settle();
  }

  stats(): SinkStats {
    const q = this.#queue.stats();
    return {
      name: this.name,
      type: this.type,
      state: this.#state,
      queued: q.depth,
      accepted: this.#accepted,
      filtered: this.#filtered,
      delivered: this.#delivered,
      failures: this.#failures,
      rejected: this.#rejected,
      dropped: q.dropped,
      lost: { ...this.#lost },
      corrupt: this.#corrupt,
      malformed: this.#malformed,
      lastError: this.#lastError,
      retryInMs: this.#retryInMs,
      queue: q,
    };
  }
}

/** A queued record back to an alert; null for damaged records (checked just enough to send safely). */
function parseAlert(text: string): Alert | null {
  if (text === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return isDeliverableAlert(v) ? v : null;
}
