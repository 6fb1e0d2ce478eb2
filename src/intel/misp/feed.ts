/**
 * MISP feeds from a directory or a URL, in the three feed formats MISP
 * itself consumes:
 * - MISP format: `manifest.json` (event uuid -> {info, Tag[], timestamp...})
 *   and one `<uuid>.json` per event (`{"Event": {Attribute[], Object[{Attribute[]}],
 *   info, uuid, Tag[]}}`). Only events whose manifest timestamp changed since
 *   the last refresh are downloaded again; events gone from the manifest drop
 *   out with their indicators. A folder of event files without a manifest
 *   (exports) is read file by file.
 * - CSV: one value a row, first column or the column named like an indicator.
 * - Free text: every address, CIDR, URL, name or file hash found in the text
 *   (32, 40 or 64 hex digits are a file's MD5, SHA-1 or SHA-256, as MISP's
 *   own free-text import takes them; so are such values in a CSV feed).
 * The format is chosen from the origin: a folder, a URL ending in "/" or
 * "manifest.json" is MISP format; ".json" one event; ".csv" CSV; another URL
 * is tried as MISP format first (feeds are configured by their base URL) and
 * read as free text when it has no manifest; another file is free text.
 * Attributes keep their `to_ids`; CSV and free-text values alert (MISP's own
 * default for those feeds).
 * A feed fetched by URL is asked for its manifest, CSV, free-text or event
 * document conditionally (conditional-fetch.ts): the validators of the copy
 * held go back, and a 304 keeps the whole set. A manifest's validators are
 * kept only when every event it lists was read, so an event that failed is
 * tried again at the next refresh.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fetchText, isUrl, readOrigin } from '../store/fetch-text.js';
import { fetchIfChanged, type DocumentValidators } from '../store/conditional-fetch.js';
import { refuseUnusableDocument, requireSomeValue } from '../store/fetched-document.js';
import type { StoredIndicator } from '../store/indicator.js';
import type { JsonValue } from '../store/source-cache.js';
import { parseFreeText, parseList, type BadLine } from '../lists/parse-list.js';
import { PicketError } from '../../util/errors.js';
import { attributeIndicators, mispBool, mispNumber, mispString, newStats, tagNames, type MispStats } from './attributes.js';

export type FeedFormat = 'misp' | 'misp-events' | 'misp-event' | 'csv' | 'freetext';

/** Event downloads in flight at once (polite to feed servers, still quick for thousands of events). */
const FEED_CONCURRENCY = 8;
/** Events per feed: beyond this the manifest is refused as implausible. */
const MAX_FEED_EVENTS = 200_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface FeedMeta {
  format?: FeedFormat;
  /** MISP format: manifest timestamp of each event whose indicators are current. */
  events?: Record<string, number>;
  /** A feed fetched by URL: the document read (manifest, CSV, free text or event) and its validators. */
  url?: string;
  etag?: string;
  last_modified?: string;
}

export interface FeedResult {
  format: FeedFormat;
  indicators: StoredIndicator[];
  meta: FeedMeta;
  stats: MispStats;
  /** Events listed (MISP formats) and downloaded in this refresh. */
  events: number;
  downloaded: number;
  /** CSV bad lines. */
  bad: BadLine[];
  badCount: number;
  /** The server answered 304 Not Modified for the feed's document: the previous set stands as it was. */
  unchanged: boolean;
}

