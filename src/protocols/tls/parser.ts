/**
 * Pure parsers for the TLS handshake messages Picket reads in clear:
 * ClientHello (everything JA3/JA4 and ssl.log need), ServerHello (version,
 * cipher, key share group, ALPN, resumption hints), the certificates of a
 * (TLS 1.2 and earlier, cleartext) Certificate message and the curve named
 * in an ECDHE ServerKeyExchange. Input is one complete handshake message body;
 * output is a plain object or an anomaly code. Never throws.
 */
import { Ext, HRR_RANDOM, MAX_CHAIN_CERTIFICATES, MAX_LIST_ENTRIES, MAX_NAME_LENGTH, TlsAnomaly } from './consts.js';
import { logString } from '../wire-text.js';
import { u16, u24 } from '../../decode/bytes.js';

export interface ClientHello {
  /** legacy_version (JA3's SSLVersion). */
  version: number;
  sessionId: Uint8Array;
  ciphers: number[];
  /** Extension types in wire order. */
  extensions: number[];
  /** First host_name in server_name, when present. */
  serverName?: string;
  /** The server_name extension was present (even if empty or unreadable). */
  hasSni: boolean;
  alpn: string[];
  /** First ALPN value as raw bytes (JA4 reads its first and last byte). */
  alpnFirst?: Uint8Array;
  supportedVersions: number[];
  groups: number[];
  pointFormats: number[];
  signatureAlgorithms: number[];
}

export interface ServerHello {
  /** legacy_version field. */
  legacyVersion: number;
  /** Negotiated version: supported_versions when present, else legacy_version. */
  version: number;
  sessionId: Uint8Array;
  cipher: number;
  extensions: number[];
  /** Group of the server's key share (TLS 1.3). */
  keyShareGroup?: number;
  /** Protocol the server selected with ALPN. */
  alpn?: string;
  /** pre_shared_key accepted (TLS 1.3 resumption). */
  pskAccepted: boolean;
  /** This ServerHello is a HelloRetryRequest. */
  helloRetry: boolean;
}

/** Reads a list of 16-bit values from `b[start..end)`, bounded. */
function readU16List(b: Uint8Array, start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i + 1 < end && out.length < MAX_LIST_ENTRIES; i += 2) out.push(u16(b, i));
  return out;
}

export function parseClientHello(b: Uint8Array): ClientHello | string {
  const bad = TlsAnomaly.BAD_CLIENT_HELLO;
  const n = b.length;
  if (n < 2 + 32 + 1) return bad;
  const version = u16(b, 0);
  let i = 34;
  const sidLen = b[i]!;
  i++;
  if (sidLen > 32 || i + sidLen > n) return bad;
  const sessionId = b.slice(i, i + sidLen);
  i += sidLen;
  if (i + 2 > n) return bad;
  const csLen = u16(b, i);
  i += 2;
  if (csLen % 2 !== 0 || i + csLen > n) return bad;
  const ciphers = readU16List(b, i, i + csLen);
  i += csLen;
  if (i + 1 > n) return bad;
  const compLen = b[i]!;
  i += 1 + compLen;
  if (i > n) return bad;
  const hello: ClientHello = {
    version,
    sessionId,
    ciphers,
    extensions: [],
    hasSni: false,
    alpn: [],
    supportedVersions: [],
    groups: [],
    pointFormats: [],
    signatureAlgorithms: [],
  };
  if (!readExtensions(b, i, hello.extensions, hello, clientExtension)) return bad;
  return hello;
}

/** What one extension's data [ds, de) says, written into `into`. */
type ExtensionReader<T> = (b: Uint8Array, type: number, ds: number, de: number, into: T) => void;

/**
 * Reads the extensions block at `i`, which ends the hello `b` (optional:
 * none before TLS 1.2, RFC 5246 section 7.4.1.2): each extension's type goes
 * to `types` (bounded) and its data to `read`. False when the block's length
 * overruns the message or its entries do not fill it exactly.
 */
function readExtensions<T>(b: Uint8Array, i: number, types: number[], into: T, read: ExtensionReader<T>): boolean {
  const n = b.length;
  if (i === n) return true;
  if (i + 2 > n) return false;
  const extEnd = i + 2 + u16(b, i);
  i += 2;
  if (extEnd > n) return false;
  while (i + 4 <= extEnd) {
    const type = u16(b, i);
    const len = u16(b, i + 2);
    const ds = i + 4;
    const de = ds + len;
    if (de > extEnd) return false;
    if (types.length < MAX_LIST_ENTRIES) types.push(type);
    read(b, type, ds, de, into);
    i = de;
  }
  return i === extEnd;
}

function clientExtension(b: Uint8Array, type: number, ds: number, de: number, hello: ClientHello): void {
  switch (type) {
    case Ext.SERVER_NAME:
      hello.hasSni = true;
      readServerName(b, ds, de, hello);
      break;
    case Ext.SUPPORTED_GROUPS:
      if (de - ds >= 2) hello.groups = readU16List(b, ds + 2, Math.min(de, ds + 2 + u16(b, ds)));
      break;
    case Ext.EC_POINT_FORMATS:
      if (de - ds >= 1) {
        const e = Math.min(de, ds + 1 + b[ds]!);
        for (let k = ds + 1; k < e; k++) hello.pointFormats.push(b[k]!);
      }
      break;
    case Ext.SIGNATURE_ALGORITHMS:
      if (de - ds >= 2) hello.signatureAlgorithms = readU16List(b, ds + 2, Math.min(de, ds + 2 + u16(b, ds)));
      break;
    case Ext.ALPN:
      readAlpn(b, ds, de, hello);
      break;
    case Ext.SUPPORTED_VERSIONS:
      if (de - ds >= 1) hello.supportedVersions = readU16List(b, ds + 1, Math.min(de, ds + 1 + b[ds]!));
      break;
    default:
      break;
  }
}

