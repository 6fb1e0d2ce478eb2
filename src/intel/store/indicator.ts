/**
 * One indicator as Picket keeps it (in memory, in the local store, in a
 * source's snapshot), and the rules that turn listed text into a matchable
 * value: addresses in canonical text, CIDRs with host bits checked, domain
 * names lower-cased without the trailing dot and in ASCII (IDNA) form,
 * fingerprints (JA3, JA4, HASSH, certificate SHA-1 and SHA-256, file MD5,
 * SHA-1 and SHA-256) checked for their shape and lower-cased.
 * Every parser of lists, MISP feeds and MISP attributes goes through these,
 * so a name listed as "Evil.Example." matches a query for "evil.example".
 */
import { domainToASCII } from 'node:url';
import { parseCidr } from '../../config/cidr.js';
import { parseIp, formatV4 } from '../../config/ip.js';
import { ipv6ToString } from '../../decode/addr.js';
import { cutText, ownText } from '../../util/cut-text.js';
import type { FingerprintKind } from '../context.js';

export type { FingerprintKind } from '../context.js';
export type IndicatorKind = 'ip' | 'cidr' | 'domain' | 'url' | 'user-agent' | FingerprintKind;

export interface StoredIndicator {
  kind: IndicatorKind;
  /** The match key: canonical address, CIDR text, lower-case ASCII name, URL or user-agent as given. */
  value: string;
  /** The indicator as the source listed it, when that differs from `value` (e.g. "domain|ip" pairs). */
  listed?: string;
  /** Only indicators with `to_ids` raise alerts; the others enrich lookups. */
  to_ids: boolean;
  /** MISP attribute id (REST) or uuid (feeds): incremental pulls replace and delete by it. */
  id?: string;
  event_id?: string;
  event_info?: string;
  tags?: string[];
  /** The list's own words about the entry (a CSV reason or comment column), cut to MAX_COMMENT_LENGTH. */
  comment?: string;
}

/** DNS limits (RFC 1035 2.3.4): 253 characters of text, 63 per label. */
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** A user-agent longer than this is not a plausible indicator (HTTP servers cap request headers around 8 KiB). */
export const MAX_USER_AGENT_LENGTH = 8192;
/** URLs beyond this are refused (browsers and proxies stop well before). */
const MAX_URL_LENGTH = 8192;
/** A list's comment on an entry is kept up to this many characters (a reason or a family name, not a report). */
export const MAX_COMMENT_LENGTH = 200;

/**
 * Canonical address text ("192.0.2.1"; v6 as eight lower-case hex groups
 * without compression, so two spellings of one address give one key), or
 * null when `text` is not an address.
 */
export function canonicalIp(text: string): string | null {
  const p = parseIp(text.trim());
  if (p === null) return null;
  if (p.v === 4) return formatV4(p.words[0]!);
  return v6Text(p.words);
}

/** Eight hex groups, uncompressed: the v6 key of indexes and stores. */
export function v6Text(words: Uint32Array): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const w = words[i]!;
    s += (i === 0 ? '' : ':') + (w >>> 16).toString(16) + ':' + (w & 0xffff).toString(16);
  }
  return s;
}

/**
 * How an address or CIDR key is shown in alerts and lookups: IPv6 keys are
 * eight uncompressed groups, shown in the usual compressed form (RFC 5952)
 * as the logs write addresses; anything else unchanged.
 */
export function shownAddress(key: string): string {
  if (!key.includes(':')) return key;
  const slash = key.indexOf('/');
  const p = parseIp(slash < 0 ? key : key.slice(0, slash));
  if (p === null || p.v !== 6) return key;
  return ipv6ToString(p.words) + (slash < 0 ? '' : key.slice(slash));
}

/** A CIDR's canonical text, a bare address as itself, or null. Host bits set make it invalid. */
export function canonicalCidr(text: string): { kind: 'ip' | 'cidr'; value: string } | null {
  const t = text.trim();
  const slash = t.indexOf('/');
  if (slash < 0) {
    const ip = canonicalIp(t);
    return ip === null ? null : { kind: 'ip', value: ip };
  }
  const c = parseCidr(t);
  if (typeof c === 'string') return null;
  const net = c.v === 4 ? formatV4(c.words[0]!) : v6Text(c.words);
  if (c.prefix === (c.v === 4 ? 32 : 128)) return { kind: 'ip', value: net };
  return { kind: 'cidr', value: `${net}/${c.prefix}` };
}

