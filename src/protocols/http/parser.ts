/**
 * Pure parsers for the lines of an HTTP/1.x message: request line, status
 * line, header line, chunk-size line and Content-Length value. Each takes a
 * byte range of one line (terminator already removed) and returns what it
 * understood, or a null / -1 / flag when the line is malformed. Besides them,
 * the content probes and the strict start-line shapes parsing resumes at
 * after lost bytes. Nothing here throws or keeps state.
 */
import { HTTP_SLASH, KNOWN_METHODS, MAX_CHUNK_SIZE_DIGITS, MAX_METHOD_LENGTH } from './consts.js';
import { logString, startsWithIgnoreCase, unescapeUri } from '../wire-text.js';

const SP = 0x20;
const HTAB = 0x09;

/** RFC 9110 token characters (method and header names). */
function isTchar(b: number): boolean {
  if (b >= 0x30 && b <= 0x39) return true;
  if (b >= 0x41 && b <= 0x5a) return true;
  if (b >= 0x61 && b <= 0x7a) return true;
  // ! # $ % & ' * + - . ^ _ ` | ~
  return (
    b === 0x21 || b === 0x23 || b === 0x24 || b === 0x25 || b === 0x26 || b === 0x27 || b === 0x2a ||
    b === 0x2b || b === 0x2d || b === 0x2e || b === 0x5e || b === 0x5f || b === 0x60 || b === 0x7c || b === 0x7e
  );
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** A parsed request line. */
export interface RequestLine {
  method: string;
  /** Target with percent-escapes decoded (Zeek's `uri`). */
  uri: string;
  /** "1.1", "1.0", or "0.9" when the line has no protocol part. */
  version: string;
  /** The line had no `HTTP/x.y` part: HTTP/0.9 style, or a broken client. */
  missingProtocol: boolean;
  /** The version after "HTTP/" was not digit.digit. */
  badVersion: boolean;
  /** `%` signs in the target not followed by two hex digits. */
  unescapedPercent: number;
}

/**
 * Parses `METHOD SP target [SP HTTP/x.y]`. Spaces inside the target are
 * tolerated (the protocol is the last word). Returns null when the method is
 * not a token or the target is missing.
 */
export function parseRequestLine(buf: Uint8Array, start: number, end: number): RequestLine | null {
  while (end > start && (buf[end - 1] === SP || buf[end - 1] === HTAB)) end--;
  let i = start;
  while (i < end && isTchar(buf[i]!)) i++;
  const methodEnd = i;
  if (methodEnd === start || methodEnd - start > MAX_METHOD_LENGTH) return null;
  if (i >= end || (buf[i] !== SP && buf[i] !== HTAB)) return null;
  while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  const targetStart = i;
  if (targetStart >= end) return null;
  // The protocol, when present, is the last space-separated word.
  let lastSp = end - 1;
  while (lastSp > targetStart && buf[lastSp] !== SP && buf[lastSp] !== HTAB) lastSp--;
  let targetEnd = end;
  let version = '0.9';
  let missingProtocol = true;
  let badVersion = false;
  if (lastSp > targetStart && startsWithIgnoreCase(buf, lastSp + 1, end, HTTP_SLASH)) {
    const vStart = lastSp + 1 + HTTP_SLASH.length;
    version = logString(buf, vStart, end);
    missingProtocol = false;
    badVersion = !(end - vStart === 3 && isDigit(buf[vStart]!) && buf[vStart + 1] === 0x2e && isDigit(buf[vStart + 2]!));
    targetEnd = lastSp;
    while (targetEnd > targetStart && (buf[targetEnd - 1] === SP || buf[targetEnd - 1] === HTAB)) targetEnd--;
  }
  const uri = unescapeUri(buf, targetStart, targetEnd);
  return {
    method: logString(buf, start, methodEnd),
    uri: uri.text,
    version,
    missingProtocol,
    badVersion,
    unescapedPercent: uri.unescapedPercent,
  };
}

/** A parsed status line. */
export interface StatusLine {
  version: string;
  code: number;
  reason: string;
}

/** True when the bytes begin like a status line ("HTTP/"), judged on what is available. */
export function looksLikeStatusLine(buf: Uint8Array, start: number, end: number): boolean {
  const n = Math.min(end - start, HTTP_SLASH.length);
  for (let k = 0; k < n; k++) {
    let b = buf[start + k]!;
    if (b >= 0x41 && b <= 0x5a) b += 0x20;
    if (b !== HTTP_SLASH[k]) return false;
  }
  return true;
}

/** Parses `HTTP/x.y SP NNN [SP reason]`; null when it is not one. */
export function parseStatusLine(buf: Uint8Array, start: number, end: number): StatusLine | null {
  while (end > start && (buf[end - 1] === SP || buf[end - 1] === HTAB)) end--;
  if (!startsWithIgnoreCase(buf, start, end, HTTP_SLASH)) return null;
  const vStart = start + HTTP_SLASH.length;
  let i = vStart;
  while (i < end && buf[i] !== SP && buf[i] !== HTAB) i++;
  const vEnd = i;
  if (vEnd === vStart) return null;
  while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  if (i + 3 > end || !isDigit(buf[i]!) || !isDigit(buf[i + 1]!) || !isDigit(buf[i + 2]!)) return null;
  const code = (buf[i]! - 0x30) * 100 + (buf[i + 1]! - 0x30) * 10 + (buf[i + 2]! - 0x30);
  i += 3;
  if (i < end && buf[i] !== SP && buf[i] !== HTAB) return null;
  while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  return { version: logString(buf, vStart, vEnd), code, reason: logString(buf, i, end) };
}

/** Where a header line's name and value lie; a caller-owned scratch filled by `parseHeaderLine`. */
export interface HeaderBounds {
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
}

export function newHeaderBounds(): HeaderBounds {
  return { nameEnd: 0, valueStart: 0, valueEnd: 0 };
}

/**
 * Splits `name: value` into `out` (value trimmed of surrounding blanks).
 * Returns false when there is no colon or the name is not a token.
 */
export function parseHeaderLine(buf: Uint8Array, start: number, end: number, out: HeaderBounds): boolean {
  let i = start;
  while (i < end && isTchar(buf[i]!)) i++;
  if (i === start || i >= end || buf[i] !== 0x3a) return false;
  out.nameEnd = i;
  let v = i + 1;
  while (v < end && (buf[v] === SP || buf[v] === HTAB)) v++;
  let e = end;
  while (e > v && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
  out.valueStart = v;
  out.valueEnd = e;
  return true;
}

/** True when the line is a continuation of the previous header (obsolete line folding). */
export function isFoldedLine(buf: Uint8Array, start: number, end: number): boolean {
  return end > start && (buf[start] === SP || buf[start] === HTAB);
}

/** A chunk-size line's value (`1a;ext=1` -> 26), or -1 when malformed. */
export function parseChunkSize(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  let n = 0;
  let digits = 0;
  while (i < end) {
    const b = buf[i]!;
    let d: number;
    if (b >= 0x30 && b <= 0x39) d = b - 0x30;
    else if (b >= 0x61 && b <= 0x66) d = b - 0x57;
    else if (b >= 0x41 && b <= 0x46) d = b - 0x37;
    else break;
    n = n * 16 + d;
    digits++;
    if (digits > MAX_CHUNK_SIZE_DIGITS) return -1;
    i++;
  }
  if (digits === 0) return -1;
  while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  if (i < end && buf[i] !== 0x3b) return -1;
  return n;
}

/** A Content-Length value (digits only, at most 15 of them), or -1 when malformed. */
export function parseContentLength(buf: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (!isDigit(b)) return -1;
    n = n * 10 + (b - 0x30);
  }
  return n;
}

/**
 * Content recognition for the first bytes of a flow. Client side: a request
 * line with a token method, a target and `HTTP/1.x` — or, when the bytes stop
 * early, a known method followed by a space. Server side: `HTTP/1.x NNN`.
 */
export function probeHttp(buf: Uint8Array, fromOrig: boolean): boolean {
  const end = buf.length;
  if (!fromOrig) return isHttp1StatusStart(buf, 0, end);
  let i = 0;
  while (i < end && i <= MAX_METHOD_LENGTH && isProbeMethodChar(buf[i]!)) i++;
  if (i === 0 || i > MAX_METHOD_LENGTH || i >= end || buf[i] !== SP) return false;
  const methodEnd = i;
  i++;
  const targetStart = i;
  while (i < end && buf[i]! > SP && buf[i]! < 0x7f) i++;
  // The bytes stopped inside the target: trust only a known method.
  if (i === end) return knownMethod(buf, 0, methodEnd);
  if (i === targetStart) return false;
  if (buf[i] === 0x0d || buf[i] === 0x0a) return knownMethod(buf, 0, methodEnd);
  if (buf[i] !== SP) return false;
  i++;
  const rest = end - i;
  const want = 'HTTP/1.';
  for (let k = 0; k < want.length && k < rest; k++) if (buf[i + k] !== want.charCodeAt(k)) return false;
  return rest >= want.length || knownMethod(buf, 0, methodEnd);
}

/**
 * A whole HTTP/1.x request line from the client, `METHOD SP target SP
 * HTTP/1.d` and its line end, in the first bytes: unmistakably HTTP,
 * whatever the port (ProtocolSpec.claims). Stricter than probeHttp: the
 * protocol part must be there, so an HTTP/0.9-looking line of another
 * protocol ("GET key" to a cache) never takes a port from its analyzer.
 */
export function claimsHttp(buf: Uint8Array, fromOrig: boolean): boolean {
  if (!fromOrig) return false;
  const end = buf.length;
  const e = http1RequestLineEnd(buf, 0, end);
  return e >= 0 && e < end && (buf[e] === 0x0d || buf[e] === 0x0a);
}

/**
 * True when the line is a whole `METHOD SP target SP HTTP/1.d` with a known
 * method, nothing after: where parsing resumes after bytes were lost. Strict
 * so that a body line is not taken for a request (the same shape claimsHttp
 * trusts, plus a method from KNOWN_METHODS); parseRequestLine accepts every
 * line this accepts.
 */
export function isHttp1RequestLine(buf: Uint8Array, start: number, end: number): boolean {
  if (http1RequestLineEnd(buf, start, end) !== end) return false;
  let methodEnd = start;
  while (buf[methodEnd] !== SP) methodEnd++;
  return knownMethod(buf, start, methodEnd);
}

/**
 * True when the bytes could still begin a line isHttp1RequestLine accepts,
 * judged on what is available: a known method, or the start of one.
 */
export function mayBeginRequestLine(buf: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  for (let m = 0; m < KNOWN_METHODS.length; m++) {
    const name = KNOWN_METHODS[m]!;
    const len = name.length;
    let k = 0;
    while (k < len && k < n && buf[start + k] === name.charCodeAt(k)) k++;
    if (k === n || (k === len && buf[start + len] === SP)) return true;
  }
  return false;
}

/**
 * True when the line is a reply's start line, `HTTP/1.d SP NNN` then its end
 * or a blank: where parsing resumes after bytes were lost. parseStatusLine
 * accepts every line this accepts.
 */
export function isHttp1StatusLine(buf: Uint8Array, start: number, end: number): boolean {
  if (!isHttp1StatusStart(buf, start, end)) return false;
  const after = start + 12;
  return after === end || buf[after] === SP || buf[after] === HTAB;
}

/** `HTTP/1.d SP NNN` at `start` (the protocol name in any case). */
function isHttp1StatusStart(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 12 || !startsWithIgnoreCase(buf, start, end, HTTP_SLASH)) return false;
  return (
    buf[start + 5] === 0x31 && buf[start + 6] === 0x2e && isDigit(buf[start + 7]!) && buf[start + 8] === SP &&
    isDigit(buf[start + 9]!) && isDigit(buf[start + 10]!) && isDigit(buf[start + 11]!)
  );
}

