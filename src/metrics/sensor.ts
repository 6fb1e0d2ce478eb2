/**
 * The `/metrics` endpoint of a sensor (`picket sensor --metrics HOST:PORT`,
 * with or without a server): pipeline counters, kernel drops, alerts by rule,
 * and for networked sensors the spool (the delivery queue) depth and the
 * alerts console suppressions kept from the local sinks.
 */
import { Registry } from './registry.js';
import { copyByLabel, registerPipelineMetrics, registerSinkMetrics, type PipelineMetricsSnapshot, type SinkMetricsSnapshot } from './pipeline.js';
import type { DetectionHealth } from '../cli/summary.js';
import { serveMetrics, type MetricsEndpoint } from './http.js';

export interface SensorMetricsSources {
  pipeline: () => Omit<PipelineMetricsSnapshot, 'drops' | 'alerts'>;
  kernelDrops: () => number | undefined;
  alerts: () => Readonly<Record<string, number>>;
  /** Spool depth of a networked sensor (records and bytes waiting for the server). */
  spool?: () => { records: number; bytes: number; droppedRecords: number };
  /** Alerts a networked sensor kept from its local sinks and stdout because a console suppression covers them. */
  suppressed?: () => number;
  /** Detector failures and full detector state, by rule. */
  detection?: () => DetectionHealth;
  /** The local alert sinks (queue depth, deliveries, failures, drops). */
  sinks?: () => readonly SinkMetricsSnapshot[];
}

export async function serveSensorMetrics(listen: string, src: SensorMetricsSources): Promise<MetricsEndpoint> {
  const registry = new Registry();
  registerPipelineMetrics(() => {
    const drops = src.kernelDrops();
    return { ...src.pipeline(), ...(drops !== undefined ? { drops: { kernel: drops } } : {}), alerts: src.alerts() };
  }, registry);
  const spool = src.spool;
  if (spool !== undefined) {
    const records = registry.gauge('picket_spool_records', 'Records spooled on disk, waiting for the server to acknowledge them.');
    const bytes = registry.gauge('picket_spool_bytes', 'Bytes spooled on disk, waiting for the server.');
    const dropped = registry.gauge('picket_spool_dropped_records', 'Records dropped because the spool bound was reached (oldest first).');
    registry.onCollect(() => {
      const s = spool();
      records.set(s.records);
      bytes.set(s.bytes);
      dropped.set(s.droppedRecords);
    });
  }
  const suppressed = src.suppressed;
  if (suppressed !== undefined) {
    const c = registry.counter('picket_alerts_suppressed_total', 'Alerts kept from local sinks and stdout by console suppressions (still shipped to the server).');
    registry.onCollect(() => c.setTotal(suppressed()));
  }
  const detection = src.detection;
  if (detection !== undefined) {
    const errors = registry.counter('picket_detector_errors_total', 'Events a rule failed on (an exception in its handler), by rule id.', ['rule']);
    const evictions = registry.counter(
      'picket_detector_state_evictions_total',
      'Keys a rule forgot because its counting state was full (it may miss activity), by rule id.',
      ['rule'],
    );
    registry.onCollect(() => {
      const h = detection();
      copyByLabel(errors, 'rule', h.errors);
      copyByLabel(evictions, 'rule', h.evictions);
    });
  }
  if (src.sinks !== undefined) registerSinkMetrics(src.sinks, registry);
  return serveMetrics(registry, listen);
}
