/**
 * The `/metrics` endpoint of a sensor (`picket sensor --metrics HOST:PORT`,
 * with or without a server): pipeline counters, kernel drops, alerts by rule,
 * and for networked sensors the spool (the delivery queue) depth.
 */
import { Registry } from './registry.js';
import { registerPipelineMetrics, type PipelineMetricsSnapshot } from './pipeline.js';
import { serveMetrics, type MetricsEndpoint } from './http.js';

export interface SensorMetricsSources {
  pipeline: () => Omit<PipelineMetricsSnapshot, 'drops' | 'alerts'>;
  kernelDrops: () => number | undefined;
  alerts: () => Readonly<Record<string, number>>;
  /** Spool depth of a networked sensor (records and bytes waiting for the server). */
  spool?: () => { records: number; bytes: number; droppedRecords: number };
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
  return serveMetrics(registry, listen);
}
