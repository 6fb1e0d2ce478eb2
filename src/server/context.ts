/**
 * What every route plugin of the server shares: the stores, the admin token,
 * the server settings, the site (networks, for devices), the ingest queue and
 * counters. Built once by app.ts.
 */
import type { Alert } from '../alerts/alert.js';
import type { Site } from '../config/site.js';
import type { BodyStats } from './body.js';
import type { IngestQueue } from './ingest-queue.js';
import type { OuiTable } from './oui.js';
import type { ServerStores } from './store-port.js';
import type { ServerMetrics } from './metrics.js';

export interface ServerSettings {
  /** Seconds an enrollment token lives by default. */
  enrollmentTokenTtl: number;
  /** Seconds without news before an agent is "stale". */
  agentStaleAfter: number;
  maxRecordsPerBatch: number;
  retryAfter: number;
  maxParallelBodies: number;
}

export interface ServerContext {
  stores: ServerStores;
  adminToken: string;
  settings: ServerSettings;
  site: Site;
  oui: OuiTable;
  queue: IngestQueue;
  bodyStats: BodyStats;
  /** Records skipped while deriving devices, by reason. */
  deviceSkips: Map<string, number>;
  /** Other refusals, by reason (e.g. parallel_bodies), shown by /admin/status. */
  counters: Map<string, number>;
  metrics: ServerMetrics;
  /** Ingest requests admitted whose body is being read or parsed now. */
  parsing: number;
  /** Hands newly stored alerts to the alert sinks (set when `sinks:` is configured). */
  deliverAlerts?: (alerts: readonly Alert[]) => void;
}

export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
