/**
 * Tables of the embedded store. conn and dns have one typed column per log
 * field (columns.ts); the rarer logs share one `logs` table with the record
 * as JSON text. Rows are appended in arrival order, which is close to time
 * order, so DuckDB's per-row-group min/max statistics on `ts` skip most of the
 * file for a time window, and the host predicate is a vectorised scan of two
 * short string columns within it (no ART index: it would slow the appender
 * several times and DuckDB cannot use it for `orig_h = x OR resp_h = x`).
 * These statements make the tables of a new file; an older file's conn and
 * dns tables get the columns they lack when the store opens (layout.ts).
 */
import { CONN_COLUMNS, DNS_COLUMNS, type Column, type ColType } from '../columns.js';

export const DUCK_TYPES: Record<ColType, string> = {
  f64: 'DOUBLE',
  i64: 'BIGINT',
  i32: 'INTEGER',
  str: 'VARCHAR',
  bool: 'BOOLEAN',
  strlist: 'VARCHAR[]',
  f64list: 'DOUBLE[]',
};

function columnTable(name: string, columns: readonly Column[]): string {
  const cols = columns.map((c) => `"${c.col}" ${DUCK_TYPES[c.type]}${c.required === true ? ' NOT NULL' : ''}`);
  cols.push('agent VARCHAR', 'orig_key VARCHAR NOT NULL', 'resp_key VARCHAR NOT NULL');
  return `CREATE TABLE IF NOT EXISTS ${name} (${cols.join(', ')})`;
}

export const STORE_DDL: readonly string[] = [
  columnTable('conn', CONN_COLUMNS),
  columnTable('dns', DNS_COLUMNS),
  `CREATE TABLE IF NOT EXISTS alerts (
     id VARCHAR PRIMARY KEY, ts DOUBLE NOT NULL, rule_id VARCHAR NOT NULL, rule_name VARCHAR, severity INTEGER NOT NULL,
     src_ip VARCHAR, dst_ip VARCHAR, network VARCHAR, message VARCHAR, count BIGINT, dedup_key VARCHAR, agent VARCHAR,
     acknowledged BOOLEAN NOT NULL DEFAULT false, note VARCHAR, data VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS logs (
     kind VARCHAR NOT NULL, ts DOUBLE NOT NULL, uid VARCHAR, host_a VARCHAR, host_b VARCHAR, agent VARCHAR,
     data VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS devices (
     network VARCHAR NOT NULL, mac VARCHAR NOT NULL, ips VARCHAR[], hostnames VARCHAR[], vendor VARCHAR,
     first_seen DOUBLE NOT NULL, last_seen DOUBLE NOT NULL, PRIMARY KEY (network, mac))`,
];

/** Tables trimmed by age and size, with their time column. Alerts are kept as long as the rows they explain. */
export const TIMED_TABLES: readonly { table: string; ts: string }[] = [
  { table: 'conn', ts: 'ts' },
  { table: 'dns', ts: 'ts' },
  { table: 'logs', ts: 'ts' },
  { table: 'alerts', ts: 'ts' },
];
