/**
 * Pulling indicators from a MISP instance: `POST {url}/attributes/restSearch`
 * with the API key (from the environment variable named in the config, never
 * the file) in `Authorization`, JSON both ways, asking for the attribute
 * types that become indicators (attributes.ts) of published events, page
 * by page.
 *
 * The first pull (and a full resync every FULL_RESYNC_SECONDS) asks for
 * everything changed in the last `since_days` and replaces the source's set.
 * The pulls in between are incremental: they ask for the attributes of the
 * events *published* since the previous pull's start (`publish_timestamp`,
 * minus CLOCK_SKEW_SECONDS for clocks that disagree), not for attributes
 * *changed* since then: MISP unpublishes an event when one of its
 * attributes is edited, so an edit (to_ids switched off, a deletion) made
 * before one pull and published after it carries an attribute timestamp
 * older than the next pull's window and would never be seen. The answer
 * holds every current indicator attribute of each republished event (and,
 * with `deleted: [0, 1]`, the soft-deleted ones, flagged), so an event seen
 * in it replaces all of its previous indicators: edits, deletions and purges
 * inside republished events all take effect. What an incremental pull still
 * cannot see (events unpublished and left so, attributes purged without a
 * republish) goes at the next full resync.
 */
import { httpRequest, snippet } from '../store/fetch-text.js';
import { looksLikeHtml } from '../store/fetched-document.js';
import type { StoredIndicator } from '../store/indicator.js';
import { PicketError } from '../../util/errors.js';
import { attributeIndicators, mispString, newStats, MISP_INDICATOR_TYPES, type MispStats } from './attributes.js';

export interface MispServerSettings {
  url: string;
  key_env: string;
  verify_tls: boolean;
  since_days: number;
}

/** Attributes per page: MISP serves 10,000 comfortably; bigger pages risk its memory limit. */
export const MISP_PAGE_SIZE = 10_000;
/** Pages per pull (a million attributes): beyond that the pull stops with an error instead of looping. */
const MAX_PAGES = 100;
/** A full pull this often catches what incremental pulls cannot see (purged attributes, unpublished events). */
export const FULL_RESYNC_SECONDS = 24 * 3600;
/** Incremental pulls reach back this far before the previous pull, for clock differences with the server. */
export const CLOCK_SKEW_SECONDS = 300;
const DAY = 86400;

export interface MispPullMeta {
  /** Our clock at the start of the last successful pull (epoch seconds). */
  last_pull?: number;
  /** Our clock at the start of the last successful full pull. */
  last_full?: number;
}

export interface MispPullResult {
  /** The source's complete set after this pull. */
  indicators: StoredIndicator[];
  meta: MispPullMeta;
  full: boolean;
  /** Attributes received in this pull. */
  received: number;
  stats: MispStats;
}

export interface MispPullOptions {
  /** Wall clock, epoch seconds. */
  now: number;
  env?: NodeJS.ProcessEnv;
  /** Force a full pull. */
  full?: boolean;
  pageSize?: number;
  /** Aborts the pull's requests (a stopping sensor). */
  signal?: AbortSignal;
}

/** The restSearch body of one page. */
export function restSearchBody(server: MispServerSettings, meta: MispPullMeta, full: boolean, now: number, page: number, limit: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    returnFormat: 'json',
    type: [...MISP_INDICATOR_TYPES],
    published: true,
    // The same attribute-age window in both kinds of pull, so both agree on what the set holds.
    timestamp: Math.floor(now - server.since_days * DAY),
    includeEventTags: true,
    limit,
    page,
  };
  if (!full && meta.last_pull !== undefined) {
    body.publish_timestamp = Math.floor(meta.last_pull - CLOCK_SKEW_SECONDS);
    body.deleted = [0, 1];
  }
  return body;
}

