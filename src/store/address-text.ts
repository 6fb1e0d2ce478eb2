/**
 * The spelling of an address that the store holds: what the decoder
 * writes into every record (src/decode/addr.ts), IPv4 as a dotted quad and
 * IPv6 in RFC 5952 form (lower-case hex, no leading zeros, the longest run
 * of zero groups as "::"). Rows are looked up by plain text equality on
 * their address columns, so a query must be put in this spelling first:
 * "FE80::3074:17D5:2052:C324", "fe80:0:0:0:3074:17d5:2052:c324" and
 * "fe80::3074:17d5:2052:c324" are one host, and so are "::ffff:192.0.2.1"
 * and "192.0.2.1". That one IPv4 host has two stored spellings, though: an
 * IPv4 packet's address is written dotted and an IPv6 packet's IPv4-mapped
 * address "::ffff:192.0.2.1", so the store matches a host on both
 * (storedAddressSpellings). A zone ("%eth0") is dropped: records never
 * carry one.
 */
import { formatV4, parseIp } from '../config/ip.js';
import { ipv6ToString } from '../decode/addr.js';

/** `text` in the store's spelling, or null when it is not an address. */
export function storedAddressText(text: string): string | null {
  const p = parseIp(text);
  if (p === null) return null;
  // parseIp has folded IPv4-mapped IPv6 into IPv4.
  return p.v === 4 ? formatV4(p.words[0]!) : ipv6ToString(p.words);
}

/** How the decoder writes an IPv4-mapped IPv6 address (src/decode/addr.ts ipv6ToString). */
export const MAPPED_PREFIX = '::ffff:';

/**
 * Every spelling a stored row may hold for the host `text` names, the
 * store's own first; empty when `text` is not an address. An IPv4 host is
 * also written "::ffff:a.b.c.d": the decoder keeps an IPv6 packet's
 * IPv4-mapped address in that form (RFC 5952 section 5) while an IPv4
 * packet's address is dotted, so an exact host search matches both, as a
 * CIDR search on the address keys (ip-key.ts) always did.
 */
export function storedAddressSpellings(text: string): string[] {
  const a = storedAddressText(text);
  if (a === null) return [];
  return a.includes(':') ? [a] : [a, MAPPED_PREFIX + a];
}

/** True when the address texts `a` and `b` name one host (any spelling); false when either is not an address. */
export function sameAddress(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (a === b) return true;
  const x = storedAddressText(a);
  return x !== null && x === storedAddressText(b);
}
