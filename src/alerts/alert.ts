/**
 * The alert: one ECS-named JSON object per rule match (after dedup), the only
 * thing detectors produce for people and sinks. `buildAlert` turns the engine's
 * held record into that object; timestamps are packet time, written as ISO 8601.
 *
 * Severity is ECS `event.severity`, 1 (low) to 4 (critical).
 */
import type { NetworkDirection } from './direction.js';

/** 1 = low, 2 = medium, 3 = high, 4 = critical. */
export type Severity = 1 | 2 | 3 | 4;

export const SEVERITY_NAMES: Readonly<Record<Severity, string>> = Object.freeze({
  1: 'low',
  2: 'medium',
  3: 'high',
  4: 'critical',
});

/** JSON-safe values for `evidence`. */
export type EvidenceValue =
  | string
  | number
  | boolean
  | null
  | readonly EvidenceValue[]
  | { readonly [key: string]: EvidenceValue };

export type Evidence = { [key: string]: EvidenceValue };

/** ECS fields IP enrichment adds to an endpoint with a public address (src/intel/ipdb/enrich.ts). */
export interface EndpointEnrichment {
  as?: { number: number; organization?: { name: string } };
  geo?: { country_iso_code: string };
}

export interface AlertEndpoint extends EndpointEnrichment {
  ip?: string;
  mac?: string;
  port?: number;
}

export interface Alert {
  /** When the behaviour was first seen (packet time). */
  '@timestamp': string;
  event: {
    kind: 'alert';
    severity: Severity;
    category: string[];
  };
  rule: { id: string; name: string };
  source: AlertEndpoint;
  destination?: { ip?: string; port?: number } & EndpointEnrichment;
  network?: {
    transport?: string;
    /** Configured network of the source (or of the subject host). */
    name?: string;
    /** Source → destination across the site's edge (src/alerts/direction.ts); absent without a destination address. */
    direction?: NetworkDirection;
  };
  threat: { technique: { id: string } };
  /** One plain sentence a person understands. */
  message: string;
  evidence: Evidence;
  /** Number of matches merged into this alert during its dedup interval. */
  count: number;
  first_seen: string;
  last_seen: string;
  observer: { name: string };
  /** The rule's dedup key: alerts with the same rule.id and dedup_key are one incident. */
  dedup_key: string;
}

/** Rule metadata the builder copies into every alert. */
export interface AlertRule {
  id: string;
  name: string;
  severity: Severity;
  category: readonly string[];
  technique: string;
}

/** What the engine holds for one open alert (numbers until emission). */
export interface HeldAlert {
  rule: AlertRule;
  key: string;
  severity: Severity;
  source: AlertEndpoint;
  destination: { ip?: string; port?: number } | undefined;
  transport: string | undefined;
  networkName: string | undefined;
  /** Source → destination across the site's edge, when both addresses are known. */
  direction?: NetworkDirection | undefined;
  message: string;
  evidence: Evidence;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** Count at the prompt (first) emission of a live alert; undefined when not yet emitted. */
  emittedCount?: number;
}

/** ISO 8601 with milliseconds for a packet time in float seconds. */
export function isoTime(ts: number): string {
  const d = new Date(Math.round(ts * 1000));
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

/** Copies only the defined fields, so JSON output never carries `null` placeholders. */
function endpoint<T extends AlertEndpoint>(e: T): T {
  const out: AlertEndpoint = {};
  if (e.ip !== undefined) out.ip = e.ip;
  if (e.mac !== undefined) out.mac = e.mac;
  if (e.port !== undefined) out.port = e.port;
  return out as T;
}

/** Builds the alert object with its keys in the documented (ECS) order. */
export function buildAlert(held: HeldAlert, observerName: string): Alert {
  const head: Pick<Alert, '@timestamp' | 'event' | 'rule' | 'source'> & Partial<Alert> = {
    '@timestamp': isoTime(held.firstSeen),
    event: { kind: 'alert', severity: held.severity, category: [...held.rule.category] },
    rule: { id: held.rule.id, name: held.rule.name },
    source: endpoint(held.source),
  };
  if (held.destination !== undefined) head.destination = endpoint(held.destination);
  if (held.transport !== undefined || held.networkName !== undefined || held.direction !== undefined) {
    const network: NonNullable<Alert['network']> = {};
    if (held.transport !== undefined) network.transport = held.transport;
    if (held.networkName !== undefined) network.name = held.networkName;
    if (held.direction !== undefined) network.direction = held.direction;
    head.network = network;
  }
  head.threat = { technique: { id: held.rule.technique } };
  head.message = held.message;
  head.evidence = held.evidence;
  head.count = held.count;
  head.first_seen = isoTime(held.firstSeen);
  head.last_seen = isoTime(held.lastSeen);
  head.observer = { name: observerName };
  head.dedup_key = held.key;
  return head as Alert;
}

/** "1,000": counts in messages are read by people (Intl.NumberFormat is ~10x slower for this). */
export function formatCount(n: number): string {
  if (!Number.isInteger(n) || Math.abs(n) < 1000) return String(n);
  const s = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return n < 0 ? `-${out}` : out;
}

/** "512 bytes", "3.4 KB", "12 MB", "1.2 GB" (decimal units, as people read transfer sizes). */
export function formatBytes(n: number): string {
  if (!(n >= 1000)) return `${formatCount(Math.max(0, Math.round(n)))} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : formatCount(Math.round(v))} ${units[u]!}`;
}

/** "3 hosts" / "1 host". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
