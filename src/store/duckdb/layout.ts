/**
 * The conn and dns tables as a file really has them. DuckDB's appender fills
 * a row by position, in the table's own column order, and a column added to
 * an existing file (ALTER TABLE ... ADD COLUMN) goes last, after agent,
 * orig_key and resp_key: a file made before a column existed orders its
 * columns differently from a new one. So when the store opens, the columns
 * the file lacks are added (optional ones only: old rows have no value for
 * them) and the order is read back from the catalog; every append follows it.
 */
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, LIST, VARCHAR, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { PicketError } from '../../util/errors.js';
import { TAIL_COLUMNS, type ColType, type Column } from '../columns.js';
import { DuckDb } from './db.js';
import { DUCK_TYPES } from './schema.js';

const CHUNK_TYPE: Record<ColType, DuckDBType> = {
  f64: DOUBLE,
  i64: BIGINT,
  i32: INTEGER,
  str: VARCHAR,
  bool: BOOLEAN,
  strlist: LIST(VARCHAR),
  f64list: LIST(DOUBLE),
};

/** One table's columns in the file's order. */
export interface TableLayout {
  readonly table: string;
  /** Per column of the table: its index in normalize()'s values (record columns, then agent, orig_key, resp_key). */
  readonly from: readonly number[];
  /** Per column of the table: its value type. */
  readonly types: readonly ColType[];
  /** Per column of the table: the appender's data chunk type. */
  readonly chunkTypes: readonly DuckDBType[];
}

/** The table's column names in its own order. */
async function catalogColumns(conn: DuckDBConnection, table: string): Promise<string[]> {
  const rows = await DuckDb.rows(
    conn,
    `SELECT column_name FROM duckdb_columns()
     WHERE database_name = current_database() AND schema_name = current_schema() AND table_name = $1 ORDER BY column_index`,
    [table],
  );
  return rows.map((r) => String(r.column_name));
}

/**
 * Where each of the table's columns (`have`, in the table's order) takes its
 * value from. Refuses a table with a column this version does not know (a
 * newer Picket's file) or without one it needs.
 */
export function layoutOf(table: string, have: readonly string[], columns: readonly Column[]): TableLayout {
  const want = new Map<string, { index: number; type: ColType }>();
  columns.forEach((c, i) => want.set(c.col, { index: i, type: c.type }));
  TAIL_COLUMNS.forEach((name, i) => want.set(name, { index: columns.length + i, type: 'str' }));
  const unknown = have.filter((name) => !want.has(name));
  if (unknown.length > 0) {
    throw new PicketError(
      'PKT_ERR_STORE_OPEN',
      `the store's ${table} table has columns this version of Picket does not know (${unknown.join(', ')}): the file was written by a newer version`,
    );
  }
  const lacking = [...want.keys()].filter((name) => !have.includes(name));
  if (lacking.length > 0) {
    throw new PicketError('PKT_ERR_STORE_OPEN', `the store's ${table} table lacks the columns ${lacking.join(', ')}, which cannot be added to rows already stored`);
  }
  const from = have.map((name) => want.get(name)!.index);
  const types = have.map((name) => want.get(name)!.type);
  return { table, from, types, chunkTypes: types.map((t) => CHUNK_TYPE[t]) };
}

/**
 * Adds the optional columns of `columns` that the table lacks (one
 * transaction; rows already stored get NULL) and returns the table's layout.
 */
export function upgradeTable(db: DuckDb, table: string, columns: readonly Column[]): Promise<TableLayout> {
  return db.transaction(async (conn) => {
    let have = await catalogColumns(conn, table);
    const missing = columns.filter((c) => c.required !== true && !have.includes(c.col));
    for (const c of missing) await conn.run(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "${c.col}" ${DUCK_TYPES[c.type]}`);
    if (missing.length > 0) have = await catalogColumns(conn, table);
    return layoutOf(table, have, columns);
  });
}