function validLabel(label: string): boolean {
  if (label.length === 0 || label.length > MAX_LABEL_LENGTH) return false;
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    const ok =
      (c >= 97 && c <= 122) || // a-z
      (c >= 48 && c <= 57) || // 0-9
      c === 45 || // '-'
      c === 95; // '_' (service labels such as _dmarc occur in real lists)
    if (!ok) return false;
  }
  return true;
}

/**
 * Lower-case ASCII name without the trailing dot; "*.example.com" and
 * ".example.com" mean the same as "example.com" here (parents always match).
 * Needs at least two labels: a lone word is far more often a header or a
 * typo than a deliberately listed top-level domain. Null when invalid.
 */
export function normalizeDomain(text: string): string | null {
  let t = text.trim().toLowerCase();
  if (t.startsWith('*.')) t = t.slice(2);
  else if (t.startsWith('.')) t = t.slice(1);
  if (t.endsWith('.')) t = t.slice(0, -1);
  if (t.length === 0 || t.length > MAX_NAME_LENGTH * 4) return null;
  let ascii = t;
  for (let i = 0; i < t.length; i++) {
    if (t.charCodeAt(i) > 127) {
      ascii = domainToASCII(t);
      break;
    }
  }
  if (ascii.length === 0 || ascii.length > MAX_NAME_LENGTH) return null;
  const labels = ascii.split('.');
  if (labels.length < 2) return null;
  for (const l of labels) if (!validLabel(l)) return null;
  // An address is not a name (a "domain" list line "192.0.2.1" is a mistake worth reporting).
  if (canonicalIp(ascii) !== null) return null;
  return ascii;
}

/** Query-side normalisation (cheap: events carry lower-cased names already). */
export function queryName(name: string): string {
  let n = name;
  if (n.length > 0 && n.charCodeAt(n.length - 1) === 46) n = n.slice(0, -1);
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c >= 65 && c <= 90) return n.toLowerCase();
  }
  return n;
}

/** An http(s)/ftp URL as given (trimmed) with its host, or null. */
export function parseUrlIndicator(text: string): { url: string; host: string } | null {
  const t = text.trim();
  if (t.length === 0 || t.length > MAX_URL_LENGTH) return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return null;
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return null;
  }
  let host = u.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.length === 0) return null;
  const ip = canonicalIp(host);
  return { url: t, host: ip ?? host.toLowerCase() };
}

/** The kinds a free-standing token may be taken as when no kind is given. */
export type GuessedKind = 'ip' | 'cidr' | 'domain' | 'url' | 'file_md5' | 'file_sha1' | 'file_sha256';

/**
 * What a free-standing token is: an address, a CIDR, a URL, a domain name or
 * a file hash (in that order), for CSV and free-text feeds where the kind is
 * not given. A bare run of 32, 40 or 64 hex digits is taken as a file's MD5,
 * SHA-1 or SHA-256, as MISP's own free-text import does by default: in feeds
 * those are far more often hashes of malware samples than JA3, HASSH or
 * certificate digests, which MISP events carry in attributes of their own.
 */
export function classifyToken(token: string): { kind: GuessedKind; value: string } | null {
  const t = token.trim();
  if (t.length === 0) return null;
  const c = canonicalCidr(t);
  if (c !== null) return c;
  const u = parseUrlIndicator(t);
  if (u !== null) return { kind: 'url', value: u.url };
  const d = normalizeDomain(t);
  if (d !== null && !FILE_LIKE_SUFFIX.test(d) && PLAUSIBLE_TLD.test(d)) return { kind: 'domain', value: d };
  return fileHashOf(t);
}

/** A bare file hash by its length (32, 40 or 64 hex digits, any case), lower-cased; null for anything else. */
function fileHashOf(text: string): { kind: 'file_md5' | 'file_sha1' | 'file_sha256'; value: string } | null {
  const t = text.trim().toLowerCase();
  if (MD5_HEX.test(t)) return { kind: 'file_md5', value: ownText(t) };
  if (SHA1_HEX.test(t)) return { kind: 'file_sha1', value: ownText(t) };
  if (SHA256_HEX.test(t)) return { kind: 'file_sha256', value: ownText(t) };
  return null;
}

/**
 * When the kind is guessed, a name must end in a plausible top-level domain:
 * letters only, two or more (or an IDNA "xn--" label). Prose holds "e.g.",
 * "i.e.", version numbers ("1.2.3") and initials ("a.b") that are valid
 * label sequences but no one's domain.
 */
