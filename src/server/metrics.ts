/**
 * The server's Prometheus metrics: ingest queue depth, batches by outcome,
 * records stored, refusals by reason, bodies, and store latency of ingest
 * writes. They live in a registry of their own per server (so two servers in
 * one process, as in tests, do not mix), rendered at GET /metrics together
 * with the process-wide registry (pipeline and sink metrics when this
 * process also runs a sensor or sinks).
 */
import { Registry } from '../metrics/registry.js';
import { registerStoreMetrics } from '../metrics/pipeline.js';
import type { ServerContext } from './context.js';

export const SERVER_METRIC_NAMES = Object.freeze({
  queueBatches: 'picket_ingest_queue_batches',
  queueRecords: 'picket_ingest_queue_records',
  batches: 'picket_ingest_batches_total',
  records: 'picket_ingest_records_total',
  refused: 'picket_ingest_refused_total',
  bodies: 'picket_ingest_bodies_total',
});

export interface ServerMetrics {
  registry: Registry;
  /** Records one store operation's duration (seconds). */
  observeStore(op: string, seconds: number): void;
}

export function createServerMetrics(ctx: () => ServerContext): ServerMetrics {
  const registry = new Registry();
  const n = SERVER_METRIC_NAMES;
  const qb = registry.gauge(n.queueBatches, 'Batches waiting in the ingest queue.');
  const qr = registry.gauge(n.queueRecords, 'Records waiting in the ingest queue.');
  const batches = registry.counter(n.batches, 'Ingest batches handled, by outcome (stored, duplicate, conflict).', ['outcome']);
  const records = registry.counter(n.records, 'Records stored from ingest batches.');
  const refused = registry.counter(n.refused, 'Ingest requests refused, by reason (queue_full, store_failing, store_error, bomb, bad_gzip, encoding, parallel_bodies).', ['reason']);
  const bodies = registry.counter(n.bodies, 'Request bodies received, by encoding.', ['encoding']);
  const store = registerStoreMetrics(registry);
  registry.onCollect(() => {
    const c = ctx();
    const q = c.queue.stats;
    qb.set(q.queued_batches);
    qr.set(q.queued_records);
    batches.setTotal(q.stored_batches, { outcome: 'stored' });
    batches.setTotal(q.duplicate_batches, { outcome: 'duplicate' });
    batches.setTotal(q.conflict_batches, { outcome: 'conflict' });
    records.setTotal(q.stored_records);
    refused.setTotal(q.refused_full, { reason: 'queue_full' });
    refused.setTotal(q.refused_store_failing, { reason: 'store_failing' });
    refused.setTotal(q.store_errors, { reason: 'store_error' });
    refused.setTotal(c.bodyStats.refused_bomb, { reason: 'bomb' });
    refused.setTotal(c.bodyStats.refused_bad_gzip, { reason: 'bad_gzip' });
    refused.setTotal(c.bodyStats.refused_encoding, { reason: 'encoding' });
    refused.setTotal(c.counters.get('parallel_bodies') ?? 0, { reason: 'parallel_bodies' });
    bodies.setTotal(c.bodyStats.gzip_bodies, { encoding: 'gzip' });
    bodies.setTotal(c.bodyStats.plain_bodies, { encoding: 'identity' });
  });
  return { registry, observeStore: (op, seconds) => store.observe(op, seconds) };
}
