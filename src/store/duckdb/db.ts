/**
 * One DuckDB database file shared by the metadata store and the agent/token
 * store of a process. DuckDB allows one writer process per file, so a process
 * opens the file once and every part uses this object. Writes go through one
 * connection, one at a time (a transaction must not interleave with another
 * caller's statements); reads each get a short-lived connection of their own
 * and see committed data (DuckDB's MVCC), so a slow query never blocks ingest.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { PicketError } from '../../util/errors.js';

/** Idle read connections kept open: enough for the console's parallel queries, bounded. */
const MAX_IDLE_READERS = 4;

export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/** BIGINT/HUGEINT results come back as bigint; every count and sum here fits a double. */
function toPlain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toPlain(v[i]);
    return out;
  }
  return v;
}

function plainRows(rows: Record<string, unknown>[]): Row[] {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (const k of Object.keys(r)) r[k] = toPlain(r[k]);
  }
  return rows;
}

export class DuckDb {
  readonly file: string;
  readonly #instance: DuckDBInstance;
  readonly #write: DuckDBConnection;
  /** Tail of the write queue: each write waits for the one before it. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Read connections kept for reuse (opening one costs several milliseconds). */
  readonly #idle: DuckDBConnection[] = [];

  private constructor(file: string, instance: DuckDBInstance, write: DuckDBConnection) {
    this.file = file;
    this.#instance = instance;
    this.#write = write;
  }

  /** Opens (creating if needed) the database file; ':memory:' for a throw-away one. */
  static async open(file: string): Promise<DuckDb> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/lock/i.test(msg)) {
        throw new PicketError(
          'PKT_ERR_STORE_LOCKED',
          `the store ${file} is held by another process (a running server?): query it with --server URL instead`,
          { cause: err },
        );
      }
      throw new PicketError('PKT_ERR_STORE_OPEN', `cannot open the store ${file}: ${msg}`, { cause: err });
    }
    const write = await instance.connect();
    return new DuckDb(file, instance, write);
  }

  /** Runs `fn` alone on the write connection (after every write queued before it). */
  exclusive<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new PicketError('PKT_ERR_STORE_CLOSED', 'the store is closed'));
    const run = this.#tail.then(
      () => fn(this.#write),
      () => fn(this.#write),
    );
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.exclusive(async (conn) => {
      await conn.run('BEGIN TRANSACTION');
      let result: T;
      try {
        result = await fn(conn);
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
      await conn.run('COMMIT');
      return result;
    });
  }

  /** A write statement outside any caller transaction. */
  async exec(sql: string, params?: SqlParams): Promise<Row[]> {
    return this.exclusive(async (conn) => plainRows((await conn.runAndReadAll(sql, params)).getRowObjectsJS()));
  }

  /** A read on a connection of its own (sees committed data); idle read connections are reused. */
  async all(sql: string, params?: SqlParams): Promise<Row[]> {
    if (this.#closed) throw new PicketError('PKT_ERR_STORE_CLOSED', 'the store is closed');
    const conn = this.#idle.pop() ?? (await this.#instance.connect());
    try {
      return plainRows((await conn.runAndReadAll(sql, params)).getRowObjectsJS());
    } finally {
      if (this.#closed || this.#idle.length >= MAX_IDLE_READERS) conn.closeSync();
      else this.#idle.push(conn);
    }
  }

  /** Rows of a statement run on a connection the caller holds (inside `exclusive`/`transaction`). */
  static async rows(conn: DuckDBConnection, sql: string, params?: SqlParams): Promise<Row[]> {
    return plainRows((await conn.runAndReadAll(sql, params)).getRowObjectsJS());
  }

  /** Bytes of used blocks plus the write-ahead log (what retention by size measures). */
  async usedBytes(): Promise<number> {
    const rows = await this.all('SELECT used_blocks, block_size, wal_size FROM pragma_database_size()');
    const r = rows[0];
    if (r === undefined) return 0;
    return Number(r.used_blocks ?? 0) * Number(r.block_size ?? 0) + parseSize(String(r.wal_size ?? '0'));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#tail;
    this.#closed = true;
    await this.#write.run('CHECKPOINT').catch(() => undefined);
    for (const c of this.#idle.splice(0)) c.closeSync();
    this.#write.closeSync();
    this.#instance.closeSync();
  }
}

const SIZE_UNITS: Record<string, number> = {
  bytes: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
  kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, tb: 1000 ** 4,
};

/** "336 bytes", "1.5 MiB" (how pragma database_size prints the WAL) to bytes. */
export function parseSize(text: string): number {
  const m = /^([0-9.]+)\s*([A-Za-z]+)?$/.exec(text.trim());
  if (m === null) return 0;
  const unit = SIZE_UNITS[(m[2] ?? 'bytes').toLowerCase()] ?? 1;
  return Math.round(Number(m[1]) * unit);
}
