/**
 * MISP attributes to indicators. Shared by the REST pull and the feed reader,
 * which both see MISP's attribute shape (id/uuid, type, value, to_ids,
 * deleted, timestamp, Tag[], and on REST results an Event{id, info, uuid}).
 * The types traffic can be matched against become indicators: domain and
 * hostname (names), ip-src and ip-dst (addresses or CIDRs), the composite
 * domain|ip, ip-src|port, ip-dst|port and hostname|port (the address or
 * name part), url, user-agent, the client fingerprints ja3-fingerprint-md5,
 * hassh-md5 and hasshserver-md5 (MISP has no type for JA4), the
 * certificate fingerprints x509-fingerprint-sha1 and
 * x509-fingerprint-sha256, and the hashes of files (matched against the
 * files plain HTTP and SMB carry): md5, sha1, sha256, the composite
 * filename|md5, filename|sha1 and filename|sha256, and malware-sample
 * (whose value is "filename|md5"); a composite's file name is kept as the
 * indicator's comment. x509-fingerprint-md5 is left out: certificates are
 * matched by the SHA-1 and SHA-256 ssl events carry. Other types (bare
 * file names, registry keys, links...) are not matched against traffic and
 * are counted by type, not reported as errors. MISP writes booleans and
 * numbers sometimes as strings ("1", "0", "1455373240"): both are read.
 */
import { canonicalCidr, listComment, normalizeDomain, normalizeFingerprint, parseUrlIndicator, MAX_USER_AGENT_LENGTH, type FingerprintKind, type StoredIndicator } from '../store/indicator.js';

/** The attribute types that become indicators, and that a REST pull asks for. */
export const MISP_INDICATOR_TYPES: readonly string[] = Object.freeze([
  'domain',
  'hostname',
  'ip-dst',
  'ip-src',
  'url',
  'user-agent',
  'domain|ip',
  'ip-dst|port',
  'ip-src|port',
  'hostname|port',
  'ja3-fingerprint-md5',
  'hassh-md5',
  'hasshserver-md5',
  'x509-fingerprint-sha1',
  'x509-fingerprint-sha256',
  'md5',
  'sha1',
  'sha256',
  'filename|md5',
  'filename|sha1',
  'filename|sha256',
  'malware-sample',
]);

/** The fingerprint kind of each MISP fingerprint type, and what its values are (for bad-attribute reports). */
const FINGERPRINT_TYPES: Readonly<Record<string, { kind: FingerprintKind; shape: string }>> = {
  'ja3-fingerprint-md5': { kind: 'ja3', shape: 'an MD5 (32 hex digits)' },
  'hassh-md5': { kind: 'hassh', shape: 'an MD5 (32 hex digits)' },
  'hasshserver-md5': { kind: 'hassh_server', shape: 'an MD5 (32 hex digits)' },
  'x509-fingerprint-sha1': { kind: 'cert_sha1', shape: 'a SHA-1 (40 hex digits)' },
  'x509-fingerprint-sha256': { kind: 'cert_sha256', shape: 'a SHA-256 (64 hex digits)' },
  md5: { kind: 'file_md5', shape: 'an MD5 (32 hex digits)' },
  sha1: { kind: 'file_sha1', shape: 'a SHA-1 (40 hex digits)' },
  sha256: { kind: 'file_sha256', shape: 'a SHA-256 (64 hex digits)' },
};

/** The hash kind of each "file name|hash" MISP type (malware-sample: "filename|md5" of the uploaded sample). */
const FILE_NAME_HASH_TYPES: Readonly<Record<string, { kind: FingerprintKind; shape: string }>> = {
  'filename|md5': { kind: 'file_md5', shape: 'an MD5 (32 hex digits)' },
  'filename|sha1': { kind: 'file_sha1', shape: 'a SHA-1 (40 hex digits)' },
  'filename|sha256': { kind: 'file_sha256', shape: 'a SHA-256 (64 hex digits)' },
  'malware-sample': { kind: 'file_md5', shape: 'an MD5 (32 hex digits)' },
};

/** Event facts copied onto each of its indicators. */
export interface EventContext {
  event_id?: string;
  event_info?: string;
  tags: string[];
}

export interface MispStats {
  /** Attributes turned into indicators. */
  attributes: number;
  /** Attributes skipped because MISP marks them deleted. */
  deleted: number;
  /** Attributes of types that do not become indicators, by type. */
  other_types: Record<string, number>;
  badCount: number;
  /** "attribute <id>: <reason>" for the first few bad attributes. */
  bad: string[];
}

/** Bad attributes described in a report (the rest are counted). */
const MAX_BAD_SAMPLES = 20;

export function newStats(): MispStats {
  return { attributes: 0, deleted: 0, other_types: {}, badCount: 0, bad: [] };
}

export function mispBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 'true';
}

export function mispNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v);
  return undefined;
}

export function mispString(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Tag names of a MISP Tag[] (objects with `name`). */
export function tagNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const t of v) {
    const name = typeof t === 'object' && t !== null ? (t as { name?: unknown }).name : undefined;
    if (typeof name === 'string' && name.length > 0) out.push(name);
  }
  return out;
}

