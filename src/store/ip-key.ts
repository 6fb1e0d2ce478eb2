/**
 * Addresses as fixed-width sortable text keys, so "inside this CIDR" becomes
 * a plain range comparison that both engines evaluate the same way (DuckDB's
 * inet extension is not bundled, and ClickHouse 18.16 has no IPv4/IPv6 types).
 * A key is the 16-byte IPv6 form in lower-case hex (IPv4 as ::ffff:a.b.c.d),
 * so lexical order is numeric order and both spellings of a v4 host agree.
 */
import { parseIpInto } from '../config/ip.js';
import { parseCidr } from '../config/cidr.js';

const V4_PREFIX = '00000000000000000000ffff';

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** Keys computed recently: a few hosts make most rows, so most lookups skip the parse. */
const cache = new Map<string, string | null>();
/** Cache entries before it is emptied (bounded memory; refilling costs one parse per host). */
const CACHE_MAX = 65536;
const scratch = new Uint32Array(4);

/** The key of an address, or null when the text is not one. */
export function ipKey(ip: string): string | null {
  const hit = cache.get(ip);
  if (hit !== undefined) return hit;
  const v = parseIpInto(ip, scratch);
  let out: string | null = null;
  if (v === 4) out = V4_PREFIX + hex8(scratch[0]!);
  else if (v === 6) out = hex8(scratch[0]!) + hex8(scratch[1]!) + hex8(scratch[2]!) + hex8(scratch[3]!);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(ip, out);
  return out;
}

/** First and last key of a CIDR block, or the parser's complaint. */
export function cidrKeyRange(text: string): { lo: string; hi: string } | { error: string } {
  const c = parseCidr(text);
  if (typeof c === 'string') return { error: `"${text}" ${c}` };
  if (c.v === 4) {
    const net = c.words[0]!;
    const span = c.prefix === 0 ? 0xffffffff : c.prefix >= 32 ? 0 : (0xffffffff >>> c.prefix);
    return { lo: V4_PREFIX + hex8(net), hi: V4_PREFIX + hex8((net | span) >>> 0) };
  }
  let lo = '';
  let hi = '';
  for (let i = 0; i < 4; i++) {
    const bits = c.prefix - 32 * i;
    const span = bits <= 0 ? 0xffffffff : bits >= 32 ? 0 : (0xffffffff >>> bits);
    lo += hex8(c.words[i]!);
    hi += hex8((c.words[i]! | span) >>> 0);
  }
  return { lo, hi };
}
