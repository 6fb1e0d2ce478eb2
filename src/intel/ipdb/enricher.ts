/**
 * `createIpEnricher`: the IpEnricher behind alert and conn.jsonl enrichment
 * and the ASN rules. By default it works offline from the bundled packages
 * (AS number and organisation from ip-location-db's CSV, country from its
 * mmdb); `intel.asn_mmdb` / `intel.country_mmdb` replace either with the
 * user's own MaxMind-format file. The first start builds a merged range
 * table and caches it (see cache.ts); later starts load the cache.
 *
 * Lookups parse the address text into a scratch array (no allocation), skip
 * private and reserved space before searching, and return shared owner
 * objects. Counters say how many lookups were answered, unknown, reserved or
 * not addresses at all.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IpEnricher, IpOwner } from '../context.js';
import type { SiteConfig } from '../../config/schema.js';
import { isNat64, parseIpInto } from '../../config/ip.js';
import { PicketError } from '../../util/errors.js';
import { AsnDictionary, packCountry } from './dict.js';
import { parseAsnCsvV4, parseAsnCsvV6 } from './csv-asn.js';
import { asnFields, countryField, walkMmdb } from './mmdb-walk.js';
import { mergeSteps, NO_VALUE, V4_OPS, V6_OPS, type Steps } from './steps.js';
import { IpTable, NO_OWNER, OwnerBuilder, packTable, type TableArrays } from './table.js';
import { CACHE_FORMAT, readCache, writeCache, type CacheMiss } from './cache.js';
import {
  ASN_CSV_V4,
  ASN_CSV_V6,
  ASN_PACKAGE,
  bundledPackage,
  COUNTRY_MMDB,
  COUNTRY_PACKAGE,
  fileIdentity,
  IPDB_ATTRIBUTION,
} from './sources.js';
import { isReservedV4, isReservedV6 } from './reserved.js';
import { parseV4Text, V4_INVALID } from './parse-v4.js';

/** The intel settings enrichment reads. */
export type IpdbConfig = Pick<SiteConfig['intel'], 'asn_mmdb' | 'country_mmdb' | 'cache_dir'>;

export interface IpEnricherOptions {
  /** Folder for the cache file (default: intel.cache_dir, else the OS temp folder). */
  cacheDir?: string;
  /** Use and write the cache (default true); false always builds in memory. */
  cache?: boolean;
}

export interface IpdbStats {
  /** What the table was built from, e.g. { asn: "@ip-location-db/asn@2.3...", country: "..." }. */
  sources: Record<string, string>;
  /** "cache" when loaded from the cache file, "built" when built from the sources this start. */
  loaded: 'cache' | 'built';
  /** Why the cache was not used (when built), or why writing it failed. */
  cache_miss?: CacheMiss;
  cache_write_error?: string;
  cache_file?: string;
  load_ms: number;
  v4_ranges: number;
  v6_ranges: number;
  owners: number;
  /** Problems met while building (malformed CSV lines, records without the field...), by reason. */
  build_problems: Record<string, number>;
  lookups: number;
  /** Answered with an owner. */
  found: number;
  /** Public address with no data. */
  unknown: number;
  /** Private, loopback, documentation, multicast... (never looked up). */
  reserved: number;
  /** Text that is not an IP address. */
  invalid: number;
}

export interface PicketIpEnricher extends IpEnricher {
  /** Owner of an IPv4 address given as a uint32 (the benchmark and integer callers). */
  lookupV4Int(addr: number): IpOwner | undefined;
  stats(): IpdbStats;
  /** Credit line for the data in use (print it where enrichment is used). */
  readonly attribution: string;
}

interface Source {
  id: string;
  load(): Promise<{ v4: Steps<number>; v6: Steps<bigint>; problems: Record<string, number> }>;
}

function addProblems(into: Record<string, number>, prefix: string, from: object): void {
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'number' && v > 0) into[`${prefix}.${k}`] = (into[`${prefix}.${k}`] ?? 0) + v;
  }
}

async function readMmdb(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(file);
  } catch (err) {
    throw new PicketError('PKT_ERR_INTEL_IPDB_READ', `cannot read the ${what} database ${file}: ${(err as Error).message}`);
  }
}

function walk(db: Buffer, file: string, valueOf: Parameters<typeof walkMmdb>[1]): ReturnType<typeof walkMmdb> {
  try {
    return walkMmdb(db, valueOf);
  } catch (err) {
    throw new PicketError('PKT_ERR_INTEL_IPDB_FORMAT', `${file} is not a MaxMind-format (mmdb) database: ${(err as Error).message}`);
  }
}

