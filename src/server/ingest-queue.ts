/**
 * The bounded ingest queue between HTTP requests and the store. Requests do
 * not write to the store themselves: they put their batch here and wait for
 * it to be stored. One worker stores batches in arrival order, which also
 * serialises the exactly-once check for each (agent, seq).
 *
 * Overload never grows memory without bound: when the queue already holds
 * `maxBatches` batches or `maxRecords` records, a new batch is refused at once
 * with 429 and Retry-After; when the store has just failed, new batches are
 * refused with 503 for `retryAfter` seconds (the failed batch's own request
 * also gets 503, so its agent keeps it and sends it again). A retry of a
 * batch still waiting in the queue joins the waiting one instead of being
 * queued twice.
 */
import { ApiError } from './api-error.js';

export interface IngestJob {
  agentId: string;
  seq: number;
  /** Digest of the records (store/batch-digest.ts): only a retry of the same records joins a waiting copy. */
  digest?: string;
  records: number;
  /** Stores the batch; resolves with what was stored. */
  run: () => Promise<IngestOutcome>;
}

export interface IngestOutcome {
  stored: number;
  duplicate: boolean;
  /** Other records were stored under this (agent, seq) before: nothing stored, not acknowledged. */
  conflict?: boolean;
}

export interface IngestQueueOptions {
  maxBatches: number;
  maxRecords: number;
  /** Seconds clients are told to wait. */
  retryAfter: number;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Called with each store failure (logging). */
  onStoreError?: (err: unknown) => void;
}

export interface IngestQueueStats {
  queued_batches: number;
  queued_records: number;
  stored_batches: number;
  stored_records: number;
  duplicate_batches: number;
  /** Batches whose sequence number was already used for other records (answered 409). */
  conflict_batches: number;
  refused_full: number;
  refused_store_failing: number;
  store_errors: number;
}

interface Waiting {
  job: IngestJob;
  resolve: (o: IngestOutcome) => void;
  reject: (e: unknown) => void;
  promise: Promise<IngestOutcome>;
}

function keyOf(job: IngestJob): string {
  return `${job.agentId}\n${job.seq}\n${job.digest ?? ''}`;
}

export class IngestQueue {
  readonly #opts: IngestQueueOptions;
  readonly #now: () => number;
  readonly #queue: Waiting[] = [];
  /** Waiting or running batches by "agent\nseq\ndigest", so a retry joins the first copy. */
  readonly #inFlight = new Map<string, Promise<IngestOutcome>>();
  #queuedRecords = 0;
  #running = false;
  #failingUntil = 0;
  #idle: Array<() => void> = [];
  readonly stats: IngestQueueStats = {
    queued_batches: 0,
    queued_records: 0,
    stored_batches: 0,
    stored_records: 0,
    duplicate_batches: 0,
    conflict_batches: 0,
    refused_full: 0,
    refused_store_failing: 0,
    store_errors: 0,
  };

  constructor(opts: IngestQueueOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  get depth(): number {
    return this.#queue.length;
  }

  /**
   * Admission before the body is read: the error a new batch would get now
   * (full queue, failing store), or null. Saves reading and gunzipping a body
   * that would be refused anyway.
   */
  admit(): ApiError | null {
    if (this.#now() < this.#failingUntil) {
      this.stats.refused_store_failing++;
      return this.#unavailable();
    }
    if (this.#queue.length >= this.#opts.maxBatches || this.#queuedRecords >= this.#opts.maxRecords) {
      this.stats.refused_full++;
      return this.#busy();
    }
    return null;
  }

  /** Queues a batch; rejects with ApiError 429/503 when it cannot be taken now. */
  submit(job: IngestJob): Promise<IngestOutcome> {
    const key = keyOf(job);
    const same = this.#inFlight.get(key);
    if (same !== undefined) {
      return same.then((o) => {
        if (o.conflict === true) {
          this.stats.conflict_batches++;
          return o;
        }
        this.stats.duplicate_batches++;
        return { stored: o.stored, duplicate: true };
      });
    }
    if (this.#now() < this.#failingUntil) {
      this.stats.refused_store_failing++;
      return Promise.reject(this.#unavailable());
    }
    const full =
      this.#queue.length >= this.#opts.maxBatches ||
      // One oversized batch is still taken when the queue is empty, else it could never be stored.
      (this.#queue.length > 0 && this.#queuedRecords + job.records > this.#opts.maxRecords);
    if (full) {
      this.stats.refused_full++;
      return Promise.reject(this.#busy());
    }
    let resolve!: (o: IngestOutcome) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<IngestOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#queue.push({ job, resolve, reject, promise });
    this.#inFlight.set(key, promise);
    this.#queuedRecords += job.records;
    this.#sync();
    void this.#pump();
    return promise;
  }

  /** Resolves once every queued batch has been handled. */
  drain(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve();
    return new Promise((res) => this.#idle.push(res));
  }

  #busy(): ApiError {
    return new ApiError(429, 'PKT_ERR_SERVER_BUSY', `ingest queue full (${this.#queue.length} batches, ${this.#queuedRecords} records); retry later`, this.#opts.retryAfter);
  }

  /** Tells the client to retry later (429) without counting it as a full queue. */
  busy(message: string): ApiError {
    return new ApiError(429, 'PKT_ERR_SERVER_BUSY', message, this.#opts.retryAfter);
  }

  #unavailable(): ApiError {
    return new ApiError(503, 'PKT_ERR_SERVER_STORE_UNAVAILABLE', 'the store is failing; retry later', this.#opts.retryAfter);
  }

  #sync(): void {
    this.stats.queued_batches = this.#queue.length;
    this.stats.queued_records = this.#queuedRecords;
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    while (this.#queue.length > 0) {
      const w = this.#queue[0]!;
      const key = keyOf(w.job);
      try {
        const outcome = await w.job.run();
        if (outcome.conflict === true) this.stats.conflict_batches++;
        else if (outcome.duplicate) this.stats.duplicate_batches++;
        else {
          this.stats.stored_batches++;
          this.stats.stored_records += outcome.stored;
        }
        w.resolve(outcome);
      } catch (err) {
        this.stats.store_errors++;
        this.#failingUntil = this.#now() + this.#opts.retryAfter * 1000;
        this.#opts.onStoreError?.(err);
        w.reject(err instanceof ApiError ? err : this.#unavailable());
      }
      this.#queue.shift();
      this.#inFlight.delete(key);
      this.#queuedRecords -= w.job.records;
      this.#sync();
    }
    this.#running = false;
    const idle = this.#idle;
    this.#idle = [];
    for (const f of idle) f();
  }
}
