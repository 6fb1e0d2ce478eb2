/**
 * Plain indicator lists: one domain, address, CIDR, URL, client fingerprint
 * (JA3, JA4, HASSH), certificate fingerprint (SHA-1, SHA-256) or file hash
 * (MD5, SHA-1, SHA-256) a line, as text or CSV. Lines starting with # or ;
 * are comments; the rest of a line after " #" or " ;" is the entry's
 * comment (alerts quote it, as they quote a CSV note column). In CSV the
 * value is the first column, or the column whose header is named like the
 * kind ("ip", "dst_ip", "domain", "cidr", "ja3_md5", "sha1", abuse.ch
 * MalwareBazaar's "sha256_hash"...), and a column headed like a note
 * ("comment", "reason", abuse.ch's "Listingreason", "malware") is kept as
 * the entry's comment, which alerts quote. The header may be a row of its
 * own or, as abuse.ch writes them, the comment line right before the first
 * entry ("# ja3_md5,Firstseen,Lastseen,Listingreason", or
 * "# Listingdate,SHA1,Listingreason" in the certificate blacklist). Hosts
 * files ("0.0.0.0 bad.example") work as domain lists. A line that holds no
 * valid value is counted and a sample kept with its line number, never fatal:
 * a feed with one broken line still protects with the rest. Free text (MISP
 * "freetext" feeds) is read token by token, taking whatever is an indicator.
 */
import { canonicalCidr, classifyToken, listComment, normalizeDomain, normalizeFingerprint, parseUrlIndicator, type FingerprintKind, type StoredIndicator } from '../store/indicator.js';

export type ListKind = 'ip' | 'cidr' | 'domain' | 'url' | FingerprintKind | 'auto';

export interface BadLine {
  line: number;
  reason: string;
  /** The offending line, cut to MAX_BAD_TEXT characters. */
  text: string;
}

export interface ParsedList {
  indicators: StoredIndicator[];
  /** The first MAX_BAD_SAMPLES bad lines. */
  bad: BadLine[];
  /** All bad lines. */
  badCount: number;
  /** Lines read (comments and blanks included). */
  lines: number;
}

/** Bad lines kept for reports; the rest are only counted (a wrong file could have millions). */
export const MAX_BAD_SAMPLES = 20;
/** Characters of a bad line kept in a report. */
const MAX_BAD_TEXT = 120;
/** Longer lines are refused: no indicator is this long and binary junk would be. */
const MAX_LINE_LENGTH = 8192;

