/**
 * Pure readers of the SOCKS handshake messages. Each takes the bytes of
 * one direction gathered so far and returns the message with its length,
 * `INCOMPLETE` when more bytes are needed, or null when the bytes are not
 * that message.
 */
import { ATYP_IPV4, ATYP_IPV6, ATYP_NAME } from './consts.js';
import { logString } from '../wire-text.js';
import { ipv4At, ipv6At } from '../dns/format.js';

export const INCOMPLETE = -1;
export type Read<T> = (T & { len: number }) | typeof INCOMPLETE | null;

/** An address as a SOCKS message gives it: an IP address or a name. */
export interface SocksAddress {
  host?: string;
  name?: string;
  port: number;
}

/** v5 greeting: version, the method count, the methods. */
export function readGreeting(b: Uint8Array): Read<{ methods: number[] }> {
  if (b.length < 2) return INCOMPLETE;
  if (b[0] !== 5 || b[1] === 0) return null;
  const n = b[1]!;
  if (b.length < 2 + n) return INCOMPLETE;
  return { methods: Array.from(b.subarray(2, 2 + n)), len: 2 + n };
}

/** v5 method selection: version and the chosen method. */
export function readChoice(b: Uint8Array): Read<{ method: number }> {
  if (b.length < 2) return INCOMPLETE;
  if (b[0] !== 5) return null;
  return { method: b[1]!, len: 2 };
}

/** RFC 1929 request: version 1, user, password (kept as bytes: never logged). */
export function readUserPass(b: Uint8Array): Read<{ user: string; password: Uint8Array }> {
  if (b.length < 2) return INCOMPLETE;
  if (b[0] !== 1) return null;
  const ulen = b[1]!;
  if (b.length < 3 + ulen) return INCOMPLETE;
  const plen = b[2 + ulen]!;
  const end = 3 + ulen + plen;
  if (b.length < end) return INCOMPLETE;
  return { user: logString(b, 2, 2 + ulen), password: b.slice(3 + ulen, end), len: end };
}

/** RFC 1929 reply: version 1 and a status (0: success). */
export function readUserPassReply(b: Uint8Array): Read<{ status: number }> {
  if (b.length < 2) return INCOMPLETE;
  if (b[0] !== 1) return null;
  return { status: b[1]!, len: 2 };
}

/** An address field (type, address, port) at b[at]. */
function readAddress(b: Uint8Array, at: number): Read<SocksAddress> {
  if (b.length < at + 1) return INCOMPLETE;
  const atyp = b[at]!;
  let end: number;
  const out: SocksAddress = { port: 0 };
  if (atyp === ATYP_IPV4) {
    end = at + 1 + 4;
    if (b.length < end + 2) return INCOMPLETE;
    out.host = ipv4At(b, at + 1);
  } else if (atyp === ATYP_IPV6) {
    end = at + 1 + 16;
    if (b.length < end + 2) return INCOMPLETE;
    out.host = ipv6At(b, at + 1);
  } else if (atyp === ATYP_NAME) {
    if (b.length < at + 2) return INCOMPLETE;
    end = at + 2 + b[at + 1]!;
    if (b.length < end + 2) return INCOMPLETE;
    out.name = logString(b, at + 2, end);
  } else {
    return null;
  }
  out.port = (b[end]! << 8) | b[end + 1]!;
  return { ...out, len: end + 2 - at };
}

/** v5 request (version, command, reserved, address) or reply (version, status, reserved, address). */
export function readV5Message(b: Uint8Array): Read<{ code: number; address: SocksAddress }> {
  if (b.length < 4) return INCOMPLETE;
  if (b[0] !== 5) return null;
  const a = readAddress(b, 3);
  if (a === null || a === INCOMPLETE) return a;
  const { len, ...address } = a;
  return { code: b[1]!, address, len: 3 + len };
}

/** v4/4a request: version, command, port, IPv4 address, user id NUL-ended, and (4a, address 0.0.0.x) a name NUL-ended. */
export function readV4Request(b: Uint8Array, maxField: number): Read<{ command: number; address: SocksAddress; user: string }> {
  if (b.length < 9) return INCOMPLETE;
  if (b[0] !== 4) return null;
  const userEnd = b.indexOf(0, 8);
  if (userEnd < 0) return b.length - 8 > maxField ? null : INCOMPLETE;
  const address: SocksAddress = { port: (b[2]! << 8) | b[3]! };
  let end = userEnd + 1;
  if (b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] !== 0) {
    const nameEnd = b.indexOf(0, end);
    if (nameEnd < 0) return b.length - end > maxField ? null : INCOMPLETE;
    address.name = logString(b, end, nameEnd);
    end = nameEnd + 1;
  } else {
    address.host = ipv4At(b, 4);
  }
  return { command: b[1]!, address, user: logString(b, 8, userEnd), len: end };
}

/** v4 reply: version 0 (or 4, as some servers send), status, port, IPv4 address. */
export function readV4Reply(b: Uint8Array): Read<{ status: number; address: SocksAddress }> {
  if (b.length < 8) return INCOMPLETE;
  if (b[0] !== 0 && b[0] !== 4) return null;
  return { status: b[1]!, address: { host: ipv4At(b, 4), port: (b[2]! << 8) | b[3]! }, len: 8 };
}

/**
 * True for a client's first bytes that are exactly a SOCKS greeting: a v5
 * greeting of 1 to 8 distinct known methods and nothing after it, or a v4
 * CONNECT/BIND with a NUL-ended user id (and 4a name) and nothing after.
 */
export function probeSocks(b: Uint8Array): boolean {
  if (b.length >= 3 && b[0] === 5) {
    const n = b[1]!;
    if (n < 1 || n > 8 || b.length !== 2 + n) return false;
    const seen = new Set<number>();
    for (let i = 2; i < b.length; i++) {
      const m = b[i]!;
      if (!(m <= 3 || (m >= 0x80 && m <= 0xfe)) || seen.has(m)) return false;
      seen.add(m);
    }
    return true;
  }
  if (b.length >= 9 && b[0] === 4 && (b[1] === 1 || b[1] === 2) && b[b.length - 1] === 0) {
    const r = readV4Request(b, 255);
    return r !== null && r !== INCOMPLETE && r.len === b.length;
  }
  return false;
}
