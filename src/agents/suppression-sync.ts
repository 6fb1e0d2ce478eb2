/**
 * Keeps a networked agent's copy of the console's suppressions: polls
 * GET /api/v1/agent/suppressions at start and then every
 * SUPPRESSION_POLL_MS (sending the last version as If-None-Match, so an
 * unchanged list is a bodiless 304), keeps the last good list in memory and
 * in a small JSON file in the agent's directory. A server that is away, a
 * refused credential or a malformed answer never throws and never empties
 * the list: the agent goes on with what it had, and after a restart with
 * what the file holds. The list is used to keep suppressed alerts from the
 * agent's local sinks and stdout; alerts still go to the server, which marks
 * them itself.
 *
 * Expiry is judged against the alert's own time (see alertTimeMs), not the
 * poll time: a sensor that has not heard from the server for a day still
 * stops suppressing once a suppression has expired.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Alert } from '../alerts/alert.js';
import { AGENT_SUPPRESSIONS_PATH, alertTimeMs, suppressedBy, type SuppressionEntry } from '../alerts/suppression.js';
import { readCredential } from './credential.js';
import { agentRequest, apiUrl } from './http-client.js';
import { writeFileAtomic } from '../util/atomic-file.js';

/** Poll interval: a new console suppression reaches sensors within half a minute; a 304 costs a few hundred bytes. */
export const SUPPRESSION_POLL_MS = 30_000;
/** Before the agent has enrolled (first start) there is no credential to ask with; look again this soon. */
export const UNENROLLED_POLL_MS = 2_000;
/** One poll waits at most this long (the sensor waits for the first one before it starts capturing). */
export const SUPPRESSION_REQUEST_TIMEOUT_MS = 5_000;
/** Largest answer read: the server keeps at most 1000 suppressions of a few hundred bytes each. */
export const MAX_SUPPRESSION_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Most suppressions kept from one answer (the server's own bound is 1000): bounds per-alert matching work. */
export const MAX_SYNCED_SUPPRESSIONS = 10_000;
/** Longest text field accepted in an entry (ids, patterns, host, network, reason). */
const MAX_FIELD_CHARS = 1000;
/** The persisted copy's name in the agent's directory. */
export const SUPPRESSIONS_FILE = 'suppressions.json';
const API_PREFIX = '/api/v1';

export type SyncOutcome =
  /** A new list (HTTP 200 with a version other than ours). */
  | 'updated'
  /** 304, or 200 with the version we already have. */
  | 'unchanged'
  /** Not enrolled yet: no credential file. */
  | 'no_credential'
  /** No HTTP answer (refused, reset, timeout, DNS). */
  | 'unreachable'
  /** 401 or 403: the credential is not accepted (revoked?). */
  | 'refused'
  /** Any other status, or a body that is not a suppression list. */
  | 'bad_answer';

export interface SuppressionSyncOptions {
  /** Server base URL, e.g. http://10.0.0.1:8080. */
  server: string;
  /** The agent's credential file (written by the shipper on enrollment). */
  credentialFile: string;
  /** Where the last good list is kept (e.g. <agent dir>/suppressions.json). */
  stateFile: string;
  intervalMs?: number;
  timeoutMs?: number;
  /** Private CA for an https server. */
  ca?: Buffer;
  /** Notable changes for people (list updated, server lost or back). */
  log?: (message: string) => void;
  /** Clock for alerts whose time does not parse (ms). */
  now?: () => number;
}

export interface SuppressionSyncStats {
  /** Version of the list in use; undefined before any list was had. */
  version: string | undefined;
  suppressions: number;
  /** Where the list in use came from. */
  source: 'none' | 'file' | 'server';
  polls: number;
  updates: number;
  notModified: number;
  /** Polls that failed, by outcome. */
  failures: Record<string, number>;
  /** Entries of an answer or of the file skipped, by reason. */
  skipped: Record<string, number>;
  lastError: string | undefined;
}

export interface SuppressionSync {
  /** Loads the persisted list, polls once (bounded by the request timeout) and starts the timer. Never throws. */
  start(): Promise<SyncOutcome>;
  /** One poll now. Never throws. */
  poll(): Promise<SyncOutcome>;
  /** The suppression covering this alert at the alert's time, or undefined. */
  match(alert: Alert): SuppressionEntry | undefined;
  list(): readonly SuppressionEntry[];
  stats(): SuppressionSyncStats;
  /** Stops the timer (an answer in flight is still taken). */
  stop(): void;
}

export function createSuppressionSync(opts: SuppressionSyncOptions): SuppressionSync {
  return new Sync(opts);
}

interface Persisted {
  version: string;
  suppressions: SuppressionEntry[];
}

function bump(rec: Record<string, number>, key: string, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}

function shortText(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_FIELD_CHARS;
}

function nullableText(v: unknown): v is string | null {
  return v === null || shortText(v);
}

/**
 * The list in `raw` ({version, suppressions}), with unusable entries skipped
 * and counted in `skipped`; undefined when `raw` is not a list at all.
 */
export function parseSuppressionList(raw: unknown, skipped: Record<string, number>): Persisted | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as { version?: unknown; suppressions?: unknown };
  if (!shortText(r.version) || !Array.isArray(r.suppressions)) return undefined;
  const out: SuppressionEntry[] = [];
  for (const e of r.suppressions as unknown[]) {
    if (out.length >= MAX_SYNCED_SUPPRESSIONS) {
      bump(skipped, 'over_limit');
      continue;
    }
    const s = e as Record<string, unknown> | null;
    if (s === null || typeof s !== 'object' || !shortText(s.id) || !shortText(s.rule) || !nullableText(s.host) || !nullableText(s.network)) {
      bump(skipped, 'malformed');
      continue;
    }
    if (!nullableText(s.expires_at) || (s.expires_at !== null && Number.isNaN(Date.parse(s.expires_at)))) {
      bump(skipped, 'bad_expiry');
      continue;
    }
    out.push({ id: s.id, rule: s.rule, host: s.host, network: s.network, reason: typeof s.reason === 'string' ? s.reason.slice(0, MAX_FIELD_CHARS) : '', expires_at: s.expires_at });
  }
  return { version: r.version, suppressions: out };
}

