/**
 * The embedded metadata store: one DuckDB file (DIR/picket.duckdb) holding
 * connection, DNS, alert, device and other log rows, next to the agent and
 * token tables of meta.ts. Inserts go through DuckDB's appender inside one
 * transaction per call (a batch and its exactly-once mark commit together);
 * every answer is aggregated in SQL, never by loading rows into JS.
 *
 * The ClickHouse store (../clickhouse/store.ts) extends this class and moves
 * the conn and dns parts to ClickHouse; the protected methods are its seams.
 */
import crypto from 'node:crypto';
import {
  DOUBLE,
  DuckDBDataChunk,
  LIST,
  VARCHAR,
  listValue,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import { PicketError } from '../../util/errors.js';
import { DuckDb, type Row } from './db.js';
import { STORE_DDL, TIMED_TABLES } from './schema.js';
import { upgradeTable, type TableLayout } from './layout.js';
import {
  CONN_COLUMNS,
  DNS_COLUMNS,
  MAX_ROWS_PER_INSERT,
  countSkip,
  normalize,
  toRecord,
  type CellValue,
  type Column,
} from '../columns.js';
import { checkAlert, checkDevice, checkLog, isKindName, parseAlertJson, MAX_DEVICE_HOSTNAMES, MAX_DEVICE_IPS } from '../records.js';
import { markBatchOn } from '../meta.js';
import { batchDigest } from '../batch-digest.js';
import { cidrKeyRange } from '../ip-key.js';
import { MAPPED_PREFIX, storedAddressSpellings } from '../address-text.js';
import { isoOrNull } from '../time.js';
import { diskFree } from '../disk.js';
import { DEFAULT_MIN_FREE_BYTES, type RetentionOptions } from '../options.js';
import { orderBy, type OrderKey } from '../order.js';
import type {
  AlertExclusion,
  AlertFilter,
  AlertSortField,
  AlertPatch,
  AlertSummary,
  BatchRecord,
  BatchResult,
  ConnFilter,
  ConnRow,
  ConnSortField,
  Device,
  DeviceFilter,
  DeviceInput,
  DeviceSortField,
  DnsFilter,
  DnsRow,
  HostSummary,
  InsertResult,
  LogFilter,
  LogRow,
  MetadataStore,
  Page,
  RetentionReport,
  StoreStats,
  StoredAlert,
} from '../types.js';
import { HOST_SUMMARY_ALERTS } from '../types.js';

/** Rows per page when the caller gives no limit, and the most one page may hold (bounded answers). */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;
/** How far back hostLastSeen looks from the newest connection, widening until the host shows up. */
const LAST_SEEN_LOOKBACK = [86_400, 7 * 86_400, Infinity] as const;
/** Entries per HostSummary breakdown (peers, ports, countries, ASNs): a summary, not a dump. */
export const SUMMARY_TOP = 20;
/** DNS names per HostSummary: enough for any one host's browsing over a day. */
export const SUMMARY_DNS_NAMES = 1000;
/** Timeline buckets aim at most this many points (the console draws them). */
export const TIMELINE_MAX_POINTS = 200;
const TIMELINE_STEPS = [60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400];
/** Size trimming deletes at most this many rounds per run (each removes the oldest slice). */
export const MAX_TRIM_ROUNDS = 10;
/** Each size/disk trim round removes at least this fraction of the oldest rows. */
export const MIN_TRIM_FRACTION = 0.1;
/** Below the disk floor, inserts trim the oldest rows at most this often. */
export const DISK_TRIM_INTERVAL_MS = 60_000;

export type Params = Record<string, DuckDBValue>;

/** A connection search's default order (newest first); the tie-breaker of every other order. ClickHouse's too. */
export const CONN_DEFAULT_ORDER: readonly OrderKey[] = [{ sql: 'ts', desc: true }, { sql: 'uid' }];
const ALERT_DEFAULT_ORDER: readonly OrderKey[] = [{ sql: 'ts', desc: true }, { sql: 'id' }];
const DEVICE_DEFAULT_ORDER: readonly OrderKey[] = [{ sql: 'network' }, { sql: 'last_seen', desc: true }, { sql: 'mac' }];
/** Alerts and devices are in the local file with either engine: one column per sort field. */
const ALERT_ORDER: Readonly<Record<AlertSortField, OrderKey>> = {
  time: { sql: 'ts' },
  severity: { sql: 'severity' },
  rule: { sql: 'rule_id' },
  count: { sql: 'count' },
};
const DEVICE_ORDER: Readonly<Record<DeviceSortField, OrderKey>> = {
  first_seen: { sql: 'first_seen' },
  last_seen: { sql: 'last_seen' },
  mac: { sql: 'mac' },
  network: { sql: 'network' },
};

/** Accumulates WHERE clauses and their named parameters. */
export class Where {
  readonly clauses: string[] = [];
  readonly params: Params = {};
  readonly #prefix: string;
  #n = 0;
  /** `prefix` names the parameters, so two of these can feed one statement without a clash. */
  constructor(prefix = 'p') {
    this.#prefix = prefix;
  }
  /** Adds a parameter and returns its placeholder. */
  p(v: DuckDBValue): string {
    const name = `${this.#prefix}${this.#n++}`;
    this.params[name] = v;
    return `$${name}`;
  }
  add(clause: string): void {
    this.clauses.push(clause);
  }
  /**
   * `col` holds one of `values`: an equality for one value (DuckDB pushes it into the scan), an IN
   * list otherwise (pushed as well). Used with an address's spellings (storedAddressSpellings).
   */
  oneOf(col: string, values: readonly string[]): string {
    if (values.length === 1) return `${col} = ${this.p(values[0]!)}`;
    return `${col} IN (${values.map((v) => this.p(v)).join(', ')})`;
  }
  range(col: string, from: number | undefined, to: number | undefined): void {
    if (from !== undefined) this.add(`${col} >= ${this.p(from)}`);
    if (to !== undefined) this.add(`${col} < ${this.p(to)}`);
  }
  sql(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}

export function pageBounds(f: { limit?: number | undefined; offset?: number | undefined }): { limit: number; offset: number } {
  const limit = f.limit === undefined || !Number.isInteger(f.limit) || f.limit <= 0 ? DEFAULT_LIMIT : Math.min(f.limit, MAX_LIMIT);
  const offset = f.offset === undefined || !Number.isInteger(f.offset) || f.offset < 0 ? 0 : f.offset;
  return { limit, offset };
}

export function usage(message: string): PicketError {
  return new PicketError('PKT_ERR_STORE_QUERY', message);
}

/** The bucket width giving at most TIMELINE_MAX_POINTS points over `span` seconds. */
export function timelineStep(span: number): number {
  for (const s of TIMELINE_STEPS) if (span / s <= TIMELINE_MAX_POINTS) return s;
  return TIMELINE_STEPS[TIMELINE_STEPS.length - 1]!;
}

export function emptySummary(ip: string, from: number | undefined, to: number | undefined): HostSummary {
  return {
    host: ip,
    from: isoOrNull(from),
    to: isoOrNull(to),
    connections: 0,
    bytes_sent: 0,
    bytes_received: 0,
    packets_sent: 0,
    packets_received: 0,
    dns: [],
    countries: [],
    asns: [],
    top_peers: [],
    ports: [],
    alerts: [],
    timeline: [],
  };
}

function n(v: unknown): number {
  const x = typeof v === 'number' ? v : Number(v ?? 0);
  return Number.isFinite(x) ? x : 0;
}

function appendCell(app: DuckDBAppender, type: Column['type'] | 'str', v: CellValue): void {
  if (v === null) {
    app.appendNull();
    return;
  }
  switch (type) {
    case 'f64':
      app.appendDouble(v as number);
      return;
    case 'i64':
      app.appendBigInt(BigInt(v as number));
      return;
    case 'i32':
      app.appendInteger(v as number);
      return;
    case 'str':
      app.appendVarchar(v as string);
      return;
    case 'bool':
      app.appendBoolean(v as boolean);
      return;
    case 'strlist':
      app.appendList(v as string[], LIST(VARCHAR));
      return;
    case 'f64list':
      app.appendList(v as number[], LIST(DOUBLE));
      return;
  }
}

/** Rows per appended data chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

function freshColumns(width: number): DuckDBValue[][] {
  const cols: DuckDBValue[][] = new Array(width);
  for (let i = 0; i < width; i++) cols[i] = [];
  return cols;
}

function duckValue(type: Column['type'], v: CellValue): DuckDBValue {
  if (v === null) return null;
  if (type === 'i64') return BigInt(v as number);
  if (type === 'strlist' || type === 'f64list') return listValue(v as DuckDBValue[]);
  return v as DuckDBValue;
}

/**
 * True for the alerts an exclusion names, never NULL: the columns hold the
 * alert's rule.id, source.ip, destination.ip and network.name, so this matches
 * exactly what the console's suppressedBy() matches on the alert object.
 */
function exclusionSql(w: Where, x: AlertExclusion): string {
  const parts = [x.rule.endsWith('*') ? `starts_with(rule_id, ${w.p(x.rule.slice(0, -1))})` : `rule_id = ${w.p(x.rule)}`];
  if (x.host !== null) {
    const spellings = storedAddressSpellings(x.host);
    const hosts = spellings.length === 0 ? [x.host] : spellings;
    parts.push(`coalesce(${w.oneOf('src_ip', hosts)} OR ${w.oneOf('dst_ip', hosts)}, false)`);
  }
  if (x.network !== null) parts.push(`coalesce(network = ${w.p(x.network)}, false)`);
  return parts.join(' AND ');
}

/** SQL for an address column as the summary names a peer: an IPv4-mapped spelling as its dotted IPv4. */
function peerText(col: string): string {
  return `CASE WHEN starts_with(${col}, '${MAPPED_PREFIX}') AND contains(${col}, '.') THEN substr(${col}, ${MAPPED_PREFIX.length + 1}) ELSE ${col} END`;
}

function alertFromRow(r: Row): StoredAlert | null {
  const a = parseAlertJson(r.data);
  if (a === null) return null;
  return {
    ...a,
    id: String(r.id),
    agent: typeof r.agent === 'string' ? r.agent : null,
    acknowledged: r.acknowledged === true,
    note: typeof r.note === 'string' ? r.note : null,
  };
}

function deviceFromRow(r: Row): Device {
  return {
    network: String(r.network),
    mac: String(r.mac),
    ips: Array.isArray(r.ips) ? (r.ips as string[]) : [],
    hostnames: Array.isArray(r.hostnames) ? (r.hostnames as string[]) : [],
    vendor: typeof r.vendor === 'string' ? r.vendor : null,
    first_seen: n(r.first_seen),
    last_seen: n(r.last_seen),
  };
}

/** Adds `add` to `into` without duplicates, keeping the newest when over `max` (old addresses age out). */
function mergeList(into: string[], add: readonly string[], max: number): string[] {
  const out = into.filter((x) => !add.includes(x));
  for (const x of add) out.push(x);
  return out.length > max ? out.slice(out.length - max) : out;
}

export interface DuckDbStoreOptions {
  /** Directory whose file system the disk floor watches (the data directory). */
  dataDir: string;
  retention?: RetentionOptions | undefined;
}

export class DuckDbMetadataStore implements MetadataStore {
  readonly engine: 'duckdb' | 'clickhouse' = 'duckdb';
  protected readonly db: DuckDb;
  protected readonly dataDir: string;
  protected readonly retention: RetentionOptions;
  /** Rows refused since start, by reason (reported in stats). */
  protected readonly skippedTotal: Record<string, number> = {};
  /** When the disk floor last made inserts trim (ms). */
  #lastDiskTrim = 0;
  /** The conn and dns tables' column order in this file (read at init; appends follow it). */
  readonly #layouts = new Map<string, TableLayout>();

  constructor(db: DuckDb, opts: DuckDbStoreOptions) {
    this.db = db;
    this.dataDir = opts.dataDir;
    this.retention = opts.retention ?? {};
  }

  async init(): Promise<void> {
    for (const ddl of STORE_DDL) await this.db.exec(ddl);
    // A file made by an older version gets the columns it lacks; its order may differ from a new file's.
    this.#layouts.set('conn', await upgradeTable(this.db, 'conn', CONN_COLUMNS));
    this.#layouts.set('dns', await upgradeTable(this.db, 'dns', DNS_COLUMNS));
  }

  // ---- writes -------------------------------------------------------------

  async insert(kind: string, rows: readonly unknown[], agent?: string): Promise<InsertResult> {
    await this.guardDisk();
    const result: InsertResult = { stored: 0, skipped: {} };
    await this.db.transaction((conn) => this.insertOn(conn, kind, rows, agent ?? null, result));
    this.tally(result);
    return result;
  }

  async insertBatch(agent: string, seq: number, records: readonly BatchRecord[], digest = batchDigest(records)): Promise<BatchResult> {
    if (!Number.isSafeInteger(seq) || seq < 1) throw usage(`batch sequence must be a positive integer, got ${String(seq)}`);
    await this.guardDisk();
    const groups = groupByKind(records);
    const result: BatchResult = { stored: 0, skipped: {}, duplicate: false };
    await this.db.transaction(async (conn) => {
      const mark = await markBatchOn(conn, agent, seq, records.length, digest);
      if (mark !== 'new') {
        if (mark === 'conflict') result.conflict = true;
        else result.duplicate = true;
        return;
      }
      for (const [kind, rows] of groups) await this.insertOn(conn, kind, rows, agent, result);
    });
    this.tally(result);
    return result;
  }

  protected tally(result: InsertResult): void {
    for (const [k, v] of Object.entries(result.skipped)) countSkip(this.skippedTotal, k, v);
  }

  /** Inserts rows of one kind on a connection inside the caller's transaction. */
  protected async insertOn(
    conn: DuckDBConnection,
    kind: string,
    rows: readonly unknown[],
    agent: string | null,
    result: InsertResult,
  ): Promise<void> {
    if (!isKindName(kind)) {
      countSkip(result.skipped, 'bad_kind', rows.length);
      return;
    }
    let list = rows;
    if (list.length > MAX_ROWS_PER_INSERT) {
      countSkip(result.skipped, 'too_many_rows', list.length - MAX_ROWS_PER_INSERT);
      list = list.slice(0, MAX_ROWS_PER_INSERT);
    }
    switch (kind) {
      case 'conn':
        if (this.ownsKind('conn')) await this.appendColumns(conn, 'conn', CONN_COLUMNS, list, agent, result);
        return;
      case 'dns':
        if (this.ownsKind('dns')) await this.appendColumns(conn, 'dns', DNS_COLUMNS, list, agent, result);
        return;
      case 'alert':
        await this.appendAlerts(conn, list, agent, result);
        return;
      case 'device': {
        const devices: DeviceInput[] = [];
        for (const r of list) {
          const c = checkDevice(r);
          if ('skip' in c) countSkip(result.skipped, c.skip);
          else devices.push(c.device);
        }
        result.stored += await this.upsertOn(conn, devices);
        return;
      }
      default:
        await this.appendLogs(conn, kind, list, agent, result);
    }
  }

  /** False for kinds another engine holds (the ClickHouse store keeps conn and dns). */
  protected ownsKind(_kind: 'conn' | 'dns'): boolean {
    return true;
  }

  protected async appendColumns(
    conn: DuckDBConnection,
    table: string,
    columns: readonly Column[],
    rows: readonly unknown[],
    agent: string | null,
    result: InsertResult,
  ): Promise<void> {
    const layout = this.#layouts.get(table);
    if (layout === undefined) throw new PicketError('PKT_ERR_STORE_CLOSED', `the store is not open: init() has not read the ${table} table's columns`);
    // Whole data chunks, not value-by-value appends: one native call per chunk instead of one per cell.
    // Columns go in the file's order (layout.ts): normalize() gives them in the column list's.
    const { from, types, chunkTypes } = layout;
    const width = chunkTypes.length;
    const app = await conn.createAppender(table);
    try {
      let cols: DuckDBValue[][] = freshColumns(width);
      let filled = 0;
      const emit = (): void => {
        if (filled === 0) return;
        const chunk = DuckDBDataChunk.create(chunkTypes, filled);
        chunk.setColumns(cols);
        app.appendDataChunk(chunk);
        cols = freshColumns(width);
        filled = 0;
      };
      for (let i = 0; i < rows.length; i++) {
        const r = normalize(columns, rows[i], agent);
        if ('skip' in r) {
          countSkip(result.skipped, r.skip);
          continue;
        }
        const v = r.values;
        for (let c = 0; c < width; c++) cols[c]!.push(duckValue(types[c]!, v[from[c]!]!));
        filled++;
        result.stored++;
        if (filled === CHUNK_ROWS) emit();
      }
      emit();
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }

  protected async appendAlerts(conn: DuckDBConnection, rows: readonly unknown[], agent: string | null, result: InsertResult): Promise<void> {
    const app = await conn.createAppender('alerts');
    try {
      for (const rec of rows) {
        const c = checkAlert(rec);
        if ('skip' in c) {
          countSkip(result.skipped, c.skip);
          continue;
        }
        const v = c.values;
        app.appendVarchar(crypto.randomUUID());
        app.appendDouble(v.ts);
        app.appendVarchar(v.rule_id);
        app.appendVarchar(v.rule_name);
        app.appendInteger(v.severity);
        appendCell(app, 'str', v.src_ip);
        appendCell(app, 'str', v.dst_ip);
        appendCell(app, 'str', v.network);
        app.appendVarchar(v.message);
        app.appendBigInt(BigInt(v.count));
        app.appendVarchar(v.dedup_key);
        appendCell(app, 'str', agent);
        app.appendBoolean(false);
        app.appendNull();
        app.appendVarchar(v.json);
        app.endRow();
        result.stored++;
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }

  protected async appendLogs(
    conn: DuckDBConnection,
    kind: string,
    rows: readonly unknown[],
    agent: string | null,
    result: InsertResult,
  ): Promise<void> {
    const app = await conn.createAppender('logs');
    try {
      for (const rec of rows) {
        const c = checkLog(rec);
        if ('skip' in c) {
          countSkip(result.skipped, c.skip);
          continue;
        }
        const v = c.values;
        app.appendVarchar(kind);
        app.appendDouble(v.ts);
        appendCell(app, 'str', v.uid);
        appendCell(app, 'str', v.host_a);
        appendCell(app, 'str', v.host_b);
        appendCell(app, 'str', agent);
        app.appendVarchar(v.json);
        app.endRow();
        result.stored++;
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }

  async upsertDevices(devices: readonly DeviceInput[]): Promise<number> {
    await this.guardDisk();
    const checked: DeviceInput[] = [];
    const skipped: Record<string, number> = {};
    for (const d of devices) {
      const c = checkDevice(d);
      if ('skip' in c) countSkip(skipped, c.skip);
      else checked.push(c.device);
    }
    this.tally({ stored: 0, skipped });
    return this.db.transaction((conn) => this.upsertOn(conn, checked));
  }

  /** Merges checked device reports with what the inventory holds (same network + MAC). */
  protected async upsertOn(conn: DuckDBConnection, devices: readonly DeviceInput[]): Promise<number> {
    const merged = new Map<string, Device>();
    for (const d of devices) {
      const network = d.network ?? '';
      const key = `${network}\u0000${d.mac}`;
      let cur = merged.get(key);
      if (cur === undefined) {
        const rows = await DuckDb.rows(conn, 'SELECT * FROM devices WHERE network = $1 AND mac = $2', [network, d.mac]);
        cur =
          rows[0] !== undefined
            ? deviceFromRow(rows[0])
            : { network, mac: d.mac, ips: [], hostnames: [], vendor: null, first_seen: d.first_seen, last_seen: d.last_seen };
        merged.set(key, cur);
      }
      cur.ips = mergeList(cur.ips, d.ips ?? [], MAX_DEVICE_IPS);
      cur.hostnames = mergeList(cur.hostnames, d.hostnames ?? [], MAX_DEVICE_HOSTNAMES);
      if (d.vendor !== undefined) cur.vendor = d.vendor;
      cur.first_seen = Math.min(cur.first_seen, d.first_seen);
      cur.last_seen = Math.max(cur.last_seen, d.last_seen);
    }
    for (const d of merged.values()) {
      await conn.run(
        'INSERT OR REPLACE INTO devices (network, mac, ips, hostnames, vendor, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [d.network, d.mac, listValue(d.ips), listValue(d.hostnames), d.vendor, d.first_seen, d.last_seen],
        [VARCHAR, VARCHAR, LIST(VARCHAR), LIST(VARCHAR), VARCHAR, DOUBLE, DOUBLE],
      );
    }
    return merged.size;
  }

  async updateAlert(id: string, patch: AlertPatch): Promise<StoredAlert | null> {
    const sets: string[] = [];
    const params: Params = { id };
    if (patch.acknowledged !== undefined) {
      sets.push('acknowledged = $ack');
      params.ack = patch.acknowledged;
    }
    if (patch.note !== undefined) {
      sets.push('note = $note');
      params.note = patch.note === null ? null : patch.note.slice(0, 4096);
    }
    if (sets.length > 0) {
      const rows = await this.db.exec(`UPDATE alerts SET ${sets.join(', ')} WHERE id = $id RETURNING id`, params);
      if (rows.length === 0) return null;
    }
    return this.getAlert(id);
  }

  // ---- reads --------------------------------------------------------------

  async getAlert(id: string): Promise<StoredAlert | null> {
    const rows = await this.db.all('SELECT * FROM alerts WHERE id = $1', [id]);
    return rows[0] === undefined ? null : alertFromRow(rows[0]);
  }

  /**
   * The texts rows may hold for the host `ip` (given in any spelling): its stored spelling, and for
   * an IPv4 host also the IPv4-mapped one (address-text.ts). Refuses what is not an address.
   */
  protected hostSpellings(ip: string): string[] {
    const s = storedAddressSpellings(ip);
    if (s.length === 0) throw usage(`"${ip}" is not an IP address`);
    return s;
  }

  /** WHERE for a connection search on the single-row-per-connection conn table. */
  protected connWhere(f: ConnFilter): Where {
    const w = new Where();
    if (f.ip !== undefined) {
      const hosts = this.hostSpellings(f.ip);
      w.add(`(${w.oneOf('orig_h', hosts)} OR ${w.oneOf('resp_h', hosts)})`);
    }
    if (f.cidr !== undefined) {
      const r = cidrKeyRange(f.cidr);
      if ('error' in r) throw usage(r.error);
      const lo = w.p(r.lo);
      const hi = w.p(r.hi);
      w.add(`(orig_key BETWEEN ${lo} AND ${hi} OR resp_key BETWEEN ${lo} AND ${hi})`);
    }
    if (f.port !== undefined) {
      const p = w.p(f.port);
      w.add(`(orig_p = ${p} OR resp_p = ${p})`);
    }
    if (f.country !== undefined) {
      const p = w.p(f.country.toUpperCase());
      w.add(`(orig_cc = ${p} OR resp_cc = ${p})`);
    }
    if (f.asn !== undefined) {
      const p = w.p(f.asn);
      w.add(`(orig_asn = ${p} OR resp_asn = ${p})`);
    }
    if (f.proto !== undefined) w.add(`proto = ${w.p(f.proto)}`);
    if (f.uid !== undefined) w.add(`uid = ${w.p(f.uid)}`);
    w.range('ts', f.from, f.to);
    return w;
  }

  /**
   * One page of a table's rows matching `w`, in `order`, and how many match in all.
   * `orderParams` are parameters the order itself uses (named apart from `w`'s).
   */
  protected async pageRows(
    table: string,
    w: Where,
    order: string,
    limit: number,
    offset: number,
    orderParams: Params = {},
  ): Promise<{ total: number; rows: Row[] }> {
    const total = await this.db.all(`SELECT count(*) AS n FROM ${table} ${w.sql()}`, w.params);
    const rows = await this.db.all(`SELECT * FROM ${table} ${w.sql()} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`, {
      ...w.params,
      ...orderParams,
    });
    return { total: n(total[0]?.n), rows };
  }

  /**
   * The ORDER BY of a connection search and the parameters it uses. The peer is
   * the side that is not the searched host, by address key (numeric order). Its
   * expression is only built when sorting by peer: DuckDB refuses parameters a
   * statement does not use.
   */
  protected connOrder(f: ConnFilter): { sql: string; params: Params } {
    const o = new Where('s');
    const peer =
      f.sort?.field === 'peer' && f.ip !== undefined ? `CASE WHEN ${o.oneOf('orig_h', this.hostSpellings(f.ip))} THEN resp_key ELSE orig_key END` : 'resp_key';
    const keys: Record<ConnSortField, OrderKey> = {
      time: { sql: 'ts' },
      duration: { sql: 'duration', nullable: true },
      bytes: { sql: 'coalesce(orig_bytes, 0) + coalesce(resp_bytes, 0)' },
      peer: { sql: peer },
      port: { sql: 'resp_p' },
    };
    return { sql: orderBy(f.sort, keys, CONN_DEFAULT_ORDER), params: o.params };
  }

  async connections(f: ConnFilter): Promise<Page<ConnRow>> {
    const { limit, offset } = pageBounds(f);
    const w = this.connWhere(f);
    const order = this.connOrder(f);
    const { total, rows } = await this.pageRows('conn', w, order.sql, limit, offset, order.params);
    return { total, limit, offset, rows: rows.map((r) => toRecord(CONN_COLUMNS, r) as unknown as ConnRow) };
  }

  protected dnsWhere(f: DnsFilter): Where {
    const w = new Where();
    if (f.ip !== undefined) {
      const hosts = this.hostSpellings(f.ip);
      w.add(`(${w.oneOf('orig_h', hosts)} OR ${w.oneOf('resp_h', hosts)})`);
    }
    if (f.name !== undefined) {
      const name = f.name.toLowerCase();
      if (name.startsWith('*.')) {
        const suffix = name.slice(1);
        w.add(`(query = ${w.p(name.slice(2))} OR ends_with(query, ${w.p(suffix)}))`);
      } else w.add(`query = ${w.p(name)}`);
    }
    w.range('ts', f.from, f.to);
    return w;
  }

  async dns(f: DnsFilter): Promise<Page<DnsRow>> {
    const { limit, offset } = pageBounds(f);
    const w = this.dnsWhere(f);
    const { total, rows } = await this.pageRows('dns', w, 'ts DESC, uid', limit, offset);
    return { total, limit, offset, rows: rows.map((r) => toRecord(DNS_COLUMNS, r) as unknown as DnsRow) };
  }

  async logs(f: LogFilter): Promise<Page<LogRow>> {
    const { limit, offset } = pageBounds(f);
    const w = new Where();
    w.add(`kind = ${w.p(f.kind)}`);
    if (f.ip !== undefined) {
      const hosts = this.hostSpellings(f.ip);
      w.add(`(${w.oneOf('host_a', hosts)} OR ${w.oneOf('host_b', hosts)})`);
    }
    if (f.uid !== undefined) w.add(`uid = ${w.p(f.uid)}`);
    w.range('ts', f.from, f.to);
    const { total, rows } = await this.pageRows('logs', w, 'ts DESC', limit, offset);
    return {
      total,
      limit,
      offset,
      rows: rows.map((r) => ({
        kind: String(r.kind),
        ts: n(r.ts),
        uid: typeof r.uid === 'string' ? r.uid : null,
        host_a: typeof r.host_a === 'string' ? r.host_a : null,
        host_b: typeof r.host_b === 'string' ? r.host_b : null,
        agent: typeof r.agent === 'string' ? r.agent : null,
        data: JSON.parse(String(r.data)) as Record<string, unknown>,
      })),
    };
  }

  async alerts(f: AlertFilter): Promise<Page<StoredAlert>> {
    const { limit, offset } = pageBounds(f);
    const w = new Where();
    if (f.rule !== undefined) {
      if (f.rule.endsWith('*')) w.add(`starts_with(rule_id, ${w.p(f.rule.slice(0, -1))})`);
      else w.add(`rule_id = ${w.p(f.rule)}`);
    }
    if (f.severity !== undefined) w.add(`severity >= ${w.p(f.severity)}`);
    if (f.host !== undefined) {
      const hosts = this.hostSpellings(f.host);
      w.add(`(${w.oneOf('src_ip', hosts)} OR ${w.oneOf('dst_ip', hosts)})`);
    }
    if (f.network !== undefined) w.add(`network = ${w.p(f.network)}`);
    if (f.acknowledged !== undefined) w.add(`acknowledged = ${w.p(f.acknowledged)}`);
    for (const x of f.exclude ?? []) w.add(`NOT (${exclusionSql(w, x)})`);
    w.range('ts', f.from, f.to);
    const { total, rows } = await this.pageRows('alerts', w, orderBy(f.sort, ALERT_ORDER, ALERT_DEFAULT_ORDER), limit, offset);
    const out: StoredAlert[] = [];
    for (const r of rows) {
      const a = alertFromRow(r);
      if (a !== null) out.push(a);
    }
    return { total, limit, offset, rows: out };
  }

  async devices(f: DeviceFilter): Promise<Page<Device>> {
    const { limit, offset } = pageBounds(f);
    const w = new Where();
    if (f.network !== undefined) w.add(`network = ${w.p(f.network)}`);
    if (f.mac !== undefined) w.add(`mac = ${w.p(f.mac.toLowerCase())}`);
    if (f.ip !== undefined) w.add(`(${this.hostSpellings(f.ip).map((h) => `list_contains(ips, ${w.p(h)})`).join(' OR ')})`);
    // Names are joined with a newline, which a host name cannot hold, so a match never spans two names.
    if (f.name !== undefined) w.add(`contains(lower(array_to_string(hostnames, chr(10))), ${w.p(f.name.toLowerCase())})`);
    const { total, rows } = await this.pageRows('devices', w, orderBy(f.sort, DEVICE_ORDER, DEVICE_DEFAULT_ORDER), limit, offset);
    return { total, limit, offset, rows: rows.map(deviceFromRow) };
  }

  async hostSummary(ip: string, from?: number, to?: number): Promise<HostSummary> {
    const hosts = this.hostSpellings(ip);
    const s = emptySummary(hosts[0]!, from, to);
    // Three independent reads, each on a read connection of its own: the page waits for the slowest, not the sum.
    const [, dns, alerts] = await Promise.all([
      this.connSummary(s, hosts, from, to),
      this.dnsNames(hosts, from, to),
      this.alertSummaries(hosts, from, to),
    ]);
    s.dns = dns;
    s.alerts = alerts;
    return s;
  }

  async hostLastSeen(ip: string): Promise<number | null> {
    const hosts = this.hostSpellings(ip);
    const top = (await this.db.all('SELECT max(ts) AS t FROM conn'))[0]?.t;
    if (top === null || top === undefined) return null;
    const newest = n(top);
    // Look back from the newest stored connection, widening: zone maps on ts skip the row groups
    // before each bound, so a host active lately costs a scan of the last day, not of the table.
    for (const back of LAST_SEEN_LOOKBACK) {
      const bound = back === Infinity ? '' : ` AND ts >= ${newest - back}`;
      // Two single-column filters (DuckDB pushes each into its scan), not one OR over both columns.
      const w = new Where();
      const rows = await this.db.all(
        `SELECT (SELECT max(ts) FROM conn WHERE ${w.oneOf('orig_h', hosts)}${bound}) AS o, (SELECT max(ts) FROM conn WHERE ${w.oneOf('resp_h', hosts)}${bound}) AS r`,
        w.params,
      );
      const r = rows[0] ?? {};
      const seen = [r.o, r.r].filter((v) => v !== null && v !== undefined).map((v) => n(v));
      if (seen.length > 0) return Math.max(...seen);
    }
    return null;
  }

  /**
   * Fills the connection part of a summary (counts, bytes, breakdowns, timeline)
   * in one statement. The host's connections are read once into a materialized
   * CTE viewing each from the host's side, and every breakdown aggregates that
   * small set. The read is two scans, `orig_h = ip` and `resp_h = ip AND orig_h
   * <> ip` (a connection to itself counts once, as originated): DuckDB pushes an
   * equality on one column into the scan, while `orig_h = ip OR resp_h = ip`
   * makes it decompress and test both address columns of every row. On 10M rows
   * that was most of the host page's time, six times over (docs/console.md, "Scale").
   * `hosts` are the host's spellings (an IPv4 host's includes "::ffff:a.b.c.d"),
   * matched as an IN list, which DuckDB pushes into the scan as well; peers
   * written IPv4-mapped are counted under their dotted spelling.
   */
  protected async connSummary(s: HostSummary, hosts: readonly string[], from: number | undefined, to: number | undefined): Promise<void> {
    const w = new Where();
    const isOrig = w.oneOf('orig_h', hosts);
    const isResp = w.oneOf('resp_h', hosts);
    const notOrig = `NOT ${w.oneOf('orig_h', hosts)}`;
    w.range('ts', from, to);
    const range = w.clauses.length === 0 ? '' : ` AND ${w.clauses.join(' AND ')}`;
    // The timeline's bucket width, as timelineStep() picks it, from the window or the host's first and last connection.
    const t0 = from === undefined ? 'lo' : w.p(from);
    const t1 = to === undefined ? 'hi + 1' : w.p(to);
    const steps = TIMELINE_STEPS.map((st) => `WHEN span / ${st} <= ${TIMELINE_MAX_POINTS} THEN ${st}`).join(' ');
    const row = (fields: string): string => `{${fields}}`;
    const rows = await this.db.all(
      `WITH h AS MATERIALIZED (
         SELECT ts, proto, resp_p, coalesce(orig_bytes, 0) AS sent, coalesce(resp_bytes, 0) AS recv,
           orig_pkts AS psent, resp_pkts AS precv, ${peerText('resp_h')} AS peer, resp_cc AS peer_cc, resp_asn AS peer_asn, resp_as_org AS peer_org
         FROM conn WHERE ${isOrig}${range}
         UNION ALL
         SELECT ts, proto, resp_p, coalesce(resp_bytes, 0), coalesce(orig_bytes, 0),
           resp_pkts, orig_pkts, ${peerText('orig_h')}, orig_cc, orig_asn, orig_as_org
         FROM conn WHERE ${isResp} AND ${notOrig}${range}),
       step AS (
         SELECT CASE ${steps} ELSE ${TIMELINE_STEPS[TIMELINE_STEPS.length - 1]!} END AS w
         FROM (SELECT greatest(1, ${t1} - ${t0}) AS span FROM (SELECT min(ts) AS lo, max(ts) AS hi FROM h)))
       SELECT
         (SELECT ${row('c: count(*), bs: sum(sent), br: sum(recv), ps: sum(coalesce(psent, 0)), pr: sum(coalesce(precv, 0))')} FROM h) AS tot,
         (SELECT list(${row('k: k, c: c, b: b')} ORDER BY c DESC, k) FROM (
           SELECT peer_cc AS k, count(*) AS c, sum(sent + recv) AS b FROM h WHERE peer_cc IS NOT NULL
           GROUP BY peer_cc ORDER BY c DESC, k LIMIT ${SUMMARY_TOP})) AS countries,
         (SELECT list(${row('k: k, org: org, c: c, b: b')} ORDER BY c DESC, k) FROM (
           SELECT peer_asn AS k, any_value(peer_org) AS org, count(*) AS c, sum(sent + recv) AS b FROM h WHERE peer_asn IS NOT NULL
           GROUP BY peer_asn ORDER BY c DESC, k LIMIT ${SUMMARY_TOP})) AS asns,
         (SELECT list(${row('k: k, c: c, b: b')} ORDER BY c DESC, b DESC, k) FROM (
           SELECT peer AS k, count(*) AS c, sum(sent + recv) AS b FROM h GROUP BY peer ORDER BY c DESC, b DESC, k LIMIT ${SUMMARY_TOP})) AS peers,
         (SELECT list(${row('k: k, proto: proto, c: c, b: b')} ORDER BY c DESC, k, proto) FROM (
           SELECT resp_p AS k, proto, count(*) AS c, sum(sent + recv) AS b FROM h GROUP BY resp_p, proto
           ORDER BY c DESC, k, proto LIMIT ${SUMMARY_TOP})) AS ports,
         (SELECT list(${row('b: b, c: c, i: i, o: o')} ORDER BY b) FROM (
           SELECT floor(ts / (SELECT w FROM step)) * (SELECT w FROM step) AS b, count(*) AS c, sum(recv) AS i, sum(sent) AS o
           FROM h GROUP BY b)) AS timeline,
         (SELECT w FROM step) AS step`,
      w.params,
    );
    const r = rows[0] ?? {};
    const t = (r.tot ?? {}) as Row;
    s.connections = n(t.c);
    s.bytes_sent = n(t.bs);
    s.bytes_received = n(t.br);
    s.packets_sent = n(t.ps);
    s.packets_received = n(t.pr);
    if (s.connections === 0) return;
    const total = s.connections;
    const list = (v: unknown): Row[] => (Array.isArray(v) ? (v as Row[]) : []);
    s.countries = list(r.countries).map((x) => ({ country: String(x.k), connections: n(x.c), bytes: n(x.b), share: n(x.c) / total }));
    s.asns = list(r.asns).map((x) => ({
      asn: n(x.k),
      org: typeof x.org === 'string' ? x.org : null,
      connections: n(x.c),
      bytes: n(x.b),
      share: n(x.c) / total,
    }));
    s.top_peers = list(r.peers).map((x) => ({ ip: String(x.k), connections: n(x.c), bytes: n(x.b) }));
    s.ports = list(r.ports).map((x) => ({ port: n(x.k), proto: String(x.proto), connections: n(x.c), bytes: n(x.b) }));
    s.timeline = list(r.timeline).map((x) => ({ t: isoOrNull(n(x.b)) ?? '', connections: n(x.c), bytes_in: n(x.i), bytes_out: n(x.o) }));
    s.timeline_step = n(r.step);
  }

  protected async dnsNames(hosts: readonly string[], from: number | undefined, to: number | undefined): Promise<{ query: string; count: number }[]> {
    const w = new Where();
    w.add(w.oneOf('orig_h', hosts));
    w.add('query IS NOT NULL');
    w.range('ts', from, to);
    const rows = await this.db.all(
      `SELECT query AS q, count(*) AS c FROM dns ${w.sql()} GROUP BY query ORDER BY c DESC, q LIMIT ${SUMMARY_DNS_NAMES}`,
      w.params,
    );
    return rows.map((r) => ({ query: String(r.q), count: n(r.c) }));
  }

  protected async alertSummaries(hosts: readonly string[], from: number | undefined, to: number | undefined): Promise<AlertSummary[]> {
    const w = new Where();
    w.add(`(${w.oneOf('src_ip', hosts)} OR ${w.oneOf('dst_ip', hosts)})`);
    w.range('ts', from, to);
    const rows = await this.db.all(
      `SELECT id, ts, rule_id, severity, message, count, acknowledged FROM alerts ${w.sql()} ORDER BY ts DESC, id LIMIT ${HOST_SUMMARY_ALERTS}`,
      w.params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      '@timestamp': isoOrNull(n(r.ts)) ?? '',
      rule: String(r.rule_id),
      severity: n(r.severity),
      message: String(r.message ?? ''),
      count: n(r.count),
      acknowledged: r.acknowledged === true,
    }));
  }

  // ---- retention ----------------------------------------------------------

  /** Refuses a write when the disk is below its floor even after trimming. */
  protected async guardDisk(): Promise<void> {
    const floor = this.retention.min_free_bytes ?? DEFAULT_MIN_FREE_BYTES;
    if ((await diskFree(this.dataDir)) >= floor) return;
    // Trim at most once per interval: when something else is filling the disk, every insert
    // must not take another tenth of the history with it.
    const now = Date.now();
    if (now - this.#lastDiskTrim >= DISK_TRIM_INTERVAL_MS) {
      this.#lastDiskTrim = now;
      await this.trimOldest(MIN_TRIM_FRACTION, {});
      await this.checkpoint();
    }
    const free = await diskFree(this.dataDir);
    if (free < floor) {
      throw new PicketError(
        'PKT_ERR_STORE_DISK_FULL',
        `only ${free} bytes free on the store's file system (floor ${floor}): not storing more; free space or lower retention.max_bytes`,
      );
    }
  }

  /** Bytes the local file uses (DuckDB used blocks + WAL). */
  protected async usedBytes(): Promise<number> {
    return this.db.usedBytes();
  }

  /** Tables trimmed here, with their time column (the ClickHouse store drops conn/dns from this list). */
  protected timedTables(): readonly { table: string; ts: string }[] {
    return TIMED_TABLES;
  }

  /**
   * Deletes the oldest `fraction` of rows (by time, across the timed tables):
   * the cutoff is the fraction-quantile of the largest table's times.
   */
  protected async trimOldest(fraction: number, deleted: Record<string, number>): Promise<void> {
    const tables = this.timedTables();
    let best: { table: string; ts: string; rows: number } | null = null;
    for (const t of tables) {
      const c = n((await this.db.all(`SELECT count(*) AS n FROM ${t.table}`))[0]?.n);
      if (best === null || c > best.rows) best = { ...t, rows: c };
    }
    if (best === null || best.rows === 0) return;
    const q = await this.db.all(`SELECT quantile_disc(${best.ts}, $1) AS q FROM ${best.table}`, [Math.min(1, fraction)]);
    let cutoff = n(q[0]?.q);
    // A quantile equal to the oldest time would delete nothing: always remove at least the oldest second.
    const min = n((await this.db.all(`SELECT min(${best.ts}) AS m FROM ${best.table}`))[0]?.m);
    if (cutoff <= min) cutoff = min + 1;
    await this.deleteOlder(cutoff, deleted);
  }

  /** Deletes rows older than `cutoff` from every timed table, counting them. */
  protected async deleteOlder(cutoff: number, deleted: Record<string, number>): Promise<void> {
    for (const t of this.timedTables()) {
      // Counted and deleted in one transaction, so the count is what was deleted (no RETURNING of every row).
      const count = await this.db.transaction(async (conn) => {
        const c = await DuckDb.rows(conn, `SELECT count(*) AS n FROM ${t.table} WHERE ${t.ts} < $1`, [cutoff]);
        const k = n(c[0]?.n);
        if (k > 0) await conn.run(`DELETE FROM ${t.table} WHERE ${t.ts} < $1`, [cutoff]);
        return k;
      });
      if (count > 0) deleted[t.table] = (deleted[t.table] ?? 0) + count;
    }
  }

  async enforceRetention(now = Date.now() / 1000): Promise<RetentionReport> {
    const deleted: Record<string, number> = {};
    const reasons: string[] = [];
    const before = await this.usedBytes();
    const maxAge = this.retention.max_age_days;
    if (maxAge !== undefined && maxAge > 0) {
      const cutoff = now - maxAge * 86400;
      const had = { ...deleted };
      await this.deleteOlder(cutoff, deleted);
      const dev = await this.db.exec('DELETE FROM devices WHERE last_seen < $1 RETURNING mac', [cutoff]);
      if (dev.length > 0) deleted.devices = dev.length;
      await this.pruneBatchMarks(cutoff);
      if (JSON.stringify(had) !== JSON.stringify(deleted)) reasons.push('age');
    }
    const maxBytes = this.retention.max_bytes;
    if (maxBytes !== undefined && maxBytes > 0) {
      await this.checkpoint();
      let used = await this.usedBytes();
      for (let round = 0; round < MAX_TRIM_ROUNDS && used > maxBytes; round++) {
        if (!reasons.includes('size')) reasons.push('size');
        // Remove the share of rows that is over the bound, at least MIN_TRIM_FRACTION per round.
        const over = (used - maxBytes) / used;
        await this.trimOldest(Math.max(MIN_TRIM_FRACTION, over), deleted);
        await this.checkpoint();
        let next = await this.usedBytes();
        if (next >= used) {
          // DuckDB frees a row group's blocks only once every row of it is deleted; rewrite the
          // tables so the space of the deleted rows really comes back.
          await this.compact();
          next = await this.usedBytes();
        }
        if (next >= used && (await this.totalTimedRows()) === 0) break;
        used = next;
      }
    }
    const floor = this.retention.min_free_bytes ?? DEFAULT_MIN_FREE_BYTES;
    if ((await diskFree(this.dataDir)) < floor) {
      reasons.push('disk');
      await this.trimOldest(MIN_TRIM_FRACTION, deleted);
      await this.checkpoint();
    }
    return { deleted, reasons, bytes_before: before, bytes_after: await this.usedBytes(), disk_free: await diskFree(this.dataDir) };
  }

  /**
   * Rewrites the bulk tables (conn, dns, logs) in time order inside one
   * transaction, so row groups holding deleted rows are released at the next
   * checkpoint. Costs a copy of the live rows in DuckDB's temporary storage.
   */
  protected async compact(): Promise<void> {
    for (const t of this.timedTables()) {
      if (t.table === 'alerts') continue; // small, and its primary key makes delete-and-reinsert awkward
      await this.db.transaction(async (conn) => {
        await conn.run(`CREATE TEMP TABLE compact_keep AS SELECT * FROM ${t.table}`);
        await conn.run(`DELETE FROM ${t.table}`);
        await conn.run(`INSERT INTO ${t.table} SELECT * FROM compact_keep ORDER BY ${t.ts}`);
        await conn.run('DROP TABLE compact_keep');
      });
    }
    await this.checkpoint();
  }

  protected async pruneBatchMarks(cutoff: number): Promise<void> {
    await this.db.exec('DELETE FROM batches WHERE received_at < $1', [cutoff]).catch(() => undefined);
  }

  protected async totalTimedRows(): Promise<number> {
    let total = 0;
    for (const t of this.timedTables()) total += n((await this.db.all(`SELECT count(*) AS n FROM ${t.table}`))[0]?.n);
    return total;
  }

  /** Writes the WAL into the file and lets DuckDB reuse the blocks of deleted rows. */
  protected async checkpoint(): Promise<void> {
    await this.db.exec('CHECKPOINT');
  }

  async stats(): Promise<StoreStats> {
    const rows: Record<string, number> = {};
    for (const t of ['conn', 'dns', 'logs', 'alerts', 'devices']) {
      rows[t] = n((await this.db.all(`SELECT count(*) AS n FROM ${t}`))[0]?.n);
    }
    const span = await this.connSpan();
    return {
      engine: this.engine,
      rows,
      bytes: await this.usedBytes(),
      disk_free: await diskFree(this.dataDir),
      skipped: { ...this.skippedTotal },
      oldest: span.oldest,
      newest: span.newest,
    };
  }

  protected async connSpan(): Promise<{ oldest: number | null; newest: number | null }> {
    const r = (await this.db.all('SELECT min(ts) AS a, max(ts) AS b FROM conn'))[0] ?? {};
    return { oldest: typeof r.a === 'number' ? r.a : null, newest: typeof r.b === 'number' ? r.b : null };
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** Records of a batch grouped by kind, in first-seen order. */
export function groupByKind(records: readonly BatchRecord[]): Map<string, unknown[]> {
  const groups = new Map<string, unknown[]>();
  for (const r of records) {
    const kind = r !== null && typeof r === 'object' && typeof r.kind === 'string' ? r.kind : '';
    let list = groups.get(kind);
    if (list === undefined) {
      list = [];
      groups.set(kind, list);
    }
    list.push(r?.data);
  }
  return groups;
}
