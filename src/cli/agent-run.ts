/**
 * The run of an alert-raising agent command (`picket honeypot`, `picket
 * egress`), apart from what the agent itself does: where its alerts go (the
 * server through the shipper with --server, and/or --alerts FILE|-, standard
 * output by default when there is no server), how long it runs (until
 * SIGINT/SIGTERM, or --duration seconds), and the close at the end (the sink,
 * then a bounded flush of shipped records with a line saying where they are).
 * With a server, console suppressions are fetched as for the sensor: the
 * alerts they cover are shipped but not written locally.
 */
import type { AlertFormat } from './alert-output.js';
import { stringOpt } from './args.js';
import { deliveryExitCode, describeFlush, openAgentShipper, openSuppressionSync, spoolDirOf } from '../agents/agent-cli.js';
import type { SuppressionSync } from '../agents/suppression-sync.js';
import { createAlertSink, type AlertSink } from '../agents/alert-sink.js';
import type { AgentKind, Shipper } from '../agents/shipper.js';

/** Where an agent command's alerts go. */
export interface AgentAlertOutput {
  /** The server's shipper (--server), or null without one. */
  readonly shipper: Shipper | null;
  /** --alerts FILE|-, "-" (stdout) when there is no server; undefined: the server only. */
  readonly alertsFile: string | undefined;
  readonly sink: AlertSink;
  /** Console suppressions from the server (with --server): they keep alerts from the local output. */
  readonly suppressions: SuppressionSync | null;
  /** Settles once the persisted suppression list is loaded and the first poll answered or timed out. */
  readonly ready: Promise<void>;
}

/** Opens the shipper and the alert sink from the command's options (`kind` is also the command name). */
export function openAgentAlertOutput(values: Record<string, unknown>, kind: AgentKind, format: AlertFormat): AgentAlertOutput {
  const shipper = openAgentShipper(values, kind, kind);
  const alertsFile = stringOpt(values, 'alerts') ?? (shipper === null ? '-' : undefined);
  const suppressions = openSuppressionSync(values, kind, kind);
  const sink = createAlertSink({
    file: alertsFile,
    format,
    shipper,
    ...(suppressions !== null ? { suppressed: (a) => suppressions.match(a) !== undefined } : {}),
  });
  const ready = suppressions === null ? Promise.resolve() : suppressions.start().then(() => undefined);
  return { shipper, alertsFile, sink, suppressions, ready };
}

/**
 * Closes the sink, then gives shipped records up to `flushTimeoutMs` to reach
 * the server (what does not stays spooled, and stderr says so) and closes the
 * shipper. Returns the delivery's exit code: 0, or EXIT_NOT_DELIVERED when
 * records remain spooled or some were lost (0 without a server).
 */
export async function closeAgentAlertOutput(out: AgentAlertOutput, values: Record<string, unknown>, kind: AgentKind, flushTimeoutMs: number): Promise<number> {
  out.sink.close();
  out.suppressions?.stop();
  if (out.sink.suppressed > 0) {
    process.stderr.write(`picket ${kind}: ${out.sink.suppressed} alerts kept from the local output by console suppressions; they still go to the server\n`);
  }
  const shipper = out.shipper;
  if (shipper !== null) {
    const r = await shipper.flush({ timeoutMs: flushTimeoutMs });
    process.stderr.write(describeFlush(kind, r, spoolDirOf(values, kind)));
    await shipper.close();
    return deliveryExitCode(r);
  }
  return 0;
}

/** Resolves on SIGINT or SIGTERM, or after `durationSeconds` when given, whichever comes first. */
export function untilStopped(durationSeconds: number | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (timer !== null) clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = durationSeconds === undefined ? null : setTimeout(stop, durationSeconds * 1000);
  });
}
