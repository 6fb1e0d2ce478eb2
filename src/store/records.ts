/**
 * Checks for the records that are not conn/dns rows: alerts, device reports
 * and the other logs (http, ssl, dhcp, ...). They arrive from agents, so
 * every field is checked before it is stored; a refused record is counted by
 * reason (columns.ts SkipReason), never thrown.
 */
import type { Alert } from '../alerts/alert.js';
import type { DeviceInput } from './types.js';
import { isIp } from '../config/ip.js';
import { MAX_STRING_CHARS, type SkipReason } from './columns.js';
import { parseTime } from './time.js';

/** Largest JSON text kept for one alert or log record (a record is metadata, not payload). */
export const MAX_RECORD_JSON_CHARS = 64 * 1024;
/** Addresses and names kept per device: a device that cycles through addresses stays bounded. */
export const MAX_DEVICE_IPS = 64;
export const MAX_DEVICE_HOSTNAMES = 32;
/** Log names: lower-case words as the log writer names files (conn, ldap_search, ...). */
const KIND_RE = /^[a-z][a-z0-9_.-]{0,63}$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function isKindName(kind: string): boolean {
  return KIND_RE.test(kind);
}

export interface AlertRowValues {
  ts: number;
  rule_id: string;
  rule_name: string;
  severity: number;
  src_ip: string | null;
  dst_ip: string | null;
  network: string | null;
  message: string;
  count: number;
  dedup_key: string;
  json: string;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** An ECS alert object (src/alerts/alert.ts) to its indexed columns and JSON text. */
export function checkAlert(rec: unknown): { values: AlertRowValues } | { skip: SkipReason } {
  const a = obj(rec);
  if (a === null) return { skip: 'not_object' };
  const stamp = str(a['@timestamp']);
  const rule = obj(a.rule);
  const event = obj(a.event);
  if (stamp === null || rule === null || event === null) return { skip: 'missing_field' };
  const ts = parseTime(stamp);
  if (ts === null) return { skip: 'bad_time' };
  const ruleId = str(rule.id);
  const sev = event.severity;
  if (ruleId === null || ruleId.length === 0 || ruleId.length > 200) return { skip: 'bad_type' };
  if (sev !== 1 && sev !== 2 && sev !== 3 && sev !== 4) return { skip: 'bad_type' };
  const source = obj(a.source);
  const dest = obj(a.destination);
  const network = obj(a.network);
  const srcIp = source === null ? null : str(source.ip);
  const dstIp = dest === null ? null : str(dest.ip);
  if ((srcIp !== null && !isIp(srcIp)) || (dstIp !== null && !isIp(dstIp))) return { skip: 'bad_address' };
  const count = typeof a.count === 'number' && Number.isSafeInteger(a.count) && a.count > 0 ? a.count : 1;
  const json = JSON.stringify(a);
  if (json.length > MAX_RECORD_JSON_CHARS) return { skip: 'too_large' };
  return {
    values: {
      ts,
      rule_id: ruleId,
      rule_name: (str(rule.name) ?? ruleId).slice(0, MAX_STRING_CHARS),
      severity: sev,
      src_ip: srcIp,
      dst_ip: dstIp,
      network: network === null ? null : str(network.name),
      message: (str(a.message) ?? '').slice(0, MAX_STRING_CHARS),
      count,
      dedup_key: (str(a.dedup_key) ?? '').slice(0, MAX_STRING_CHARS),
      json,
    },
  };
}

/** Parses stored alert JSON; null when the text is not an alert object. */
export function parseAlertJson(text: unknown): Alert | null {
  if (typeof text !== 'string') return null;
  try {
    const v: unknown = JSON.parse(text);
    return obj(v) === null ? null : (v as Alert);
  } catch {
    return null;
  }
}

function seconds(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string') return parseTime(v);
  return null;
}

function stringList(v: unknown, max: number, check?: (s: string) => boolean): string[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return null;
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i];
    if (typeof s !== 'string' || s.length === 0 || s.length > 255) return null;
    if (check !== undefined && !check(s)) return null;
    if (out.length < max && !out.includes(s)) out.push(s);
  }
  return out;
}

/** A device report (from an agent's `device` record or the server's own inventory). */
export function checkDevice(rec: unknown): { device: DeviceInput } | { skip: SkipReason } {
  const d = obj(rec);
  if (d === null) return { skip: 'not_object' };
  const mac = str(d.mac)?.toLowerCase() ?? null;
  if (mac === null) return { skip: 'missing_field' };
  if (!MAC_RE.test(mac)) return { skip: 'bad_mac' };
  const first = seconds(d.first_seen ?? d.ts ?? d.last_seen);
  const last = seconds(d.last_seen ?? d.ts ?? d.first_seen);
  if (first === null || last === null) return { skip: 'bad_time' };
  const ips = stringList(d.ips, MAX_DEVICE_IPS, isIp);
  if (ips === null) return { skip: 'bad_address' };
  const hostnames = stringList(d.hostnames, MAX_DEVICE_HOSTNAMES);
  if (hostnames === null) return { skip: 'bad_type' };
  const network = d.network === undefined || d.network === null ? '' : str(d.network);
  if (network === null || network.length > 64) return { skip: 'bad_type' };
  const vendor = d.vendor === undefined || d.vendor === null ? null : str(d.vendor);
  const device: DeviceInput = { network, mac, ips, hostnames, first_seen: Math.min(first, last), last_seen: Math.max(first, last) };
  if (vendor !== null) device.vendor = vendor.slice(0, 200);
  return { device };
}

export interface LogRowValues {
  ts: number;
  uid: string | null;
  host_a: string | null;
  host_b: string | null;
  json: string;
}

/** Any other log record: needs a time; the two sides come from Zeek's id fields or DHCP's addresses. */
export function checkLog(rec: unknown): { values: LogRowValues } | { skip: SkipReason } {
  const r = obj(rec);
  if (r === null) return { skip: 'not_object' };
  const ts = r.ts;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) return { skip: 'bad_time' };
  const uids = r.uids;
  const uid = str(r.uid) ?? (Array.isArray(uids) && typeof uids[0] === 'string' ? uids[0] : null);
  const a = str(r['id.orig_h']) ?? str(r.client_addr);
  const b = str(r['id.resp_h']) ?? str(r.server_addr);
  if ((a !== null && !isIp(a)) || (b !== null && !isIp(b))) return { skip: 'bad_address' };
  const json = JSON.stringify(r);
  if (json.length > MAX_RECORD_JSON_CHARS) return { skip: 'too_large' };
  return { values: { ts, uid, host_a: a, host_b: b, json } };
}
