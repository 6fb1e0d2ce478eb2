/**
 * Turns a MaxMind-format database (.mmdb) into step functions by walking its
 * search tree once: every leaf is a prefix with either no data or a pointer
 * into the data section. Records are decoded with the `maxmind` reader, once
 * per distinct pointer (a country database has a few hundred, an ASN database
 * tens of thousands), so the walk is cheap even for a million-node tree.
 *
 * IPv4 comes from the IPv4 subtree (::/96 in an IPv6 tree); the IPv6 walk
 * skips every edge into that subtree (::/96 itself and the ::ffff:0:0/96 and
 * 2002::/16 aliases MaxMind trees carry), since IPv4 lookups never go there.
 */
import { Reader, type Response } from 'maxmind';
import { NO_VALUE, StepBuilder, V4_OPS, V6_OPS, type Steps } from './steps.js';

/** Deepest prefix an IPv6 tree may have. */
const V6_BITS = 128;
const V4_BITS = 32;

export interface MmdbProblems {
  /** Records that are not maps, or lack the field being read. */
  no_field: number;
  /** Tree nodes that go deeper than the address length (corrupt file). */
  bad_tree: number;
}

export interface MmdbSteps {
  v4: Steps<number>;
  v6: Steps<bigint>;
  /** Database type from the metadata, e.g. "GeoLite2-ASN". */
  databaseType: string;
  /** Build time of the database (epoch seconds). */
  buildEpoch: number;
  problems: MmdbProblems;
}

/** Maps a decoded record to a value id, or NO_VALUE when it has nothing useful. */
export type RecordValue = (record: Response) => number;

function v6Text(k: bigint): string {
  const parts: string[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((k >> BigInt(16 * i)) & 0xffffn).toString(16));
  return parts.join(':');
}

function v4Text(k: number): string {
  return `${k >>> 24}.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}`;
}

/**
 * Walks `db` (the file's bytes). Throws only when the file is not an mmdb at
 * all (the reader refuses its metadata); the caller reports that as a config problem.
 */
export function walkMmdb(db: Buffer, valueOf: RecordValue): MmdbSteps {
  const reader = new Reader<Response>(db);
  const meta = reader.metadata;
  const nodeCount = meta.nodeCount;
  const recordSize = meta.recordSize;
  const nodeBytes = meta.nodeByteSize;
  const problems: MmdbProblems = { no_field: 0, bad_tree: 0 };
  const byPointer = new Map<number, number>();

  const child = (node: number, right: boolean): number => {
    const o = node * nodeBytes;
    if (recordSize === 24) {
      const at = right ? o + 3 : o;
      return (db[at]! << 16) | (db[at + 1]! << 8) | db[at + 2]!;
    }
    if (recordSize === 28) {
      if (right) return ((db[o + 3]! & 0x0f) * 0x1000000) + ((db[o + 4]! << 16) | (db[o + 5]! << 8) | db[o + 6]!);
      return ((db[o + 3]! & 0xf0) >>> 4) * 0x1000000 + ((db[o]! << 16) | (db[o + 1]! << 8) | db[o + 2]!);
    }
    return db.readUInt32BE(right ? o + 4 : o);
  };

  // The probe address is formatted only for a pointer not seen before.
  const resolve = (pointer: number, v4: number, v6: bigint): number => {
    let v = byPointer.get(pointer);
    if (v === undefined) {
      const rec = reader.get(v4 >= 0 ? v4Text(v4) : v6Text(v6));
      v = rec === null ? NO_VALUE : valueOf(rec);
      if (v === NO_VALUE) problems.no_field++;
      byPointer.set(pointer, v);
    }
    return v;
  };

  // IPv4: the subtree the reader itself starts IPv4 lookups from.
  let v4Root = 0;
  if (meta.ipVersion === 6) {
    for (let i = 0; i < 96 && v4Root < nodeCount; i++) v4Root = child(v4Root, false);
  }
  const b4 = new StepBuilder(V4_OPS);
  const walk4 = (node: number, depth: number, start: number): void => {
    if (node >= nodeCount) {
      const size = 2 ** (V4_BITS - depth);
      b4.range(start, start + size - 1, node === nodeCount ? NO_VALUE : resolve(node, start, 0n));
      return;
    }
    if (depth >= V4_BITS) {
      problems.bad_tree++;
      return;
    }
    walk4(child(node, false), depth + 1, start);
    walk4(child(node, true), depth + 1, start + 2 ** (V4_BITS - depth - 1));
  };
  walk4(v4Root, 0, 0);

  const b6 = new StepBuilder(V6_OPS);
  if (meta.ipVersion === 6) {
    const skip = v4Root < nodeCount ? v4Root : -1;
    const walk6 = (node: number, depth: number, start: bigint): void => {
      const size = 1n << BigInt(V6_BITS - depth);
      if (node >= nodeCount || (node === skip && depth > 0)) {
        const value = node > nodeCount ? resolve(node, -1, start) : NO_VALUE;
        b6.range(start, start + size - 1n, value);
        return;
      }
      if (depth >= V6_BITS) {
        problems.bad_tree++;
        return;
      }
      walk6(child(node, false), depth + 1, start);
      walk6(child(node, true), depth + 1, start + (size >> 1n));
    };
    walk6(0, 0, 0n);
  }
  const epoch = meta.buildEpoch instanceof Date ? meta.buildEpoch.getTime() / 1000 : 0;
  return {
    v4: b4.finish(),
    v6: b6.finish(),
    databaseType: String(meta.databaseType ?? ''),
    buildEpoch: epoch,
    problems,
  };
}

/** Reads ASN number/organisation from GeoLite2-ASN style records (also ip-location-db's asn mmdb). */
export function asnFields(rec: Response): { asn: number; org: string | undefined } | undefined {
  const r = rec as { autonomous_system_number?: unknown; autonomous_system_organization?: unknown; asn?: unknown; as_organization?: unknown };
  const n = r.autonomous_system_number ?? r.asn;
  const asn = typeof n === 'number' ? n : typeof n === 'string' && /^(AS)?[0-9]{1,10}$/i.test(n) ? Number(n.replace(/^AS/i, '')) : -1;
  if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) return undefined;
  const o = r.autonomous_system_organization ?? r.as_organization;
  return { asn, org: typeof o === 'string' ? o : undefined };
}

/** Reads a country code from GeoIP2/GeoLite2 Country/City records or ip-location-db's flat `country_code`. */
export function countryField(rec: Response): string | undefined {
  const r = rec as {
    country?: { iso_code?: unknown };
    registered_country?: { iso_code?: unknown };
    country_code?: unknown;
  };
  const cc = r.country?.iso_code ?? r.country_code ?? r.registered_country?.iso_code;
  return typeof cc === 'string' ? cc : undefined;
}
