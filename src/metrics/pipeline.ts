/**
 * The metrics a sensor and the server expose, with their names in one place
 * (docs/sinks.md lists them). Hot code never touches the registry: it keeps
 * its own counters (pipeline stats, sink stats), and the collectors here copy
 * a snapshot into the registry when /metrics is scraped. Store latency is the
 * exception — a histogram the store observes into after each write batch.
 */
import { defaultRegistry, LATENCY_BUCKETS, type Registry } from './registry.js';

/** What `registerPipelineMetrics` reads; `PipelineStats` (src/pipeline) fits as is. */
export interface PipelineMetricsSnapshot {
  packets: number;
  bytes: number;
  decoded?: number;
  malformed?: Readonly<Record<string, number>>;
  unsupported?: Readonly<Record<string, number>>;
  /** Decoded packets with something odd about them, by reason (PipelineStats.anomalies). */
  anomalies?: Readonly<Record<string, number>>;
  flows?: {
    readonly created: number;
    readonly live: number;
    readonly ended: number;
    readonly evicted: number;
    readonly untracked: number;
  };
  reassembly?: { readonly heldBytes: number; readonly overflows: number };
  /** Packets lost before Picket saw them, by where ("kernel", "interface", "spool"). */
  drops?: Readonly<Record<string, number>>;
  /** Alerts emitted so far, by rule id. */
  alerts?: Readonly<Record<string, number>>;
}

/** What `registerSinkMetrics` reads: one entry per sink (SinkStats fits as is). */
export interface SinkMetricsSnapshot {
  readonly name: string;
  readonly queued: number;
  readonly delivered: number;
  readonly failures: number;
  readonly rejected: number;
  readonly dropped: number;
  readonly state: string;
}

export const METRIC_NAMES = Object.freeze({
  packets: 'picket_packets_total',
  bytes: 'picket_bytes_total',
  decoded: 'picket_packets_decoded_total',
  malformed: 'picket_packets_malformed_total',
  unsupported: 'picket_packets_unsupported_total',
  anomalies: 'picket_packets_anomalies_total',
  drops: 'picket_packets_dropped_total',
  flowsCreated: 'picket_flows_created_total',
  flowsEnded: 'picket_flows_ended_total',
  flowsEvicted: 'picket_flows_evicted_total',
  flowsUntracked: 'picket_flows_untracked_total',
  flowsLive: 'picket_flows_live',
  reassemblyHeld: 'picket_reassembly_held_bytes',
  reassemblyOverflows: 'picket_reassembly_overflows_total',
  alerts: 'picket_alerts_total',
  sinkQueueDepth: 'picket_sink_queue_depth',
  sinkDelivered: 'picket_sink_delivered_total',
  sinkFailures: 'picket_sink_failures_total',
  sinkRejected: 'picket_sink_rejected_total',
  sinkDropped: 'picket_sink_dropped_total',
  sinkUp: 'picket_sink_up',
  storeLatency: 'picket_store_latency_seconds',
});

/** Sets `counter`'s series to `values`, one per label value (series gone from `values` are dropped). */
export function copyByLabel(counter: { setTotal(v: number, l: Record<string, string>): void; reset(): void }, label: string, values: Readonly<Record<string, number>> | undefined): void {
  counter.reset();
  if (values === undefined) return;
  for (const k of Object.keys(values)) counter.setTotal(values[k]!, { [label]: k });
}

/**
 * Publishes pipeline counters (packets, bytes, drops, flows, alerts by rule)
 * from `statsFn`, called once per scrape.
 */
