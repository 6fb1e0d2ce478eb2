/**
 * The metadata store contract: what the server, the query command and the
 * console read and write, whichever engine holds the rows (DuckDB embedded by
 * default, ClickHouse at scale). Rows keep the field names of the logs they
 * come from (Zeek's conn.log/dns.log names, the ECS alert object), so a row
 * read back is the line that was written plus a few store fields (agent, id).
 *
 * Times in filters are epoch seconds (`parseTime` in time.ts turns ISO 8601
 * or epoch text into them); ranges are half-open: from <= ts < to.
 */
import type { ConnRecord } from '../flows/conn-record.js';
import type { DnsRecord } from '../protocols/dns/events.js';
import type { Alert } from '../alerts/alert.js';

/** Log kinds with their own tables; every other kind goes to the generic `logs` table. */
export type TableKind = 'conn' | 'dns' | 'alert' | 'device';

/** One record of an ingest batch: `kind` is the log name ('conn', 'dns', 'http', ...), 'alert' or 'device'. */
export interface BatchRecord {
  kind: string;
  data: unknown;
}

/** A conn.log line as stored, with the agent that sent it (absent for local ingest). */
export interface ConnRow extends ConnRecord {
  agent?: string;
}

/** A dns.log line as stored. */
export interface DnsRow extends DnsRecord {
  agent?: string;
}

/** A record of any other log (http, ssl, dhcp, ...), kept whole as JSON. */
export interface LogRow {
  kind: string;
  ts: number;
  uid: string | null;
  /** Originator / client side of the record, when it names one. */
  host_a: string | null;
  /** Responder / server side. */
  host_b: string | null;
  agent: string | null;
  data: Record<string, unknown>;
}

/** An alert as stored: the ECS alert object plus the store's own fields. */
export interface StoredAlert extends Alert {
  /** Store-assigned id (UUID). */
  id: string;
  agent: string | null;
  acknowledged: boolean;
  note: string | null;
}

export interface AlertPatch {
  acknowledged?: boolean;
  /** New note text; null clears it. */
  note?: string | null;
}

/** What a sensor or the server knows about one device (one MAC on one network). */
export interface DeviceInput {
  /** Configured network name; '' when the sensor has none for the address. */
  network?: string;
  mac: string;
  ips?: readonly string[];
  /** Names from DHCP, mDNS, NBNS, LLMNR. */
  hostnames?: readonly string[];
  /** Vendor from the MAC OUI. */
  vendor?: string;
  /** Epoch seconds. */
  first_seen: number;
  last_seen: number;
}

/** One device of the inventory (merged over every report of the same network + MAC). */
export interface Device {
  network: string;
  mac: string;
  ips: string[];
  hostnames: string[];
  vendor: string | null;
  first_seen: number;
  last_seen: number;
}

/** Which way a sorted list runs. */
export type SortDir = 'asc' | 'desc';

/**
 * The order of a list: one field of that list's allowlist and a direction.
 * Each engine maps the field to its own SQL (never text from the caller), and
 * the list's default order follows as the tie-breaker, so every order is total
 * and paging never repeats or skips a row.
 */
export interface Sort<F extends string> {
  field: F;
  dir: SortDir;
}

/** What the alert list sorts by: time (@timestamp), severity, rule id, count. */
export const ALERT_SORT_FIELDS = ['time', 'severity', 'rule', 'count'] as const;
export type AlertSortField = (typeof ALERT_SORT_FIELDS)[number];

/** What the device list sorts by. */
export const DEVICE_SORT_FIELDS = ['first_seen', 'last_seen', 'mac', 'network'] as const;
export type DeviceSortField = (typeof DEVICE_SORT_FIELDS)[number];

/**
 * What a connection search sorts by: time (ts), duration (unknown durations
 * last in either direction), bytes (payload bytes of both directions), peer
 * (the other side from `ip`, or the responder when no `ip` is given, in
 * address order: IPv4 before IPv6, numeric within each), port (the responder's).
 */
