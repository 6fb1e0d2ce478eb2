/**
 * Store settings as the code uses them (the `store:` section of picket.yaml,
 * see src/config/schema.ts, or built directly by tests and the CLI), with the
 * defaults and the reasons for them.
 */

/** Keep this much free on the data directory's file system by default: room for DuckDB checkpoints, logs and the OS. */
export const DEFAULT_MIN_FREE_BYTES = 256 * 1024 * 1024;

export interface RetentionOptions {
  /** Delete rows older than this many days (by record time); unset = keep by age forever. */
  max_age_days?: number | undefined;
  /** Trim the oldest rows once the store uses more than this; unset = no size bound (the disk floor still holds). */
  max_bytes?: number | undefined;
  /** Refuse inserts (after trimming) once the file system has less than this free. */
  min_free_bytes?: number | undefined;
}

export interface ClickHouseOptions {
  url: string;
  database: string;
  user: string;
  /** Name of the environment variable holding the password (never the password itself). */
  password_env?: string | undefined;
}

export interface StoreOptions {
  engine: 'duckdb' | 'clickhouse';
  clickhouse?: ClickHouseOptions | undefined;
  retention?: RetentionOptions | undefined;
}