export function registerPipelineMetrics(statsFn: () => PipelineMetricsSnapshot, registry: Registry = defaultRegistry): void {
  const r = registry;
  const packets = r.counter(METRIC_NAMES.packets, 'Packets read from the capture source.');
  const bytes = r.counter(METRIC_NAMES.bytes, 'Captured bytes read (sum of caplen).');
  const decoded = r.counter(METRIC_NAMES.decoded, 'Packets decoded down to the transport layer.');
  const malformed = r.counter(METRIC_NAMES.malformed, 'Packets the decoder refused as malformed, by reason.', ['reason']);
  const unsupported = r.counter(METRIC_NAMES.unsupported, 'Packets of protocols the decoder does not read, by reason.', ['reason']);
  const anomalies = r.counter(METRIC_NAMES.anomalies, 'Packets decoded with something odd about them (lengths that disagree, overlapping fragments, bad tunnel headers), by reason.', ['reason']);
  const drops = r.counter(METRIC_NAMES.drops, 'Packets lost before Picket saw them, by where they were lost.', ['where']);
  const created = r.counter(METRIC_NAMES.flowsCreated, 'Flows (connections) started.');
  const ended = r.counter(METRIC_NAMES.flowsEnded, 'Flows ended and logged.');
  const evicted = r.counter(METRIC_NAMES.flowsEvicted, 'Flows ended early because the flow table was full.');
  const untracked = r.counter(METRIC_NAMES.flowsUntracked, 'Packets not tracked as a flow (table full).');
  const live = r.gauge(METRIC_NAMES.flowsLive, 'Flows currently open.');
  const held = r.gauge(METRIC_NAMES.reassemblyHeld, 'Out-of-order TCP bytes held for analyzers.');
  const overflows = r.counter(METRIC_NAMES.reassemblyOverflows, 'Times the reassembly budget was exhausted.');
  const alerts = r.counter(METRIC_NAMES.alerts, 'Alerts emitted, by rule id.', ['rule']);
  r.onCollect(() => {
    const s = statsFn();
    packets.setTotal(s.packets);
    bytes.setTotal(s.bytes);
    if (s.decoded !== undefined) decoded.setTotal(s.decoded);
    copyByLabel(malformed, 'reason', s.malformed);
    copyByLabel(unsupported, 'reason', s.unsupported);
    copyByLabel(anomalies, 'reason', s.anomalies);
    copyByLabel(drops, 'where', s.drops);
    if (s.flows !== undefined) {
      created.setTotal(s.flows.created);
      ended.setTotal(s.flows.ended);
      evicted.setTotal(s.flows.evicted);
      untracked.setTotal(s.flows.untracked);
      live.set(s.flows.live);
    }
    if (s.reassembly !== undefined) {
      held.set(s.reassembly.heldBytes);
      overflows.setTotal(s.reassembly.overflows);
    }
    copyByLabel(alerts, 'rule', s.alerts);
  });
}

/** Publishes each sink's queue depth, deliveries, failures and drops from `statsFn`. */
export function registerSinkMetrics(statsFn: () => readonly SinkMetricsSnapshot[], registry: Registry = defaultRegistry): void {
  const r = registry;
  const depth = r.gauge(METRIC_NAMES.sinkQueueDepth, 'Alerts waiting in the sink queue on disk.', ['sink']);
  const delivered = r.counter(METRIC_NAMES.sinkDelivered, 'Alerts delivered by the sink.', ['sink']);
  const failures = r.counter(METRIC_NAMES.sinkFailures, 'Failed delivery attempts (each is retried with backoff).', ['sink']);
  const rejected = r.counter(METRIC_NAMES.sinkRejected, 'Alerts the receiver refused for good (not retried).', ['sink']);
  const dropped = r.counter(METRIC_NAMES.sinkDropped, 'Alerts dropped because the queue was full (oldest first).', ['sink']);
  const up = r.gauge(METRIC_NAMES.sinkUp, '1 when the last delivery attempt succeeded, 0 while the sink is failing.', ['sink']);
  r.onCollect(() => {
    depth.reset();
    up.reset();
    const list = statsFn();
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const l = { sink: s.name };
      depth.set(s.queued, l);
      delivered.setTotal(s.delivered, l);
      failures.setTotal(s.failures, l);
      rejected.setTotal(s.rejected, l);
      dropped.setTotal(s.dropped, l);
      up.set(s.state === 'backoff' ? 0 : 1, l);
    }
  });
}

/** The store's latency histogram: call `observe(op, seconds)` after each store operation. */
export function registerStoreMetrics(registry: Registry = defaultRegistry): { observe(op: string, seconds: number): void } {
  const h = registry.histogram(METRIC_NAMES.storeLatency, 'Store operation latency in seconds, by operation.', LATENCY_BUCKETS, ['op']);
  return {
    observe(op: string, seconds: number): void {
      h.observe(seconds, { op });
    },
  };
}