export const CONN_SORT_FIELDS = ['time', 'duration', 'bytes', 'peer', 'port'] as const;
export type ConnSortField = (typeof CONN_SORT_FIELDS)[number];

/** Paging and time window shared by the searches. */
export interface RangeFilter {
  from?: number;
  to?: number;
  limit?: number;
  offset?: number;
}

export interface ConnFilter extends RangeFilter {
  /** Either side of the connection. */
  ip?: string;
  /** Either side inside this block ("10.0.0.0/8", "2001:db8::/32"). */
  cidr?: string;
  /** Either port. */
  port?: number;
  /** ISO country code of either side (enrichment). */
  country?: string;
  /** AS number of either side (enrichment). */
  asn?: number;
  proto?: 'tcp' | 'udp' | 'icmp';
  uid?: string;
  /** Absent: newest first (ts DESC, uid), which also breaks the ties of any other order. */
  sort?: Sort<ConnSortField>;
}

export interface DnsFilter extends RangeFilter {
  /** Client or server of the query. */
  ip?: string;
  /** Exact name, or a suffix when it starts with "*." ("*.example.com"). */
  name?: string;
}

export interface AlertFilter extends RangeFilter {
  /** Rule id, or a prefix when it ends with "*" ("scan.*"). */
  rule?: string;
  /** Minimum severity (1..4). */
  severity?: number;
  /** Source or destination address. */
  host?: string;
  /** network.name of the alert. */
  network?: string;
  acknowledged?: boolean;
  /** Leave out alerts matching any of these (the console's suppressions), so paging and totals count only the rest. */
  exclude?: readonly AlertExclusion[];
  /** Absent: newest first (ts DESC, id), which also breaks the ties of any other order. */
  sort?: Sort<AlertSortField>;
}

/**
 * Alerts to leave out: the rule id (or a prefix ending in "*"), and, when set,
 * a host that must be the source or destination and the network the alert is in.
 */
export interface AlertExclusion {
  rule: string;
  host: string | null;
  network: string | null;
}

export interface DeviceFilter {
  network?: string;
  mac?: string;
  /** Any spelling of one of the device's addresses. */
  ip?: string;
  /** Part of one of the device's host names, any case ("laptop" finds "Anna-Laptop.lan"). */
  name?: string;
  /** Absent: by network, then last seen (newest first), then MAC, which also breaks the ties of any other order. */
  sort?: Sort<DeviceSortField>;
  limit?: number;
  offset?: number;
}

export interface LogFilter extends RangeFilter {
  kind: string;
  /** Either side. */
  ip?: string;
  uid?: string;
}

/** One page of a search: `total` counts every match, `rows` holds at most `limit`. */
export interface Page<T> {
  total: number;
  limit: number;
  offset: number;
  rows: T[];
}

export interface AlertSummary {
  id: string;
  '@timestamp': string;
  rule: string;
  severity: number;
  message: string;
  count: number;
  acknowledged: boolean;
}

/** Alerts a host summary lists (the newest). */
export const HOST_SUMMARY_ALERTS = 50;

/**
 * Everything about one host over a time window (the `picket query host` answer).
 * Bytes and packets are payload bytes and packets as Zeek counts them, from the
 * host's side: orig_* when the host originated the connection, resp_* when it
 * answered. `bytes` in the breakdowns is both directions.
 */
