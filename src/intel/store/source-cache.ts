/**
 * The local indicator store: one JSON file per remote source under the cache
 * directory, holding the source's last good set (indicators or Tor relays),
 * when it was updated, the last error and the source's own bookkeeping (MISP
 * pull times, feed event timestamps). Files are written atomically (temp file
 * and rename), so a crash mid-write leaves the previous set, and read back at
 * start so indicators survive restarts. A damaged file is reported and
 * treated as missing, never fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { StoredIndicator, IndicatorKind } from './indicator.js';
import type { TorRelayRecord } from '../tor/relay.js';
import { writeFileAtomic } from '../../util/atomic-file.js';

export type SourceKind = 'list' | 'tor' | 'misp-feed' | 'misp-server';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface SourceSnapshot {
  version: 1;
  name: string;
  kind: SourceKind;
  /** File path or URL (MISP servers: the base URL). */
  origin: string;
  /** Wall-clock epoch seconds of the last successful refresh, or null. */
  updated: number | null;
  /** Wall-clock epoch seconds of the last attempt. */
  attempted: number | null;
  last_error: string | null;
  bad_lines: number;
  /** "file:line: reason" for the first bad lines. */
  bad_samples: string[];
  /** Per-source bookkeeping (MISP: last_pull, last_full; feeds: event timestamps). */
  meta: { [key: string]: JsonValue };
  indicators: StoredIndicator[];
  relays: TorRelayRecord[];
}

const SNAPSHOT_VERSION = 1;
const KINDS: readonly IndicatorKind[] = ['ip', 'cidr', 'domain', 'url', 'user-agent', 'ja3', 'ja3s', 'ja4', 'hassh', 'hassh_server', 'cert_sha1', 'cert_sha256', 'file_md5', 'file_sha1', 'file_sha256'];

export function emptySnapshot(name: string, kind: SourceKind, origin: string): SourceSnapshot {
  return { version: SNAPSHOT_VERSION, name, kind, origin, updated: null, attempted: null, last_error: null, bad_lines: 0, bad_samples: [], meta: {}, indicators: [], relays: [] };
}

/** The snapshot file of a source: a readable slug plus a hash (two names never share a file). */
export function snapshotFile(cacheDir: string, name: string): string {
  const slug = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  const hash = crypto.createHash('sha256').update(name).digest('hex').slice(0, 10);
  return path.join(cacheDir, `${slug}-${hash}.json`);
}

function isStr(v: unknown): v is string {
  return typeof v === 'string';
}

function validIndicator(v: unknown): v is StoredIndicator {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return KINDS.includes(o.kind as IndicatorKind) && isStr(o.value) && typeof o.to_ids === 'boolean';
}

function validRelay(v: unknown): v is TorRelayRecord {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return isStr(o.address) && Array.isArray(o.flags) && typeof o.exit === 'boolean';
}

export type LoadResult = { snapshot: SourceSnapshot } | { missing: true } | { error: string };

/** Reads a source's snapshot; entries that fail the shape check are dropped (counted in `dropped`). */
export function loadSnapshot(cacheDir: string, name: string): LoadResult & { dropped?: number } {
  const file = snapshotFile(cacheDir, name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { error: `${file}: ${(err as Error).message}` };
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return { error: `${file}: not valid JSON (ignored; the next refresh rewrites it)` };
  }
  if (typeof j !== 'object' || j === null || (j as { version?: unknown }).version !== SNAPSHOT_VERSION) {
    return { error: `${file}: not a version ${SNAPSHOT_VERSION} snapshot (ignored)` };
  }
  const o = j as Record<string, unknown>;
  if (o.name !== name || !Array.isArray(o.indicators) || !Array.isArray(o.relays)) return { error: `${file}: malformed snapshot (ignored)` };
  const indicators = (o.indicators as unknown[]).filter(validIndicator);
  const relays = (o.relays as unknown[]).filter(validRelay);
  const dropped = o.indicators.length - indicators.length + (o.relays.length - relays.length);
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const snapshot: SourceSnapshot = {
    version: SNAPSHOT_VERSION,
    name,
    kind: o.kind as SourceKind,
    origin: isStr(o.origin) ? o.origin : '',
    updated: num(o.updated),
    attempted: num(o.attempted),
    last_error: isStr(o.last_error) ? o.last_error : null,
    bad_lines: num(o.bad_lines) ?? 0,
    bad_samples: Array.isArray(o.bad_samples) ? o.bad_samples.filter(isStr) : [],
    meta: typeof o.meta === 'object' && o.meta !== null && !Array.isArray(o.meta) ? (o.meta as { [key: string]: JsonValue }) : {},
    indicators,
    relays,
  };
  return { snapshot, dropped };
}

/** Writes a snapshot atomically (temp file in the same folder, then rename). */
export function saveSnapshot(cacheDir: string, snap: SourceSnapshot): void {
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = snapshotFile(cacheDir, snap.name);
  writeFileAtomic(file, JSON.stringify(snap));
}