/** Header names that mark the value column of a CSV list, by kind. */
const HEADER_NAMES: Readonly<Record<ListKind, readonly string[]>> = {
  ip: ['ip', 'ip_address', 'ipaddress', 'ip-address', 'address', 'addr', 'dst_ip', 'dstip', 'ip-dst', 'ip_dst', 'src_ip', 'ip-src', 'host', 'indicator', 'value', 'ioc'],
  cidr: ['cidr', 'network', 'net', 'prefix', 'subnet', 'range', 'ip', 'address', 'indicator', 'value', 'ioc'],
  domain: ['domain', 'domain_name', 'domainname', 'hostname', 'host', 'fqdn', 'name', 'dns', 'indicator', 'value', 'ioc'],
  // abuse.ch URLhaus's CSV export heads its column "url" (and "threat", kept as the comment).
  url: ['url', 'uri', 'link', 'indicator', 'value', 'ioc'],
  auto: ['indicator', 'value', 'ioc', 'ip', 'domain', 'hostname', 'host', 'url', 'dst_ip', 'ip-dst', 'address', 'sha256', 'sha256_hash', 'sha1', 'sha1_hash', 'md5', 'md5_hash', 'hash'],
  ja3: ['ja3', 'ja3_md5', 'ja3-md5', 'ja3_hash', 'ja3-fingerprint-md5', 'fingerprint', 'md5', 'hash', 'indicator', 'value', 'ioc'],
  ja3s: ['ja3s', 'ja3s_md5', 'ja3s-md5', 'ja3s_hash', 'ja3s-fingerprint-md5', 'fingerprint', 'md5', 'hash', 'indicator', 'value', 'ioc'],
  ja4: ['ja4', 'ja4_fingerprint', 'ja4-fingerprint', 'fingerprint', 'indicator', 'value', 'ioc'],
  hassh: ['hassh', 'hassh_md5', 'hassh-md5', 'fingerprint', 'md5', 'hash', 'indicator', 'value', 'ioc'],
  hassh_server: ['hassh_server', 'hasshserver', 'hassh_server_md5', 'hasshserver-md5', 'fingerprint', 'md5', 'hash', 'indicator', 'value', 'ioc'],
  cert_sha1: ['sha1', 'sha1_fingerprint', 'sha1-fingerprint', 'x509-fingerprint-sha1', 'cert_sha1', 'certificate_sha1', 'fingerprint', 'hash', 'indicator', 'value', 'ioc'],
  // "fingerprint" is x509.log's name for the SHA-256.
  cert_sha256: ['sha256', 'sha256_fingerprint', 'sha256-fingerprint', 'x509-fingerprint-sha256', 'cert_sha256', 'certificate_sha256', 'fingerprint', 'hash', 'indicator', 'value', 'ioc'],
  // abuse.ch MalwareBazaar's CSV exports name the columns sha256_hash, md5_hash and sha1_hash.
  file_md5: ['md5', 'md5_hash', 'md5sum', 'file_md5', 'hash', 'indicator', 'value', 'ioc'],
  file_sha1: ['sha1', 'sha1_hash', 'sha1sum', 'file_sha1', 'hash', 'indicator', 'value', 'ioc'],
  file_sha256: ['sha256', 'sha256_hash', 'sha256sum', 'file_sha256', 'hash', 'indicator', 'value', 'ioc'],
};

/** Header names of a CSV column whose text is kept as the entry's comment (first found wins; MalwareBazaar's "signature" is the malware family). */
const COMMENT_HEADER_NAMES: readonly string[] = ['listingreason', 'listing_reason', 'reason', 'comment', 'comments', 'description', 'note', 'notes', 'malware', 'malware_family', 'family', 'threat', 'signature'];

/** What the kind's values are, for bad-line reasons. */
const FINGERPRINT_SHAPES: Readonly<Record<FingerprintKind, string>> = {
  ja3: 'not a JA3 fingerprint (32 hex digits)',
  ja3s: 'not a JA3S fingerprint (32 hex digits)',
  ja4: 'not a JA4 fingerprint (like t13d1516h2_8daaf6152771_b186095e22b6)',
  hassh: 'not a HASSH fingerprint (32 hex digits)',
  hassh_server: 'not a HASSH server fingerprint (32 hex digits)',
  cert_sha1: 'not a certificate SHA-1 (40 hex digits, or 20 hex pairs joined by colons)',
  cert_sha256: 'not a certificate SHA-256 (64 hex digits, or 32 hex pairs joined by colons)',
  file_md5: 'not a file MD5 (32 hex digits)',
  file_sha1: 'not a file SHA-1 (40 hex digits)',
  file_sha256: 'not a file SHA-256 (64 hex digits)',
};

export interface ParseListOptions {
  /** Read as CSV (default: when a line holds a comma). */
  csv?: boolean;
  /** `to_ids` of every indicator (plain lists are for alerting: default true). */
  to_ids?: boolean;
}

/** Splits one CSV row (RFC 4180 quoting: "a,b" and "" for a quote). */
export function splitCsvRow(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += c;
    } else if (c === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Where a trailing comment (" #" or " ;") starts in `line`, or -1. */
function commentStart(line: string): number {
  for (let i = 1; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c === 35 || c === 59) && (line.charCodeAt(i - 1) === 32 || line.charCodeAt(i - 1) === 9)) return i;
  }
  return -1;
}