function asnSource(cfg: IpdbConfig, baseDir: string, dict: AsnDictionary): Source {
  if (cfg.asn_mmdb !== undefined) {
    const file = path.resolve(baseDir, cfg.asn_mmdb);
    return {
      id: `mmdb:${fileIdentity(file)}`,
      async load() {
        const db = await readMmdb(file, 'ASN');
        const r = walk(db, file, (rec) => {
          const f = asnFields(rec);
          return f === undefined ? NO_VALUE : dict.intern(f.asn, f.org);
        });
        const problems: Record<string, number> = {};
        addProblems(problems, 'asn_mmdb', r.problems);
        return { v4: r.v4, v6: r.v6, problems };
      },
    };
  }
  const pkg = bundledPackage(ASN_PACKAGE);
  const f4 = path.join(pkg.dir, ASN_CSV_V4);
  const f6 = path.join(pkg.dir, ASN_CSV_V6);
  return {
    id: `${ASN_PACKAGE}@${pkg.version}|${fileIdentity(f4).split('|')[1]}|${fileIdentity(f6).split('|')[1]}`,
    async load() {
      const [t4, t6] = await Promise.all([fs.promises.readFile(f4, 'utf8'), fs.promises.readFile(f6, 'utf8')]);
      const r4 = parseAsnCsvV4(t4, dict);
      const r6 = parseAsnCsvV6(t6, dict);
      const problems: Record<string, number> = {};
      addProblems(problems, 'asn_csv_v4', r4.problems);
      addProblems(problems, 'asn_csv_v6', r6.problems);
      return { v4: r4.steps, v6: r6.steps, problems };
    },
  };
}

function countrySource(cfg: IpdbConfig, baseDir: string): Source {
  let file: string;
  let id: string;
  if (cfg.country_mmdb !== undefined) {
    file = path.resolve(baseDir, cfg.country_mmdb);
    id = `mmdb:${fileIdentity(file)}`;
  } else {
    const pkg = bundledPackage(COUNTRY_PACKAGE);
    file = path.join(pkg.dir, COUNTRY_MMDB);
    id = `${COUNTRY_PACKAGE}@${pkg.version}|${fileIdentity(file).split('|')[1]}`;
  }
  return {
    id,
    async load() {
      const db = await readMmdb(file, 'country');
      const r = walk(db, file, (rec) => {
        const cc = packCountry(countryField(rec));
        return cc === 0 ? NO_VALUE : cc;
      });
      const problems: Record<string, number> = {};
      addProblems(problems, 'country_mmdb', r.problems);
      return { v4: r.v4, v6: r.v6, problems };
    },
  };
}

/** Builds the merged table from both sources. */
async function build(asn: Source, country: Source, dict: AsnDictionary): Promise<{ arrays: TableArrays; problems: Record<string, number> }> {
  const [a, c] = await Promise.all([asn.load(), country.load()]);
  const owners = new OwnerBuilder(dict.asns, dict.orgIdx);
  const combine = (entry: number, cc: number): number => owners.id(entry, cc === NO_VALUE ? 0 : cc);
  const v4 = mergeSteps(V4_OPS, a.v4, c.v4, combine);
  const v6 = mergeSteps(V6_OPS, a.v6, c.v6, combine);
  return { arrays: packTable(v4, v6, owners, dict.orgs), problems: { ...a.problems, ...c.problems } };
}

/** True when every owner and organisation index in the arrays is in range (a damaged cache is rebuilt). */
function consistent(t: TableArrays): boolean {
  const owners = t.ownerAsn.length;
  if (owners < 1 || t.ownerOrg.length !== owners || t.ownerCc.length !== owners) return false;
  if (t.v4Starts[0] !== 0 || t.v6Owner.length * 4 !== t.v6Starts.length) return false;
  for (let i = 0; i < t.v4Owner.length; i++) if (t.v4Owner[i]! >= owners) return false;
  for (let i = 0; i < t.v6Owner.length; i++) if (t.v6Owner[i]! >= owners) return false;
  for (let i = 0; i < owners; i++) if (t.ownerOrg[i]! >= t.orgs.length) return false;
  return true;
}

/** What stats() reports besides the lookup counters. */
type IpdbInfo = Omit<IpdbStats, 'lookups' | 'found' | 'unknown' | 'reserved' | 'invalid'>;

