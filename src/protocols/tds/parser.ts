/**
 * TDS packets of the login phase (MS-TDS): the packet header, PRELOGIN's
 * option list (the encryption each side offers), the LOGIN7 record (user,
 * host, application, database; the password only as "present", never
 * decoded), the pre-TDS 7 login record, and the token stream of the
 * server's answer to a login (LOGINACK, or an ERROR with its number and
 * text). Integers in the header and PRELOGIN are big-endian, everything
 * else little-endian. Pure functions; null for what does not parse.
 */
import { u16 as u16be } from '../../decode/bytes.js';
import { u16 as u16le, u32 as u32le, utf16Text } from '../smb/wire.js';
import { logString, printableText } from '../wire-text.js';
import { HEADER_LENGTH, MAX_BATCH_CHARS, MAX_TEXT, PreloginOption, Token } from './consts.js';

export interface PacketHeader {
  type: number;
  status: number;
  /** Whole packet length, header included. */
  length: number;
}

/** The header at `b[o..o+8)`; null when its length is impossible. Callers check that 8 bytes are there. */
export function packetHeader(b: Uint8Array, o: number): PacketHeader | null {
  const length = u16be(b, o + 2);
  return length < HEADER_LENGTH ? null : { type: b[o]!, status: b[o + 1]!, length };
}

/** The ENCRYPTION value of a PRELOGIN option list in `b[start, end)`; undefined when absent, null when the list does not parse. */
export function preloginEncryption(b: Uint8Array, start: number, end: number): number | undefined | null {
  let encryption: number | undefined;
  for (let i = start; ; i += 5) {
    if (i >= end) return null;
    const token = b[i]!;
    if (token === PreloginOption.TERMINATOR) return encryption;
    if (i + 5 > end) return null;
    const at = start + u16be(b, i + 1);
    const len = u16be(b, i + 3);
    if (at + len > end) return null;
    if (token === PreloginOption.ENCRYPTION && len >= 1) encryption = b[at]!;
  }
}

export interface TdsLogin {
  user?: string;
  host?: string;
  app?: string;
  database?: string;
  /** Windows integrated sign-in (SSPI: NTLM or Kerberos inside), no SQL password. */
  integrated: boolean;
  /** A SQL password was sent (LOGIN7 obfuscates it reversibly; pre-TDS 7 sends it plain). */
  hasPassword: boolean;
}

/** Offsets of LOGIN7's (offset, length) pairs. */
const L7_HOST = 36;
const L7_USER = 40;
const L7_PASSWORD = 44;
const L7_APP = 48;
const L7_DATABASE = 68;
/** The fixed part of a TDS 7.0 LOGIN7 record. */
const L7_MIN = 86;
/** OptionFlags2's fIntSecurity. */
const INTEGRATED_SECURITY = 0x80;

/** LOGIN7 field at pair `pair`: UTF-16LE text, or undefined when empty or out of the record. */
function login7Text(b: Uint8Array, start: number, len: number, pair: number): string | undefined {
  const at = u16le(b, start + pair);
  const chars = u16le(b, start + pair + 2);
  if (chars === 0 || at + chars * 2 > len) return undefined;
  return printableText(utf16Text(b, start + at, start + at + chars * 2), MAX_TEXT);
}

/** A LOGIN7 record in `b[start, end)`. */
export function parseLogin7(b: Uint8Array, start: number, end: number): TdsLogin | null {
  if (end - start < L7_MIN) return null;
  const len = u32le(b, start);
  if (len < L7_MIN || len > end - start) return null;
  const login: TdsLogin = {
    integrated: (b[start + 25]! & INTEGRATED_SECURITY) !== 0,
    hasPassword: u16le(b, start + L7_PASSWORD + 2) > 0,
  };
  const user = login7Text(b, start, len, L7_USER);
  const host = login7Text(b, start, len, L7_HOST);
  const app = login7Text(b, start, len, L7_APP);
  const database = login7Text(b, start, len, L7_DATABASE);
  if (user !== undefined) login.user = user;
  if (host !== undefined) login.host = host;
  if (app !== undefined) login.app = app;
  if (database !== undefined) login.database = database;
  return login;
}

