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
import { DeliveryError, errorText, RejectedError, type SinkTransport } from './transport.js';

export type SinkState = 'idle' | 'sending' | 'backoff' | 'closed';

/** A receiver's Retry-After is honoured up to this long (a bigger one is a receiver bug or a typo). */
export const RETRY_AFTER_MAX_MS = 60 * 60 * 1000;
/** A flapping receiver or a sustained overload tells each kind of notice at most this often. */
export const NOTICE_INTERVAL_MS = 5 * 60 * 1000;

/**
 * A change in a sink's health worth telling the operator at once (a log
 * line), once per episode rather than once per alert: delivery started
 * failing, it works again, the queue bound started dropping alerts, the
 * receiver started refusing alerts.
 */
export interface SinkNotice {
  sink: string;
  kind: 'failing' | 'recovered' | 'dropping' | 'rejected';
  message: string;
}

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
  /** Alerts sent shortened to fit the receiver's message size limit (syslog `max_message_bytes`). */
  truncated: number;
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
  readonly #onNotice: ((n: SinkNotice) => void) | undefined;
  /** Failed attempts since the last success. */
  #failingSince = 0;
  /** This failing episode was told (so its end is told too). */
  #toldFailing = false;
  /** Told in this episode: 'dropping' until the queue is back under half its bound, 'rejected' until a delivery. */
  #toldDropping = false;
  #toldRejected = false;
  readonly #lastTold: Partial<Record<SinkNotice['kind'], number>> = {};
  #droppedSeen: number;

  constructor(
    name: string,
    type: string,
    filter: AlertFilter,
    queue: DiskQueue,
    transport: SinkTransport,
    retry: RetryPolicy,
    onNotice?: (n: SinkNotice) => void,
  ) {
    this.name = name;
    this.type = type;
    this.#filter = filter;
    this.#queue = queue;
    this.#transport = transport;
    this.#retry = retry;
    this.#onNotice = onNotice;
    this.#droppedSeen = queue.dropped;
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

  /** Tells a notice unless the same kind was told less than NOTICE_INTERVAL_MS ago; true when told. */
  #notice(kind: SinkNotice['kind'], message: string): boolean {
    if (this.#onNotice === undefined) return false;
    if (kind !== 'recovered') {
      const now = Date.now();
      const last = this.#lastTold[kind];
      if (last !== undefined && now - last < NOTICE_INTERVAL_MS) return false;
      this.#lastTold[kind] = now;
    }
    try {
      this.#onNotice({ sink: this.name, kind, message: `sink ${this.name}: ${message}` });
    } catch {
      // A logger's problem is not a delivery problem.
    }
    return true;
  }

  /** Tells the first drop at the queue bound of an episode (the queue full while the receiver is away). */
  #checkDropped(): void {
    const d = this.#queue.dropped;
    if (d === this.#droppedSeen) return;
    this.#droppedSeen = d;
    if (this.#toldDropping) return;
    this.#toldDropping = this.#notice(
      'dropping',
      `queue full (${this.#queue.maxRecords} alerts): the oldest undelivered alerts are being dropped` +
        `${this.#lastError !== null ? ` (last error: ${this.#lastError})` : ''}; dropped alerts are counted (picket_sink_dropped_total)`,
    );
  }

  #succeeded(): void {
    if (this.#failingSince > 0 && this.#toldFailing) {
      this.#notice('recovered', `delivering again after ${this.#failingSince} failed attempt${this.#failingSince === 1 ? '' : 's'}`);
    }
    this.#failingSince = 0;
    this.#toldFailing = false;
    this.#toldRejected = false;
    if (this.#queue.depth <= this.#queue.maxRecords / 2) this.#toldDropping = false;
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
    this.#checkDropped();
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
          if (this.#failingSince++ === 0) this.#toldFailing = this.#notice('failing', 'could not read the queue on disk; retrying with backoff');
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
          this.#succeeded();
        } catch (e) {
          if (this.#isClosed()) return;
          if (e instanceof RejectedError) {
            this.#rejected += alerts.length;
            this.#lastError = errorText(e);
            if (!this.#toldRejected) {
              this.#toldRejected = this.#notice('rejected', `the receiver refused ${alerts.length === 1 ? 'an alert' : `${alerts.length} alerts`} for good (${this.#lastError}); further refusals are counted`);
            }
          } else {
            this.#failures++;
            this.#lastError = errorText(e);
            if (this.#failingSince++ === 0) {
              this.#toldFailing = this.#notice('failing', `delivery failed (${this.#lastError}); alerts wait on disk and are retried with backoff`);
            }
            this.#backoff(e instanceof DeliveryError ? e.retryAfterMs : undefined);
            return;
          }
        }
      }
      // Drops past the bound may have moved the acked number beyond this batch; ackTo never goes back.
      this.#queue.ackTo(end);
    }
  }

  /** Waits before the next attempt: the receiver's Retry-After when it gave one, else exponential backoff. */
  #backoff(retryAfterMs?: number): void {
    const delay =
      retryAfterMs !== undefined && Number.isFinite(retryAfterMs)
        ? Math.min(RETRY_AFTER_MAX_MS, Math.max(this.#retry.initialMs, retryAfterMs))
        : Math.min(this.#retry.maxMs, this.#retry.initialMs * 2 ** Math.min(this.#attempt, 30));
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
      truncated: this.#transport.truncated ?? 0,
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
