/**
 * The scale-out store: connection and DNS rows in ClickHouse, everything else
 * (alerts, devices, other logs, agents and batch marks) in the local DuckDB
 * file as with the embedded store, whose class this extends.
 *
 * Layout (see docs/store.md):
 * - `conn_by_host`: each connection stored twice, once per side (`host`,
 *   `peer`, `dir` = 1 when the host originated it), MergeTree partitioned by
 *   day and ordered by (host, ts): one host over a time window reads one
 *   contiguous key range, and a host summary needs no OR across two columns.
 *   A search without an address reads the dir = 1 copies only, so every
 *   connection counts once. Connections of a host to itself are stored once.
 * - `dns`: one row per query, ordered by (orig_h, ts): the querier's names.
 *
 * Values are written inline (clickhouse-server 18.16 has no query
 * parameters); see sql.ts. Column types and the upgrade of older tables are
 * in schema.ts. Exactly-once batches: ClickHouse has no
 * transactions, so a batch is first noted as pending in DuckDB, its rows are
 * inserted with (agent, batch_seq), and the "stored" mark commits with the
 * local rows. A retry that finds a pending note deletes that batch's rows from
 * ClickHouse (ALTER ... DELETE, waited for) before inserting again.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PicketError } from '../../util/errors.js';
import { DuckDb } from '../duckdb/db.js';
import { CONN_DEFAULT_ORDER, DuckDbMetadataStore, type DuckDbStoreOptions, SUMMARY_DNS_NAMES, SUMMARY_TOP, groupByKind, pageBounds, timelineStep, usage } from '../duckdb/store.js';
import { TIMED_TABLES } from '../duckdb/schema.js';
import { CONN_COLUMNS, DNS_COLUMNS, MAX_ROWS_PER_INSERT, countSkip, normalize, toRecord } from '../columns.js';
import { batchMarkOf, markBatchOn } from '../meta.js';
import { batchDigest } from '../batch-digest.js';
import { cidrKeyRange } from '../ip-key.js';
import { isoOrNull, utcDay } from '../time.js';
import type { ClickHouseOptions } from '../options.js';
import { ChWhere, ident, lit, num, oneOf } from './sql.js';
import { chColumn, upgradeChTable } from './schema.js';
import { MAPPED_PREFIX } from '../address-text.js';
import { orderBy, type OrderKey } from '../order.js';
import type {
  BatchRecord,
  BatchResult,
  ConnFilter,
  ConnRow,
  ConnSortField,
  DnsFilter,
  DnsRow,
  HostSummary,
  InsertResult,
  Page,
  RetentionReport,
  StoreStats,
} from '../types.js';

/** Longest wait for a ClickHouse DELETE mutation (cleaning a half-stored batch) before giving up. */
export const MUTATION_WAIT_MS = 60_000;
const MUTATION_POLL_MS = 100;
/** Most partitions dropped per retention run (bounded work; the next run continues). */
export const MAX_PARTITION_DROPS = 1000;
/** Rows per INSERT request to ClickHouse (one HTTP body). */
const CH_INSERT_CHUNK = 50_000;
/** Request timeout: a stuck ClickHouse must not hold an ingest request forever. */
const CH_REQUEST_TIMEOUT_MS = 60_000;

function n(v: unknown): number {
  const x = typeof v === 'number' ? v : Number(v ?? 0);
  return Number.isFinite(x) ? x : 0;
}

/** "18.16.1" -> [18, 16]. */
function versionOf(text: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m === null ? [0, 0] : [Number(m[1]), Number(m[2])];
}

export interface ClickHouseStoreOptions extends DuckDbStoreOptions {
  clickhouse: ClickHouseOptions;
}

type JsonRow = Record<string, unknown>;

export class ClickHouseMetadataStore extends DuckDbMetadataStore {
  override readonly engine = 'clickhouse' as const;
  readonly #client: ClickHouseClient;
  readonly #dbName: string;
  /** Server supports table TTL (19.6+). */
  #ttl = false;
  #serverVersion = '';
  /** Per-agent tail of batch work: one agent's batches are stored one at a time. */
  readonly #agentTails = new Map<string, Promise<unknown>>();

