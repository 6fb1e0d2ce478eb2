/**
 * One instance of a table per site configuration, shared by the rules of
 * one engine (each engine builds its own Site): the rules that need the
 * same knowledge (names of addresses, networks of MACs) feed and read one
 * copy instead of each keeping its own.
 */
import type { Site } from '../config/site.js';

/** A getter that makes the value for a site on first use and returns that one ever after. */
export function perSite<T>(make: (site: Site) => T): (site: Site) => T {
  const made = new WeakMap<Site, T>();
  return (site) => {
    let v = made.get(site);
    if (v === undefined) made.set(site, (v = make(site)));
    return v;
  };
}