function bad(stats: MispStats, id: string, reason: string): void {
  stats.badCount++;
  if (stats.bad.length < MAX_BAD_SAMPLES) stats.bad.push(`attribute ${id}: ${reason}`);
}

/**
 * The indicators of one attribute (none, one, or two for domain|ip). The
 * attribute's own tags are added to the event's.
 */
export function attributeIndicators(attr: unknown, ev: EventContext, stats: MispStats): StoredIndicator[] {
  if (typeof attr !== 'object' || attr === null) {
    bad(stats, '?', 'not an object');
    return [];
  }
  const a = attr as Record<string, unknown>;
  const id = mispString(a.id) ?? mispString(a.uuid) ?? '?';
  const type = typeof a.type === 'string' ? a.type : '';
  const value = typeof a.value === 'string' ? a.value.trim() : '';
  if (mispBool(a.deleted)) {
    stats.deleted++;
    return [];
  }
  if (!MISP_INDICATOR_TYPES.includes(type)) {
    stats.other_types[type] = (stats.other_types[type] ?? 0) + 1;
    return [];
  }
  if (value.length === 0) {
    bad(stats, id, `${type} without a value`);
    return [];
  }
  const tags = ev.tags.slice();
  for (const t of tagNames(a.Tag)) if (!tags.includes(t)) tags.push(t);
  // `given`: the part of the value the indicator stands for, as MISP holds it (shown when it differs from the match key).
  const base = (kind: StoredIndicator['kind'], v: string, given = value): StoredIndicator => {
    const ind: StoredIndicator = { kind, value: v, to_ids: mispBool(a.to_ids), id };
    if (v !== given) ind.listed = given;
    if (ev.event_id !== undefined) ind.event_id = ev.event_id;
    if (ev.event_info !== undefined) ind.event_info = ev.event_info;
    if (tags.length > 0) ind.tags = tags;
    return ind;
  };
  const out: StoredIndicator[] = [];
  const addIp = (text: string): boolean => {
    const c = canonicalCidr(text);
    if (c === null) return false;
    out.push(base(c.kind, c.value));
    return true;
  };
  const addName = (text: string): boolean => {
    const d = normalizeDomain(text);
    if (d === null) return false;
    out.push(base('domain', d));
    return true;
  };
  const bar = value.indexOf('|');
  switch (type) {
    case 'domain':
    case 'hostname':
      if (!addName(value)) bad(stats, id, `${type} "${value.slice(0, 80)}" is not a domain name`);
      break;
    case 'ip-src':
    case 'ip-dst':
      if (!addIp(value)) bad(stats, id, `${type} "${value.slice(0, 80)}" is not an address or CIDR`);
      break;
    case 'ip-src|port':
    case 'ip-dst|port':
      if (bar < 0 || !addIp(value.slice(0, bar))) bad(stats, id, `${type} "${value.slice(0, 80)}" is not address|port`);
      break;
    case 'hostname|port':
      if (bar < 0 || !addName(value.slice(0, bar))) bad(stats, id, `${type} "${value.slice(0, 80)}" is not hostname|port`);
      break;
    case 'domain|ip': {
      const okName = bar > 0 && addName(value.slice(0, bar));
      const okIp = bar > 0 && addIp(value.slice(bar + 1));
      if (!okName && !okIp) bad(stats, id, `domain|ip "${value.slice(0, 80)}" holds neither a name nor an address`);
      break;
    }
    case 'url': {
      const u = parseUrlIndicator(value);
      if (u === null) bad(stats, id, `url "${value.slice(0, 80)}" is not a URL`);
      else out.push(base('url', u.url));
      break;
    }
    case 'user-agent':
      if (value.length > MAX_USER_AGENT_LENGTH) bad(stats, id, 'user-agent too long');
      // Matched exactly as sent, so not trimmed beyond the outer whitespace.
      else out.push(base('user-agent', value));
      break;
    case 'ja3-fingerprint-md5':
    case 'hassh-md5':
    case 'hasshserver-md5':
    case 'x509-fingerprint-sha1':
    case 'x509-fingerprint-sha256':
    case 'md5':
    case 'sha1':
    case 'sha256': {
      const { kind, shape } = FINGERPRINT_TYPES[type]!;
      const f = normalizeFingerprint(kind, value);
      if (f === null) bad(stats, id, `${type} "${value.slice(0, 80)}" is not ${shape}`);
      else out.push(base(kind, f));
      break;
    }
    case 'filename|md5':
    case 'filename|sha1':
    case 'filename|sha256':
    case 'malware-sample': {
      const { kind, shape } = FILE_NAME_HASH_TYPES[type]!;
      // The hash follows the last bar: a file name may hold one, a hash never does.
      const cut = value.lastIndexOf('|');
      const hash = value.slice(cut + 1).trim();
      const f = cut < 0 ? null : normalizeFingerprint(kind, hash);
      if (f === null) {
        bad(stats, id, `${type} "${value.slice(0, 80)}" is not a file name and ${shape} joined by "|"`);
        break;
      }
      const ind = base(kind, f, hash);
      const name = listComment(value.slice(0, cut));
      if (name !== undefined) ind.comment = name;
      out.push(ind);
      break;
    }
  }
  if (out.length > 0) stats.attributes++;
  return out;
}
