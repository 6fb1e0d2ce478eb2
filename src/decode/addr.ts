/**
 * Text forms of the numeric addresses the decoder produces, and the inverse
 * parser for configuration and tests. The decoder keeps MACs as 48-bit
 * integers and IP addresses as big-endian 32-bit words so the packet path
 * never builds strings; these functions run only where a person or a log
 * needs text (flow start/end, events, config loading), so they may allocate.
 * IPv6 text follows RFC 5952 (canonical form), which is also what Zeek logs.
 */
import { parseAddressInto } from '../config/ip.js';
import { L3, type DecodedPacket } from './decoded.js';

const HEX = '0123456789abcdef';

const HEX_CODES = Uint8Array.from(HEX, (ch) => ch.charCodeAt(0));
const COLON = 0x3a;

/**
 * 48-bit integer (as the decoder stores MACs) -> "aa:bb:cc:dd:ee:ff". Negative (no MAC) -> "".
 * Made as one flat string: built by concatenation it would be a tree of
 * parts that the runtime copies again the first time it is hashed or read
 * (a Map lookup of a fresh MAC cost several times more).
 */
export function macToString(mac: number): string {
  if (!(mac >= 0)) return '';
  // Split into 16 high and 32 low bits: bitwise operators only see 32 bits.
  const hi = Math.floor(mac / 4294967296) & 0xffff;
  const lo = mac >>> 0;
  const b0 = hi >>> 8;
  const b1 = hi & 0xff;
  const b2 = lo >>> 24;
  const b3 = (lo >>> 16) & 0xff;
  const b4 = (lo >>> 8) & 0xff;
  const b5 = lo & 0xff;
  const h = HEX_CODES;
  return String.fromCharCode(
    h[b0 >>> 4]!, h[b0 & 15]!, COLON, h[b1 >>> 4]!, h[b1 & 15]!, COLON, h[b2 >>> 4]!, h[b2 & 15]!, COLON,
    h[b3 >>> 4]!, h[b3 & 15]!, COLON, h[b4 >>> 4]!, h[b4 & 15]!, COLON, h[b5 >>> 4]!, h[b5 & 15]!,
  );
}

/**
 * True for a MAC in text ("aa:bb:cc:dd:ee:ff") with the group bit set
 * (first octet odd: multicast or broadcast), or that does not read as one:
 * either way not the address of one host.
 */
export function isGroupMac(mac: string): boolean {
  const first = Number.parseInt(mac.slice(0, 2), 16);
  return Number.isNaN(first) || (first & 1) === 1;
}

/** Unsigned 32-bit address (network order value) -> dotted quad. */
export function ipv4ToString(addr: number): string {
  const a = addr >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/**
 * Four big-endian words -> RFC 5952 text: lower-case hex without leading
 * zeros, the longest run of two or more zero groups (the first one on a tie)
 * replaced by "::", and IPv4-mapped addresses as "::ffff:a.b.c.d" (RFC 5952
 * section 5).
 */
export function ipv6ToString(words: Uint32Array): string {
  const w0 = words[0]! >>> 0;
  const w1 = words[1]! >>> 0;
  const w2 = words[2]! >>> 0;
  const w3 = words[3]! >>> 0;
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `::ffff:${ipv4ToString(w3)}`;
  const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // Longest run of zero groups; RFC 5952 4.2.2: a single zero group is not compressed.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // Written as character codes and read out as one flat string (concatenated
  // text cost four times as much to make, and is copied again when hashed).
  const b = V6_TEXT;
  let o = 0;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      b[o++] = COLON;
      b[o++] = COLON;
      i += bestLen - 1;
      continue;
    }
    if (o > 0 && b[o - 1] !== COLON) b[o++] = COLON;
    o = putHexGroup(b, o, g[i]!);
  }
  return b.toString('latin1', 0, o);
}

/** Longest IPv6 text: eight groups of four digits and seven colons. */
const V6_TEXT = Buffer.alloc(39);

/** Writes a 16-bit group as lower-case hex without leading zeros; returns the position after it. */
function putHexGroup(b: Uint8Array, at: number, v: number): number {
  let o = at;
  const h = HEX_CODES;
  if (v >= 0x1000) b[o++] = h[v >>> 12]!;
  if (v >= 0x100) b[o++] = h[(v >>> 8) & 15]!;
  if (v >= 0x10) b[o++] = h[(v >>> 4) & 15]!;
  b[o++] = h[v & 15]!;
  return o;
}

/** Text of the packet's source or destination address ("" when the packet has no IP/ARP layer). */
export function addrToString(p: DecodedPacket, which: 'src' | 'dst'): string {
  if (p.l3 === L3.IPV4) return ipv4ToString(which === 'src' ? p.src[0]! : p.dst[0]!);
  if (p.l3 === L3.IPV6) return ipv6ToString(which === 'src' ? p.src : p.dst);
  // ARP: the sender/target protocol addresses are the ones that name hosts.
  if (p.l3 === L3.ARP) return ipv4ToString(which === 'src' ? p.arpSpa : p.arpTpa);
  return '';
}

/**
 * Address text -> version and words in the decoder's layout (IPv4: word 0
 * only; IPv6: four big-endian words). Null when the text is not an address.
 * Zone ids ("fe80::1%eth0") are refused: the decoder has nowhere to keep them.
 */
export function parseIp(text: string): { v: 4 | 6; words: Uint32Array } | null {
  const words = new Uint32Array(4);
  const v = parseAddressInto(text.trim(), words, false);
  return v === 0 ? null : { v, words };
}
