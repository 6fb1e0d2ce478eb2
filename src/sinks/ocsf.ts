/**
 * The alert as an OCSF Detection Finding (class 2004, category 2 Findings,
 * activity 1 Create), the form Amazon Security Lake, Splunk's OCSF add-on,
 * Sentinel and other OCSF-aware pipelines take findings in:
 *
 * - `time` is when the alert's activity was last seen, `start_time` and
 *   `end_time` first and last seen (milliseconds since 1970), `count` the
 *   merged matches, `message` the sentence, `severity_id` low 2, medium 3,
 *   high 4, critical 5, `status_id` 1 New, `is_alert` true;
 * - `finding_info`: `uid` (rule id, dedup key and first-seen time: the
 *   same for every update of one alert), `title` (rule name), `desc`,
 *   `types` (the ECS categories), `analytic` (the rule: uid, name, type
 *   Rule), `attacks` (the ATT&CK technique; a sub-technique such as
 *   T1071.001 also as `sub_technique`), `first_seen_time`,
 *   `last_seen_time`;
 * - `evidences[0]`: `src_endpoint` and `dst_endpoint` (ip, port, mac),
 *   `connection_info` (protocol name and number, IP version, direction:
 *   inbound 1, outbound 2, internal as lateral 3, between two outside
 *   hosts other 99 "External", without both addresses unknown 0) and
 *   `data` (the rule's evidence);
 * - `metadata`: the product (Picket, its version) and the schema version;
 * - `unmapped`: what OCSF has no place for: the sensor that raised the
 *   alert (`observer_name`), the dedup key and the network name.
 */
import type { Alert, Severity } from '../alerts/alert.js';
import type { NetworkDirection } from '../alerts/direction.js';
import { PICKET_VERSION } from '../version.js';

/** The OCSF schema release the record follows. */
export const OCSF_VERSION = '1.4.0';

const SEVERITY: Readonly<Record<Severity, readonly [number, string]>> = Object.freeze({ 1: [2, 'Low'], 2: [3, 'Medium'], 3: [4, 'High'], 4: [5, 'Critical'] });
/** OCSF `direction_id` and caption of each alert direction. */
const DIRECTION: Readonly<Record<NetworkDirection, readonly [number, string]>> = Object.freeze({
  inbound: [1, 'Inbound'],
  outbound: [2, 'Outbound'],
  internal: [3, 'Lateral'],
  external: [99, 'External'],
});
/** IANA protocol numbers of the transports alerts name. */
const PROTOCOL_NUM: Readonly<Record<string, number>> = Object.freeze({ icmp: 1, tcp: 6, udp: 17, 'ipv6-icmp': 58 });

interface OcsfEndpoint {
  ip?: string;
  port?: number;
  mac?: string;
}

function endpoint(e: { ip?: string; port?: number; mac?: string } | undefined): OcsfEndpoint | undefined {
  if (e === undefined) return undefined;
  const out: OcsfEndpoint = {};
  if (e.ip !== undefined) out.ip = e.ip;
  if (e.port !== undefined) out.port = e.port;
  if (e.mac !== undefined) out.mac = e.mac;
  return Object.keys(out).length > 0 ? out : undefined;
}

function millis(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms;
}

/** ATT&CK technique, with the parent technique and the sub-technique apart when the id has one ("T1071.001"). */
function attack(id: string): Record<string, unknown> {
  const dot = id.indexOf('.');
  if (dot < 0) return { technique: { uid: id } };
  return { technique: { uid: id.slice(0, dot) }, sub_technique: { uid: id } };
}

export type OcsfDetectionFinding = Record<string, unknown> & { class_uid: 2004; finding_info: Record<string, unknown> & { uid: string }; unmapped: Record<string, unknown> };

export function toOcsf(a: Alert): OcsfDetectionFinding {
  const [severityId, severity] = SEVERITY[a.event.severity];
  const first = millis(a.first_seen);
  const last = millis(a.last_seen);
  const evidence: Record<string, unknown> = {};
  const src = endpoint(a.source);
  const dst = endpoint(a.destination);
  if (src !== undefined) evidence['src_endpoint'] = src;
  if (dst !== undefined) evidence['dst_endpoint'] = dst;
  const transport = a.network?.transport;
  const ip = a.source.ip ?? a.destination?.ip;
  if (transport !== undefined) {
    const dir = a.network?.direction;
    const [directionId, direction] = dir !== undefined ? DIRECTION[dir] : [0, 'Unknown'];
    const info: Record<string, unknown> = { direction_id: directionId, direction, protocol_name: transport };
    const num = PROTOCOL_NUM[transport];
    if (num !== undefined) info['protocol_num'] = num;
    if (ip !== undefined) info['protocol_ver_id'] = ip.includes(':') ? 6 : 4;
    evidence['connection_info'] = info;
  }
  evidence['data'] = a.evidence;
  const unmapped: Record<string, unknown> = { observer_name: a.observer.name, dedup_key: a.dedup_key };
  if (a.network?.name !== undefined) unmapped['network_name'] = a.network.name;
  return {
    activity_id: 1,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2004,
    class_name: 'Detection Finding',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    time: last,
    start_time: first,
    end_time: last,
    count: a.count,
    message: a.message,
    severity_id: severityId,
    severity,
    status_id: 1,
    status: 'New',
    is_alert: true,
    finding_info: {
      uid: `${a.rule.id}:${a.dedup_key}:${first}`,
      title: a.rule.name,
      desc: a.message,
      types: [...a.event.category],
      analytic: { uid: a.rule.id, name: a.rule.name, type_id: 1, type: 'Rule' },
      attacks: [attack(a.threat.technique.id)],
      first_seen_time: first,
      last_seen_time: last,
    },
    evidences: [evidence],
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Picket', vendor_name: 'Picket', version: PICKET_VERSION },
    },
    unmapped,
  };
}