/**
 * Where `METHOD SP target SP HTTP/1.d` beginning at `start` ends (just
 * after the digit), or -1: method characters as isProbeMethodChar, a target
 * of visible ASCII without blanks.
 */
function http1RequestLineEnd(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && i - start <= MAX_METHOD_LENGTH && isProbeMethodChar(buf[i]!)) i++;
  if (i === start || i - start > MAX_METHOD_LENGTH || i >= end || buf[i] !== SP) return -1;
  i++;
  const targetStart = i;
  while (i < end && buf[i]! > SP && buf[i]! < 0x7f) i++;
  if (i === targetStart || i >= end || buf[i] !== SP) return -1;
  i++;
  const want = 'HTTP/1.';
  if (end - i < want.length + 1) return -1;
  for (let k = 0; k < want.length; k++) if (buf[i + k] !== want.charCodeAt(k)) return -1;
  i += want.length;
  return isDigit(buf[i]!) ? i + 1 : -1;
}

/** Upper-case letters, '-' and '_' (M-SEARCH, RPC_IN_DATA). */
function isProbeMethodChar(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || b === 0x2d || b === 0x5f;
}

/** True when buf[start, end) is one of KNOWN_METHODS. */
function knownMethod(buf: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  for (let m = 0; m < KNOWN_METHODS.length; m++) {
    const name = KNOWN_METHODS[m]!;
    if (name.length !== len) continue;
    let same = true;
    for (let k = 0; k < len; k++) {
      if (buf[start + k] !== name.charCodeAt(k)) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}