export interface HostSummary {
  host: string;
  /** The window asked for (ISO 8601), null when open. */
  from: string | null;
  to: string | null;
  connections: number;
  bytes_sent: number;
  bytes_received: number;
  packets_sent: number;
  packets_received: number;
  /** Names this host asked for, most frequent first. */
  dns: { query: string; count: number }[];
  /** Countries of the peers (enrichment); share = connections / all connections. */
  countries: { country: string; connections: number; bytes: number; share: number }[];
  asns: { asn: number; org: string | null; connections: number; bytes: number; share: number }[];
  top_peers: { ip: string; connections: number; bytes: number }[];
  /** Responder ports of the host's connections (the service used or offered). */
  ports: { port: number; proto: string; connections: number; bytes: number }[];
  alerts: AlertSummary[];
  timeline?: { t: string; connections: number; bytes_in: number; bytes_out: number }[];
  /**
   * Seconds each timeline point covers (`t` is the bucket's start). Buckets
   * without connections are left out, so a chart fills them with zeros at this
   * step. Absent when the timeline is empty.
   */
  timeline_step?: number;
}

/** Rows accepted and refused by an insert; refused rows are counted by reason, never thrown. */
export interface InsertResult {
  stored: number;
  skipped: Record<string, number>;
}

export interface BatchResult extends InsertResult {
  /** True when (agent, seq) had been stored before with the same records: nothing was stored this time. */
  duplicate: boolean;
  /**
   * True when (agent, seq) had been stored before with other records (the
   * digests differ): nothing was stored, and the batch is not acknowledged.
   */
  conflict?: boolean;
}

export interface RetentionReport {
  /** Rows deleted per table. */
  deleted: Record<string, number>;
  /** Why: 'age', 'size' and/or 'disk' (free space below the floor). */
  reasons: string[];
  /** Bytes the store used before and after. */
  bytes_before: number;
  bytes_after: number;
  /** Free bytes on the data directory's file system after the run. */
  disk_free: number;
}

export interface StoreStats {
  engine: 'duckdb' | 'clickhouse';
  /** Rows per table. */
  rows: Record<string, number>;
  /** Bytes used by the store (DuckDB: used blocks; ClickHouse: parts on disk plus the local file). */
  bytes: number;
  disk_free: number;
  /** Rows refused since start, by reason. */
  skipped: Record<string, number>;
  /** Oldest and newest connection time (epoch seconds), null when empty. */
  oldest: number | null;
  newest: number | null;
}

export interface MetadataStore {
  readonly engine: 'duckdb' | 'clickhouse';
  /** Creates tables if needed; call once before anything else. */
  init(): Promise<void>;
  /**
   * Stores rows of one kind ('conn', 'dns', 'alert', 'device', or any other log name).
   * Malformed rows are skipped and counted in the result. Throws PicketError
   * PKT_ERR_STORE_DISK_FULL when the disk is too full even after trimming.
   */
  insert(kind: string, rows: readonly unknown[], agent?: string): Promise<InsertResult>;
  /**
   * Stores a whole ingest batch exactly once: a batch whose (agent, seq) was
   * stored before with the same digest (batch-digest.ts; computed here when
   * not given) is a duplicate and not stored again; with another digest it is
   * a conflict and nothing is stored.
   */
  insertBatch(agent: string, seq: number, records: readonly BatchRecord[], digest?: string): Promise<BatchResult>;
  hostSummary(ip: string, from?: number, to?: number): Promise<HostSummary>;
  /** Time of the host's newest connection (either side), null when it has none. */
  hostLastSeen(ip: string): Promise<number | null>;
  connections(filter: ConnFilter): Promise<Page<ConnRow>>;
  dns(filter: DnsFilter): Promise<Page<DnsRow>>;
  logs(filter: LogFilter): Promise<Page<LogRow>>;
  alerts(filter: AlertFilter): Promise<Page<StoredAlert>>;
  getAlert(id: string): Promise<StoredAlert | null>;
  /** Null when no alert has that id. */
  updateAlert(id: string, patch: AlertPatch): Promise<StoredAlert | null>;
  devices(filter: DeviceFilter): Promise<Page<Device>>;
  /** Merges reports into the inventory; returns how many devices were written. */
  upsertDevices(devices: readonly DeviceInput[]): Promise<number>;
  /** Deletes by age and size and keeps the disk from filling (see docs/store.md). */
  enforceRetention(now?: number): Promise<RetentionReport>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}
