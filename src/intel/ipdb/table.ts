/**
 * The lookup table enrichment answers from: sorted range starts in typed
 * arrays (IPv4: one word per start; IPv6: four words, most significant first)
 * with an owner id per range, and an owner table (AS number, organisation,
 * country). A lookup is one binary search and returns a shared, frozen
 * `IpOwner`, built the first time its owner id is asked for, so steady-state
 * lookups allocate nothing. The same arrays are what the cache file holds
 * (see cache.ts), so loading a cache is a read plus typed-array views.
 */
import type { IpOwner } from '../context.js';
import { unpackCountry } from './dict.js';
import type { Steps } from './steps.js';

/** Owner id meaning "no data" (ids of real owners start at 1). */
export const NO_OWNER = 0;

export interface TableArrays {
  /** IPv4 range starts, ascending; the first is 0. */
  v4Starts: Uint32Array;
  v4Owner: Uint32Array;
  /** IPv6 range starts, 4 words each, ascending; the first is ::. */
  v6Starts: Uint32Array;
  v6Owner: Uint32Array;
  /** Per owner id (index 0 unused): AS number (0 = unknown), organisation index (-1 = none), packed country (0 = none). */
  ownerAsn: Uint32Array;
  ownerOrg: Int32Array;
  ownerCc: Uint16Array;
  orgs: readonly string[];
}

export class IpTable {
  readonly arrays: TableArrays;
  readonly #v4Starts: Uint32Array;
  readonly #v4Owner: Uint32Array;
  readonly #v6Starts: Uint32Array;
  readonly #v6Owner: Uint32Array;
  readonly #owners: (IpOwner | undefined)[];
  /** Per /16 (and one past the last): index of the last range starting at or before it. */
  readonly #v4Index: Uint32Array;

  constructor(arrays: TableArrays) {
    this.arrays = arrays;
    this.#v4Starts = arrays.v4Starts;
    this.#v4Owner = arrays.v4Owner;
    this.#v6Starts = arrays.v6Starts;
    this.#v6Owner = arrays.v6Owner;
    this.#owners = new Array<IpOwner | undefined>(arrays.ownerAsn.length).fill(undefined);
    this.#v4Index = buildV4Index(arrays.v4Starts);
  }

  get v4Ranges(): number {
    return this.#v4Starts.length;
  }

  get v6Ranges(): number {
    return this.#v6Owner.length;
  }

  get owners(): number {
    return Math.max(0, this.arrays.ownerAsn.length - 1);
  }

  /** Owner id of an IPv4 address (uint32). */
  ownerV4(addr: number): number {
    const s = this.#v4Starts;
    const top = addr >>> 16;
    // The /16 index narrows the search to the few ranges that can hold addr.
    let lo = this.#v4Index[top]!;
    let hi = this.#v4Index[top + 1]!;
    // Invariant: s[lo] <= addr (s[0] is 0); find the last start <= addr.
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= addr) lo = mid;
      else hi = mid - 1;
    }
    return this.#v4Owner[lo]!;
  }

  /** Owner id of an IPv6 address given as four words. */
  ownerV6(w0: number, w1: number, w2: number, w3: number): number {
    const s = this.#v6Starts;
    let lo = 0;
    let hi = this.#v6Owner.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const o = mid * 4;
      const a = s[o]!;
      let le: boolean;
      if (a !== w0) le = a < w0;
      else if (s[o + 1] !== w1) le = s[o + 1]! < w1;
      else if (s[o + 2] !== w2) le = s[o + 2]! < w2;
      else le = s[o + 3]! <= w3;
      if (le) lo = mid;
      else hi = mid - 1;
    }
    return this.#v6Owner[lo]!;
  }

  /** The shared owner object for an id, or undefined for NO_OWNER. */
  owner(id: number): IpOwner | undefined {
    if (id === NO_OWNER) return undefined;
    const cached = this.#owners[id];
    if (cached !== undefined) return cached;
    const a = this.arrays;
    const o: IpOwner = {};
    const asn = a.ownerAsn[id]!;
    if (asn !== 0) o.asn = asn;
    const org = a.ownerOrg[id]!;
    if (org >= 0) o.as_org = a.orgs[org]!;
    const cc = unpackCountry(a.ownerCc[id]!);
    if (cc !== undefined) o.cc = cc;
    Object.freeze(o);
    this.#owners[id] = o;
    return o;
  }
}

/**
 * index[p] = last range starting at or before p.0.0 (p < 65536); index[65536]
 * = the last range. Ranges holding addresses of /16 p lie between index[p]
 * and index[p + 1], so a lookup searches a handful of entries instead of all.
 */
function buildV4Index(starts: Uint32Array): Uint32Array {
  const index = new Uint32Array(65537);
  let i = 0;
  for (let p = 0; p < 65536; p++) {
    const base = p * 65536;
    while (i + 1 < starts.length && starts[i + 1]! <= base) i++;
    index[p] = i;
  }
  index[65536] = starts.length - 1;
  return index;
}

/** Owner interning while a table is built: (asn entry, country) pairs to owner ids. */
export class OwnerBuilder {
  readonly asn: number[] = [0];
  readonly org: number[] = [-1];
  readonly cc: number[] = [0];
  readonly #ids = new Map<number, number>();
  readonly #entryAsn: readonly number[];
  readonly #entryOrg: readonly number[];

  /** `entryAsn`/`entryOrg`: the AS dictionary's entries (see dict.ts). */
  constructor(entryAsn: readonly number[], entryOrg: readonly number[]) {
    this.#entryAsn = entryAsn;
    this.#entryOrg = entryOrg;
  }

  /** Owner id for an AS entry (-1 = none) and a packed country (0 = none). */
  id(entry: number, cc: number): number {
    if (entry < 0 && cc === 0) return NO_OWNER;
    const key = (entry + 1) * 65536 + cc;
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.asn.length;
      this.asn.push(entry < 0 ? 0 : this.#entryAsn[entry]!);
      this.org.push(entry < 0 ? -1 : this.#entryOrg[entry]!);
      this.cc.push(cc);
      this.#ids.set(key, id);
    }
    return id;
  }
}

/** Packs finished steps (values = owner ids) and owners into table arrays. */
export function packTable(v4: Steps<number>, v6: Steps<bigint>, owners: OwnerBuilder, orgs: readonly string[]): TableArrays {
  const v4Starts = Uint32Array.from(v4.starts);
  const v4Owner = Uint32Array.from(v4.values);
  const n6 = v6.starts.length;
  const v6Starts = new Uint32Array(n6 * 4);
  for (let i = 0; i < n6; i++) {
    const k = v6.starts[i]!;
    v6Starts[i * 4] = Number((k >> 96n) & 0xffffffffn);
    v6Starts[i * 4 + 1] = Number((k >> 64n) & 0xffffffffn);
    v6Starts[i * 4 + 2] = Number((k >> 32n) & 0xffffffffn);
    v6Starts[i * 4 + 3] = Number(k & 0xffffffffn);
  }
  return {
    v4Starts,
    v4Owner,
    v6Starts,
    v6Owner: Uint32Array.from(v6.values),
    ownerAsn: Uint32Array.from(owners.asn),
    ownerOrg: Int32Array.from(owners.org),
    ownerCc: Uint16Array.from(owners.cc),
    orgs,
  };
}