const PLAUSIBLE_TLD = /\.(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * File names look like domain names ("invoice.exe"). In free text they are
 * far more often files than hosts, so these endings are not taken as names
 * when the kind is guessed (an explicit domain list still accepts them).
 */
const FILE_LIKE_SUFFIX = /\.(exe|dll|sys|scr|bat|cmd|ps1|vbs|js|jar|doc|docx|xls|xlsx|pdf|rtf|txt|log|tmp|bin|dat|lnk|hta|msi|php|html?|aspx?|jsp|png|jpe?g|gif|zip|rar|7z|gz|tar|iso|img|py|sh|md|json|xml|ya?ml|csv|cfg|conf|ini)$/;

/** JA3, both HASSH kinds and a file's MD5: an MD5 in hex. */
const MD5_HEX = /^[0-9a-f]{32}$/;
/** A certificate's or a file's SHA-1 and SHA-256, in hex (x509.log's `sha1` and `fingerprint`; files.log's `sha1` and `sha256`). */
const SHA1_HEX = /^[0-9a-f]{40}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/**
 * JA4 (TLS client) in its hashed text form, lower-cased: transport (t, q or
 * d), two version characters, SNI (d or i), two-digit cipher and extension
 * counts, two ALPN characters; then two 12-hex-digit hashes, each after an
 * underscore. The raw forms (ja4_r, ja4_o) are not fingerprints anyone
 * shares and are refused.
 */
const JA4_TEXT = /^[tqd][0-9a-z]{2}[di][0-9]{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/;

/** The shape of each kind's values, lower-cased. */
const FINGERPRINT_FORMS: Readonly<Record<FingerprintKind, RegExp>> = {
  ja3: MD5_HEX,
  ja3s: MD5_HEX,
  ja4: JA4_TEXT,
  hassh: MD5_HEX,
  hassh_server: MD5_HEX,
  cert_sha1: SHA1_HEX,
  cert_sha256: SHA256_HEX,
  file_md5: MD5_HEX,
  file_sha1: SHA1_HEX,
  file_sha256: SHA256_HEX,
};

/**
 * Hex bytes joined by colons, the way openssl ("SHA1 Fingerprint=AB:CD:...")
 * and browsers print a certificate's fingerprint: written without the
 * colons, the digest as everyone else lists it.
 */
const COLON_HEX = /^[0-9a-f]{2}(?::[0-9a-f]{2})+$/;

function withoutColons(t: string): string {
  return COLON_HEX.test(t) ? t.replace(/:/g, '') : t;
}

/**
 * The text of a fingerprint as the index keys it (lower case, certificate
 * digests without colons, a string of its own rather than a slice of the
 * list it was read from), or null when it does not have the kind's shape.
 * File hashes are taken as bare hex only: nobody writes them with colons.
 */
export function normalizeFingerprint(kind: FingerprintKind, text: string): string | null {
  let t = text.trim().toLowerCase();
  if (kind === 'cert_sha1' || kind === 'cert_sha256') t = withoutColons(t);
  return FINGERPRINT_FORMS[kind].test(t) ? ownText(t) : null;
}

/**
 * The fingerprint kinds a free-standing value could be: an MD5 may be a JA3,
 * a JA3S, either HASSH or a file's MD5; a JA4 only a JA4; 40 hex digits a
 * certificate's or a file's SHA-1, 64 their SHA-256. With colons between
 * the bytes, 40 or 64 hex digits are a certificate digest only (the way
 * openssl prints one; nobody writes file hashes so).
 */
export function fingerprintKindsOf(text: string): FingerprintKind[] {
  const t = text.trim().toLowerCase();
  if (MD5_HEX.test(t)) return ['ja3', 'ja3s', 'hassh', 'hassh_server', 'file_md5'];
  if (JA4_TEXT.test(t)) return ['ja4'];
  if (SHA1_HEX.test(t)) return ['cert_sha1', 'file_sha1'];
  if (SHA256_HEX.test(t)) return ['cert_sha256', 'file_sha256'];
  const hex = withoutColons(t);
  if (SHA1_HEX.test(hex)) return ['cert_sha1'];
  if (SHA256_HEX.test(hex)) return ['cert_sha256'];
  return [];
}

/** Query-side form of a fingerprint: lower case, without copying a value that already is (the usual case). */
export function queryFingerprint(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 65 && c <= 90) return value.toLowerCase();
  }
  return value;
}

/**
 * A list's comment on an entry: trimmed, cut, absent when empty or "n/a"
 * (MalwareBazaar's word for an unknown signature); a string of its own (it
 * outlives the list text).
 */
export function listComment(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t.length === 0 || t.toLowerCase() === 'n/a') return undefined;
  return t.length > MAX_COMMENT_LENGTH ? cutText(t, MAX_COMMENT_LENGTH) : ownText(t);
}
