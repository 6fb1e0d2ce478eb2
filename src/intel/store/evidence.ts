/**
 * How the indicator rules (dns.bad_name, dns.bad_ip, ip.bad,
 * tls.bad_fingerprint, ssh.bad_fingerprint, tls.bad_certificate) put a
 * match into an alert: only indicators flagged `to_ids` raise alerts; the
 * evidence lists each alerting indicator with its source (list file, MISP
 * feed or server), MISP event, tags and the list's comment on it; the
 * message names the sources in a few words.
 */
import type { IndicatorIndex, IndicatorSource } from '../context.js';
import type { FingerprintKind } from './indicator.js';
import type { EvidenceValue } from '../../alerts/alert.js';

/** Matches listed in one alert's evidence (a name can sit in many feeds). */
const MAX_LISTED_MATCHES = 10;

/** The matches that may raise an alert (MISP `to_ids`); shares the empty case without allocating. */
export function alerting(matches: readonly IndicatorSource[]): IndicatorSource[] {
  for (let i = 0; i < matches.length; i++) {
    if (!matches[i]!.to_ids) return matches.filter((m) => m.to_ids);
  }
  return matches as IndicatorSource[];
}

export function matchEvidence(matches: readonly IndicatorSource[]): EvidenceValue[] {
  const out: EvidenceValue[] = [];
  for (const m of matches.slice(0, MAX_LISTED_MATCHES)) {
    const e: { [key: string]: EvidenceValue } = { source: m.source, kind: m.kind, indicator: m.indicator };
    if (m.event_id !== undefined) e.event_id = m.event_id;
    if (m.event_info !== undefined) e.event_info = m.event_info;
    if (m.tags !== undefined) e.tags = m.tags;
    if (m.comment !== undefined) e.comment = m.comment;
    out.push(e);
  }
  return out;
}

/** "bad-domains.txt", "MISP event 9747 (OSINT - Sednit update...)", joined; at most three named. */
export function describeSources(matches: readonly IndicatorSource[]): string {
  const parts: string[] = [];
  for (const m of matches) {
    const p = m.event_id !== undefined ? `${m.source} event ${m.event_id}${m.event_info !== undefined ? ` "${m.event_info.slice(0, 60)}"` : ''}` : m.source;
    if (!parts.includes(p)) parts.push(p);
  }
  if (parts.length <= 3) return parts.join(', ');
  return `${parts.slice(0, 3).join(', ')} and ${parts.length - 3} more`;
}

/** Why the first match that says so was listed (a list's comment, e.g. a malware family), or null. */
export function listingReason(matches: readonly IndicatorSource[]): string | null {
  for (const m of matches) if (m.comment !== undefined) return m.comment;
  return null;
}

/** One fingerprint of an event to look up: its kind, its value (absent: not in the event) and whether the rule checks it. */
export interface FingerprintProbe {
  kind: FingerprintKind;
  value: string | undefined;
  on: boolean;
}

/** The alerting matches of an event's fingerprints, named after the first one listed. */
export interface FingerprintHit {
  /** Index in the probes of the fingerprint that names the alert (the first one listed). */
  which: number;
  first: IndicatorSource;
  /** Matches of every probe, in probe order. */
  all: readonly IndicatorSource[];
  reason: string | null;
}

/**
 * Looks up each probe (one hash-map probe per fingerprint) and gathers what
 * alerts; null when nothing does. Shared by the TLS and SSH fingerprint rules,
 * whose events carry two fingerprints each (JA3 and JA4; client and server
 * HASSH), and the certificate rule, which probes each certificate's SHA-1
 * and SHA-256.
 */
export function fingerprintHit(idx: Pick<IndicatorIndex, 'matchFingerprint'>, probes: readonly FingerprintProbe[]): FingerprintHit | null {
  let hit: FingerprintHit | null = null;
  for (let i = 0; i < probes.length; i++) {
    const p = probes[i]!;
    if (!p.on || p.value === undefined) continue;
    const found = alerting(idx.matchFingerprint(p.kind, p.value));
    if (found.length === 0) continue;
    if (hit === null) hit = { which: i, first: found[0]!, all: found, reason: null };
    else hit.all = hit.all.concat(found);
  }
  if (hit !== null) hit.reason = listingReason(hit.all);
  return hit;
}
