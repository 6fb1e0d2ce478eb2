/**
 * How the indicator rules (dns.bad_name, dns.bad_ip, ip.bad,
 * tls.bad_fingerprint, ssh.bad_fingerprint) put a match into an alert: only
 * indicators flagged `to_ids` raise alerts; the evidence lists each alerting
 * indicator with its source (list file, MISP feed or server), MISP event,
 * tags and the list's comment on it; the message names the sources in a few
 * words.
 */
import type { IndicatorSource } from '../context.js';
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
