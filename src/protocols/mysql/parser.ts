/**
 * Pure parsers for the MySQL connection phase: packet framing, the server
 * greeting (version), the client's login packet (user name, SSL request),
 * and the ERR packet (code, SQLSTATE, message). Bytes in, plain values or
 * null out; never throws. The login packet's auth response (a password
 * hash) is never read.
 */
import { logString } from '../wire-text.js';
import { Capability, PROTOCOL_V10, RESPONSE320_FIXED, RESPONSE41_FIXED, SSL_REQUEST_LENGTH } from './consts.js';

/** Payload length of the packet at `off`, or -1 while the 4-byte header is incomplete. */
export function payloadLength(b: Uint8Array, off: number, n: number): number {
  if (n < 4) return -1;
  return b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16);
}

function cstringEnd(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i] !== 0) i++;
  return i < end ? i : -1;
}

/** The server version of a HandshakeV10 payload `b[s..e)`, or null when it is not one. */
export function parseGreeting(b: Uint8Array, s: number, e: number): string | null {
  if (e - s < 2 || b[s] !== PROTOCOL_V10) return null;
  const z = cstringEnd(b, s + 1, e);
  if (z < 0) return null;
  return logString(b, s + 1, z);
}

export interface Login {
  /** True for an SSLRequest: TLS follows and the real login is encrypted. */
  ssl: boolean;
  user?: string;
}

/** The client's login packet payload `b[s..e)`, or null when malformed. */
export function parseLogin(b: Uint8Array, s: number, e: number): Login | null {
  if (e - s < 2) return null;
  const caps16 = b[s]! | (b[s + 1]! << 8);
  const v41 = (caps16 & Capability.PROTOCOL_41) !== 0;
  // An SSLRequest is the fixed part alone (no user name) with the SSL capability set.
  if ((caps16 & Capability.SSL) !== 0 && e - s === (v41 ? SSL_REQUEST_LENGTH : RESPONSE320_FIXED)) return { ssl: true };
  const fixed = v41 ? RESPONSE41_FIXED : RESPONSE320_FIXED;
  if (e - s <= fixed) return null;
  const z = cstringEnd(b, s + fixed, e);
  if (z < 0) return null;
  return { ssl: false, user: logString(b, s + fixed, z) };
}

export interface ErrPacket {
  code: number;
  sqlState?: string;
  message: string;
}

/** An ERR payload `b[s..e)` (first byte 0xff). */
export function parseErr(b: Uint8Array, s: number, e: number): ErrPacket | null {
  if (e - s < 3 || b[s] !== 0xff) return null;
  const code = b[s + 1]! | (b[s + 2]! << 8);
  // Protocol 4.1 adds "#" and a 5-character SQLSTATE before the message.
  if (e - s >= 9 && b[s + 3] === 0x23) {
    return { code, sqlState: logString(b, s + 4, s + 9), message: logString(b, s + 9, e) };
  }
  return { code, message: logString(b, s + 3, e) };
}

/** The affected-rows count of an OK payload (length-encoded integer after the 0x00), or undefined. */
export function okAffectedRows(b: Uint8Array, s: number, e: number): number | undefined {
  if (e - s < 2) return undefined;
  const f = b[s + 1]!;
  if (f < 0xfb) return f;
  if (f === 0xfc && e - s >= 4) return b[s + 2]! | (b[s + 3]! << 8);
  if (f === 0xfd && e - s >= 5) return b[s + 2]! | (b[s + 3]! << 8) | (b[s + 4]! << 16);
  return undefined;
}
