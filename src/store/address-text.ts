/**
 * The one spelling of an address that the store holds: what the decoder
 * writes into every record (src/decode/addr.ts), IPv4 as a dotted quad and
 * IPv6 in RFC 5952 form (lower-case hex, no leading zeros, the longest run
 * of zero groups as "::"). Rows are looked up by plain text equality on
 * their address columns, so a query must be put in this spelling first:
 * "FE80::3074:17D5:2052:C324", "fe80:0:0:0:3074:17d5:2052:c324" and
 * "fe80::3074:17d5:2052:c324" are one host, and so are "::ffff:192.0.2.1"
 * and "192.0.2.1" (an IPv4 host reached over IPv4 is written dotted; an
 * IPv4-mapped spelling is the same host, as docs/store.md promises). A zone
 * ("%eth0") is dropped: records never carry one.
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
