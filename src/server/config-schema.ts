/**
 * The `server:` section of picket.yaml: where `picket server` listens, its
 * optional TLS certificate, and the ingest limits that keep one busy or
 * hostile agent from exhausting memory. Every limit has a default that suits
 * one machine with a handful of sensors.
 */
import { z } from 'zod';
import { durationField } from '../config/fields.js';

/** Default listen address: loopback only, so a fresh install exposes nothing. */
export const DEFAULT_LISTEN = '127.0.0.1:8780';

const listenField = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'is not HOST:PORT (e.g. 127.0.0.1:8780 or [::1]:8780)');

const ingestSchema = z.strictObject({
  /** Largest request body on the wire (compressed); bigger ones get 413. */
  max_body_bytes: z.number().int().min(1024).default(16 * 1024 * 1024),
  /** Largest body after gunzip: a decompression bomb stops here with 413. */
  max_decompressed_bytes: z.number().int().min(1024).default(64 * 1024 * 1024),
  /**
   * Ingest bodies read and decompressed at once; more get 429 before their body
   * is read. With max_decompressed_bytes this bounds parsing memory (8 x 64 MiB).
   */
  max_parallel_bodies: z.number().int().min(1).default(8),
  /** Records in one batch; agents batch far fewer (a few thousand). */
  max_records_per_batch: z.number().int().min(1).default(100_000),
  /** Batches waiting for the store; past it new batches get 429. */
  queue_batches: z.number().int().min(1).default(64),
  /** Records waiting for the store (the memory bound that matters: ~1 KB each in memory); past it 429. */
  queue_records: z.number().int().min(1).default(200_000),
  /** Seconds agents are told to wait (Retry-After) on 429/503. */
  retry_after: z.number().int().min(1).max(3600).default(5),
});

export const serverConfigSchema = z.strictObject({
  /** HOST:PORT; the `--listen` option overrides it. */
  listen: listenField.default(DEFAULT_LISTEN),
  /** PEM files (relative to the config file): HTTPS when both are set. */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** Lifetime of one-time enrollment tokens. */
  enrollment_token_ttl: durationField('24h'),
  /** An agent not heard from for this long is shown as "stale". */
  agent_stale_after: durationField('5m'),
  /** How often retention (age and size) is enforced on the store. */
  retention_interval: durationField('10m'),
  ingest: ingestSchema.prefault({}),
});