  constructor(db: DuckDb, opts: ClickHouseStoreOptions) {
    super(db, opts);
    const ch = opts.clickhouse;
    this.#dbName = ident(ch.database);
    const password = ch.password_env !== undefined ? (process.env[ch.password_env] ?? '') : '';
    this.#client = createClient({
      url: ch.url,
      username: ch.user,
      password,
      request_timeout: CH_REQUEST_TIMEOUT_MS,
    });
  }

  get serverVersion(): string {
    return this.#serverVersion;
  }

  #t(table: string): string {
    return `${this.#dbName}.${table}`;
  }

  async #rows(query: string): Promise<JsonRow[]> {
    const rs = await this.#client.query({ query, format: 'JSON' });
    const body = (await rs.json()) as { data?: JsonRow[] };
    return body.data ?? [];
  }

  async #command(query: string): Promise<void> {
    await this.#client.command({ query });
  }

  override async init(): Promise<void> {
    await super.init();
    await this.db.exec('CREATE TABLE IF NOT EXISTS ch_pending (agent_id VARCHAR NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (agent_id, seq))');
    let version: JsonRow[];
    try {
      version = await this.#rows('SELECT version() AS v');
    } catch (err) {
      throw new PicketError('PKT_ERR_STORE_OPEN', `cannot reach ClickHouse: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    this.#serverVersion = String(version[0]?.v ?? '');
    const [major, minor] = versionOf(this.#serverVersion);
    this.#ttl = major > 19 || (major === 19 && minor >= 6);
    await this.#command(`CREATE DATABASE IF NOT EXISTS ${this.#dbName}`);
    const maxAge = this.retention.max_age_days;
    const ttl = this.#ttl && maxAge !== undefined && maxAge > 0 ? ` TTL day + toIntervalDay(${num(Math.ceil(maxAge))})` : '';
    const tail = 'agent String, orig_key String, resp_key String, batch_seq UInt64';
    await this.#command(
      `CREATE TABLE IF NOT EXISTS ${this.#t('conn_by_host')} (day Date, host String, host_key String, peer String, peer_key String, dir UInt8, ` +
        `${CONN_COLUMNS.map(chColumn).join(', ')}, ${tail}) ENGINE = MergeTree PARTITION BY toYYYYMMDD(day) ORDER BY (host, ts)${ttl}`,
    );
    await this.#command(
      `CREATE TABLE IF NOT EXISTS ${this.#t('dns')} (day Date, ${DNS_COLUMNS.map(chColumn).join(', ')}, ${tail}) ` +
        `ENGINE = MergeTree PARTITION BY toYYYYMMDD(day) ORDER BY (orig_h, ts)${ttl}`,
    );
    // Tables made by an older version get the log columns they lack (schema.ts).
    const runner = { rows: (q: string) => this.#rows(q), command: (q: string) => this.#command(q) };
    await upgradeChTable(runner, this.#dbName, 'conn_by_host', CONN_COLUMNS);
    await upgradeChTable(runner, this.#dbName, 'dns', DNS_COLUMNS);
    if (ttl !== '') {
      // Tables made before max_age_days changed keep the old TTL unless told.
      for (const t of ['conn_by_host', 'dns']) await this.#command(`ALTER TABLE ${this.#t(t)} MODIFY${ttl}`);
    }
  }

  protected override ownsKind(_kind: 'conn' | 'dns'): boolean {
    return false;
  }

  protected override timedTables(): readonly { table: string; ts: string }[] {
    return TIMED_TABLES.filter((t) => t.table !== 'conn' && t.table !== 'dns');
  }

  // ---- writes -------------------------------------------------------------

  /** Rows for ClickHouse's JSONEachRow input from checked records. */
  #chRows(kind: 'conn' | 'dns', rows: readonly unknown[], agent: string | null, seq: number, result: InsertResult): JsonRow[] {
    const columns = kind === 'conn' ? CONN_COLUMNS : DNS_COLUMNS;
    const out: JsonRow[] = [];
    const limit = Math.min(rows.length, MAX_ROWS_PER_INSERT);
    if (rows.length > limit) countSkip(result.skipped, 'too_many_rows', rows.length - limit);
    for (let i = 0; i < limit; i++) {
      const r = normalize(columns, rows[i], agent);
      if ('skip' in r) {
        countSkip(result.skipped, r.skip);
        continue;
      }
      const v = r.values;
      const row: JsonRow = { day: utcDay(v[0] as number) };
      for (let c = 0; c < columns.length; c++) {
        const col = columns[c]!;
        const x = v[c];
        if (col.type === 'bool') row[col.col] = x === null ? null : x === true ? 1 : 0;
        else if (col.type === 'strlist' || col.type === 'f64list') row[col.col] = x ?? [];
        else row[col.col] = x;
      }
      row.agent = agent ?? '';
      row.orig_key = v[columns.length + 1];
      row.resp_key = v[columns.length + 2];
      row.batch_seq = seq;
      result.stored++;
      if (kind === 'dns') {
        out.push(row);
        continue;
      }
      const origH = v[2] as string;
      const respH = v[4] as string;
      out.push({ ...row, host: origH, host_key: row.orig_key, peer: respH, peer_key: row.resp_key, dir: 1 });
      if (row.orig_key !== row.resp_key) {
        out.push({ ...row, host: respH, host_key: row.resp_key, peer: origH, peer_key: row.orig_key, dir: 0 });
      }
    }
    return out;
  }

  async #chInsert(table: string, rows: JsonRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CH_INSERT_CHUNK) {
      await this.#client.insert({ table: this.#t(table), values: rows.slice(i, i + CH_INSERT_CHUNK), format: 'JSONEachRow' });
    }
  }

  override async insert(kind: string, rows: readonly unknown[], agent?: string): Promise<InsertResult> {
    if (kind !== 'conn' && kind !== 'dns') return super.insert(kind, rows, agent);
    await this.guardDisk();
    const result: InsertResult = { stored: 0, skipped: {} };
    const out = this.#chRows(kind, rows, agent ?? null, 0, result);
    await this.#chInsert(kind === 'conn' ? 'conn_by_host' : 'dns', out);
    this.tally(result);
    return result;
  }

  override insertBatch(agent: string, seq: number, records: readonly BatchRecord[], digest = batchDigest(records)): Promise<BatchResult> {
    const prev = this.#agentTails.get(agent) ?? Promise.resolve();
    const run = prev.then(
      () => this.#insertBatch(agent, seq, records, digest),
      () => this.#insertBatch(agent, seq, records, digest),
    );
    const tail = run.catch(() => undefined);
    this.#agentTails.set(agent, tail);
    void tail.then(() => {
      if (this.#agentTails.get(agent) === tail) this.#agentTails.delete(agent);
    });
    return run;
  }

  async #insertBatch(agent: string, seq: number, records: readonly BatchRecord[], digest: string): Promise<BatchResult> {
    if (!Number.isSafeInteger(seq) || seq < 1) throw usage(`batch sequence must be a positive integer, got ${String(seq)}`);
    const result: BatchResult = { stored: 0, skipped: {}, duplicate: false };
    // Checked before anything goes to ClickHouse: a conflicting batch must leave no rows there.
    const seen = batchMarkOf(await this.db.all('SELECT digest FROM batches WHERE agent_id = $1 AND seq = $2', [agent, seq]), digest);
    if (seen !== 'new') {
      if (seen === 'conflict') result.conflict = true;
      else result.duplicate = true;
      return result;
    }
    await this.guardDisk();
    const groups = groupByKind(records);
    const pending = await this.db.all('SELECT 1 AS x FROM ch_pending WHERE agent_id = $1 AND seq = $2', [agent, seq]);
    if (pending.length > 0) {
      // An earlier attempt may have stored part of this batch in ClickHouse: remove it first.
      const where = `agent = ${lit(agent)} AND batch_seq = ${num(seq)}`;
      for (const t of ['conn_by_host', 'dns']) {
        await this.#command(`ALTER TABLE ${this.#t(t)} DELETE WHERE ${where}`);
        await this.#waitMutations(t);
      }
    } else {
      await this.db.exec('INSERT INTO ch_pending (agent_id, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING', [agent, seq]);
    }
    const connRows = this.#chRows('conn', groups.get('conn') ?? [], agent, seq, result);
    const dnsRows = this.#chRows('dns', groups.get('dns') ?? [], agent, seq, result);
    await this.#chInsert('conn_by_host', connRows);
    await this.#chInsert('dns', dnsRows);
    await this.db.transaction(async (conn: DuckDBConnection) => {
      // Batches of one agent run one at a time (#agentTails), so the mark checked above is still absent.
      if ((await markBatchOn(conn, agent, seq, records.length, digest)) !== 'new') {
        result.duplicate = true;
        return;
      }
      for (const [kind, rows] of groups) {
        if (kind !== 'conn' && kind !== 'dns') await this.insertOn(conn, kind, rows, agent, result);
      }
      await DuckDb.rows(conn, 'DELETE FROM ch_pending WHERE agent_id = $1 AND seq = $2', [agent, seq]);
    });
    this.tally(result);
    return result;
  }

  async #waitMutations(table: string): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < MUTATION_WAIT_MS) {
      const rows = await this.#rows(
        `SELECT count() AS c FROM system.mutations WHERE database = ${lit(this.#dbName)} AND table = ${lit(table)} AND is_done = 0`,
      );
      if (n(rows[0]?.c) === 0) return;
      await new Promise((r) => setTimeout(r, MUTATION_POLL_MS));
    }
    throw new PicketError('PKT_ERR_STORE_BUSY', `ClickHouse did not finish deleting a partial batch from ${table} in time`);
  }

  // ---- reads --------------------------------------------------------------

  #connWhere(f: ConnFilter): ChWhere {
    const w = new ChWhere();
    let range: { lo: string; hi: string } | null = null;
    if (f.cidr !== undefined) {
      const r = cidrKeyRange(f.cidr);
      if ('error' in r) throw usage(r.error);
      range = r;
    }
    if (f.ip !== undefined) {
      w.add(oneOf('host', this.hostSpellings(f.ip)));
      if (range !== null) {
        w.add(`(orig_key BETWEEN ${lit(range.lo)} AND ${lit(range.hi)} OR resp_key BETWEEN ${lit(range.lo)} AND ${lit(range.hi)})`);
      }
    } else if (range !== null) {
      // Host inside the block; the other copy only when the peer is outside it, so each connection counts once.
      const inHost = `host_key BETWEEN ${lit(range.lo)} AND ${lit(range.hi)}`;
      const inPeer = `peer_key BETWEEN ${lit(range.lo)} AND ${lit(range.hi)}`;
      w.add(`${inHost} AND (dir = 1 OR NOT (${inPeer}))`);
    } else {
      w.add('dir = 1');
    }
    if (f.port !== undefined) w.add(`(orig_p = ${num(f.port)} OR resp_p = ${num(f.port)})`);
    if (f.country !== undefined) {
      const c = lit(f.country.toUpperCase());
      w.add(`(orig_cc = ${c} OR resp_cc = ${c})`);
    }
    if (f.asn !== undefined) w.add(`(orig_asn = ${num(f.asn)} OR resp_asn = ${num(f.asn)})`);
    if (f.proto !== undefined) w.add(`proto = ${lit(f.proto)}`);
    if (f.uid !== undefined) w.add(`uid = ${lit(f.uid)}`);
    w.range('ts', f.from, f.to);
    return w;
  }

  /**
   * The ORDER BY of a connection search, the same order as the DuckDB store's.
   * With `ip` every row is the copy seen from that host, so its `peer_key` is
   * the other side; without, rows are read by their responder's key as there.
   */
  #connOrder(f: ConnFilter): string {
    const keys: Record<ConnSortField, OrderKey> = {
      time: { sql: 'ts' },
      duration: { sql: 'duration', nullable: true },
      bytes: { sql: 'ifNull(orig_bytes, 0) + ifNull(resp_bytes, 0)' },
      peer: { sql: f.ip !== undefined ? 'peer_key' : 'resp_key' },
      port: { sql: 'resp_p' },
    };
    return orderBy(f.sort, keys, CONN_DEFAULT_ORDER);
  }

  override async connections(f: ConnFilter): Promise<Page<ConnRow>> {
    const { limit, offset } = pageBounds(f);
    const w = this.#connWhere(f);
    const order = this.#connOrder(f);
    const total = await this.#rows(`SELECT count() AS c FROM ${this.#t('conn_by_host')} ${w.sql()}`);
    const rows = await this.#rows(
      `SELECT * FROM ${this.#t('conn_by_host')} ${w.sql()} ORDER BY ${order} LIMIT ${num(offset)}, ${num(limit)}`,
    );
    return { total: n(total[0]?.c), limit, offset, rows: rows.map((r) => toRecord(CONN_COLUMNS, r) as unknown as ConnRow) };
  }

  override async dns(f: DnsFilter): Promise<Page<DnsRow>> {
    const { limit, offset } = pageBounds(f);
    const w = new ChWhere();
    if (f.ip !== undefined) {
      const hosts = this.hostSpellings(f.ip);
      w.add(`(${oneOf('orig_h', hosts)} OR ${oneOf('resp_h', hosts)})`);
    }
    if (f.name !== undefined) {
      const name = f.name.toLowerCase();
      if (name.startsWith('*.')) w.add(`(query = ${lit(name.slice(2))} OR endsWith(query, ${lit(name.slice(1))}))`);
      else w.add(`query = ${lit(name)}`);
    }
    w.range('ts', f.from, f.to);
    const total = await this.#rows(`SELECT count() AS c FROM ${this.#t('dns')} ${w.sql()}`);
    const rows = await this.#rows(`SELECT * FROM ${this.#t('dns')} ${w.sql()} ORDER BY ts DESC, uid LIMIT ${num(offset)}, ${num(limit)}`);
    return { total: n(total[0]?.c), limit, offset, rows: rows.map((r) => toRecord(DNS_COLUMNS, r) as unknown as DnsRow) };
  }

  override async hostLastSeen(ip: string): Promise<number | null> {
    const rows = await this.#rows(`SELECT count() AS c, max(ts) AS t FROM ${this.#t('conn_by_host')} WHERE ${oneOf('host', this.hostSpellings(ip))}`);
    const r = rows[0] ?? {};
    return n(r.c) === 0 ? null : n(r.t);
  }

  protected override async connSummary(s: HostSummary, hosts: readonly string[], from: number | undefined, to: number | undefined): Promise<void> {
    const w = new ChWhere();
    w.add(oneOf('host', hosts));
    w.range('ts', from, to);
    const t = this.#t('conn_by_host');
    const sent = 'if(dir = 1, ifNull(orig_bytes, 0), ifNull(resp_bytes, 0))';
    const recv = 'if(dir = 1, ifNull(resp_bytes, 0), ifNull(orig_bytes, 0))';
    const tot = await this.#rows(
      `SELECT count() AS c, sum(${sent}) AS bs, sum(${recv}) AS br,
         sum(if(dir = 1, ifNull(orig_pkts, 0), ifNull(resp_pkts, 0))) AS ps,
         sum(if(dir = 1, ifNull(resp_pkts, 0), ifNull(orig_pkts, 0))) AS pr, min(ts) AS t0, max(ts) AS t1
       FROM ${t} ${w.sql()}`,
    );
    const r0 = tot[0] ?? {};
    s.connections = n(r0.c);
    s.bytes_sent = n(r0.bs);
    s.bytes_received = n(r0.br);
    s.packets_sent = n(r0.ps);
    s.packets_received = n(r0.pr);
    if (s.connections === 0) return;
    const total = s.connections;
    const bytes = 'ifNull(orig_bytes, 0) + ifNull(resp_bytes, 0)';
    const countries = await this.#rows(
      `SELECT k, count() AS c, sum(${bytes}) AS b FROM (SELECT *, if(dir = 1, resp_cc, orig_cc) AS k FROM ${t} ${w.sql()})
       WHERE k IS NOT NULL GROUP BY k ORDER BY c DESC, k LIMIT ${SUMMARY_TOP}`,
    );
    s.countries = countries.map((r) => ({ country: String(r.k), connections: n(r.c), bytes: n(r.b), share: n(r.c) / total }));
    const asns = await this.#rows(
      `SELECT k, any(org) AS org, count() AS c, sum(${bytes}) AS b
       FROM (SELECT *, if(dir = 1, resp_asn, orig_asn) AS k, if(dir = 1, resp_as_org, orig_as_org) AS org FROM ${t} ${w.sql()})
       WHERE k IS NOT NULL GROUP BY k ORDER BY c DESC, k LIMIT ${SUMMARY_TOP}`,
    );
    s.asns = asns.map((r) => ({
      asn: n(r.k),
      org: typeof r.org === 'string' ? r.org : null,
      connections: n(r.c),
      bytes: n(r.b),
      share: n(r.c) / total,
    }));
    // A peer written IPv4-mapped counts under its dotted spelling, as in the DuckDB store.
    const mapped = lit(MAPPED_PREFIX);
    const peer = `if(substring(peer, 1, ${MAPPED_PREFIX.length}) = ${mapped} AND position(peer, '.') > 0, substring(peer, ${MAPPED_PREFIX.length + 1}), peer)`;
    const peers = await this.#rows(
      `SELECT ${peer} AS k, count() AS c, sum(${bytes}) AS b FROM ${t} ${w.sql()} GROUP BY k ORDER BY c DESC, b DESC, k LIMIT ${SUMMARY_TOP}`,
    );
    s.top_peers = peers.map((r) => ({ ip: String(r.k), connections: n(r.c), bytes: n(r.b) }));
    const ports = await this.#rows(
      `SELECT resp_p AS k, proto, count() AS c, sum(${bytes}) AS b FROM ${t} ${w.sql()} GROUP BY resp_p, proto
       ORDER BY c DESC, k, proto LIMIT ${SUMMARY_TOP}`,
    );
    s.ports = ports.map((r) => ({ port: n(r.k), proto: String(r.proto), connections: n(r.c), bytes: n(r.b) }));
    const t0 = from ?? n(r0.t0);
    const t1 = to ?? n(r0.t1) + 1;
    const step = timelineStep(Math.max(1, t1 - t0));
    const tl = await this.#rows(
      `SELECT floor(ts / ${step}) * ${step} AS b, count() AS c, sum(${recv}) AS i, sum(${sent}) AS o FROM ${t} ${w.sql()}
       GROUP BY b ORDER BY b`,
    );
    s.timeline = tl.map((r) => ({ t: isoOrNull(n(r.b)) ?? '', connections: n(r.c), bytes_in: n(r.i), bytes_out: n(r.o) }));
    s.timeline_step = step;
  }

  protected override async dnsNames(hosts: readonly string[], from: number | undefined, to: number | undefined) {
    const w = new ChWhere();
    w.add(oneOf('orig_h', hosts));
    w.add('query IS NOT NULL');
    w.range('ts', from, to);
    const rows = await this.#rows(
      `SELECT query AS q, count() AS c FROM ${this.#t('dns')} ${w.sql()} GROUP BY query ORDER BY c DESC, q LIMIT ${SUMMARY_DNS_NAMES}`,
    );
    return rows.map((r) => ({ query: String(r.q), count: n(r.c) }));
  }

  // ---- retention ----------------------------------------------------------

  async #parts(): Promise<{ table: string; partition: string; bytes: number }[]> {
    const rows = await this.#rows(
      `SELECT table, partition, sum(bytes_on_disk) AS b FROM system.parts WHERE database = ${lit(this.#dbName)} AND active
       AND table IN ('conn_by_host', 'dns') GROUP BY table, partition ORDER BY partition, table`,
    );
    return rows.map((r) => ({ table: String(r.table), partition: String(r.partition), bytes: n(r.b) }));
  }

  /** Bytes of the ClickHouse tables (active parts). */
  async clickhouseBytes(): Promise<number> {
    let total = 0;
    for (const p of await this.#parts()) total += p.bytes;
    return total;
  }

  async #rowsIn(table: string, partition: string): Promise<number> {
    const r = await this.#rows(`SELECT count() AS c FROM ${this.#t(table)} WHERE toYYYYMMDD(day) = ${num(Number(partition))}`);
    return n(r[0]?.c);
  }

  async #dropPartition(table: string, partition: string, deleted: Record<string, number>): Promise<void> {
    // Partition ids are YYYYMMDD numbers from system.parts; anything else is not ours to drop.
    if (!/^[0-9]{8}$/.test(partition)) return;
    let rows = await this.#rowsIn(table, partition);
    // conn_by_host holds two copies of most connections; report connections, as the other tables report rows.
    if (table === 'conn_by_host') {
      const r = await this.#rows(`SELECT count() AS c FROM ${this.#t(table)} WHERE toYYYYMMDD(day) = ${num(Number(partition))} AND dir = 1`);
      rows = n(r[0]?.c);
    }
    await this.#command(`ALTER TABLE ${this.#t(table)} DROP PARTITION ${partition}`);
    const name = table === 'conn_by_host' ? 'conn' : table;
    deleted[name] = (deleted[name] ?? 0) + rows;
  }

  override async enforceRetention(now = Date.now() / 1000): Promise<RetentionReport> {
    const chBefore = await this.clickhouseBytes();
    const localReport = await super.enforceRetention(now);
    const deleted = { ...localReport.deleted };
    const reasons = [...localReport.reasons];
    let drops = 0;
    const maxAge = this.retention.max_age_days;
    if (maxAge !== undefined && maxAge > 0) {
      // Whole days only: a day's partition goes once all of it is older than the cutoff.
      const cutoffDay = Number(utcDay(now - maxAge * 86400).replaceAll('-', ''));
      for (const p of await this.#parts()) {
        if (drops >= MAX_PARTITION_DROPS) break;
        if (Number(p.partition) < cutoffDay) {
          await this.#dropPartition(p.table, p.partition, deleted);
          drops++;
          if (!reasons.includes('age')) reasons.push('age');
        }
      }
    }
    const maxBytes = this.retention.max_bytes;
    if (maxBytes !== undefined && maxBytes > 0) {
      // The bound covers the whole store: the ClickHouse tables plus the local file.
      const local = await this.usedBytes();
      let parts = await this.#parts();
      let used = local + parts.reduce((a, p) => a + p.bytes, 0);
      while (used > maxBytes && parts.length > 0 && drops < MAX_PARTITION_DROPS) {
        if (!reasons.includes('size')) reasons.push('size');
        // Oldest day first, every table of that day together, so conn and dns keep the same horizon.
        const day = parts[0]!.partition;
        for (const p of parts) {
          if (p.partition !== day) continue;
          await this.#dropPartition(p.table, p.partition, deleted);
          drops++;
        }
        parts = await this.#parts();
        used = local + parts.reduce((a, p) => a + p.bytes, 0);
      }
    }
    return {
      deleted,
      reasons,
      bytes_before: localReport.bytes_before + chBefore,
      bytes_after: (await this.usedBytes()) + (await this.clickhouseBytes()),
      disk_free: localReport.disk_free,
    };
  }

  override async stats(): Promise<StoreStats> {
    const s = await super.stats();
    s.rows.conn = n((await this.#rows(`SELECT count() AS c FROM ${this.#t('conn_by_host')} WHERE dir = 1`))[0]?.c);
    s.rows.dns = n((await this.#rows(`SELECT count() AS c FROM ${this.#t('dns')}`))[0]?.c);
    s.bytes += await this.clickhouseBytes();
    return s;
  }

  protected override async connSpan(): Promise<{ oldest: number | null; newest: number | null }> {
    const r = (await this.#rows(`SELECT count() AS c, min(ts) AS a, max(ts) AS b FROM ${this.#t('conn_by_host')} WHERE dir = 1`))[0] ?? {};
    if (n(r.c) === 0) return { oldest: null, newest: null };
    return { oldest: n(r.a), newest: n(r.b) };
  }

  /** Drops this store's ClickHouse database (tests; never called by the server). */
  async dropDatabase(): Promise<void> {
    await this.#command(`DROP DATABASE IF EXISTS ${this.#dbName}`);
  }

  override async close(): Promise<void> {
    await this.#client.close().catch(() => undefined);
    await super.close();
  }
}

/** The partition value of a UTC day, for tests and docs ("2024-05-01" -> 20240501). */
export function partitionOf(sec: number): number {
  return Number(utcDay(sec).replaceAll('-', ''));
}