/** Pre-TDS 7 login record fields: 30 bytes of text, then their length in one byte. */
const T4_HOST = 0;
const T4_USER = 31;
const T4_PASSWORD = 62;
const T4_FIELD = 30;
/** Up to the password's length byte. */
const T4_MIN = 93;

function tds4Text(b: Uint8Array, start: number, field: number): string | undefined {
  const n = Math.min(b[start + field + T4_FIELD]!, T4_FIELD);
  return n === 0 ? undefined : logString(b, start + field, start + field + n);
}

/** A pre-TDS 7 login record in `b[start, end)` (what old clients and some password guessers send). */
export function parseTds4Login(b: Uint8Array, start: number, end: number): TdsLogin | null {
  if (end - start < T4_MIN) return null;
  const login: TdsLogin = { integrated: false, hasPassword: b[start + T4_PASSWORD + T4_FIELD]! > 0 };
  const user = tds4Text(b, start, T4_USER);
  const host = tds4Text(b, start, T4_HOST);
  if (user !== undefined) login.user = user;
  if (host !== undefined) login.host = host;
  return login;
}

/** What a server's answer to a login says: LOGINACK (accepted) or the first ERROR. */
export interface LoginAnswer {
  accepted: boolean;
  /** The first ERROR token's number and text. */
  error?: { number: number; message: string };
}

/** Reads the token stream in `b[start, end)` up to a LOGINACK or an ERROR; null when neither is there (or a token is not known). */
export function loginAnswer(b: Uint8Array, start: number, end: number): LoginAnswer | null {
  let i = start;
  while (i < end) {
    const token = b[i]!;
    if (token === Token.DONE || token === Token.DONEPROC || token === Token.DONEINPROC) return null;
    if (token === Token.FEDAUTHINFO) {
      if (i + 5 > end) return null;
      i += 5 + u32le(b, i + 1);
      continue;
    }
    if (token !== Token.ERROR && token !== Token.INFO && token !== Token.LOGINACK && token !== Token.ENVCHANGE && token !== Token.SSPI) return null;
    if (i + 3 > end) return null;
    const len = u16le(b, i + 1);
    const body = i + 3;
    if (body + len > end) return null;
    if (token === Token.LOGINACK) return { accepted: true };
    if (token === Token.ERROR && len >= 8) {
      const number = u32le(b, body);
      const chars = u16le(b, body + 6);
      const textEnd = Math.min(body + 8 + chars * 2, body + len);
      return { accepted: false, error: { number, message: printableText(utf16Text(b, body + 8, textEnd), MAX_TEXT) } };
    }
    i = body + len;
  }
  return null;
}

/** The user a login failure names ("Login failed for user 'sa'."), when the login itself was not readable. */
export function userInLoginError(message: string): string | undefined {
  const m = /^Login failed for user '(.*)'\./.exec(message);
  return m?.[1] === undefined || m[1] === '' ? undefined : m[1];
}

/**
 * The SQL text of a SQL batch in `b[start, end)`: after ALL_HEADERS when the
 * batch has them (TDS 7.2 and later: a little-endian total length that fits,
 * where UTF-16 text would have a character there), without the white space
 * around it, as log text of at most MAX_BATCH_CHARS characters.
 */
export function batchText(b: Uint8Array, start: number, end: number): string {
  let at = start;
  if (end - start >= 4) {
    const headers = u32le(b, start);
    if (headers >= 4 && headers <= end - start && b[start + 2] === 0 && b[start + 3] === 0) at = start + headers;
  }
  const stop = Math.min(end, at + MAX_BATCH_CHARS * 2);
  return printableText(utf16Text(b, at, stop).trim(), MAX_BATCH_CHARS);
}

/** The TLS record at `b[o, end)`: its whole length, 0 while its header is incomplete, -1 when these bytes are not a TLS record. */
export function tlsRecordLength(b: Uint8Array, o: number, end: number): number {
  if (end - o < 5) return b[o]! >= 0x14 && b[o]! <= 0x17 ? 0 : -1;
  if (b[o]! < 0x14 || b[o]! > 0x17 || b[o + 1] !== 3) return -1;
  return 5 + u16be(b, o + 3);
}
