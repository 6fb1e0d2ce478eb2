/**
 * EVE-style `alert` records, the shape Suricata writes to eve.json and that
 * SIEM pipelines built for Suricata (Wazuh, Graylog, Elastic's Suricata
 * module, ntopng) already parse: timestamp, event_type "alert", the 5-tuple,
 * and `alert{action, gid, signature_id, rev, signature, category, severity}`.
 *
 * signature_id is a stable number derived from the rule id (FNV-1a, folded
 * into 1,000,000-1,999,999, the SID range Suricata and Emerging Threats leave
 * for local rules), so it never collides with a public ruleset and is the same
 * on every sensor and every release. Severity follows EVE: 1 = high .. 3 = low.
 */
import type { Alert, Severity } from '../alerts/alert.js';

/** Local-use SID range (ET/Suricata SID allocation): 1,000,000-1,999,999. */
export const LOCAL_SID_BASE = 1_000_000;
export const LOCAL_SID_SPAN = 1_000_000;

export interface EveAlertRecord {
  timestamp: string;
  flow_id?: number;
  event_type: 'alert';
  src_ip?: string;
  src_port?: number;
  dest_ip?: string;
  dest_port?: number;
  proto?: string;
  alert: {
    action: 'allowed';
    gid: 1;
    signature_id: number;
    rev: number;
    signature: string;
    category: string;
    severity: 1 | 2 | 3;
    metadata: { [key: string]: string[] };
  };
  host: string;
}

/** FNV-1a 32-bit over UTF-16 code units (rule ids are ASCII). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The stable EVE signature_id of a rule id. */
export function signatureId(ruleId: string): number {
  return LOCAL_SID_BASE + (fnv1a(ruleId) % LOCAL_SID_SPAN);
}

/** ECS severity 4 critical / 3 high -> 1, 2 medium -> 2, 1 low -> 3. */
export function eveSeverity(s: Severity): 1 | 2 | 3 {
  return s >= 3 ? 1 : s === 2 ? 2 : 3;
}

/**
 * Suricata classtype descriptions (classification.config) by rule family, so
 * dashboards that group by category put Picket alerts beside similar ones.
 */
const CATEGORY_BY_PREFIX: readonly (readonly [string, string])[] = [
  ['scan.', 'Detection of a Network Scan'],
  ['auth.', 'Attempted User Privilege Gain'],
  ['lateral.', 'Potential Corporate Privacy Violation'],
  ['net.', 'Potential Corporate Privacy Violation'],
  ['smb.', 'Potential Corporate Privacy Violation'],
  ['asn.', 'Potential Corporate Privacy Violation'],
  ['intel.', 'Potentially Bad Traffic'],
  ['ip.', 'Potentially Bad Traffic'],
  ['tor.', 'Potentially Bad Traffic'],
  ['dhcp.', 'Potentially Bad Traffic'],
  ['dns.', 'Potentially Bad Traffic'],
  ['ldap.', 'Attempted Information Leak'],
  ['device.', 'Misc activity'],
];
const DEFAULT_CATEGORY = 'Misc activity';

export function eveCategory(ruleId: string): string {
  for (const [prefix, name] of CATEGORY_BY_PREFIX) if (ruleId.startsWith(prefix)) return name;
  return DEFAULT_CATEGORY;
}

/**
 * "2025-03-01T10:00:00.123Z" -> "2025-03-01T10:00:00.123000+0000" (EVE's
 * spelling: microseconds, offset without a colon); an offset other than Z is
 * kept ("+02:00" -> "+0200").
 */
export function eveTimestamp(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i.exec(iso);
  if (m === null) return iso;
  const offset = m[3]!.toUpperCase() === 'Z' ? '+0000' : m[3]!.replace(':', '');
  return `${m[1]}.${(m[2] ?? '').slice(0, 6).padEnd(6, '0')}${offset}`;
}

/** The EVE `alert` record for an alert (keys in Suricata's order). */
export function toEve(a: Alert): EveAlertRecord {
  const rec: Partial<EveAlertRecord> & Pick<EveAlertRecord, 'timestamp'> = { timestamp: eveTimestamp(a['@timestamp']) };
  const flowId = a.evidence['flow_id'];
  if (typeof flowId === 'number' && Number.isSafeInteger(flowId)) rec.flow_id = flowId;
  rec.event_type = 'alert';
  if (a.source.ip !== undefined) rec.src_ip = a.source.ip;
  if (a.source.port !== undefined) rec.src_port = a.source.port;
  if (a.destination?.ip !== undefined) rec.dest_ip = a.destination.ip;
  if (a.destination?.port !== undefined) rec.dest_port = a.destination.port;
  if (a.network?.transport !== undefined) rec.proto = a.network.transport.toUpperCase();
  const metadata: { [key: string]: string[] } = {
    picket_rule_id: [a.rule.id],
    message: [a.message],
    mitre_technique_id: [a.threat.technique.id],
    dedup_key: [a.dedup_key],
    count: [String(a.count)],
    first_seen: [a.first_seen],
    last_seen: [a.last_seen],
  };
  if (a.network?.name !== undefined) metadata['network'] = [a.network.name];
  rec.alert = {
    action: 'allowed',
    gid: 1,
    signature_id: signatureId(a.rule.id),
    rev: 1,
    signature: `PICKET ${a.rule.name}`,
    category: eveCategory(a.rule.id),
    severity: eveSeverity(a.event.severity),
    metadata,
  };
  rec.host = a.observer.name;
  return rec as EveAlertRecord;
}
