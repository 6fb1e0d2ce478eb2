/**
 * SIP message heads (RFC 3261): the start line (request or status), the
 * headers the log and the sign-in rules need (compact forms included,
 * folded lines joined), and where the body starts. Bodies are not read,
 * only measured. Runs once per message; nothing here throws on bad input.
 */
import { isFoldedLine, newHeaderBounds, parseContentLength, parseHeaderLine } from '../http/parser.js';
import { logString } from '../wire-text.js';
import { COMPACT_HEADERS, MAX_FIELD, MAX_VIA } from './consts.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
/** "SIP/2.0" */
const SIP_VERSION = [0x53, 0x49, 0x50, 0x2f, 0x32, 0x2e, 0x30];
/** Longest method name accepted (REGISTER, SUBSCRIBE, NOTIFY... are short). */
const MAX_METHOD = 16;

export interface SipMessage {
  /** A request (method and URI set) or a response (code and reason set). */
  request: boolean;
  method: string;
  uri: string;
  code: number;
  reason: string;
  /** Via header values in order (at most MAX_VIA). */
  via: string[];
  from?: string;
  to?: string;
  callId?: string;
  /** The CSeq header as sent, and its number and method. */
  cseq?: string;
  cseqNum: number;
  cseqMethod: string;
  userAgent?: string;
  server?: string;
  date?: string;
  replyTo?: string;
  subject?: string;
  warning?: string;
  contentType?: string;
  /** Content-Length, or -1 when absent; -2 when present but not a number. */
  contentLength: number;
  /** An Authorization or Proxy-Authorization header was present. */
  credentials: boolean;
  /** Its digest `username`, when it named one. */
  credentialsUser?: string;
  /** A WWW-Authenticate or Proxy-Authenticate challenge said `stale=true` (the nonce expired, not the password). */
  stale: boolean;
  /** Index just past the blank line that ends the headers. */
  bodyStart: number;
}

/** True when `buf[i..end)` starts with "SIP/2.0" (case-insensitive). */
function isSipVersionAt(buf: Uint8Array, i: number, end: number): boolean {
  if (end - i < SIP_VERSION.length) return false;
  for (let k = 0; k < SIP_VERSION.length; k++) {
    let b = buf[i + k]!;
    if (b >= 0x61 && b <= 0x7a) b -= 0x20;
    if (b !== SIP_VERSION[k]) return false;
  }
  return true;
}

function lineEnd(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && buf[i] !== LF) i++;
  return i;
}

/** The end of a line's text (before CR LF or LF). */
function textEnd(buf: Uint8Array, start: number, lf: number): number {
  return lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
}

/**
 * Index just past the blank line that ends the header block starting at
 * `start`, or -1 when `buf[start..end)` holds no blank line yet.
 */
export function headerBlockEnd(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const lf = lineEnd(buf, i, end);
    if (lf >= end) return -1;
    if (textEnd(buf, i, lf) === i) return lf + 1;
    i = lf + 1;
  }
  return -1;
}