function readServerName(b: Uint8Array, ds: number, de: number, hello: ClientHello): void {
  if (de - ds < 2) return;
  const end = Math.min(de, ds + 2 + u16(b, ds));
  let k = ds + 2;
  while (k + 3 <= end) {
    const nameType = b[k]!;
    const len = u16(b, k + 1);
    const s = k + 3;
    if (s + len > end) return;
    if (nameType === 0 && hello.serverName === undefined) {
      hello.serverName = logString(b, s, s + Math.min(len, MAX_NAME_LENGTH));
      return;
    }
    k = s + len;
  }
}

function readAlpn(b: Uint8Array, ds: number, de: number, hello: ClientHello): void {
  if (de - ds < 2) return;
  const end = Math.min(de, ds + 2 + u16(b, ds));
  let k = ds + 2;
  while (k + 1 <= end && hello.alpn.length < MAX_LIST_ENTRIES) {
    const len = b[k]!;
    const s = k + 1;
    if (s + len > end) return;
    if (hello.alpnFirst === undefined) hello.alpnFirst = b.slice(s, s + len);
    hello.alpn.push(logString(b, s, s + Math.min(len, MAX_NAME_LENGTH)));
    k = s + len;
  }
}

export function parseServerHello(b: Uint8Array): ServerHello | string {
  const bad = TlsAnomaly.BAD_SERVER_HELLO;
  const n = b.length;
  if (n < 2 + 32 + 1) return bad;
  const legacyVersion = u16(b, 0);
  let helloRetry = true;
  for (let k = 0; k < 32; k++) {
    if (b[2 + k] !== HRR_RANDOM[k]) {
      helloRetry = false;
      break;
    }
  }
  let i = 34;
  // TLS 1.3 drafts before 22 dropped session_id from ServerHello.
  const draftNoSession = legacyVersion >> 8 === 0x7f && (legacyVersion & 0xff) < 22;
  let sessionId = new Uint8Array(0);
  if (!draftNoSession) {
    const sidLen = b[i]!;
    i++;
    if (sidLen > 32 || i + sidLen > n) return bad;
    sessionId = b.slice(i, i + sidLen);
    i += sidLen;
  }
  if (i + 2 > n) return bad;
  const cipher = u16(b, i);
  i += 2;
  if (!draftNoSession) {
    if (i + 1 > n) return bad;
    i++; // compression method
  }
  const sh: ServerHello = {
    legacyVersion,
    version: legacyVersion,
    sessionId,
    cipher,
    extensions: [],
    pskAccepted: false,
    helloRetry,
  };
  const reading: ServerHelloReading = { sh, oldKeyShare: undefined };
  if (!readExtensions(b, i, sh.extensions, reading, serverExtension)) return bad;
  // Drafts before 23 carried key_share as extension 40.
  if (sh.keyShareGroup === undefined && reading.oldKeyShare !== undefined) sh.keyShareGroup = reading.oldKeyShare;
  return sh;
}

/** A ServerHello being read, with the draft key share kept aside until the end. */
interface ServerHelloReading {
  sh: ServerHello;
  oldKeyShare: number | undefined;
}

function serverExtension(b: Uint8Array, type: number, ds: number, de: number, r: ServerHelloReading): void {
  const sh = r.sh;
  const len = de - ds;
  switch (type) {
    case Ext.SUPPORTED_VERSIONS:
      if (len >= 2) sh.version = u16(b, ds);
      break;
    case Ext.KEY_SHARE:
      if (len >= 2) sh.keyShareGroup = u16(b, ds);
      break;
    case Ext.KEY_SHARE_OLD:
      if (len >= 2) r.oldKeyShare = u16(b, ds);
      break;
    case Ext.ALPN:
      if (len >= 3) {
        const l = b[ds + 2]!;
        if (ds + 3 + l <= de) sh.alpn = logString(b, ds + 3, ds + 3 + Math.min(l, MAX_NAME_LENGTH));
      }
      break;
    case Ext.PRE_SHARED_KEY:
      sh.pskAccepted = true;
      break;
    default:
      break;
  }
}

/** Named-curve type in ECParameters (RFC 8422 section 5.4). */
const EC_CURVE_TYPE_NAMED = 3;

/** The curve an ECDHE ServerKeyExchange names, or -1 when it names none. */
export function serverKeyExchangeCurve(b: Uint8Array): number {
  if (b.length < 3 || b[0] !== EC_CURVE_TYPE_NAMED) return -1;
  return u16(b, 1);
}

/**
 * The DER certificates of a Certificate message (TLS 1.2 and earlier: a
 * 3-byte list length, then each certificate with a 3-byte length), leaf
 * first, at most MAX_CHAIN_CERTIFICATES. Views into `b`.
 */
export function parseCertificateList(b: Uint8Array): Uint8Array[] | string {
  const bad = TlsAnomaly.BAD_CERTIFICATE_MESSAGE;
  if (b.length < 3) return bad;
  const end = 3 + u24(b, 0);
  if (end !== b.length) return bad;
  const out: Uint8Array[] = [];
  let i = 3;
  while (i + 3 <= end && out.length < MAX_CHAIN_CERTIFICATES) {
    const len = u24(b, i);
    i += 3;
    if (len === 0 || i + len > end) return bad;
    out.push(b.subarray(i, i + len));
    i += len;
  }
  return out;
}