function isComment(t: string): boolean {
  return t.length === 0 || t.charCodeAt(0) === 35 || t.charCodeAt(0) === 59;
}

/** The value of `token` as an indicator of `kind`, or the reason it is not one. */
function valueOf(token: string, kind: ListKind): { kind: StoredIndicator['kind']; value: string } | string {
  if (token.length === 0) return 'empty value';
  switch (kind) {
    case 'ip':
    case 'cidr': {
      const c = canonicalCidr(token);
      if (c !== null) return c;
      return token.includes('/') ? 'not a CIDR (or host bits set)' : 'not an IP address';
    }
    case 'domain': {
      const d = normalizeDomain(token);
      return d === null ? 'not a domain name' : { kind: 'domain', value: d };
    }
    case 'url': {
      const u = parseUrlIndicator(token);
      return u === null ? 'not a URL (scheme://host/...)' : { kind: 'url', value: u.url };
    }
    case 'auto': {
      const v = classifyToken(token);
      return v === null ? 'not an IP, CIDR, URL, domain name or file hash' : v;
    }
    case 'ja3':
    case 'ja3s':
    case 'ja4':
    case 'hassh':
    case 'hassh_server':
    case 'cert_sha1':
    case 'cert_sha256':
    case 'file_md5':
    case 'file_sha1':
    case 'file_sha256': {
      const f = normalizeFingerprint(kind, token);
      return f === null ? FINGERPRINT_SHAPES[kind] : { kind, value: f };
    }
  }
}

/**
 * Header names any kind may use. A column named after the kind itself wins
 * over these: an export of x509.log holds both `fingerprint` (the SHA-256)
 * and `sha1`, and a `kind: cert_sha1` list means the second.
 */
const GENERIC_HEADER_NAMES: readonly string[] = ['fingerprint', 'md5', 'hash', 'indicator', 'value', 'ioc'];

/** Where a header row puts the value and the comment, or null when `cells` is not a header of this kind. */
function headerColumns(cells: readonly string[], kind: ListKind): { value: number; comment: number } | null {
  const names = HEADER_NAMES[kind];
  const named = cells.findIndex((c) => {
    const n = c.toLowerCase();
    return names.includes(n) && !GENERIC_HEADER_NAMES.includes(n);
  });
  const at = named >= 0 ? named : cells.findIndex((c) => names.includes(c.toLowerCase()));
  // A header cell that is itself a valid value ("ja3" is no fingerprint, but "host" could be a name) is data.
  if (at < 0 || typeof valueOf(cells[at]!, kind) !== 'string') return null;
  const comment = cells.findIndex((c, i) => i !== at && COMMENT_HEADER_NAMES.includes(c.toLowerCase()));
  return { value: at, comment };
}

