/**
 * Where enrichment data comes from: the bundled registry packages
 * (`@ip-location-db/asn` CSV for AS number and organisation,
 * `@ip-location-db/geo-whois-asn-country-mmdb` for the country) or the
 * user's own MaxMind-format files from `intel.asn_mmdb` / `intel.country_mmdb`.
 * Each source has an identity (package version, or path, size and mtime)
 * that keys the cache, so new data is never answered from an old cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { PicketError } from '../../util/errors.js';

const require = createRequire(import.meta.url);

export const ASN_PACKAGE = '@ip-location-db/asn';
export const COUNTRY_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';
export const ASN_CSV_V4 = 'asn-ipv4-num.csv';
export const ASN_CSV_V6 = 'asn-ipv6-num.csv';
/** The combined IPv4+IPv6 country database of the package. */
export const COUNTRY_MMDB = 'geo-whois-asn-country.mmdb';

/**
 * Credit the bundled data requires (CC BY 4.0: RouteViews, DB-IP, NRO);
 * printed by commands that enrich and repeated in docs/intel-asn.md.
 */
export const IPDB_ATTRIBUTION =
  'IP to ASN data by ip-location-db (CC BY 4.0), from RouteViews (routeviews.org), the NRO (nro.net) and DB-IP IP to ASN Lite (IP Geolocation by DB-IP, https://db-ip.com); ' +
  'country data by ip-location-db geo-whois-asn-country (RIR whois and geofeeds; NRO data under CC BY 4.0).';

export interface BundledPackage {
  dir: string;
  version: string;
}

/** Locates an installed data package (its folder and version). */
export function bundledPackage(name: string): BundledPackage {
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${name}/package.json`);
  } catch {
    throw new PicketError('PKT_ERR_INTEL_IPDB_MISSING', `the data package ${name} is not installed (run npm install), or set intel.asn_mmdb / intel.country_mmdb`);
  }
  let version = 'unknown';
  try {
    const parsed = JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version?: unknown };
    if (typeof parsed.version === 'string') version = parsed.version;
  } catch {
    // A package.json we cannot read still has data files; the cache key falls back to file sizes.
  }
  return { dir: path.dirname(pkgJson), version };
}

/** Identity of a data file for the cache key: path, size and modification time. */
export function fileIdentity(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw new PicketError('PKT_ERR_INTEL_IPDB_READ', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (!st.isFile()) throw new PicketError('PKT_ERR_INTEL_IPDB_READ', `${file} is not a file`);
  return `${path.resolve(file)}|${st.size}|${Math.floor(st.mtimeMs)}`;
}
