/**
 * Column types of the ClickHouse tables, and the upgrade of tables made by an
 * older version: conn_by_host and dns get the log columns they lack when the
 * store opens. Rows are inserted as JSONEachRow and read back by name, so
 * the order of columns does not matter to Picket; a column is still added
 * after its neighbour in the column list, so a table reads as a new one would.
 * ClickHouse 18.16 has no `ADD COLUMN IF NOT EXISTS`: what a table has is read
 * from system.columns first.
 */
import { PicketError } from '../../util/errors.js';
import type { ColType, Column } from '../columns.js';
import { lit } from './sql.js';

const CH_TYPES: Record<ColType, string> = {
  f64: 'Float64',
  i64: 'Int64',
  i32: 'Int32',
  str: 'String',
  bool: 'UInt8',
  strlist: 'Array(String)',
  f64list: 'Array(Float64)',
};

/** A column's name and type as in CREATE TABLE and ADD COLUMN. */
export function chColumn(c: Column): string {
  const t = CH_TYPES[c.type];
  // Arrays cannot be Nullable: an absent list is stored empty (and left out when read back, as Zeek does).
  const nullable = c.required !== true && c.type !== 'strlist' && c.type !== 'f64list';
  return `${c.col} ${nullable ? `Nullable(${t})` : t}`;
}

/** What the upgrade needs from the store: a query answering rows, and a statement. */
export interface ChRunner {
  rows(query: string): Promise<Record<string, unknown>[]>;
  command(query: string): Promise<void>;
}

/** Engines whose ALTER ... ADD COLUMN changes where the rows are (MergeTree, ReplicatedMergeTree, ...). */
function storesRows(engine: string): boolean {
  return engine.endsWith('MergeTree');
}

async function columnsOf(ch: ChRunner, database: string, table: string): Promise<Set<string>> {
  const rows = await ch.rows(`SELECT name FROM system.columns WHERE database = ${lit(database)} AND table = ${lit(table)}`);
  return new Set(rows.map((r) => String(r.name)));
}

/**
 * Adds to `database.table` the optional `columns` it lacks (rows already
 * stored read them as NULL or an empty list). A table of another engine (a
 * cluster's Distributed table, whose shards ALTER on it would not reach) or
 * one lacking a required column is refused with the statements to run.
 */
export async function upgradeChTable(ch: ChRunner, database: string, table: string, columns: readonly Column[]): Promise<void> {
  const have = await columnsOf(ch, database, table);
  const missing = columns.filter((c) => !have.has(c.col));
  if (missing.length === 0) return;
  const name = `${database}.${table}`;
  const required = missing.filter((c) => c.required === true);
  if (required.length > 0) {
    throw new PicketError(
      'PKT_ERR_STORE_OPEN',
      `ClickHouse table ${name} lacks the columns ${required.map((c) => c.col).join(', ')}, which cannot be added to rows already stored`,
    );
  }
  const engine = String((await ch.rows(`SELECT engine FROM system.tables WHERE database = ${lit(database)} AND name = ${lit(table)}`))[0]?.engine ?? '');
  const statements = missing.map((c) => {
    const before = columns[columns.indexOf(c) - 1];
    return `ALTER TABLE ${name} ADD COLUMN ${chColumn(c)}${before !== undefined ? ` AFTER ${before.col}` : ''}`;
  });
  if (!storesRows(engine)) {
    throw new PicketError(
      'PKT_ERR_STORE_OPEN',
      `ClickHouse table ${name} (engine ${engine || 'unknown'}) lacks the columns ${missing.map((c) => c.col).join(', ')} and Picket only alters ` +
        `MergeTree tables; add them where the rows are (on a cluster: ON CLUSTER, to the local tables and the Distributed one), e.g. ${statements.join('; ')}`,
    );
  }
  for (let i = 0; i < missing.length; i++) {
    try {
      await ch.command(statements[i]!);
    } catch (err) {
      // Another server opening the same database may have added it meanwhile.
      if ((await columnsOf(ch, database, table)).has(missing[i]!.col)) continue;
      throw new PicketError('PKT_ERR_STORE_OPEN', `cannot add column ${missing[i]!.col} to ClickHouse table ${name}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
}
