/**
 * Ships an agent's records (alerts and log lines) to the Picket server with
 * nothing lost and nothing duplicated. `send()` adds a record to the current
 * batch; a full batch (or the batch timer) seals it with the next sequence
 * number and writes it to the disk spool (fsync'd) BEFORE anything is sent.
 * One sender sends the spooled batches strictly in order, gzip'd, and
 * removes a batch only when the server acknowledges it (a `duplicate: true`
 * answer counts: the server already has it). 429/503 honour Retry-After;
 * network errors and other server errors back off exponentially. A 409
 * PKT_ERR_SERVER_SEQ_CONFLICT means the server holds other records under our
 * sequence number (our numbering was lost, e.g. with the spool's state
 * file): the waiting batches are renumbered above the server's highest
 * stored number for this agent (`highest_seq`) and sent again, never dropped.
 *
 * The first start exchanges the one-time enrollment token for the agent's
 * own credential, kept in `credentialFile` (mode 0600) and reused after.
 * A revoked agent (403) or a refused credential (401) stops sending and says
 * so; records keep going to the spool (bounded, oldest dropped and counted).
 */
import os from 'node:os';
import { PicketError } from '../util/errors.js';
import { readCredential, writeCredential, type AgentCredential } from './credential.js';
import { apiUrl, postJson, type PostResult } from './http-client.js';
import { Spool, type SpoolStats } from './spool.js';

export type AgentKind = 'sensor' | 'honeypot' | 'egress';

/** Bodies above this are gzip'd (the server requires gzip above 1 KiB). */
const GZIP_ABOVE_BYTES = 1024;
/** One request may take this long before it counts as failed. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** First retry delay, doubled per failure up to the maximum (jittered by up to half). */
const DEFAULT_RETRY_MIN_MS = 500;
const DEFAULT_RETRY_MAX_MS = 30_000;
/** flush() gives up waiting for acknowledgements after this long (records stay spooled). */
export const DEFAULT_FLUSH_TIMEOUT_MS = 60_000;

export type ShipperStatus =
  /** Waiting for the first answer from the server. */
  | 'starting'
  /** The last request was answered and accepted. */
  | 'ready'
  /** The last request failed; retrying after a delay. */
  | 'retrying'
  /** Stopped: the server says the agent is revoked (403). */
  | 'revoked'
  /** Stopped: the server does not accept the credential (401). */
  | 'unauthorized'
  /** Stopped: the enrollment token was refused. */
  | 'enroll_refused'
  /** Stopped: no credential file and no enrollment token. */
  | 'no_credential'
  | 'closed';

/** Two spellings of one server URL (a trailing slash, letter case of the host) are the same server. */
function sameServer(a: string, b: string): boolean {
  const norm = (u: string): string => {
    try {
      const url = new URL(u);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      return u.replace(/\/+$/, '');
    }
  };
  return norm(a) === norm(b);
}

const STOPPED: ReadonlySet<ShipperStatus> = new Set(['revoked', 'unauthorized', 'enroll_refused', 'no_credential', 'closed']);

export interface ShipperOptions {
  /** Server base URL, e.g. http://10.0.0.1:8080 (the /api/v1 paths are added). */
  server: string;
  /** One-time enrollment token; needed only until the credential file exists. */
  token?: string | undefined;
  credentialFile: string;
  spoolDir: string;
  kind: AgentKind;
  /** Name to enroll under; absent = the name the enrollment token was created with. */
  name?: string | undefined;
  hostname?: string;
  version?: string;
  /** Bound on spooled bytes; past it the oldest batches are dropped and counted. */
  maxSpoolBytes: number;
  /** A batch is sealed at this many records ... */
  batchRecords: number;
  /** ... or this long after its first record. */
  batchIntervalMs: number;
  requestTimeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Private CA for an https server. */
  ca?: Buffer;
  /** Status changes, with a sentence for people (e.g. printed on stderr). */
  onStatus?: (status: ShipperStatus, message: string) => void;
  /** Notable events for people: drops, rejections, a loosened credential file. */
  log?: (message: string) => void;
}

export interface FlushResult {
  /**
   * 'acknowledged': the server has every record still held (see `lost` for
   * those that were not kept); 'spooled': some wait on disk for a later run.
   */
  outcome: 'acknowledged' | 'spooled';
  batches: number;
  records: number;
  /**
   * Records this shipper lost since it started: refused by the server for
   * good, dropped at the spool bound, unshippable, or sent after close().
   * An 'acknowledged' outcome does not mean nothing was lost.
   */
  lost: number;
  /** Why records remain spooled. */
  reason?: string;
}

