/**
 * The in-process feed of newly stored alerts that the console's live alert
 * list listens to (GET /api/v1/console/alerts/stream, alert-stream.ts).
 *
 * Alerts reach it from the ingest route after their batch is stored. The
 * store assigns alert ids and does not return them, so the feed looks the
 * stored rows up (by rule, time, agent and content) before publishing them;
 * it does so only while someone listens, one batch at a time, off the ingest
 * path. Anything it cannot follow exactly (a lookup that fails or finds
 * nothing, a batch with too many alerts, batches arriving faster than the
 * lookups, a bulk load) becomes a `reset` event: listeners reload their first
 * page instead.
 *
 * Every event gets an id `<epoch>.<seq>` (epoch: random per feed, so ids of a
 * restarted server never match old ones); the last FEED_BUFFER_EVENTS events
 * are kept so a reconnecting listener resumes after its Last-Event-ID.
 * Delivery to listeners is synchronous; a listener that cannot keep up is
 * dropped by its own writer (alert-stream.ts), so the feed holds no
 * per-listener queue. One heartbeat timer serves every listener.
 */
import crypto from 'node:crypto';
import type { Alert } from '../../alerts/alert.js';
import type { MetadataStore, StoredAlert } from '../../store/types.js';
import { parseTime } from '../../store/time.js';

/** Events kept for Last-Event-ID resume: a few minutes of a busy network's alerts. */
export const FEED_BUFFER_EVENTS = 500;
/** Listeners at once (each is an open HTTP response); more are refused with 503. */
export const MAX_FEED_LISTENERS = 200;
/** Stored batches waiting for their alert lookup; past this, batches are skipped and listeners reset. */
export const MAX_PENDING_BATCHES = 64;
/** Alerts of one batch looked up one by one; a bigger batch is a bulk load and becomes a reset. */
export const MAX_LOOKUPS_PER_BATCH = 100;
/** Rows read per lookup (same rule, same millisecond). */
export const MAX_LOOKUP_CANDIDATES = 50;
/** Alert times are written with millisecond precision: a lookup reads [t, t + 1 ms). */
const LOOKUP_WINDOW_SECONDS = 0.001;
/** Proxies and browsers drop idle streams; a comment this often keeps them open. */
export const HEARTBEAT_MS = 15_000;

export type FeedEvent =
  | { type: 'alert'; id: string; alert: StoredAlert }
  /** Listeners may have missed alerts: reload the first page. */
  | { type: 'reset'; id: string };

export interface FeedListener {
  event(e: FeedEvent): void;
  heartbeat(): void;
  /** The feed is closing: end the stream. */
  close(): void;
}

export interface FeedSubscription {
  /** True when every event after the given Last-Event-ID was replayed; false when the listener must reload. */
  resumed: boolean;
  /** Id of the newest event so far (`<epoch>.0` before the first), for the `ready` event. */
  lastId: string;
  unsubscribe(): void;
}

export interface AlertFeedStats {
  listeners: number;
  published: number;
  resets: number;
  /** Batches not looked up because MAX_PENDING_BATCHES were waiting. */
  skipped_batches: number;
  /** Alerts whose stored row was not found (or the lookup failed). */
  unresolved: number;
  lookup_errors: number;
  /** Listeners cut off by their stream for falling behind (alert-stream.ts). */
  cut_off: number;
}

export interface AlertFeedOptions {
  store: Pick<MetadataStore, 'alerts'>;
  onError?: (err: unknown) => void;
  heartbeatMs?: number;
}

export class AlertFeed {
  readonly #store: Pick<MetadataStore, 'alerts'>;
  readonly #onError: (err: unknown) => void;
  readonly #heartbeatMs: number;
  readonly #epoch = crypto.randomBytes(6).toString('base64url');
  readonly #listeners = new Set<FeedListener>();
  /** Ring of recent events, oldest first; #ids mirrors the alert ids in it. */
  readonly #buffer: { seq: number; e: FeedEvent }[] = [];
  readonly #ids = new Set<string>();
  #seq = 0;
  #pending = 0;
  #chain: Promise<void> = Promise.resolve();
  /** A batch was skipped: the next finishing lookup publishes a reset. */
  #lost = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly stats: AlertFeedStats = { listeners: 0, published: 0, resets: 0, skipped_batches: 0, unresolved: 0, lookup_errors: 0, cut_off: 0 };