/** The cells of a comment line that may be a commented CSV header ("# ja3_md5,Firstseen,Lastseen,Listingreason"), or null. */
function commentedHeader(trimmed: string): string[] | null {
  const body = trimmed.replace(/^[#;]+/, '').trim();
  return body.includes(',') ? splitCsvRow(body) : null;
}

export function parseList(text: string, kind: ListKind, opts: ParseListOptions = {}): ParsedList {
  const toIds = opts.to_ids ?? true;
  const indicators: StoredIndicator[] = [];
  const bad: BadLine[] = [];
  let badCount = 0;
  const seen = new Set<string>();
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  // A final newline leaves one empty element: not a line.
  const count = lines.length > 0 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  let column = 0;
  let commentColumn = -1;
  let headerDone = false;
  /** The comment line just before the first entry, split as CSV: abuse.ch's lists carry their header there. */
  let lastComment: string[] | null = null;
  const fail = (line: number, reason: string, raw: string): void => {
    badCount++;
    if (bad.length < MAX_BAD_SAMPLES) bad.push({ line, reason, text: raw.slice(0, MAX_BAD_TEXT) });
  };
  for (let i = 0; i < count; i++) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    if (raw.length > MAX_LINE_LENGTH) {
      fail(lineNo, 'line too long', raw);
      continue;
    }
    const trimmed = raw.trim();
    if (trimmed.length === 0) continue;
    if (isComment(trimmed)) {
      if (!headerDone) lastComment = commentedHeader(trimmed);
      continue;
    }
    let token: string;
    let comment: string | undefined;
    const csv = opts.csv ?? trimmed.includes(',');
    if (csv) {
      const cells = splitCsvRow(trimmed);
      if (!headerDone) {
        headerDone = true;
        const own = headerColumns(cells, kind);
        const header = own ?? (lastComment !== null ? headerColumns(lastComment, kind) : null);
        if (header !== null) {
          column = header.value;
          commentColumn = header.comment;
        }
        if (own !== null) continue;
      }
      token = cells[column] ?? '';
      if (commentColumn >= 0) comment = listComment(cells[commentColumn]);
    } else {
      headerDone = true;
      // A trailing note ("203.0.113.5  # emotet C2") is kept as the entry's comment, which alerts quote.
      const at = commentStart(trimmed);
      const parts = (at < 0 ? trimmed : trimmed.slice(0, at)).trim().split(/\s+/);
      if (at >= 0) comment = listComment(trimmed.slice(at + 1).replace(/^[#;]+/, ''));
      token = parts[0]!;
      // Hosts-file lines ("0.0.0.0 bad.example") name the domain second.
      if (kind === 'domain' && parts.length >= 2 && canonicalCidr(token)?.kind === 'ip') token = parts[1]!;
    }
    const v = valueOf(token, kind);
    if (typeof v === 'string') {
      fail(lineNo, v, raw);
      continue;
    }
    const key = `${v.kind}\u0000${v.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ind: StoredIndicator = { kind: v.kind, value: v.value, to_ids: toIds };
    if (comment !== undefined) ind.comment = comment;
    indicators.push(ind);
  }
  return { indicators, bad, badCount, lines: count };
}

/** "203.0.113.9:443", "[2001:db8::5]:8443" (its "[" already cut), "c2.example:8080": the address or name. */
function hostOfHostPort(token: string): { kind: 'ip' | 'domain'; value: string } | null {
  const m = /^\[?([^\[\]\s]+?)\]?:[0-9]{1,5}$/.exec(token);
  if (m === null) return null;
  const host = m[1]!;
  // An IPv6 address needs its brackets before a port: "2001:db8::5:443" is one address.
  if (host.includes(':') && !token.includes(']')) return null;
  const v = classifyToken(host);
  return v !== null && (v.kind === 'ip' || v.kind === 'domain') ? { kind: v.kind, value: v.value } : null;
}

/**
 * Free text (MISP "freetext" feeds, pasted reports): every whitespace-,
 * comma- or semicolon-separated token that is an address, CIDR, URL,
 * domain name or file hash (32, 40 or 64 hex digits: a file's MD5, SHA-1
 * or SHA-256, see classifyToken), or an address or name with a port. Other
 * words are prose, not errors, and are not counted.
 */
export function parseFreeText(text: string, opts: { to_ids?: boolean } = {}): StoredIndicator[] {
  const toIds = opts.to_ids ?? true;
  const out: StoredIndicator[] = [];
  const seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t.length === 0 || t.charCodeAt(0) === 35 || t.length > MAX_LINE_LENGTH) continue;
    for (const rawToken of t.split(/[\s,;]+/)) {
      // Refanged forms are common in reports: hxxp://, example[.]com.
      const token = rawToken
        .replace(/^[("'<[]+|[)"'>\].!?]+$/g, '')
        .replace(/\[\.\]|\(\.\)/g, '.')
        .replace(/^hxxp/i, 'http');
      const v = classifyToken(token) ?? hostOfHostPort(token);
      if (v === null) continue;
      const key = `${v.kind}\u0000${v.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ kind: v.kind, value: v.value, to_ids: toIds });
    }
  }
  return out;
}