/** Which feed format an origin is, as far as the name tells; null = try MISP format, fall back to free text. */
export function feedFormatOf(origin: string): FeedFormat | null {
  const lower = origin.toLowerCase().replace(/[?#].*$/, '');
  if (isUrl(origin)) {
    if (lower.endsWith('/') || lower.endsWith('/manifest.json')) return 'misp';
    if (lower.endsWith('.json')) return 'misp-event';
    if (lower.endsWith('.csv')) return 'csv';
    if (lower.endsWith('.txt')) return 'freetext';
    return null;
  }
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(origin);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory() === true) return fs.existsSync(path.join(origin, 'manifest.json')) ? 'misp' : 'misp-events';
  if (path.basename(lower) === 'manifest.json') return 'misp';
  if (lower.endsWith('.json')) return 'misp-event';
  if (lower.endsWith('.csv')) return 'csv';
  return 'freetext';
}

/** Folder or base URL of a MISP-format feed. */
function feedBase(origin: string): string {
  const o = origin.replace(/\/manifest\.json$/i, '');
  return o.replace(/\/+$/, '');
}

function join(base: string, file: string): string {
  return isUrl(base) ? `${base}/${file}` : path.join(base, file);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Why a parsed document is not a MISP event, or null when it is one: an
 * object (`{"Event": {...}}` or the bare event) naming at least one of
 * Attribute, Object, uuid or info, whose Attribute and Object are lists.
 * Anything else (an array, a MISP error answer, a JSON placeholder) would
 * otherwise read as an event without attributes, hiding the damage.
 */
export function notAnEvent(doc: unknown): string | null {
  if (!isRecord(doc)) return `not a MISP event (the document is ${Array.isArray(doc) ? 'a list' : doc === null ? 'null' : `a ${typeof doc}`})`;
  const ev = isRecord(doc.Event) ? doc.Event : doc;
  if (ev.Attribute === undefined && ev.Object === undefined && ev.uuid === undefined && ev.info === undefined) {
    return 'not a MISP event (no "Event" object with Attribute, Object, uuid or info)';
  }
  if (ev.Attribute !== undefined && !Array.isArray(ev.Attribute)) return 'malformed MISP event: "Attribute" is not a list';
  if (ev.Object !== undefined && !Array.isArray(ev.Object)) return 'malformed MISP event: "Object" is not a list';
  return null;
}

/** The indicators of one event document (`{"Event": {...}}` or the bare event). Throws when it is not an event. */
export function eventIndicators(doc: unknown, stats: MispStats, fallbackId?: string): StoredIndicator[] {
  const problem = notAnEvent(doc);
  if (problem !== null) throw new PicketError('PKT_ERR_INTEL_FEED_FORMAT', problem);
  const root = doc as Record<string, unknown>;
  const ev = (isRecord(root.Event) ? root.Event : root) as Record<string, unknown>;
  const eventId = mispString(ev.uuid) ?? mispString(ev.id) ?? fallbackId;
  const info = mispString(ev.info);
  const ctx = { tags: tagNames(ev.Tag), ...(eventId !== undefined ? { event_id: eventId } : {}), ...(info !== undefined ? { event_info: info } : {}) };
  const out: StoredIndicator[] = [];
  const attrs = Array.isArray(ev.Attribute) ? ev.Attribute : [];
  for (const a of attrs) for (const i of attributeIndicators(a, ctx, stats)) out.push(i);
  const objects = Array.isArray(ev.Object) ? ev.Object : [];
  for (const o of objects) {
    if (typeof o !== 'object' || o === null) continue;
    const obj = o as { Attribute?: unknown; deleted?: unknown };
    if (mispBool(obj.deleted)) continue;
    const oa = obj.Attribute;
    if (Array.isArray(oa)) for (const a of oa) for (const i of attributeIndicators(a, ctx, stats)) out.push(i);
  }
  return out;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PicketError('PKT_ERR_INTEL_FEED_FORMAT', `${what}: not valid JSON`);
  }
}

export interface FeedOptions {
  /** MISP-format event files of a folder feed are always re-read; URLs only when changed (default). */
  forceAll?: boolean;
  /** Aborts the feed's requests (a stopping sensor). */
  signal?: AbortSignal;
}

/** A feed document as read: its text and, fetched by URL, the URL and validators to keep. */
interface FeedDocument {
  text: string;
  held: Pick<FeedMeta, 'url' | 'etag' | 'last_modified'>;
}

/** The validators of the copy held, when it is `url` read as `format` (the configuration may have changed either). */
function heldFor(meta: FeedMeta, format: FeedFormat, url: string): DocumentValidators {
  if (meta.format !== format || meta.url !== url) return {};
  const v: DocumentValidators = {};
  if (meta.etag !== undefined) v.etag = meta.etag;
  if (meta.last_modified !== undefined) v.last_modified = meta.last_modified;
  return v;
}

/** A feed document from a file, or from a URL conditionally on the copy held; null when the server answered 304. */
async function readFeedDocument(origin: string, format: FeedFormat, meta: FeedMeta, signal: AbortSignal | undefined): Promise<FeedDocument | null> {
  if (!isUrl(origin)) return { text: await readOrigin(origin), held: {} };
  const got = await fetchIfChanged(origin, heldFor(meta, format, origin), signal);
  if (!got.changed) return null;
  return { text: got.text, held: { url: origin, ...got.validators } };
}

/**
 * A bare feed URL's manifest: the document when there is one (null: 304 on
 * the copy held), or 'none' when the server has no manifest (any HTTP error
 * status, or an answer that is not a JSON object), and the feed is free text.
 */
async function probeManifest(url: string, meta: FeedMeta, signal: AbortSignal | undefined): Promise<FeedDocument | null | 'none'> {
  let doc: FeedDocument | null;
  try {
    doc = await readFeedDocument(url, 'misp', meta, signal);
  } catch (err) {
    if (err instanceof PicketError && err.code === 'PKT_ERR_INTEL_HTTP') return 'none';
    throw err;
  }
  if (doc === null) return null;
  try {
    const j = JSON.parse(doc.text) as unknown;
    return typeof j === 'object' && j !== null && !Array.isArray(j) ? doc : 'none';
  } catch {
    return 'none';
  }
}

export async function readMispFeed(origin: string, previous: readonly StoredIndicator[], meta: FeedMeta, opts: FeedOptions = {}): Promise<FeedResult> {
  let format = feedFormatOf(origin);
  let manifest: FeedDocument | undefined;
  const stats = newStats();
  const result = (indicators: StoredIndicator[], m: FeedMeta, events: number, downloaded: number, bad: BadLine[] = [], badCount = 0): FeedResult => ({
    format: format!,
    indicators,
    meta: m,
    stats,
    events,
    downloaded,
    bad,
    badCount,
    unchanged: false,
  });
  const unchanged = (): FeedResult => ({ ...result([...previous], meta, 0, 0), unchanged: true });
  if (format === null) {
    // A bare feed URL: MISP format when it has a manifest, else free text.
    const probe = await probeManifest(`${feedBase(origin)}/manifest.json`, meta, opts.signal);
    format = probe === 'none' ? 'freetext' : 'misp';
    if (probe === null) return unchanged();
    if (probe !== 'none') manifest = probe;
  }
  // A fetched CSV or free-text feed is judged like a remote list (fetched-document.ts): free
  // text read from a captive portal's page would even turn the page's own links into indicators.
  const remote = isUrl(origin);
  switch (format) {
    case 'csv': {
      const doc = await readFeedDocument(origin, format, meta, opts.signal);
      if (doc === null) return unchanged();
      const text = doc.text;
      if (remote) refuseUnusableDocument(origin, text, 'a CSV feed');
      const parsed = parseList(text, 'auto', { csv: true });
      if (remote) requireSomeValue(origin, parsed.indicators.length, 'a CSV feed', parsed.badCount, parsed.bad);
      return result(parsed.indicators, { format, ...doc.held }, 0, 0, parsed.bad, parsed.badCount);
    }
    case 'freetext': {
      const doc = await readFeedDocument(origin, format, meta, opts.signal);
      if (doc === null) return unchanged();
      const text = doc.text;
      if (remote) refuseUnusableDocument(origin, text, 'a free-text feed');
      const indicators = parseFreeText(text);
      if (remote) requireSomeValue(origin, indicators.length, 'a free-text feed', 0, []);
      return result(indicators, { format, ...doc.held }, 0, 0);
    }
    case 'misp-event': {
      const read = await readFeedDocument(origin, format, meta, opts.signal);
      if (read === null) return unchanged();
      const doc = parseJson(read.text, origin);
      const problem = notAnEvent(doc);
      if (problem !== null) throw new PicketError('PKT_ERR_INTEL_FEED_FORMAT', `${origin}: ${problem}`);
      const inds = eventIndicators(doc, stats);
      return result(inds, { format, ...read.held }, 1, 1);
    }
    case 'misp-events': {
      const files = fs.readdirSync(origin).filter((f) => f.toLowerCase().endsWith('.json')).sort();
      const inds: StoredIndicator[] = [];
      for (const f of files) {
        const file = path.join(origin, f);
        try {
          for (const i of eventIndicators(parseJson(await readOrigin(file), file), stats, f.slice(0, -5))) inds.push(i);
        } catch (err) {
          noteBad(stats, `${f}: ${(err as Error).message}`);
        }
      }
      return result(inds, { format }, files.length, files.length);
    }
    case 'misp': {
      const base = feedBase(origin);
      const doc = manifest ?? (await readFeedDocument(join(base, 'manifest.json'), 'misp', meta, opts.signal));
      if (doc === null) return unchanged();
      return readManifestFeed(base, doc, previous, meta, stats, opts, (inds, m, ev, dl) => result(inds, m, ev, dl));
    }
  }
}

function noteBad(stats: MispStats, text: string): void {
  stats.badCount++;
  if (stats.bad.length < 20) stats.bad.push(text);
}

async function readManifestFeed(
  base: string,
  manifestDoc: FeedDocument,
  previous: readonly StoredIndicator[],
  meta: FeedMeta,
  stats: MispStats,
  opts: FeedOptions,
  done: (inds: StoredIndicator[], m: FeedMeta, events: number, downloaded: number) => FeedResult,
): Promise<FeedResult> {
  const manifestFile = join(base, 'manifest.json');
  const manifest = parseJson(manifestDoc.text, manifestFile);
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new PicketError('PKT_ERR_INTEL_FEED_FORMAT', `${manifestFile}: not a MISP feed manifest (an object of events by uuid)`);
  }
  const entries = Object.entries(manifest as Record<string, unknown>);
  if (entries.length > MAX_FEED_EVENTS) throw new PicketError('PKT_ERR_INTEL_FEED_SIZE', `${manifestFile}: ${entries.length} events, more than ${MAX_FEED_EVENTS}`);
  const remote = isUrl(base);
  const prevEvents = meta.format === 'misp' ? (meta.events ?? {}) : {};
  const byEvent = new Map<string, StoredIndicator[]>();
  for (const ind of previous) {
    const k = ind.event_id ?? '';
    const list = byEvent.get(k);
    if (list === undefined) byEvent.set(k, [ind]);
    else list.push(ind);
  }
  const out: StoredIndicator[] = [];
  const events: Record<string, number> = {};
  const todo: Array<{ uuid: string; ts: number }> = [];
  let listed = 0;
  for (const [uuid, entry] of entries) {
    if (!UUID.test(uuid)) {
      noteBad(stats, `manifest entry "${uuid.slice(0, 60)}": not an event uuid`);
      continue;
    }
    listed++;
    const ts = mispNumber((entry as { timestamp?: unknown } | null)?.timestamp) ?? 0;
    if (remote && opts.forceAll !== true && prevEvents[uuid] === ts && ts !== 0) {
      events[uuid] = ts;
      for (const i of byEvent.get(uuid) ?? []) out.push(i);
    } else todo.push({ uuid, ts });
  }
  let downloaded = 0;
  const fetchOpts = opts.signal !== undefined ? { signal: opts.signal } : {};
  for (let at = 0; at < todo.length; at += FEED_CONCURRENCY) {
    // A stopped refresh goes no further (its result would be dropped anyway).
    opts.signal?.throwIfAborted();
    const batch = todo.slice(at, at + FEED_CONCURRENCY);
    const docs = await Promise.allSettled(batch.map((t) => (remote ? fetchText(join(base, `${t.uuid}.json`), fetchOpts) : readOrigin(join(base, `${t.uuid}.json`)))));
    for (let k = 0; k < batch.length; k++) {
      const t = batch[k]!;
      const d = docs[k]!;
      if (d.status === 'rejected') {
        // Keep what we had for this event; no timestamp, so the next refresh tries again.
        noteBad(stats, `event ${t.uuid}: ${(d.reason as Error).message}`);
        for (const i of byEvent.get(t.uuid) ?? []) out.push(i);
        continue;
      }
      downloaded++;
      try {
        for (const i of eventIndicators(parseJson(d.value, `${t.uuid}.json`), stats, t.uuid)) out.push(i);
        events[t.uuid] = t.ts;
      } catch (err) {
        // As for a failed download: keep what we had for this event, and try again next time.
        noteBad(stats, `event ${t.uuid}: ${(err as Error).message}`);
        for (const i of byEvent.get(t.uuid) ?? []) out.push(i);
      }
    }
  }
  // The manifest's validators only when every event is current: a 304 must not leave a failed event untried.
  const complete = Object.keys(events).length === listed;
  return done(out, { format: 'misp', events, ...(complete ? manifestDoc.held : {}) }, entries.length, downloaded);
}

/** FeedMeta from a snapshot's stored meta. */
export function feedMetaOf(meta: { [key: string]: JsonValue }): FeedMeta {
  const out: FeedMeta = {};
  if (typeof meta.format === 'string') out.format = meta.format as FeedFormat;
  if (typeof meta.events === 'object' && meta.events !== null && !Array.isArray(meta.events)) {
    const ev: Record<string, number> = {};
    for (const [k, v] of Object.entries(meta.events)) if (typeof v === 'number') ev[k] = v;
    out.events = ev;
  }
  if (typeof meta.url === 'string') out.url = meta.url;
  if (typeof meta.etag === 'string' && meta.etag !== '') out.etag = meta.etag;
  if (typeof meta.last_modified === 'string' && meta.last_modified !== '') out.last_modified = meta.last_modified;
  return out;
}