  constructor(opts: AlertFeedOptions) {
    this.#store = opts.store;
    this.#onError = opts.onError ?? (() => undefined);
    this.#heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  }

  /** Someone listens: worth collecting and looking up alerts. */
  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  /** No room for another listener (or closed). */
  get full(): boolean {
    return this.#closed || this.#listeners.size >= MAX_FEED_LISTENERS;
  }

  /**
   * Adds a listener; replays what it missed after `lastEventId` when the
   * buffer still holds it. Returns null when MAX_FEED_LISTENERS listen already
   * or the feed is closed.
   */
  subscribe(l: FeedListener, lastEventId?: string): FeedSubscription | null {
    if (this.full) return null;
    let resumed = false;
    const after = lastEventId === undefined ? null : this.#seqOf(lastEventId);
    // Resumable when the event after `after` is still buffered (or nothing happened since).
    const oldest = this.#buffer.length > 0 ? this.#buffer[0]!.seq : this.#seq + 1;
    if (after !== null && after <= this.#seq && after >= oldest - 1) {
      resumed = true;
      for (const b of this.#buffer) if (b.seq > after) l.event(b.e);
    }
    this.#listeners.add(l);
    this.#sync();
    return {
      resumed,
      lastId: this.#id(this.#seq),
      unsubscribe: () => {
        this.#listeners.delete(l);
        this.#sync();
      },
    };
  }

  /**
   * Alerts of a batch just stored for `agent` (null: stored by the server
   * itself). Returns at once; the rows are looked up in order, one batch at a time.
   */
  offer(agent: string | null, alerts: readonly Alert[]): void {
    if (this.#closed || this.#listeners.size === 0 || alerts.length === 0) return;
    if (this.#pending >= MAX_PENDING_BATCHES) {
      this.stats.skipped_batches++;
      this.#lost = true;
      return;
    }
    this.#pending++;
    this.#chain = this.#chain
      .then(() => this.#lookUp(agent, alerts))
      .catch((err: unknown) => {
        this.stats.lookup_errors++;
        this.#onError(err);
        this.reset();
      })
      .finally(() => {
        this.#pending--;
        if (this.#lost) {
          this.#lost = false;
          this.reset();
        }
      });
  }

  /** Publishes an alert whose stored row is known. */
  publish(alert: StoredAlert): void {
    if (this.#closed || this.#ids.has(alert.id)) return;
    this.stats.published++;
    this.#emit((id) => ({ type: 'alert', id, alert }));
  }

  /** Tells listeners to reload (after a bulk load or anything the feed could not follow). */
  reset(): void {
    if (this.#closed) return;
    this.stats.resets++;
    this.#emit((id) => ({ type: 'reset', id }));
  }

  /** Resolves once the lookups offered so far are done (and their events sent). */
  whenIdle(): Promise<void> {
    return this.#chain;
  }

  /** Ends every listener (fastify preClose: open streams would keep the server from closing). */
  endListeners(): void {
    for (const l of [...this.#listeners]) l.close();
    this.#listeners.clear();
    this.#sync();
  }

  /** Ends listeners and waits for lookups under way (they read the store, which closes next). */
  async close(): Promise<void> {
    this.endListeners();
    this.#closed = true;
    await this.#chain;
  }

  async #lookUp(agent: string | null, alerts: readonly Alert[]): Promise<void> {
    if (this.#closed || this.#listeners.size === 0) return;
    if (alerts.length > MAX_LOOKUPS_PER_BATCH) {
      this.reset();
      return;
    }
    const taken = new Set<string>();
    let missing = 0;
    for (const a of alerts) {
      const row = await this.#find(agent, a, taken);
      if (row === null) missing++;
      else {
        taken.add(row.id);
        this.publish(row);
      }
    }
    if (missing > 0) {
      this.stats.unresolved += missing;
      this.reset();
    }
  }

  /** The stored row of `a` not published yet, or null. Rows carry the alert's own JSON, so content fields match exactly. */
  async #find(agent: string | null, a: Alert, taken: ReadonlySet<string>): Promise<StoredAlert | null> {
    // Typed as Alert, but as an agent sent it: any field may be missing or of another type.
    const rec = a as unknown as { '@timestamp'?: unknown; rule?: { id?: unknown } | null };
    const stamp = rec['@timestamp'];
    const ruleId = rec.rule?.id;
    const ts = typeof stamp === 'string' ? parseTime(stamp) : null;
    // Refused by the store's checks (alerts arrive unchecked from agents): never stored, nothing to find.
    if (ts === null || typeof ruleId !== 'string' || ruleId === '') return null;
    const page = await this.#store.alerts({ rule: ruleId, from: ts, to: ts + LOOKUP_WINDOW_SECONDS, limit: MAX_LOOKUP_CANDIDATES });
    for (const r of page.rows) {
      if (taken.has(r.id) || this.#ids.has(r.id)) continue;
      if (r.agent !== agent || r.rule.id !== ruleId || r['@timestamp'] !== stamp) continue;
      if (r.dedup_key !== a.dedup_key || r.count !== a.count || r.last_seen !== a.last_seen || r.message !== a.message) continue;
      return r;
    }
    return null;
  }

  #emit(make: (id: string) => FeedEvent): void {
    const seq = ++this.#seq;
    const e = make(this.#id(seq));
    this.#buffer.push({ seq, e });
    if (e.type === 'alert') this.#ids.add(e.alert.id);
    if (this.#buffer.length > FEED_BUFFER_EVENTS) {
      const old = this.#buffer.shift()!;
      if (old.e.type === 'alert') this.#ids.delete(old.e.alert.id);
    }
    for (const l of [...this.#listeners]) l.event(e);
  }

  #id(seq: number): string {
    return `${this.#epoch}.${seq}`;
  }

  /** The sequence number of one of this feed's ids, or null (another epoch, malformed). */
  #seqOf(id: string): number | null {
    const dot = id.lastIndexOf('.');
    if (dot < 0 || id.slice(0, dot) !== this.#epoch) return null;
    const s = id.slice(dot + 1);
    return /^[0-9]{1,15}$/.test(s) ? Number(s) : null;
  }

  /** Heartbeat timer runs only while someone listens. */
  #sync(): void {
    this.stats.listeners = this.#listeners.size;
    if (this.#listeners.size > 0 && this.#timer === undefined) {
      this.#timer = setInterval(() => {
        for (const l of [...this.#listeners]) l.heartbeat();
      }, this.#heartbeatMs);
      this.#timer.unref();
    } else if (this.#listeners.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** The feed of each server context (set by the console routes; absent when the console is off). */
const feeds = new WeakMap<object, AlertFeed>();

export function attachAlertFeed(ctx: object, feed: AlertFeed): void {
  feeds.set(ctx, feed);
}

export function detachAlertFeed(ctx: object): void {
  feeds.delete(ctx);
}

/** The console's alert feed for this server context, if the console is mounted. */
export function alertFeedOf(ctx: object): AlertFeed | undefined {
  return feeds.get(ctx);
}