class IpdbEnricher implements PicketIpEnricher {
  readonly attribution = IPDB_ATTRIBUTION;
  readonly #table: IpTable;
  readonly #scratch = new Uint32Array(4);
  readonly #info: IpdbInfo;
  #lookups = 0;
  #found = 0;
  #unknown = 0;
  #reserved = 0;
  #invalid = 0;

  constructor(table: IpTable, info: IpdbInfo) {
    this.#table = table;
    this.#info = info;
  }

  lookup(ip: string): IpOwner | undefined {
    const n = parseV4Text(ip);
    if (n >= 0) return this.lookupV4Int(n);
    if (n === V4_INVALID) {
      this.#lookups++;
      this.#invalid++;
      return undefined;
    }
    const w = this.#scratch;
    const v = parseIpInto(ip, w);
    if (v === 4) return this.lookupV4Int(w[0]!);
    this.#lookups++;
    if (v === 0) {
      this.#invalid++;
      return undefined;
    }
    // NAT64: the owner of the IPv4 address it stands for.
    if (isNat64(w)) {
      this.#lookups--;
      return this.lookupV4Int(w[3]!);
    }
    if (isReservedV6(w[0]!)) {
      this.#reserved++;
      return undefined;
    }
    return this.#answer(this.#table.ownerV6(w[0]!, w[1]!, w[2]!, w[3]!));
  }

  lookupV4Int(addr: number): IpOwner | undefined {
    this.#lookups++;
    if (isReservedV4(addr >>> 0)) {
      this.#reserved++;
      return undefined;
    }
    return this.#answer(this.#table.ownerV4(addr >>> 0));
  }

  #answer(id: number): IpOwner | undefined {
    if (id === NO_OWNER) {
      this.#unknown++;
      return undefined;
    }
    this.#found++;
    return this.#table.owner(id);
  }

  stats(): IpdbStats {
    return {
      ...this.#info,
      lookups: this.#lookups,
      found: this.#found,
      unknown: this.#unknown,
      reserved: this.#reserved,
      invalid: this.#invalid,
    };
  }
}

/**
 * The enricher for a site's `intel` settings. `baseDir` is the config file's
 * folder (relative `asn_mmdb`, `country_mmdb` and `cache_dir` resolve against
 * it). Rejects with a PicketError (PKT_ERR_INTEL_IPDB_*) when a configured
 * file is missing or not an mmdb, or the bundled packages are not installed.
 */
export async function createIpEnricher(intel: IpdbConfig, baseDir: string, opts: IpEnricherOptions = {}): Promise<PicketIpEnricher> {
  const started = process.hrtime.bigint();
  const dict = new AsnDictionary();
  const asn = asnSource(intel, baseDir, dict);
  const country = countrySource(intel, baseDir);
  const sources = { asn: asn.id, country: country.id };
  const key = crypto.createHash('sha256').update(JSON.stringify({ format: CACHE_FORMAT, sources })).digest('hex');
  const useCache = opts.cache !== false;
  const dir =
    opts.cacheDir ?? (intel.cache_dir !== undefined ? path.resolve(baseDir, intel.cache_dir) : path.join(os.tmpdir(), 'picket-ipdb'));
  const file = path.join(dir, `ipdb-${key.slice(0, 16)}.bin`);

  let arrays: TableArrays | undefined;
  let problems: Record<string, number> = {};
  let miss: CacheMiss | undefined;
  let writeError: string | undefined;
  if (useCache) {
    const hit = readCache(file, key);
    if (typeof hit === 'string') miss = hit;
    else if (!consistent(hit.arrays)) miss = 'bad_size';
    else {
      arrays = hit.arrays;
      problems = hit.header.problems;
    }
  }
  const loaded: IpdbStats['loaded'] = arrays === undefined ? 'built' : 'cache';
  if (arrays === undefined) {
    const built = await build(asn, country, dict);
    arrays = built.arrays;
    problems = built.problems;
    if (useCache) writeError = writeCache(file, { key, sources, problems }, arrays);
  }
  const table = new IpTable(arrays);
  const info: IpdbInfo = {
    sources,
    loaded,
    ...(miss !== undefined && loaded === 'built' ? { cache_miss: miss } : {}),
    ...(writeError !== undefined ? { cache_write_error: writeError } : {}),
    ...(useCache ? { cache_file: file } : {}),
    load_ms: Number(process.hrtime.bigint() - started) / 1e6,
    v4_ranges: table.v4Ranges,
    v6_ranges: table.v6Ranges,
    owners: table.owners,
    build_problems: problems,
  };
  return new IpdbEnricher(table, info);
}

