/**
 * Alert delivery: `createSinks(config.sinks, { dataDir })` builds one runner
 * per configured sink (filter + disk queue under `<dataDir>/sinks/<name>/` +
 * transport) and returns the fan-out the sensor and server call for every
 * alert. Secrets named by `*_env` keys are read here, once; a missing one is
 * a start-up error (PKT_ERR_SINK_SECRET_MISSING), not a silent no-delivery.
 */
import path from 'node:path';
import type { Alert } from '../alerts/alert.js';
import { PicketError } from '../util/errors.js';
import type { SinkSettings } from './config.js';
import { createEmailTransport } from './email.js';
import { createFileTransport } from './file.js';
import { compileFilter } from './filter.js';
import { DiskQueue } from './queue.js';
import { SinkRunner, type SinkNotice, type SinkStats } from './runner.js';
import { createSyslogTransport } from './syslog.js';
import type { SinkTransport } from './transport.js';
import { createWebhookTransport } from './webhook.js';

export type { SinkNotice, SinkStats, SinkState } from './runner.js';
export type { SinkConfig, SinkSettings } from './config.js';
export { sinksSchema, sinkSchema } from './config.js';
export { toEve, signatureId } from './eve.js';
export { toEcs, ECS_VERSION } from './ecs.js';

export interface CreateSinksOptions {
  /** Queues live in `<dataDir>/sinks/<name>/`. */
  dataDir: string;
  /** Where `*_env` secrets are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Relative file-sink paths start here (default: the current directory). */
  baseDir?: string;
  /** Test hook: records per queue segment. */
  segmentRecords?: number;
  /**
   * Told when a sink's health changes, once per episode: delivery started
   * failing, works again, the queue bound started dropping alerts, or the
   * receiver started refusing them. The sensor and server log these.
   */
  onNotice?: (notice: SinkNotice) => void;
}

export interface Sinks {
  /** Hands the alert to every sink whose filter wants it; it is on disk when this returns. Never throws. */
  deliver(alert: Alert): void;
  /** Resolves when every queue is fsync'd and every sink has sent its backlog or is waiting to retry. */
  flush(): Promise<void>;
  /** Stops delivery and closes queues; undelivered alerts are sent after the next start. */
  close(): Promise<void>;
  /** Retries failing sinks now instead of after their backoff. */
  retryNow(): void;
  stats(): SinkStats[];
}

function makeTransport(cfg: SinkSettings, opts: CreateSinksOptions): SinkTransport {
  const env = opts.env ?? process.env;
  switch (cfg.type) {
    case 'syslog':
      return createSyslogTransport(cfg);
    case 'webhook':
      return createWebhookTransport(cfg, env);
    case 'email':
      return createEmailTransport(cfg, env);
    case 'file':
      return createFileTransport(cfg, opts.baseDir ?? process.cwd());
  }
}

export function createSinks(configs: readonly SinkSettings[], opts: CreateSinksOptions): Sinks {
  const runners: SinkRunner[] = [];
  const names = new Set<string>();
  try {
    for (const cfg of configs) {
      if (names.has(cfg.name)) throw new PicketError('PKT_ERR_SINK_CONFIG', `sink name "${cfg.name}" is used twice`);
      names.add(cfg.name);
      const transport = makeTransport(cfg, opts);
      const queue = new DiskQueue(path.join(opts.dataDir, 'sinks', cfg.name), {
        maxRecords: cfg.queue.max_alerts,
        ...(opts.segmentRecords !== undefined ? { segmentRecords: opts.segmentRecords } : {}),
      });
      const filter = compileFilter(cfg);
      runners.push(
        new SinkRunner(
          cfg.name,
          cfg.type,
          filter,
          queue,
          transport,
          {
            initialMs: Math.max(1, cfg.queue.retry_initial * 1000),
            maxMs: Math.max(1, cfg.queue.retry_max * 1000, cfg.queue.retry_initial * 1000),
          },
          opts.onNotice,
        ),
      );
    }
  } catch (e) {
    for (const r of runners) void r.close();
    if (e instanceof PicketError) throw e;
    throw new PicketError('PKT_ERR_SINK_START', `sinks: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return {
    deliver(alert: Alert): void {
      // offer() counts and skips what it cannot take; one sink failing must not keep the alert from the others.
      for (let i = 0; i < runners.length; i++) {
        try {
          runners[i]!.offer(alert);
        } catch {
          // Unreachable by contract; the runner's stats say what it refused.
        }
      }
    },
    async flush(): Promise<void> {
      await Promise.all(runners.map((r) => r.flush()));
    },
    async close(): Promise<void> {
      await Promise.all(runners.map((r) => r.close()));
    },
    retryNow(): void {
      for (const r of runners) r.retryNow();
    },
    stats(): SinkStats[] {
      return runners.map((r) => r.stats());
    },
  };
}