class Sync implements SuppressionSync {
  readonly #opts: SuppressionSyncOptions;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #list: SuppressionEntry[] = [];
  #version: string | undefined;
  #source: SuppressionSyncStats['source'] = 'none';
  #polls = 0;
  #updates = 0;
  #notModified = 0;
  readonly #failures: Record<string, number> = {};
  readonly #skipped: Record<string, number> = {};
  #lastError: string | undefined;
  /** Last outcome, so only changes are logged (not one line per failed poll). */
  #last: SyncOutcome | undefined;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<SyncOutcome> | null = null;
  #stopped = false;

  constructor(opts: SuppressionSyncOptions) {
    this.#opts = opts;
    this.#intervalMs = opts.intervalMs ?? SUPPRESSION_POLL_MS;
    this.#timeoutMs = opts.timeoutMs ?? SUPPRESSION_REQUEST_TIMEOUT_MS;
    this.#now = opts.now ?? Date.now;
  }

  async start(): Promise<SyncOutcome> {
    this.#load();
    const first = await this.poll();
    this.#schedule(first);
    return first;
  }

  poll(): Promise<SyncOutcome> {
    // Overlapping polls (timer and a caller) share one request.
    this.#inFlight ??= this.#pollOnce().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  match(alert: Alert): SuppressionEntry | undefined {
    if (this.#list.length === 0) return undefined;
    return suppressedBy(alert, this.#list, alertTimeMs(alert) ?? this.#now());
  }

  list(): readonly SuppressionEntry[] {
    return this.#list;
  }

  stats(): SuppressionSyncStats {
    return {
      version: this.#version,
      suppressions: this.#list.length,
      source: this.#source,
      polls: this.#polls,
      updates: this.#updates,
      notModified: this.#notModified,
      failures: { ...this.#failures },
      skipped: { ...this.#skipped },
      lastError: this.#lastError,
    };
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Next poll: sooner while not enrolled, so the list arrives soon after the first enrollment. */
  #schedule(last: SyncOutcome): void {
    if (this.#stopped) return;
    const delay = last === 'no_credential' ? Math.min(UNENROLLED_POLL_MS, this.#intervalMs) : this.#intervalMs;
    this.#timer = setTimeout(() => {
      void this.poll().then((o) => this.#schedule(o));
    }, delay);
    // The timer alone must not keep a finished --pcap run alive.
    this.#timer.unref();
  }

  #log(message: string): void {
    this.#opts.log?.(message);
  }

  /** The persisted list, if any; a damaged file is reported and left for the next good answer to replace. */
  #load(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.#opts.stateFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#fileProblem(`cannot read ${this.#opts.stateFile}: ${(err as Error).message}`);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.#fileProblem(`${this.#opts.stateFile} is not JSON; ignored until the server answers`);
      return;
    }
    const p = parseSuppressionList(raw, this.#skipped);
    if (p === undefined) {
      this.#fileProblem(`${this.#opts.stateFile} holds no suppression list; ignored until the server answers`);
      return;
    }
    this.#list = p.suppressions;
    this.#version = p.version;
    this.#source = 'file';
  }

  #fileProblem(message: string): void {
    bump(this.#skipped, 'bad_file');
    this.#log(`suppressions: ${message}`);
  }

  #persist(p: Persisted): void {
    const file = this.#opts.stateFile;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileAtomic(file, `${JSON.stringify(p)}\n`);
    } catch (err) {
      // The list is still used from memory; only a restart while the server is away would miss it.
      bump(this.#failures, 'persist');
      this.#log(`suppressions: cannot save ${file}: ${(err as Error).message}`);
    }
  }

  async #pollOnce(): Promise<SyncOutcome> {
    this.#polls++;
    const cred = readCredential(this.#opts.credentialFile)?.credential;
    if (cred === undefined) return this.#outcome('no_credential', undefined);
    const headers: Record<string, string> = { authorization: `Bearer ${cred.credential}` };
    if (this.#version !== undefined) headers['if-none-match'] = `"${this.#version}"`;
    const r = await agentRequest({
      url: apiUrl(this.#opts.server, API_PREFIX + AGENT_SUPPRESSIONS_PATH),
      method: 'GET',
      headers,
      timeoutMs: this.#timeoutMs,
      // A cut-off list would be misread as complete; refuse it instead.
      maxBytes: MAX_SUPPRESSION_RESPONSE_BYTES,
      cut: 'fail',
      ...(this.#opts.ca !== undefined ? { ca: this.#opts.ca } : {}),
    });
    if (!r.ok) return this.#outcome('unreachable', `server unreachable: ${r.error}`);
    if (r.status === 304) {
      this.#notModified++;
      return this.#outcome('unchanged', undefined);
    }
    if (r.status === 401 || r.status === 403) return this.#outcome('refused', `server refused the agent credential (HTTP ${r.status})`);
    // 404: a server from before this route; the sensor works on without suppressions.
    if (r.status === 404) return this.#outcome('bad_answer', 'server has no suppression list for agents (HTTP 404; an older server?)');
    if (r.status !== 200) return this.#outcome('bad_answer', `server answered HTTP ${r.status}`);
    let raw: unknown;
    try {
      raw = JSON.parse(r.body.toString('utf8'));
    } catch {
      return this.#outcome('bad_answer', 'server answer is not JSON');
    }
    const p = parseSuppressionList(raw, this.#skipped);
    if (p === undefined) return this.#outcome('bad_answer', 'server answer is not a suppression list');
    if (p.version === this.#version && this.#source === 'server') return this.#outcome('unchanged', undefined);
    const before = this.#list.length;
    this.#list = p.suppressions;
    this.#version = p.version;
    this.#source = 'server';
    this.#updates++;
    this.#persist(p);
    this.#log(`suppressions: ${p.suppressions.length} from the server (was ${before})`);
    return this.#outcome('updated', undefined);
  }

  #outcome(o: SyncOutcome, error: string | undefined): SyncOutcome {
    const failed = error !== undefined;
    if (failed) {
      bump(this.#failures, o);
      this.#lastError = error;
      if (this.#last !== o) this.#log(`suppressions: ${error}; keeping the ${this.#list.length} known (${this.#source === 'none' ? 'none yet' : `from the ${this.#source}`})`);
    } else if (this.#last !== undefined && this.#last !== 'updated' && this.#last !== 'unchanged' && this.#last !== 'no_credential') {
      this.#log('suppressions: server answering again');
    }
    this.#last = o;
    return o;
  }
}