export interface ShipperStats {
  status: ShipperStatus;
  agentId: string | undefined;
  /** Records accepted by send(). */
  records: number;
  batchesSealed: number;
  batchesAcked: number;
  /** Acknowledgements that said the server already had the batch. */
  duplicates: number;
  /** Failed attempts that will be retried. */
  retries: number;
  /** 409 answers: the server held other records under one of our sequence numbers. */
  seqConflicts: number;
  /** Batches given new sequence numbers after such an answer (and sent again). */
  renumberedBatches: number;
  /** Records lost before reaching the spool: too large for any batch (or not JSON), sent after close(), or the spool write failed. */
  recordsRefused: { oversize: number; closed: number; spoolError: number };
  lastError: string | undefined;
  spool: SpoolStats;
}

export interface Shipper {
  /** Adds one record (`kind` is the log name or 'alert'); never throws, never blocks on the network. */
  send(kind: string, data: object): void;
  /** Seals the current batch and waits until everything is acknowledged, the shipper stops, or the timeout. */
  flush(opts?: { timeoutMs?: number }): Promise<FlushResult>;
  /** POST /api/v1/health; true when the server accepted it. Never throws, never spooled. */
  postHealth(body: object): Promise<boolean>;
  stats(): ShipperStats;
  readonly status: ShipperStatus;
  /** Seals the current batch, stops sending (spooled batches stay for the next start). */
  close(): Promise<void>;
}

export function createShipper(opts: ShipperOptions): Shipper {
  return new SpoolShipper(opts);
}

class SpoolShipper implements Shipper {
  readonly #opts: ShipperOptions;
  readonly #spool: Spool;
  readonly #timeoutMs: number;
  readonly #retryMin: number;
  readonly #retryMax: number;
  #cred: AgentCredential | undefined;
  #status: ShipperStatus = 'starting';
  #pending: string[] = [];
  #pendingBytes = 0;
  #records = 0;
  #sealed = 0;
  #acked = 0;
  #duplicates = 0;
  #retries = 0;
  #seqConflicts = 0;
  #renumbered = 0;
  #oversize = 0;
  #afterClose = 0;
  #spoolErrors = 0;
  #failures = 0;
  #lastError: string | undefined;
  #pump: Promise<void> | null = null;
  #timer: NodeJS.Timeout;
  #sleep: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  /** Resolved when the spool may have changed state (ack, stop). */
  #waiters: (() => void)[] = [];
  #closed = false;
  /** Spool loss counters when this shipper started (they persist across runs). */
  readonly #lossAtStart: { dropped: number; rejected: number };

