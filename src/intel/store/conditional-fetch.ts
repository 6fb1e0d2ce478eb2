/**
 * Fetching a remote list, Tor document or MISP feed document (manifest, CSV,
 * free text, single event) only when it changed: the validators of the last
 * good copy (its ETag and Last-Modified) are kept in the source's snapshot,
 * with the URL they belong to, and sent back as If-None-Match and
 * If-Modified-Since; a server answering 304 Not Modified sends no body and
 * the source keeps its set. Validators of another URL (the configuration
 * changed) are never sent. Large documents (an Onionoo details document,
 * big blocklists) are then downloaded only when they change, as their
 * publishers ask of clients. A server that ignores the headers answers 200
 * and the document is read as usual.
 */
import { httpRequest } from './fetch-text.js';
import type { JsonValue, SourceSnapshot } from './source-cache.js';
import type { SourceLoad } from './source.js';
import { PicketError } from '../../util/errors.js';
import { snippet } from './fetch-text.js';

/** The validators of the copy a source holds, as kept in its snapshot's meta. */
export interface DocumentValidators {
  etag?: string;
  last_modified?: string;
}

export type ConditionalFetch = { changed: false } | { changed: true; text: string; validators: DocumentValidators };

/** The validators stored in a snapshot's meta (absent or malformed ones are left out). */
export function validatorsOf(meta: { [key: string]: JsonValue }): DocumentValidators {
  const v: DocumentValidators = {};
  if (typeof meta.etag === 'string' && meta.etag !== '') v.etag = meta.etag;
  if (typeof meta.last_modified === 'string' && meta.last_modified !== '') v.last_modified = meta.last_modified;
  return v;
}

/**
 * The validators of the copy a snapshot's meta describes, when that copy was
 * fetched from `url`; none otherwise (a copy of another URL, or a snapshot
 * written before the URL was recorded, is fetched unconditionally).
 */
export function heldValidators(meta: { [key: string]: JsonValue }, url: string): DocumentValidators {
  return meta.url === url ? validatorsOf(meta) : {};
}

/** What a source keeps in its snapshot's meta about the document it read: the URL and its validators. */
export function validatorMeta(url: string, validators: DocumentValidators): { [key: string]: JsonValue } {
  return { url, ...validators };
}

/** GET `url`, conditional on `known` (the validators of the copy held; empty: fetch unconditionally). */
export async function fetchIfChanged(url: string, known: DocumentValidators, signal?: AbortSignal): Promise<ConditionalFetch> {
  const headers: Record<string, string> = {};
  if (known.etag !== undefined) headers['If-None-Match'] = known.etag;
  if (known.last_modified !== undefined) headers['If-Modified-Since'] = known.last_modified;
  const res = await httpRequest(url, signal !== undefined ? { headers, signal } : { headers });
  if (res.status === 304 && (known.etag !== undefined || known.last_modified !== undefined)) return { changed: false };
  if (res.status < 200 || res.status > 299) throw new PicketError('PKT_ERR_INTEL_HTTP', `${url}: HTTP ${res.status}${snippet(res.body)}`);
  const validators: DocumentValidators = {};
  const etag = res.header('etag');
  const lastModified = res.header('last-modified');
  if (etag !== undefined && etag !== '') validators.etag = etag;
  if (lastModified !== undefined && lastModified !== '') validators.last_modified = lastModified;
  return { changed: true, text: res.body, validators };
}

const UNCHANGED = 'unchanged on the server (HTTP 304); ';

/** A load that keeps the previous set as it was, for a 304 answer. */
export function unchangedLoad(previous: SourceSnapshot): SourceLoad {
  const { note, ...meta } = previous.meta;
  const before = typeof note === 'string' ? note.replace(UNCHANGED, '') : '';
  return {
    indicators: previous.indicators,
    relays: previous.relays,
    meta,
    badCount: previous.bad_lines,
    badSamples: previous.bad_samples,
    note: `${UNCHANGED}${before}`,
  };
}