/** Whether the first line of `buf[start..end)` is a SIP request or status line (judged on the first line alone). */
export function looksLikeSip(buf: Uint8Array, start: number, end: number): boolean {
  const lf = lineEnd(buf, start, end);
  const e = textEnd(buf, start, lf);
  if (isSipVersionAt(buf, start, e)) {
    const c = start + SIP_VERSION.length;
    return e - c >= 4 && buf[c] === SP && isDigit(buf[c + 1]!) && isDigit(buf[c + 2]!) && isDigit(buf[c + 3]!);
  }
  // METHOD SP uri SP SIP/2.0
  let i = start;
  while (i < e && isUpper(buf[i]!)) i++;
  if (i === start || i - start > MAX_METHOD || i >= e || buf[i] !== SP) return false;
  return e - start > SIP_VERSION.length + 1 && buf[e - SIP_VERSION.length - 1] === SP && isSipVersionAt(buf, e - SIP_VERSION.length, e);
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

function isUpper(b: number): boolean {
  return b >= 0x41 && b <= 0x5a;
}

/** A header value for a log field: text, cut at MAX_FIELD characters. */
function field(buf: Uint8Array, start: number, end: number): string {
  return logString(buf, start, Math.min(end, start + MAX_FIELD));
}

/**
 * Parses the head `buf[start..headEnd)` (`headEnd` from headerBlockEnd).
 * Null when its first line is neither a SIP request nor a SIP status line.
 */
export function parseSipHead(buf: Uint8Array, start: number, headEnd: number): SipMessage | null {
  const firstLf = lineEnd(buf, start, headEnd);
  const firstEnd = textEnd(buf, start, firstLf);
  const msg: SipMessage = {
    request: false,
    method: '',
    uri: '',
    code: 0,
    reason: '',
    via: [],
    cseqNum: -1,
    cseqMethod: '',
    contentLength: -1,
    credentials: false,
    stale: false,
    bodyStart: headEnd,
  };
  if (!startLine(buf, start, firstEnd, msg)) return null;
  const hb = newHeaderBounds();
  let i = firstLf + 1;
  while (i < headEnd) {
    const lf = lineEnd(buf, i, headEnd);
    const e = textEnd(buf, i, lf);
    if (e === i) break;
    // Folded continuation lines belong to the header above (joined with one space, RFC 3261 7.3.1).
    let next = lf + 1;
    let folds: [number, number][] | null = null;
    while (next < headEnd) {
      const lf2 = lineEnd(buf, next, headEnd);
      const e2 = textEnd(buf, next, lf2);
      if (e2 === next || !isFoldedLine(buf, next, e2)) break;
      let f = next;
      while (f < e2 && (buf[f] === SP || buf[f] === HTAB)) f++;
      (folds ??= []).push([f, e2]);
      next = lf2 + 1;
    }
    if (parseHeaderLine(buf, i, e, hb)) {
      const vs = hb.valueStart;
      const ve = hb.valueEnd;
      const pieces = folds;
      const value =
        pieces === null
          ? () => field(buf, vs, ve)
          : () => {
              let v = logString(buf, vs, ve);
              for (const [a, b] of pieces) v += (v === '' ? '' : ' ') + logString(buf, a, b);
              return v.length > MAX_FIELD ? v.slice(0, MAX_FIELD) : v;
            };
      header(headerName(buf, i, hb.nameEnd), value, buf, vs, ve, pieces === null, msg);
    }
    i = next;
  }
  return msg;
}

function startLine(buf: Uint8Array, s: number, e: number, msg: SipMessage): boolean {
  if (isSipVersionAt(buf, s, e)) {
    let i = s + SIP_VERSION.length;
    if (i >= e || buf[i] !== SP) return false;
    i++;
    if (e - i < 3 || !isDigit(buf[i]!) || !isDigit(buf[i + 1]!) || !isDigit(buf[i + 2]!)) return false;
    msg.code = (buf[i]! - 0x30) * 100 + (buf[i + 1]! - 0x30) * 10 + (buf[i + 2]! - 0x30);
    if (msg.code < 100) return false;
    i += 3;
    if (i < e && buf[i] !== SP && buf[i] !== HTAB) return false;
    while (i < e && (buf[i] === SP || buf[i] === HTAB)) i++;
    msg.reason = field(buf, i, e);
    return true;
  }
  let i = s;
  while (i < e && isUpper(buf[i]!)) i++;
  if (i === s || i - s > MAX_METHOD || i >= e || buf[i] !== SP) return false;
  const vStart = e - SIP_VERSION.length;
  if (vStart <= i + 1 || buf[vStart - 1] !== SP || !isSipVersionAt(buf, vStart, e)) return false;
  msg.request = true;
  msg.method = logString(buf, s, i);
  let u = i + 1;
  let uEnd = vStart - 1;
  while (u < uEnd && buf[u] === SP) u++;
  while (uEnd > u && buf[uEnd - 1] === SP) uEnd--;
  if (uEnd === u) return false;
  msg.uri = field(buf, u, uEnd);
  return true;
}

/** Lower-case header name of `buf[s..e)`, compact forms expanded. */
function headerName(buf: Uint8Array, s: number, e: number): string {
  const n = logString(buf, s, e).toLowerCase();
  return e - s === 1 ? (COMPACT_HEADERS[n] ?? n) : n;
}

/**
 * Takes one header into `msg`. `value` makes the header's text (only for
 * the headers kept); a one-line Content-Length is read from the bytes.
 */
function header(name: string, value: () => string, buf: Uint8Array, vs: number, ve: number, oneLine: boolean, msg: SipMessage): void {
  switch (name) {
    case 'via':
      if (msg.via.length < MAX_VIA) msg.via.push(value());
      return;
    case 'from':
      msg.from ??= value();
      return;
    case 'to':
      msg.to ??= value();
      return;
    case 'call-id':
      msg.callId ??= value();
      return;
    case 'cseq':
      if (msg.cseq === undefined) cseq(value(), msg);
      return;
    case 'user-agent':
      msg.userAgent ??= value();
      return;
    case 'server':
      msg.server ??= value();
      return;
    case 'date':
      msg.date ??= value();
      return;
    case 'reply-to':
      msg.replyTo ??= value();
      return;
    case 'subject':
      msg.subject ??= value();
      return;
    case 'warning':
      msg.warning ??= value();
      return;
    case 'content-type':
      msg.contentType ??= value();
      return;
    case 'content-length': {
      if (msg.contentLength !== -1) return;
      const n = oneLine ? parseContentLength(buf, vs, ve) : -1;
      msg.contentLength = n < 0 ? -2 : n;
      return;
    }
    case 'authorization':
    case 'proxy-authorization': {
      msg.credentials = true;
      if (msg.credentialsUser === undefined) {
        const user = authParam(value(), 'username');
        if (user !== undefined && user !== '') msg.credentialsUser = user;
      }
      return;
    }
    case 'www-authenticate':
    case 'proxy-authenticate':
      if (authParam(value(), 'stale')?.toLowerCase() === 'true') msg.stale = true;
      return;
    default:
      return;
  }
}

function cseq(value: string, msg: SipMessage): void {
  msg.cseq = value;
  const m = /^(\d{1,10})\s+([A-Za-z]+)$/.exec(msg.cseq);
  if (m === null) return;
  msg.cseqNum = Number(m[1]);
  msg.cseqMethod = m[2]!.toUpperCase();
}

/**
 * The value of parameter `name` in a challenge or credentials header
 * (`Digest username="1002", realm="pbx", ...`): quoted values unquoted,
 * undefined when absent.
 */
export function authParam(value: string, name: string): string | undefined {
  // Skip the scheme word, then walk name=value pairs separated by commas.
  let i = value.indexOf(' ');
  if (i < 0) return undefined;
  const n = value.length;
  while (i < n) {
    while (i < n && (value[i] === ' ' || value[i] === ',' || value[i] === '\t')) i++;
    const eq = value.indexOf('=', i);
    if (eq < 0) return undefined;
    const key = value.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    while (j < n && value[j] === ' ') j++;
    let v: string;
    if (value[j] === '"') {
      let k = j + 1;
      let out = '';
      while (k < n && value[k] !== '"') {
        if (value[k] === '\\' && k + 1 < n) k++;
        out += value[k];
        k++;
      }
      v = out;
      i = k + 1;
    } else {
      let k = j;
      while (k < n && value[k] !== ',') k++;
      v = value.slice(j, k).trim();
      i = k;
    }
    if (key === name) return v;
  }
  return undefined;
}

/** The user part of the SIP or SIPS URI in a From/To value (`"Bob" <sip:1002@pbx>;tag=1` -> "1002"), or undefined. */
export function uriUser(value: string): string | undefined {
  const lt = value.indexOf('<');
  const from = lt >= 0 ? lt + 1 : 0;
  const lower = value.slice(from, from + 5).toLowerCase();
  const scheme = lower.startsWith('sips:') ? 5 : lower.startsWith('sip:') ? 4 : -1;
  if (scheme < 0) return undefined;
  const s = from + scheme;
  let e = s;
  while (e < value.length && value[e] !== '@' && value[e] !== '>' && value[e] !== ';') e++;
  if (value[e] !== '@' || e === s) return undefined;
  // A password in the URI (user:password@host) is never returned.
  const colon = value.indexOf(':', s);
  return value.slice(s, colon >= 0 && colon < e ? colon : e);
}
