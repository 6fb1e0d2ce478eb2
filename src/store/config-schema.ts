/**
 * The `store:` section of picket.yaml: which engine holds the metadata rows
 * and how long/large the store may grow. Sizes take a number of bytes or a
 * text such as "20GB" / "512MiB" (powers of 1000 for kB/MB/GB/TB, of 1024 for
 * KiB/MiB/GiB/TiB). See docs/store.md.
 *
 *   store:
 *     engine: clickhouse            # default: duckdb (DIR/picket.duckdb)
 *     clickhouse: { url: http://ch1:8123, database: picket, user: picket, password_env: PICKET_CH_PASSWORD }
 *     retention: { max_age_days: 90, max_bytes: 200GB, min_free_bytes: 2GB }
 */
import { z } from 'zod';
import { DEFAULT_MIN_FREE_BYTES, type StoreOptions } from './options.js';
import { bytesField } from '../config/fields.js';

const clickhouseSchema = z.strictObject({
  url: z.string().url(),
  /** Database (created if missing): letters, digits, underscores. */
  database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'is not a ClickHouse database name (letters, digits, _)').default('picket'),
  user: z.string().min(1).default('default'),
  /** Environment variable holding the password (never the password itself in the file). */
  password_env: z.string().min(1).optional(),
});

export const storeConfigSchema = z
  .strictObject({
    engine: z.enum(['duckdb', 'clickhouse']).default('duckdb'),
    clickhouse: clickhouseSchema.optional(),
    retention: z
      .strictObject({
        /** Rows older than this are deleted (ClickHouse: whole days, by partition or TTL). */
        max_age_days: z.number().positive().optional(),
        /** The store trims its oldest rows past this size. */
        max_bytes: bytesField.optional(),
        /** Inserts are refused when the data directory's file system has less free than this. */
        min_free_bytes: bytesField.default(DEFAULT_MIN_FREE_BYTES),
      })
      .prefault({}),
  })
  .superRefine((v, ctx) => {
    if (v.engine === 'clickhouse' && v.clickhouse === undefined) {
      ctx.addIssue({ code: 'custom', path: ['clickhouse'], message: 'is required when engine is clickhouse (url, database, user)' });
    }
  });

/** The section as StoreOptions for openStores(). */
export function storeOptionsFrom(cfg: {
  readonly engine: 'duckdb' | 'clickhouse';
  readonly clickhouse?: { readonly url: string; readonly database: string; readonly user: string; readonly password_env?: string | undefined } | undefined;
  readonly retention: { readonly max_age_days?: number | undefined; readonly max_bytes?: number | undefined; readonly min_free_bytes: number };
}): StoreOptions {
  return {
    engine: cfg.engine,
    ...(cfg.clickhouse !== undefined ? { clickhouse: { ...cfg.clickhouse } } : {}),
    retention: { ...cfg.retention },
  };
}
