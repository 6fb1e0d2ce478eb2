/**
 * Which part of a DNS name the DGA classifier judges: the registrable
 * domain's own label ("kzmbnwqv" in "www.kzmbnwqv.co.uk"), found with the
 * public suffix list (tldts, ICANN section only). Malware registers that
 * label; subdomains belong to whoever owns it, and private suffixes
 * (cloud buckets, dynamic DNS) are left to their registrable owner so a
 * random bucket name under amazonaws.com is never scored. Names without an
 * ICANN suffix (".local", ".example", bare hosts), addresses, reverse
 * lookups and IDN labels are not scored, with the reason.
 */
import { parse } from 'tldts';

/** Longest DNS name (RFC 1035): anything longer is not a name. */
export const MAX_NAME_LENGTH = 253;

export type SkipReason = 'not a name' | 'no public suffix' | 'address' | 'reverse lookup' | 'idn' | 'bad characters' | 'too short';

export interface LabelResult {
  /** Registrable domain (label + public suffix), lower-case. */
  domain: string;
  /** The registrable domain's label without the suffix. */
  label: string;
}

/** Characters a scored label may hold (LDH rule, RFC 1123). */
const LDH = /^[a-z0-9-]+$/;

/** The scored label of `name`, or why it is not scored. */
export function registrableLabel(name: string): LabelResult | SkipReason {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return 'not a name';
  const lower = name.toLowerCase();
  const p = parse(lower.endsWith('.') ? lower.slice(0, -1) : lower);
  if (p.isIp === true) return 'address';
  if (p.publicSuffix !== null && (p.publicSuffix === 'arpa' || p.publicSuffix.endsWith('.arpa'))) return 'reverse lookup';
  if (p.isIcann !== true || p.domain === null || p.domainWithoutSuffix === null || p.domainWithoutSuffix === '') return 'no public suffix';
  const label = p.domainWithoutSuffix;
  if (label.startsWith('xn--')) return 'idn';
  if (!LDH.test(label)) return 'bad characters';
  return { domain: p.domain, label };
}
