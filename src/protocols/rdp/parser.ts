/**
 * Pure parsers for RDP's first two messages: the client's X.224 Connection
 * Request (routing cookie "Cookie: mstshash=<user>" and RDP_NEG_REQ with the
 * requested security protocols) and the server's Connection Confirm
 * (RDP_NEG_RSP with the selected protocol, or RDP_NEG_FAILURE). Bytes in,
 * a plain result or null out; never throws.
 */
import { logString } from '../wire-text.js';
import { NEG_LENGTH, NegType, TPKT_HEADER, TPKT_VERSION, X224, X224_FIXED } from './consts.js';

export interface ConnectionRequest {
  /** The mstshash cookie's value: the user name the client typed (a hint; may be truncated by the client). */
  cookie?: string;
  /** requestedProtocols flags; absent when the request has no RDP_NEG_REQ (plain RDP security). */
  requested?: number;
}

export interface ConnectionConfirm {
  /** selectedProtocol from RDP_NEG_RSP. */
  selected?: number;
  /** failureCode from RDP_NEG_FAILURE. */
  failure?: number;
}

/** The TPKT length at `off` when the header is valid (version 3, length covering its header), else -1. */
export function tpktLength(b: Uint8Array, off: number, n: number): number {
  if (n < TPKT_HEADER) return 0;
  if (b[off] !== TPKT_VERSION || b[off + 1] !== 0) return -1;
  const len = (b[off + 2]! << 8) | b[off + 3]!;
  return len < TPKT_HEADER + 1 + X224_FIXED ? -1 : len;
}

function u32le(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

const COOKIE = 'Cookie: mstshash=';

/** Where the X.224 variable part of a whole TPKT starts and ends, or null when the TPDU is not `code`. */
function variablePart(b: Uint8Array, off: number, len: number, code: number): { start: number; end: number } | null {
  const li = b[off + TPKT_HEADER]!;
  // The length indicator counts the TPDU bytes after itself and must fit the TPKT.
  if (li < X224_FIXED || TPKT_HEADER + 1 + li > len) return null;
  if ((b[off + TPKT_HEADER + 1]! & 0xf0) !== code) return null;
  return { start: off + TPKT_HEADER + 1 + X224_FIXED, end: off + TPKT_HEADER + 1 + li };
}

/** Parses one whole TPKT (`len` bytes at `off`) as a Connection Request; null when it is not one. */
export function parseConnectionRequest(b: Uint8Array, off: number, len: number): ConnectionRequest | null {
  const v = variablePart(b, off, len, X224.CR);
  if (v === null) return null;
  const out: ConnectionRequest = {};
  let i = v.start;
  // Optional routing token or cookie, ended by CR LF.
  if (i < v.end && b[i] === 0x43) {
    let j = i;
    while (j + 1 < v.end && !(b[j] === 0x0d && b[j + 1] === 0x0a)) j++;
    if (j + 1 >= v.end) return null;
    if (j - i >= COOKIE.length && logString(b, i, i + COOKIE.length) === COOKIE) {
      out.cookie = logString(b, i + COOKIE.length, j);
    }
    i = j + 2;
  }
  if (i + NEG_LENGTH <= v.end && b[i] === NegType.REQUEST) out.requested = u32le(b, i + 4);
  return out;
}

/** Parses one whole TPKT as a Connection Confirm; null when it is not one. */
export function parseConnectionConfirm(b: Uint8Array, off: number, len: number): ConnectionConfirm | null {
  const v = variablePart(b, off, len, X224.CC);
  if (v === null) return null;
  const out: ConnectionConfirm = {};
  const i = v.start;
  if (i + NEG_LENGTH <= v.end) {
    if (b[i] === NegType.RESPONSE) out.selected = u32le(b, i + 4);
    else if (b[i] === NegType.FAILURE) out.failure = u32le(b, i + 4);
  }
  return out;
}