  constructor(opts: ShipperOptions) {
    if (!Number.isInteger(opts.batchRecords) || opts.batchRecords < 1) throw new PicketError('PKT_ERR_AGENT_CONFIG', `batchRecords must be at least 1, got ${opts.batchRecords}`);
    if (!(opts.batchIntervalMs > 0)) throw new PicketError('PKT_ERR_AGENT_CONFIG', `batchIntervalMs must be positive, got ${opts.batchIntervalMs}`);
    this.#opts = opts;
    this.#timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#retryMin = opts.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
    this.#retryMax = opts.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
    this.#spool = new Spool({ dir: opts.spoolDir, maxBytes: opts.maxSpoolBytes });
    const st = this.#spool.stats();
    this.#lossAtStart = { dropped: st.droppedRecords, rejected: st.rejectedRecords };
    if (st.corruptBytes > 0) this.#log(`spool: cut off ${st.corruptBytes} bytes of a torn or corrupt entry left by an earlier crash`);
    let read: ReturnType<typeof readCredential>;
    try {
      read = readCredential(opts.credentialFile);
    } catch (err) {
      // Free the spool's lock: the caller may fix the file and try again in this process.
      this.#spool.close();
      throw err;
    }
    if (read !== undefined) {
      this.#cred = read.credential;
      if (read.fixedMode) this.#log(`credential file ${opts.credentialFile} was readable by others; set to mode 0600`);
      const issuer = read.credential.server;
      // A credential is only good with the server that issued it: with a token for another one, enroll there.
      if (issuer !== '' && !sameServer(issuer, opts.server) && opts.token !== undefined && opts.token !== '') {
        this.#log(`credential file ${opts.credentialFile} is for ${issuer}; enrolling with ${opts.server} with the given token (it replaces that file)`);
        this.#cred = undefined;
      }
    }
    this.#timer = setInterval(() => this.#seal(), opts.batchIntervalMs);
    // The timer alone must not keep a process alive: callers flush() or close() at the end.
    this.#timer.unref();
    if (this.#spool.size > 0) this.#kick();
  }

  get status(): ShipperStatus {
    return this.#status;
  }

  send(kind: string, data: object): void {
    if (this.#closed) {
      this.#afterClose++;
      return;
    }
    let text: string;
    try {
      text = JSON.stringify({ kind, data });
    } catch {
      // Cycles or BigInt: not a JSON record; counted with the oversize ones as unshippable.
      this.#oversize++;
      return;
    }
    const bytes = Buffer.byteLength(text);
    // +2 for the brackets, +1 for the comma.
    if (bytes + 2 > this.#spool.maxBatchBodyBytes) {
      this.#oversize++;
      return;
    }
    if (this.#pendingBytes + bytes + 3 > this.#spool.maxBatchBodyBytes) this.#seal();
    this.#pending.push(text);
    this.#pendingBytes += bytes + 1;
    this.#records++;
    if (this.#pending.length >= this.#opts.batchRecords) this.#seal();
  }

  async flush(opts: { timeoutMs?: number } = {}): Promise<FlushResult> {
    this.#seal();
    const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS);
    for (;;) {
      if (this.#spool.size === 0) return { outcome: 'acknowledged', batches: 0, records: 0, lost: this.#lostRecords() };
      const st = this.#spool.stats();
      if (STOPPED.has(this.#status)) return { outcome: 'spooled', batches: st.batches, records: st.records, lost: this.#lostRecords(), reason: this.#stopReason() };
      const left = deadline - Date.now();
      if (left <= 0) {
        return {
          outcome: 'spooled',
          batches: st.batches,
          records: st.records,
          lost: this.#lostRecords(),
          reason: `not acknowledged in time${this.#lastError !== undefined ? ` (last error: ${this.#lastError})` : ''}`,
        };
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async postHealth(body: object): Promise<boolean> {
    if (this.#cred === undefined || STOPPED.has(this.#status)) return false;
    const r = await postJson({
      url: apiUrl(this.#opts.server, '/api/v1/health'),
      body: Buffer.from(JSON.stringify(body)),
      bearer: this.#cred.credential,
      timeoutMs: this.#timeoutMs,
      ...(this.#opts.ca !== undefined ? { ca: this.#opts.ca } : {}),
    });
    if (!r.ok) return false;
    if (r.status === 403) this.#stop('revoked', 'the server says this agent is revoked (403); nothing more is sent');
    return r.status >= 200 && r.status < 300;
  }

  stats(): ShipperStats {
    return {
      status: this.#status,
      agentId: this.#cred?.agent_id,
      records: this.#records,
      batchesSealed: this.#sealed,
      batchesAcked: this.#acked,
      duplicates: this.#duplicates,
      retries: this.#retries,
      seqConflicts: this.#seqConflicts,
      renumberedBatches: this.#renumbered,
      recordsRefused: { oversize: this.#oversize, closed: this.#afterClose, spoolError: this.#spoolErrors },
      lastError: this.#lastError,
      spool: this.#spool.stats(),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#seal();
    this.#closed = true;
    clearInterval(this.#timer);
    this.#wakeSleep();
    if (this.#pump !== null) await this.#pump;
    this.#spool.close();
    this.#setStatus('closed', 'shipper closed');
    this.#notify();
  }

  #lostRecords(): number {
    const st = this.#spool.stats();
    return (
      st.droppedRecords - this.#lossAtStart.dropped + (st.rejectedRecords - this.#lossAtStart.rejected) + this.#oversize + this.#spoolErrors + this.#afterClose
    );
  }

  #stopReason(): string {
    switch (this.#status) {
      case 'revoked':
        return 'the server revoked this agent';
      case 'unauthorized':
        return 'the server does not accept this agent credential';
      case 'enroll_refused':
        return 'the enrollment token was refused';
      case 'no_credential':
        return 'no credential file and no enrollment token (--token)';
      default:
        return 'the shipper is closed';
    }
  }

  #seal(): void {
    if (this.#pending.length === 0 || this.#closed) return;
    const body = Buffer.from(`[${this.#pending.join(',')}]`);
    const records = this.#pending.length;
    this.#pending = [];
    this.#pendingBytes = 0;
    const seq = this.#spool.nextSeq;
    let dropped: number;
    try {
      dropped = this.#spool.append(seq, records, body);
    } catch (err) {
      // Disk full or failing: these records cannot be kept; count them and say so.
      this.#spoolErrors += records;
      this.#log(`spool write failed (${(err as Error).message}): ${records} records lost`);
      return;
    }
    this.#sealed++;
    if (dropped > 0) {
      const st = this.#spool.stats();
      this.#log(
        `spool full (${this.#spool.maxBytes} bytes): dropped the ${dropped} oldest batch(es); ` +
          `${st.droppedBatches} batches / ${st.droppedRecords} records dropped so far`,
      );
    }
    this.#kick();
  }

  #kick(): void {
    if (this.#pump !== null || this.#closed || STOPPED.has(this.#status)) return;
    this.#pump = this.#run().finally(() => {
      this.#pump = null;
      this.#notify();
    });
  }

  /** Why a credential may be refused: it was issued by another server. */
  #issuerHint(): string {
    const issuer = this.#cred?.server ?? '';
    if (issuer === '' || sameServer(issuer, this.#opts.server)) return '';
    return `; it was issued by ${issuer}, not ${this.#opts.server}: enroll with this server with --token, or give this agent another --spool`;
  }

  async #run(): Promise<void> {
    while (!this.#closed && !STOPPED.has(this.#status)) {
      const head = this.#spool.peek();
      if (head === undefined) return;
      if (this.#cred === undefined) {
        const got = await this.#enroll();
        if (!got) {
          if (STOPPED.has(this.#status) || this.#closed) return;
          await this.#backoff(undefined);
        }
        continue;
      }
      const body = this.#spool.read(head.seq);
      if (body === undefined) continue;
      const r = await this.#postBatch(head.seq, body);
      this.#handleIngest(head.seq, r);
      if (this.#status === 'retrying') await this.#backoff(r.ok ? r.retryAfterS : undefined);
    }
  }

  #postBatch(seq: number, records: Buffer): Promise<PostResult> {
    const cred = this.#cred!;
    const head = `{"agent_id":${JSON.stringify(cred.agent_id)},"seq":${seq},"sent_at":"${new Date().toISOString()}","records":`;
    const body = Buffer.concat([Buffer.from(head), records, Buffer.from('}')]);
    return postJson({
      url: apiUrl(this.#opts.server, '/api/v1/ingest'),
      body,
      gzip: body.length > GZIP_ABOVE_BYTES,
      bearer: cred.credential,
      timeoutMs: this.#timeoutMs,
      ...(this.#opts.ca !== undefined ? { ca: this.#opts.ca } : {}),
    });
  }

  #handleIngest(seq: number, r: PostResult): void {
    if (!r.ok) return this.#fail(`server unreachable: ${r.error}`);
    const json = r.json as { ack?: unknown; duplicate?: unknown } | null;
    switch (true) {
      case r.status === 200 && json !== null && json.ack === seq:
        this.#spool.ack(seq);
        this.#acked++;
        if (json!.duplicate === true) this.#duplicates++;
        this.#failures = 0;
        this.#setStatus('ready', 'server is accepting batches');
        this.#notify();
        return;
      case r.status === 401:
        return this.#stop('unauthorized', `the server refused this agent credential (401); records stay spooled${this.#issuerHint()}`);
      case r.status === 403:
        return this.#stop('revoked', 'the server says this agent is revoked (403); records stay spooled, nothing more is sent');
      case r.status === 409:
        return this.#renumberAfterConflict(seq, r.json);
      case r.status === 400 || r.status === 413 || r.status === 422: {
        // The server will never take this batch: keep the rest flowing, count the loss.
        const recs = this.#spool.peek()?.records ?? 0;
        this.#spool.reject(seq);
        this.#log(`server refused batch ${seq} (${recs} records) with HTTP ${r.status}; dropped and counted`);
        this.#failures = 0;
        this.#setStatus('ready', 'server is answering');
        this.#notify();
        return;
      }
      case r.status === 200:
        return this.#fail(`server answered batch ${seq} without acknowledging it`);
      default:
        return this.#fail(`server answered HTTP ${r.status}`);
    }
  }

  /** A 409 for `seq`: move every waiting batch above the server's highest number for us. */
  #renumberAfterConflict(seq: number, json: unknown): void {
    const error = (json as { error?: { code?: unknown; highest_seq?: unknown } } | null)?.error;
    const highest = error?.highest_seq;
    if (error?.code !== 'PKT_ERR_SERVER_SEQ_CONFLICT' || typeof highest !== 'number' || !Number.isSafeInteger(highest) || highest < 0) {
      // Not the answer we know how to act on: keep the batch and try again later.
      return this.#fail(`server answered batch ${seq} with HTTP 409 (${typeof error?.code === 'string' ? error.code : 'no code'})`);
    }
    // Above our own numbers too, so the new numbers are fresh for the spool as well.
    const first = Math.max(highest, this.#spool.stats().lastSeq) + 1;
    let moved: number;
    try {
      moved = this.#spool.renumber(first);
    } catch (err) {
      return this.#fail(`renumbering the spool after a sequence conflict failed: ${(err as Error).message}`);
    }
    this.#seqConflicts++;
    this.#renumbered += moved;
    this.#log(
      `server already holds other records under batch ${seq} of this agent (its numbering was lost or shared); ` +
        `${moved} waiting batch(es) renumbered from ${first} and sent again`,
    );
    this.#failures = 0;
    this.#setStatus('ready', 'server is answering');
    this.#notify();
  }

  async #enroll(): Promise<boolean> {
    const token = this.#opts.token;
    if (token === undefined || token === '') {
      this.#stop('no_credential', `no credential in ${this.#opts.credentialFile} and no enrollment token; records stay spooled`);
      return false;
    }
    const r = await postJson({
      url: apiUrl(this.#opts.server, '/api/v1/enroll'),
      body: Buffer.from(
        JSON.stringify({
          token,
          ...(this.#opts.name !== undefined ? { name: this.#opts.name } : {}),
          kind: this.#opts.kind,
          hostname: this.#opts.hostname ?? os.hostname(),
          ...(this.#opts.version !== undefined ? { version: this.#opts.version } : {}),
        }),
      ),
      timeoutMs: this.#timeoutMs,
      ...(this.#opts.ca !== undefined ? { ca: this.#opts.ca } : {}),
    });
    if (!r.ok) {
      this.#fail(`server unreachable: ${r.error}`);
      return false;
    }
    const json = r.json as { agent_id?: unknown; credential?: unknown } | null;
    if (r.status === 200 && json !== null && typeof json.agent_id === 'string' && typeof json.credential === 'string') {
      const cred: AgentCredential = { agent_id: json.agent_id, credential: json.credential, server: this.#opts.server, enrolled_at: new Date().toISOString() };
      writeCredential(this.#opts.credentialFile, cred);
      this.#cred = cred;
      this.#failures = 0;
      this.#setStatus('ready', `enrolled as agent ${cred.agent_id}`);
      return true;
    }
    if (r.status === 401 || r.status === 403) {
      this.#stop('enroll_refused', `the server refused the enrollment token (HTTP ${r.status}); records stay spooled`);
      return false;
    }
    this.#fail(`enrollment answered HTTP ${r.status}`);
    return false;
  }

  #fail(message: string): void {
    this.#lastError = message;
    this.#retries++;
    this.#failures++;
    this.#setStatus('retrying', message);
  }

  #stop(status: ShipperStatus, message: string): void {
    this.#lastError = message;
    this.#setStatus(status, message);
    this.#wakeSleep();
    this.#notify();
  }

  #setStatus(status: ShipperStatus, message: string): void {
    if (this.#status === status) return;
    if (STOPPED.has(this.#status) && status !== 'closed') return;
    this.#status = status;
    this.#opts.onStatus?.(status, message);
  }

  /** Waits before the next attempt: Retry-After when the server gave one, else exponential backoff with jitter. */
  #backoff(retryAfterS: number | undefined): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const exp = Math.min(this.#retryMax, this.#retryMin * 2 ** Math.min(20, Math.max(0, this.#failures - 1)));
    const jittered = exp * (0.5 + Math.random() * 0.5);
    const ms = retryAfterS !== undefined ? Math.max(retryAfterS * 1000, this.#retryMin) : jittered;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleep = null;
        resolve();
      }, ms);
      this.#sleep = {
        timer,
        wake: () => {
          clearTimeout(timer);
          this.#sleep = null;
          resolve();
        },
      };
    });
  }

  #wakeSleep(): void {
    this.#sleep?.wake();
  }

  #notify(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (let i = 0; i < w.length; i++) w[i]!();
  }

  #log(message: string): void {
    this.#opts.log?.(message);
  }
}
