/**
 * The columns of the conn and dns tables, shared by both engines: which log
 * field each column holds, its type, and whether a row without it is refused.
 * Incoming records (from agents, so untrusted) are checked and turned into
 * value arrays in column order here; rows read back are turned into log
 * records with the original field names, leaving unset fields out as the
 * logs do. Two extra columns per table hold the sortable address keys
 * (ip-key.ts) used for CIDR searches.
 *
 * A column added to these lists is added to existing tables when a store
 * opens (duckdb/layout.ts, clickhouse/schema.ts), with no value in the rows
 * already there, so it must be optional: a required column cannot be added
 * that way, and opening a store that lacks one fails.
 */
import { ipKey } from './ip-key.js';

export type ColType = 'f64' | 'i64' | 'i32' | 'str' | 'bool' | 'strlist' | 'f64list';

export interface Column {
  /** Column name in the tables. */
  col: string;
  /** Field name in the log record. */
  field: string;
  type: ColType;
  /** A record without this field is refused. */
  required?: true;
}

export type CellValue = number | string | boolean | string[] | number[] | null;

/** Columns every table has after the record's own: who sent it and the address keys. */
export const TAIL_COLUMNS = ['agent', 'orig_key', 'resp_key'] as const;

/**
 * The columns both tables start with: time, uid and the connection id, as
 * Zeek's conn.log and dns.log both begin. A row without any of them is refused.
 */
const ID_COLUMNS: readonly Column[] = [
  { col: 'ts', field: 'ts', type: 'f64', required: true },
  { col: 'uid', field: 'uid', type: 'str', required: true },
  { col: 'orig_h', field: 'id.orig_h', type: 'str', required: true },
  { col: 'orig_p', field: 'id.orig_p', type: 'i32', required: true },
  { col: 'resp_h', field: 'id.resp_h', type: 'str', required: true },
  { col: 'resp_p', field: 'id.resp_p', type: 'i32', required: true },
  { col: 'proto', field: 'proto', type: 'str', required: true },
];

export const CONN_COLUMNS: readonly Column[] = [
  ...ID_COLUMNS,
  { col: 'service', field: 'service', type: 'str' },
  { col: 'duration', field: 'duration', type: 'f64' },
  { col: 'orig_bytes', field: 'orig_bytes', type: 'i64' },
  { col: 'resp_bytes', field: 'resp_bytes', type: 'i64' },
  { col: 'conn_state', field: 'conn_state', type: 'str' },
  { col: 'local_orig', field: 'local_orig', type: 'bool' },
  { col: 'local_resp', field: 'local_resp', type: 'bool' },
  { col: 'missed_bytes', field: 'missed_bytes', type: 'i64' },
  { col: 'history', field: 'history', type: 'str' },
  { col: 'orig_pkts', field: 'orig_pkts', type: 'i64' },
  { col: 'orig_ip_bytes', field: 'orig_ip_bytes', type: 'i64' },
  { col: 'resp_pkts', field: 'resp_pkts', type: 'i64' },
  { col: 'resp_ip_bytes', field: 'resp_ip_bytes', type: 'i64' },
  { col: 'tunnel_parents', field: 'tunnel_parents', type: 'strlist' },
  { col: 'ip_proto', field: 'ip_proto', type: 'i32' },
  { col: 'orig_l2_addr', field: 'orig_l2_addr', type: 'str' },
  { col: 'resp_l2_addr', field: 'resp_l2_addr', type: 'str' },
  { col: 'vlan', field: 'vlan', type: 'i32' },
  { col: 'inner_vlan', field: 'inner_vlan', type: 'i32' },
  { col: 'tunnel', field: 'tunnel', type: 'str' },
  // A VNI (24 bits), GRE key (32 bits, unsigned) or ERSPAN session id: 64 bits, as an i32 would refuse half the GRE keys.
  { col: 'tunnel_id', field: 'tunnel_id', type: 'i64' },
  { col: 'community_id', field: 'community_id', type: 'str' },
  { col: 'orig_asn', field: 'orig_asn', type: 'i64' },
  { col: 'orig_as_org', field: 'orig_as_org', type: 'str' },
  { col: 'orig_cc', field: 'orig_cc', type: 'str' },
  { col: 'resp_asn', field: 'resp_asn', type: 'i64' },
  { col: 'resp_as_org', field: 'resp_as_org', type: 'str' },
  { col: 'resp_cc', field: 'resp_cc', type: 'str' },
];

export const DNS_COLUMNS: readonly Column[] = [
  ...ID_COLUMNS,
  { col: 'trans_id', field: 'trans_id', type: 'i32' },
  { col: 'rtt', field: 'rtt', type: 'f64' },
  { col: 'query', field: 'query', type: 'str' },
  { col: 'qclass', field: 'qclass', type: 'i32' },
  { col: 'qclass_name', field: 'qclass_name', type: 'str' },
  { col: 'qtype', field: 'qtype', type: 'i32' },
  { col: 'qtype_name', field: 'qtype_name', type: 'str' },
  { col: 'rcode', field: 'rcode', type: 'i32' },
  { col: 'rcode_name', field: 'rcode_name', type: 'str' },
  { col: 'aa', field: 'AA', type: 'bool' },
  { col: 'tc', field: 'TC', type: 'bool' },
  { col: 'rd', field: 'RD', type: 'bool' },
  { col: 'ra', field: 'RA', type: 'bool' },
  { col: 'z', field: 'Z', type: 'i32' },
  { col: 'answers', field: 'answers', type: 'strlist' },
  { col: 'ttls', field: 'TTLs', type: 'f64list' },
  { col: 'rejected', field: 'rejected', type: 'bool' },
  { col: 'opcode', field: 'opcode', type: 'i32' },
  { col: 'opcode_name', field: 'opcode_name', type: 'str' },
];

