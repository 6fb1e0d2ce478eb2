/**
 * Text IP addresses to numbers, for the CIDR matcher and the config checks.
 * Events carry addresses as strings (they are built once per flow), so the
 * matchers parse them into a caller-owned scratch array instead of allocating.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is folded to IPv4 so one CIDR list covers
 * both spellings of the same host. The decoder's strict `parseIp`
 * (decode/addr.ts) uses the same parser without that folding.
 */

/** The unspecified addresses: a sender that has none yet (ARP probes, DHCP before a lease, DAD), or a field left unset. */
export const UNSPECIFIED_V4 = '0.0.0.0';
export const UNSPECIFIED_V6 = '::';

/** Parsed address: v4 uses words[0]; v6 uses words[0..3], most significant first. */
export interface ParsedIp {
  v: 4 | 6;
  words: Uint32Array;
}

const CH_0 = 48;
const CH_9 = 57;
const CH_DOT = 46;
const CH_COLON = 58;
const CH_PERCENT = 37;

/**
 * Parses dotted-quad IPv4 from text[start, end) into a uint32, or -1.
 * Leading zeros are refused ("010" is octal to some tools, decimal to others).
 */
function parseV4(text: string, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let digits = 0;
  let octet = 0;
  let firstDigit = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= CH_0 && c <= CH_9) {
      if (digits === 0) firstDigit = c;
      else if (firstDigit === CH_0) return -1;
      octet = octet * 10 + (c - CH_0);
      digits++;
      if (octet > 255) return -1;
    } else if (c === CH_DOT) {
      if (digits === 0 || octets === 3) return -1;
      value = value * 256 + octet;
      octets++;
      octet = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || octets !== 3) return -1;
  return value * 256 + octet;
}

function hexValue(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** 8 scratch groups for IPv6 parsing (module-level: parsing is synchronous). */
const groups = new Uint16Array(8);

/** Parses IPv6 text[start, end) into out[0..3]; returns false when malformed. */
function parseV6(text: string, start: number, end: number, out: Uint32Array): boolean {
  let count = 0;
  let gapAt = -1;
  let i = start;
  if (end - start < 2) return false;
  if (text.charCodeAt(i) === CH_COLON) {
    if (text.charCodeAt(i + 1) !== CH_COLON) return false;
    gapAt = 0;
    i += 2;
    if (i === end) {
      out[0] = 0; out[1] = 0; out[2] = 0; out[3] = 0;
      return true;
    }
  }
  while (i < end) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) takes the last two groups.
    let j = i;
    let sawDot = false;
    while (j < end && text.charCodeAt(j) !== CH_COLON) {
      if (text.charCodeAt(j) === CH_DOT) sawDot = true;
      j++;
    }
    if (sawDot) {
      if (j !== end || count > 6) return false;
      const v4 = parseV4(text, i, end);
      if (v4 < 0) return false;
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 & 0xffff;
      i = end;
      break;
    }
    const len = j - i;
    if (len < 1 || len > 4 || count === 8) return false;
    let g = 0;
    for (let k = i; k < j; k++) {
      const h = hexValue(text.charCodeAt(k));
      if (h < 0) return false;
      g = g * 16 + h;
    }
    groups[count++] = g;
    if (j === end) {
      i = end;
      break;
    }
    // j is a colon: "::" marks the gap, a single colon separates groups.
    if (j + 1 < end && text.charCodeAt(j + 1) === CH_COLON) {
      if (gapAt >= 0) return false;
      gapAt = count;
      i = j + 2;
    } else {
      if (j + 1 === end) return false;
      i = j + 1;
    }
  }
  if (gapAt < 0) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false;
    const move = count - gapAt;
    const fill = 8 - count;
    for (let k = move - 1; k >= 0; k--) groups[gapAt + fill + k] = groups[gapAt + k]!;
    for (let k = 0; k < fill; k++) groups[gapAt + k] = 0;
  }
  for (let k = 0; k < 4; k++) out[k] = (groups[2 * k]! * 65536 + groups[2 * k + 1]!) >>> 0;
  return true;
}

/**
 * Parses `text` into `out` (length >= 4) without allocating. Returns 4 or 6,
 * or 0 when the text is not an address. A v6 zone ("%eth0") is ignored, and
 * IPv4-mapped v6 addresses return 4 with the v4 value in out[0].
 */
export function parseIpInto(text: string, out: Uint32Array): 0 | 4 | 6 {
  return parseAddressInto(text, out, true);
}

/**
 * The parser under parseIpInto. `lenient` ignores a v6 zone and folds
 * IPv4-mapped v6 to v4 (matching a host in CIDR lists, whichever spelling
 * names it); without it the text must be exactly one address, kept in the
 * family it was written in (building packets, naming servers), and a zone
 * is refused.
 */
export function parseAddressInto(text: string, out: Uint32Array, lenient: boolean): 0 | 4 | 6 {
  let end = text.length;
  let colon = false;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === CH_COLON) colon = true;
    else if (c === CH_PERCENT) {
      if (!lenient) return 0;
      end = i;
      break;
    }
  }
  if (!colon) {
    if (end !== text.length) return 0;
    const v4 = parseV4(text, 0, end);
    if (v4 < 0) return 0;
    out[0] = v4;
    return 4;
  }
  if (!parseV6(text, 0, end, out)) return 0;
  if (lenient && out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    out[0] = out[3]!;
    return 4;
  }
  return 6;
}

/**
 * True when v6 `words` are in the NAT64 well-known prefix 64:ff9b::/96
 * (RFC 6052): an IPv6-only host reaching the IPv4 address in words[3]
 * through a NAT64 gateway (DNS64 answers such addresses for names that only
 * have A records; AWS and other IPv6-only networks use the prefix).
 * Intel and AS lookups read the embedded address; site ranges do not.
 */
export function isNat64(words: Uint32Array): boolean {
  return words[0] === 0x0064ff9b && words[1] === 0 && words[2] === 0;
}

/** Allocating convenience for config checks and tests (not for per-event use). */
export function parseIp(text: string): ParsedIp | null {
  const words = new Uint32Array(4);
  const v = parseIpInto(text, words);
  if (v === 0) return null;
  return { v, words: v === 4 ? words.slice(0, 1) : words };
}

/** Where isIp parses (it keeps no result): no array per call. */
const IS_IP_SCRATCH = new Uint32Array(4);

/** True when `text` is a valid IPv4 or IPv6 address. */
export function isIp(text: string): boolean {
  return parseIpInto(text, IS_IP_SCRATCH) !== 0;
}

/** True for an address of a group rather than one host: IPv4 multicast or the limited broadcast, IPv6 multicast. */
export function isGroupAddress(text: string): boolean {
  const ip = parseIp(text);
  if (ip === null) return false;
  const w = ip.words[0]! >>> 0;
  return ip.v === 4 ? w >>> 28 === 0xe || w === 0xffffffff : w >>> 24 === 0xff;
}

/** Formats a v4 uint32 as dotted quad (alert messages, "/24 of the targets"). */
export function formatV4(value: number): string {
  const v = value >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
