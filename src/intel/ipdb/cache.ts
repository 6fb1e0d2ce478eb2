/**
 * The compact cache file: the table's typed arrays written back to back after
 * a small JSON header, so a later start reads one file and makes typed-array
 * views over it instead of parsing 30 MB of CSV. The header carries a key
 * derived from the sources (package version or file size and time); a cache
 * whose key, format or size does not match is ignored and rebuilt. Files are
 * written under a temporary name and renamed, so a reader never sees half a cache.
 *
 * Layout (native little-endian; big-endian hosts simply never use a cache):
 *   "PKTIPDB" + format byte | u32 header length | header JSON | pad to 8 |
 *   v4Starts | v4Owner | v6Starts | v6Owner | ownerAsn | ownerOrg | ownerCc | pad | orgs (UTF-8, "\n"-separated)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TableArrays } from './table.js';
import { writeFileAtomic } from '../../util/atomic-file.js';

const MAGIC = 'PKTIPDB';
/** Bumped whenever the layout or the build rules change. */
export const CACHE_FORMAT = 1;
/** Caches larger than this are refused (the bundled data packs into ~12 MB). */
const MAX_CACHE_BYTES = 512 * 1024 * 1024;

export interface CacheHeader {
  key: string;
  /** Free-form description of the sources, shown by stats(). */
  sources: Record<string, string>;
  n4: number;
  n6: number;
  owners: number;
  orgBytes: number;
  /** Problems counted while building, by reason. */
  problems: Record<string, number>;
}

/** Why a cache file was not used. */
export type CacheMiss = 'absent' | 'unreadable' | 'bad_magic' | 'stale_key' | 'bad_size' | 'big_endian';

function align8(n: number): number {
  return (n + 7) & ~7;
}

function sections(h: CacheHeader): { name: keyof Omit<TableArrays, 'orgs'>; bytes: number }[] {
  return [
    { name: 'v4Starts', bytes: h.n4 * 4 },
    { name: 'v4Owner', bytes: h.n4 * 4 },
    { name: 'v6Starts', bytes: h.n6 * 16 },
    { name: 'v6Owner', bytes: h.n6 * 4 },
    { name: 'ownerAsn', bytes: h.owners * 4 },
    { name: 'ownerOrg', bytes: h.owners * 4 },
    { name: 'ownerCc', bytes: h.owners * 2 },
  ];
}

/** Writes the cache atomically; returns an error message instead of throwing. */
export function writeCache(file: string, header: Omit<CacheHeader, 'n4' | 'n6' | 'owners' | 'orgBytes'>, t: TableArrays): string | undefined {
  if (os.endianness() !== 'LE') return 'big-endian host';
  const orgText = Buffer.from(t.orgs.join('\n'), 'utf8');
  const full: CacheHeader = {
    ...header,
    n4: t.v4Starts.length,
    n6: t.v6Owner.length,
    owners: t.ownerAsn.length,
    orgBytes: orgText.length,
  };
  const headText = Buffer.from(JSON.stringify(full), 'utf8');
  const parts: Buffer[] = [];
  const lead = Buffer.alloc(12);
  lead.write(MAGIC, 0, 'latin1');
  lead[7] = CACHE_FORMAT;
  lead.writeUInt32LE(headText.length, 8);
  parts.push(lead, headText);
  let size = 12 + headText.length;
  const pad = (): void => {
    const p = align8(size) - size;
    if (p > 0) parts.push(Buffer.alloc(p));
    size += p;
  };
  pad();
  for (const s of sections(full)) {
    const arr = t[s.name];
    parts.push(Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
    size += arr.byteLength;
    pad();
  }
  parts.push(orgText);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, Buffer.concat(parts));
    return undefined;
  } catch (err) {
    // Nothing more to do: the cache is an optimisation.
    return err instanceof Error ? err.message : String(err);
  }
}

/** Reads a cache written for `key`, or says why it could not be used. */
export function readCache(file: string, key: string): { header: CacheHeader; arrays: TableArrays } | CacheMiss {
  if (os.endianness() !== 'LE') return 'big_endian';
  let buf: Buffer;
  try {
    const st = fs.statSync(file);
    if (st.size > MAX_CACHE_BYTES) return 'bad_size';
    buf = fs.readFileSync(file);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unreadable';
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 7) !== MAGIC || buf[7] !== CACHE_FORMAT) return 'bad_magic';
  const headLen = buf.readUInt32LE(8);
  if (12 + headLen > buf.length) return 'bad_size';
  let header: CacheHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headLen)) as CacheHeader;
  } catch {
    return 'bad_magic';
  }
  if (header.key !== key) return 'stale_key';
  // Typed-array views need aligned offsets; a pooled or odd buffer is copied once.
  if (buf.byteOffset % 8 !== 0) buf = Buffer.from(buf);
  let off = align8(12 + headLen);
  const views: Partial<Record<keyof TableArrays, Uint32Array | Int32Array | Uint16Array>> = {};
  for (const s of sections(header)) {
    if (!Number.isInteger(s.bytes) || s.bytes < 0 || off + s.bytes > buf.length) return 'bad_size';
    const at = buf.byteOffset + off;
    if (s.name === 'ownerOrg') views[s.name] = new Int32Array(buf.buffer, at, s.bytes / 4);
    else if (s.name === 'ownerCc') views[s.name] = new Uint16Array(buf.buffer, at, s.bytes / 2);
    else views[s.name] = new Uint32Array(buf.buffer, at, s.bytes / 4);
    off = align8(off + s.bytes);
  }
  if (off + header.orgBytes !== buf.length || header.n4 < 1 || header.n6 < 1) return 'bad_size';
  const orgs = header.orgBytes === 0 ? [] : buf.toString('utf8', off, off + header.orgBytes).split('\n');
  return {
    header,
    arrays: {
      v4Starts: views.v4Starts as Uint32Array,
      v4Owner: views.v4Owner as Uint32Array,
      v6Starts: views.v6Starts as Uint32Array,
      v6Owner: views.v6Owner as Uint32Array,
      ownerAsn: views.ownerAsn as Uint32Array,
      ownerOrg: views.ownerOrg as Int32Array,
      ownerCc: views.ownerCc as Uint16Array,
      orgs,
    },
  };
}
