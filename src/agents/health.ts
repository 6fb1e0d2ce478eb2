/**
 * Periodic health report of an agent (`POST /api/v1/health`, every minute by
 * default): the agent's own figures (packets/s, kernel drops, flows for a
 * sensor) plus what the shipper knows (spool size, drops, status) and the
 * version. Reports are not spooled: a missed one is counted and the next
 * one, a minute later, carries current figures anyway.
 */
import type { Shipper, AgentKind } from './shipper.js';
import { PICKET_VERSION } from '../version.js';

/** Picket's version as agents report it. */
export const AGENT_VERSION = PICKET_VERSION;
/** Default report interval (the issue asks for every minute). */
export const DEFAULT_HEALTH_INTERVAL_MS = 60_000;

/** The agent-specific part of a report. */
export interface HealthSample {
  packets_per_s?: number;
  kernel_drops?: number;
  flows?: number;
  extra?: Record<string, string | number | boolean | null>;
}

export interface HealthBody {
  ts: string;
  kind: AgentKind;
  version: string;
  packets_per_s?: number;
  kernel_drops?: number;
  flows?: number;
  spool_bytes: number;
  spool_records: number;
  extra: Record<string, string | number | boolean | null>;
}

export interface HealthReporterOptions {
  shipper: Shipper;
  kind: AgentKind;
  version?: string;
  intervalMs?: number;
  /** Called at each report for the agent's own figures. */
  sample?: () => HealthSample;
}

export interface HealthReporter {
  /** Sends one report now; true when the server accepted it. */
  report(): Promise<boolean>;
  stop(): void;
  readonly sent: number;
  readonly failed: number;
}

export function buildHealthBody(opts: HealthReporterOptions): HealthBody {
  const s = opts.sample?.() ?? {};
  const st = opts.shipper.stats();
  const body: HealthBody = {
    ts: new Date().toISOString(),
    kind: opts.kind,
    version: opts.version ?? AGENT_VERSION,
    spool_bytes: st.spool.bytes,
    spool_records: st.spool.records,
    extra: {
      ...(s.extra ?? {}),
      shipper_status: st.status,
      spool_batches: st.spool.batches,
      spool_dropped_batches: st.spool.droppedBatches,
      spool_dropped_records: st.spool.droppedRecords,
      rejected_records: st.spool.rejectedRecords,
      retries: st.retries,
    },
  };
  if (s.packets_per_s !== undefined) body.packets_per_s = s.packets_per_s;
  if (s.kernel_drops !== undefined) body.kernel_drops = s.kernel_drops;
  if (s.flows !== undefined) body.flows = s.flows;
  return body;
}

export function startHealthReporter(opts: HealthReporterOptions): HealthReporter {
  let sent = 0;
  let failed = 0;
  let busy = false;
  const report = async (): Promise<boolean> => {
    if (busy) return false;
    busy = true;
    try {
      const ok = await opts.shipper.postHealth(buildHealthBody(opts));
      if (ok) sent++;
      else failed++;
      return ok;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void report(), opts.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS);
  timer.unref();
  return {
    report,
    stop: () => clearInterval(timer),
    get sent() {
      return sent;
    },
    get failed() {
      return failed;
    },
  };
}
