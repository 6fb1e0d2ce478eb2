/**
 * Matching alerts against console suppressions, shared by the server (which
 * hides suppressed alerts in the console and keeps them from its sinks) and
 * networked sensors (which keep them from their local sinks and stdout), so
 * both sides decide the same way. A console suppression names a rule (exact
 * id or `prefix*`), optionally one host (source or destination IP) and/or one
 * configured network, and an optional expiry.
 *
 * This is not the site-configuration suppression of src/alerts/suppress.ts
 * (CIDR lists, packet-time `until`): those rules silence matches inside the
 * engine; these are made by people in the console and applied to finished
 * alerts.
 */
import type { Alert } from './alert.js';
import { sameAddress } from '../store/address-text.js';

/** What matching needs of a suppression (the console's record and the agent's copy both have it). */
export interface SuppressionSpec {
  /** Rule id, or a prefix pattern ending in `*` ("scan.*", "*"). */
  rule: string;
  /** Only alerts with this IP as source or destination; null = any host. */
  host: string | null;
  /** Only alerts whose network.name is this; null = any network. */
  network: string | null;
  /** ISO 8601 time from which the suppression no longer applies; null = never expires. */
  expires_at: string | null;
}

/** One suppression as the server hands it to agents (GET /api/v1/agent/suppressions). */
export interface SuppressionEntry extends SuppressionSpec {
  id: string;
  reason: string;
}

/** The answer of GET /api/v1/agent/suppressions; `version` changes whenever the list does (it is also the ETag). */
export interface SuppressionList {
  version: string;
  suppressions: SuppressionEntry[];
}

/** Path of the agents' suppression list under the API prefix (/api/v1). */
export const AGENT_SUPPRESSIONS_PATH = '/agent/suppressions';

export type SuppressibleAlert = Pick<Alert, 'rule' | 'source' | 'destination' | 'network'>;

export function ruleMatches(pattern: string, rule: string): boolean {
  return pattern.endsWith('*') ? rule.startsWith(pattern.slice(0, -1)) : pattern === rule;
}

/**
 * The first suppression that covers this alert, or undefined. With `atMs`
 * (the alert's time, epoch ms) a suppression that had expired by then does
 * not apply; an expiry that does not parse never suppresses (delivering one
 * alert too many is better than hiding one). Without `atMs` the caller has
 * already dropped expired suppressions (the console store does, by wall clock).
 */
export function suppressedBy<S extends SuppressionSpec>(a: SuppressibleAlert, sups: readonly S[], atMs?: number): S | undefined {
  for (const s of sups) {
    if (!ruleMatches(s.rule, a.rule.id)) continue;
    // Any spelling of the host: an alert on an IPv6 packet names an IPv4 host as "::ffff:a.b.c.d".
    if (s.host !== null && !sameAddress(a.source.ip, s.host) && !sameAddress(a.destination?.ip, s.host)) continue;
    if (s.network !== null && a.network?.name !== s.network) continue;
    if (atMs !== undefined && s.expires_at !== null && !(Date.parse(s.expires_at) > atMs)) continue;
    return s;
  }
  return undefined;
}

/**
 * The time a suppression's expiry is compared with: the alert's newest
 * activity (`last_seen`), else its start (`@timestamp`). Activity that went
 * on past the expiry is therefore delivered. Undefined when neither parses.
 */
export function alertTimeMs(a: Pick<Alert, '@timestamp' | 'last_seen'>): number | undefined {
  const last = Date.parse(a.last_seen);
  if (!Number.isNaN(last)) return last;
  const first = Date.parse(a['@timestamp']);
  return Number.isNaN(first) ? undefined : first;
}