export async function pullMisp(server: MispServerSettings, previous: readonly StoredIndicator[], meta: MispPullMeta, opts: MispPullOptions): Promise<MispPullResult> {
  const env = opts.env ?? process.env;
  const key = env[server.key_env];
  if (key === undefined || key.trim() === '') {
    throw new PicketError('PKT_ERR_INTEL_MISP_KEY', `environment variable ${server.key_env} (the MISP API key) is not set`);
  }
  const full =
    opts.full === true || meta.last_pull === undefined || meta.last_full === undefined || opts.now - meta.last_full >= FULL_RESYNC_SECONDS;
  const limit = opts.pageSize ?? MISP_PAGE_SIZE;
  const url = `${server.url.replace(/\/+$/, '')}/attributes/restSearch`;
  // The attributes received, by id (a later copy of one attribute replaces an earlier one).
  const byId = new Map<string, StoredIndicator[]>();
  // Events present in an incremental answer: their previous indicators are replaced as a whole.
  const eventsSeen = new Set<string>();
  let anonymous = 0;
  const stats = newStats();
  let received = 0;
  for (let page = 1; ; page++) {
    if (page > MAX_PAGES) throw new PicketError('PKT_ERR_INTEL_MISP_SIZE', `${url}: more than ${MAX_PAGES} pages of ${limit} attributes; narrow since_days`);
    const res = await httpRequest(url, {
      method: 'POST',
      headers: { Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(restSearchBody(server, meta, full, opts.now, page, limit)),
      insecure: !server.verify_tls,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
    if (res.status === 401 || res.status === 403) {
      throw new PicketError('PKT_ERR_INTEL_MISP_AUTH', `${url}: HTTP ${res.status}, the key in ${server.key_env} was refused${snippet(res.body)}`);
    }
    if (res.status < 200 || res.status > 299) throw new PicketError('PKT_ERR_INTEL_HTTP', `${url}: HTTP ${res.status}${snippet(res.body)}`);
    const attrs = attributesOf(res.body, url);
    received += attrs.length;
    let repeated = 0;
    for (const a of attrs) {
      const rec = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
      const id = mispString(rec.id) ?? mispString(rec.uuid);
      if (page > 1 && id !== undefined && byId.has(id)) repeated++;
      const ev = (typeof rec.Event === 'object' && rec.Event !== null ? rec.Event : {}) as Record<string, unknown>;
      const eventId = mispString(rec.event_id) ?? mispString(ev.id);
      const info = mispString(ev.info);
      const inds = attributeIndicators(a, { tags: [], ...(eventId !== undefined ? { event_id: eventId } : {}), ...(info !== undefined ? { event_info: info } : {}) }, stats);
      if (eventId !== undefined) eventsSeen.add(eventId);
      const key = id ?? `\u0000anonymous ${anonymous++}`;
      // An empty list still records the attribute as seen: deleted, or no longer a network indicator.
      byId.set(key, inds);
    }
    // A server that ignores `page` answers every page with the first one: stop at once, the set would be partial.
    if (attrs.length > 0 && repeated === attrs.length) {
      throw new PicketError('PKT_ERR_INTEL_MISP_PAGING', `${url}: page ${page} repeats attributes of earlier pages; the server ignores "page", so the ${received - attrs.length} attributes received may be only part of the set`);
    }
    // Short page: the end. More than asked for: the server ignored `limit` and sent everything at once.
    if (attrs.length < limit || attrs.length > limit) break;
  }
  const indicators: StoredIndicator[] = [];
  if (!full) {
    // Kept from before: attributes of events not republished since the last pull, not received again.
    for (const ind of previous) {
      if (ind.event_id !== undefined && eventsSeen.has(ind.event_id)) continue;
      if (ind.id !== undefined && byId.has(ind.id)) continue;
      indicators.push(ind);
    }
  }
  for (const list of byId.values()) for (const ind of list) indicators.push(ind);
  return {
    indicators,
    meta: { last_pull: opts.now, last_full: full ? opts.now : meta.last_full! },
    full,
    received,
    stats,
  };
}

/** `{response: {Attribute: [...]}}` (also `{response: []}` when nothing matched, as some versions answer). */
function attributesOf(body: string, url: string): unknown[] {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    if (looksLikeHtml(body)) {
      const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.replace(/\s+/g, ' ').trim();
      throw new PicketError(
        'PKT_ERR_INTEL_MISP_FORMAT',
        `${url}: the answer is an HTML page${title !== undefined && title !== '' ? ` ("${title.slice(0, 120)}")` : ''}, not MISP's JSON: a login page, a proxy's error page or not a MISP server? Check the url and the key`,
      );
    }
    throw new PicketError('PKT_ERR_INTEL_MISP_FORMAT', `${url}: the answer is not JSON${snippet(body)}`);
  }
  const response = (j as { response?: unknown } | null)?.response;
  if (Array.isArray(response)) {
    if (response.length === 0) return [];
  } else if (typeof response === 'object' && response !== null) {
    const attrs = (response as { Attribute?: unknown }).Attribute;
    if (Array.isArray(attrs)) return attrs;
    if (attrs === undefined) return [];
  }
  throw new PicketError('PKT_ERR_INTEL_MISP_FORMAT', `${url}: the answer has no response.Attribute list${snippet(body)}`);
}