/** Longest string kept in a column (names, histories, orgs); longer values are cut, not refused. */
export const MAX_STRING_CHARS = 4096;
/** Most list entries kept per row (DNS answers, tunnel parents): a hostile record cannot bloat a row. */
export const MAX_LIST_ITEMS = 256;
/** Most rows one insert call takes; callers chunk larger sets (bounded memory per call). */
export const MAX_ROWS_PER_INSERT = 100_000;

/** Why a record was refused (counted per reason, see InsertResult.skipped). */
export type SkipReason =
  | 'not_object'
  | 'missing_field'
  | 'bad_type'
  | 'bad_address'
  | 'bad_port'
  | 'bad_time'
  | 'bad_proto'
  | 'bad_kind'
  | 'bad_mac'
  | 'too_large'
  | 'too_many_rows';

export type NormalizeResult = { values: CellValue[] } | { skip: SkipReason };

const PROTOS = new Set(['tcp', 'udp', 'icmp']);
/** Accepted time range: 1970 .. 2200. Anything outside is a broken clock or a forged record. */
const MAX_TS = 7258118400;

function cell(v: unknown, type: ColType): CellValue | undefined {
  switch (type) {
    case 'f64':
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    case 'i64':
      return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
    case 'i32':
      return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? v : undefined;
    case 'str':
      return typeof v === 'string' ? (v.length > MAX_STRING_CHARS ? v.slice(0, MAX_STRING_CHARS) : v) : undefined;
    case 'bool':
      return typeof v === 'boolean' ? v : undefined;
    case 'strlist': {
      if (!Array.isArray(v)) return undefined;
      const out: string[] = [];
      for (let i = 0; i < v.length && i < MAX_LIST_ITEMS; i++) {
        const s: unknown = v[i];
        if (typeof s !== 'string') return undefined;
        out.push(s.length > MAX_STRING_CHARS ? s.slice(0, MAX_STRING_CHARS) : s);
      }
      return out;
    }
    case 'f64list': {
      if (!Array.isArray(v)) return undefined;
      const out: number[] = [];
      for (let i = 0; i < v.length && i < MAX_LIST_ITEMS; i++) {
        const n: unknown = v[i];
        if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
        out.push(n);
      }
      return out;
    }
  }
}

/**
 * Checks one conn/dns record and returns its values in column order followed
 * by agent, orig_key and resp_key. Optional fields of the wrong type are
 * refused rather than dropped: a record is stored as sent or not at all.
 */
export function normalize(columns: readonly Column[], rec: unknown, agent: string | null): NormalizeResult {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return { skip: 'not_object' };
  const r = rec as Record<string, unknown>;
  const values: CellValue[] = new Array(columns.length + TAIL_COLUMNS.length);
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    const raw = r[c.field];
    if (raw === undefined || raw === null) {
      if (c.required === true) return { skip: 'missing_field' };
      values[i] = null;
      continue;
    }
    const v = cell(raw, c.type);
    if (v === undefined) {
      if (c.col === 'orig_p' || c.col === 'resp_p') return { skip: 'bad_port' };
      if (c.col === 'ts') return { skip: 'bad_time' };
      return { skip: 'bad_type' };
    }
    values[i] = v;
  }
  const ts = values[0] as number;
  if (ts < 0 || ts > MAX_TS) return { skip: 'bad_time' };
  const op = values[3] as number;
  const rp = values[5] as number;
  if (op < 0 || op > 65535 || rp < 0 || rp > 65535) return { skip: 'bad_port' };
  if (!PROTOS.has(values[6] as string)) return { skip: 'bad_proto' };
  const ok = ipKey(values[2] as string);
  const rk = ipKey(values[4] as string);
  if (ok === null || rk === null) return { skip: 'bad_address' };
  values[columns.length] = agent;
  values[columns.length + 1] = ok;
  values[columns.length + 2] = rk;
  return { values };
}

/** A stored row (column name -> value) back to the log record, unset fields left out. */
export function toRecord(columns: readonly Column[], row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    let v = row[c.col];
    if (v === null || v === undefined) continue;
    switch (c.type) {
      case 'bool':
        // ClickHouse has no boolean type before 21.12: UInt8 comes back as 0/1.
        v = v === true || v === 1 || v === '1';
        break;
      case 'f64':
      case 'i64':
      case 'i32':
        // ClickHouse returns 64-bit integers as strings in JSON.
        v = Number(v);
        break;
      case 'strlist':
      case 'f64list':
        if (!Array.isArray(v) || v.length === 0) continue;
        if (c.type === 'f64list') v = v.map(Number);
        break;
      case 'str':
        break;
    }
    out[c.field] = v;
  }
  const agent = row.agent;
  if (typeof agent === 'string' && agent.length > 0) out.agent = agent;
  return out;
}

/** Adds one skip reason to a tally. */
export function countSkip(tally: Record<string, number>, reason: string, n = 1): void {
  tally[reason] = (tally[reason] ?? 0) + n;
}
