/**
 * The networked sensor: `picket sensor --server URL --token T` with
 * `--interface IF` (live) or `--pcap FILE` (offline). It runs the same
 * pipeline and detectors as `picket sensor`/`picket replay` locally and ships
 * every alert and every log record (conn, dns, http, ...) to the server
 * through the spooling shipper, with a health report every minute.
 *
 * Console suppressions are fetched from the server (suppression-sync.ts, at
 * start and every 30 s, kept on disk for restarts while the server is away):
 * suppressed alerts are still shipped (the server marks them itself) but do
 * not reach the sensor's local sinks or its stdout, and are counted.
 *
 * With `--pcap` it exits once the capture is processed and every record is
 * acknowledged (exit 0), or, when the server cannot take them in time, once
 * they are safely spooled, saying so (exit 3); the next run sends them first.
 */
import { startLiveTimers } from '../cli/live-timers.js';
import { serveSensorMetrics } from '../metrics/sensor.js';
import { openCaptureFiles, type CaptureSource } from '../capture/file-source.js';
import type { LiveCaptureSource } from '../capture/live-source.js';
import { openLiveCaptureFromOptions, SENSOR_OPTIONS } from '../cli/sensor-options.js';
import { createProtocols } from '../protocols/index.js';
import { JsonlLogWriter } from '../logs/jsonl-writer.js';
import { Pipeline } from '../pipeline/pipeline.js';
import type { PicketEvent } from '../events/types.js';
import { formatSummary, sumCounts } from '../cli/summary.js';
import { intOpt, parseCommandArgs, stringOpt, secondsOpt } from '../cli/args.js';
import { PicketError } from '../util/errors.js';
import { setUpDetection } from '../cli/detection.js';
import { writeAlert } from '../cli/alert-output.js';
import { runCapture, streamBroke } from '../cli/live-capture-end.js';
import { AGENT_OPTIONS, EXIT_NOT_DELIVERED, agentHelp, deliveryExitCode, describeFlush, openAgentShipper, openSuppressionSync, spoolDirOf } from './agent-cli.js';
import { startHealthReporter } from './health.js';
import type { Shipper } from './shipper.js';

/** Exit code when records remain spooled (processed, but not yet acknowledged) or were lost. */
export const EXIT_SPOOLED = EXIT_NOT_DELIVERED;
/** Default wait at the end of a --pcap run for the server to acknowledge everything. */
const DEFAULT_FLUSH_TIMEOUT_S = 60;

export const SENSOR_AGENT_HELP = `Usage: picket sensor --server URL [--token T] (--interface IF | --pcap FILE...) [options]

Runs the pipeline and detectors locally and ships every alert and log record
(conn, dns, http, ...) to the Picket server. Records are written to a disk
spool before they are sent and leave it only when the server acknowledges
them: a server that is away is caught up in order, nothing lost or doubled.
A health report (packets/s, kernel drops, flows, spool size, version) goes to
the server every minute.
Console suppressions are fetched from the server (and kept in the --spool
directory for restarts while it is away): suppressed alerts are still
shipped, but skip this sensor's local sinks (picket.yaml sinks:) and stdout.

Options:
  -i, --interface IF   capture live on IF (tcpdump; needs root or CAP_NET_RAW)
  --pcap FILE          process capture files instead (repeatable); exits when every
                       record is acknowledged (0), or spooled with a message (3)
  --flush-timeout S    with --pcap: how long to wait for acknowledgements (default ${DEFAULT_FLUSH_TIMEOUT_S})
  --metrics HOST:PORT  serve Prometheus /metrics (packets, drops, flows, alerts, spool depth)
  --filter BPF         capture filter (live)
  --snaplen N          bytes kept per packet (live)
  --buffer-kib N       kernel capture buffer in KiB (live)
  --logs DIR           also write JSON-lines logs to DIR
  --config FILE        site configuration (picket.yaml)
  --state DIR          persistent detector state
  --format json|text|none  alerts on stdout (default json; none = only shipped)
  --stats-interval S   seconds between health lines on stderr (live, default 60)
  --health-interval S  seconds between health reports to the server (default 60)
  --duration S         stop live capture after S seconds
  -h, --help           this help

${agentHelp('sensor')}`;

export async function sensorAgentCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('sensor', argv, {
    ...AGENT_OPTIONS,
    ...SENSOR_OPTIONS,
    pcap: { type: 'string', multiple: true },
    'flush-timeout': { type: 'string' },
    'health-interval': { type: 'string' },
  });
  if (values.help === true) {
    process.stdout.write(SENSOR_AGENT_HELP);
    return 0;
  }
  const iface = stringOpt(values, 'interface');
  const pcaps = Array.isArray(values.pcap) ? values.pcap : [];
  if ((iface === undefined) === (pcaps.length === 0)) {
    throw new PicketError('PKT_ERR_CLI_USAGE', 'sensor: give either --interface IF or --pcap FILE with --server (see picket sensor --server URL --help)');
  }
  const format = stringOpt(values, 'format') ?? 'json';
  if (format !== 'json' && format !== 'text' && format !== 'none') throw new PicketError('PKT_ERR_CLI_USAGE', `sensor: --format must be json, text or none, got "${format}"`);
  const flushTimeoutS = intOpt(values, 'flush-timeout', 'sensor') ?? DEFAULT_FLUSH_TIMEOUT_S;
  const healthIntervalS = secondsOpt(values, 'health-interval', 'sensor');
  const statsIntervalS = secondsOpt(values, 'stats-interval', 'sensor') ?? 60;
  const duration = secondsOpt(values, 'duration', 'sensor');
  const logsDir = stringOpt(values, 'logs');
  const shipper = openAgentShipper(values, 'sensor', 'sensor');
  if (shipper === null) throw new PicketError('PKT_ERR_CLI_USAGE', 'sensor: --server is required here');
  const suppressions = openSuppressionSync(values, 'sensor', 'sensor')!;
  let suppressed = 0;

  const detection = await setUpDetection({
    configFile: stringOpt(values, 'config'),
    stateDir: stringOpt(values, 'state'),
    live: iface !== undefined,
    deliverLocally: (a) => suppressions.match(a) === undefined,
    onAlert: (a, local) => {
      shipper.send('alert', a);
      if (!local) suppressed++;
      else if (format !== 'none') writeAlert(a, format);
    },
  });
  const bus = detection.bus;
  // Every log record goes to the server under its log name (conn, dns, http, ...).
  bus.onLog((event: PicketEvent) => {
    if ('log' in event && 'record' in event) shipper.send((event as { log: string }).log, (event as { record: object }).record);
  });
  const live: LiveCaptureSource | null = iface === undefined ? null : openLiveCaptureFromOptions(values, iface);
  // A live sensor restarted on the same --logs keeps what it logged before.
  const writer = logsDir === undefined ? null : new JsonlLogWriter(logsDir, undefined, '', { append: live !== null });
  if (writer !== null) bus.onLog(writer.handle);
  const pipeline = new Pipeline({ bus, protocols: createProtocols(detection.analyzers), flows: detection.flows, decoder: detection.decoder });
  pipeline.refreshSubscriptions();
  const source: CaptureSource = live ?? openCaptureFiles(pcaps);

  let lastPackets = 0;
  let lastSample = Date.now();
  const health = startHealthReporter({
    shipper,
    kind: 'sensor',
    ...(healthIntervalS !== undefined ? { intervalMs: healthIntervalS * 1000 } : {}),
    sample: () => {
      const now = Date.now();
      const st = pipeline.stats();
      const h = detection.health();
      const pps = ((st.packets - lastPackets) * 1000) / Math.max(1, now - lastSample);
      lastPackets = st.packets;
      lastSample = now;
      return {
        packets_per_s: Math.round(pps),
        ...(live?.kernelDrops !== undefined ? { kernel_drops: live.kernelDrops } : {}),
        flows: st.flows.live,
        extra: {
          packets: st.packets,
          flows_created: st.flows.created,
          alerts: detection.alerts,
          alerts_suppressed_locally: suppressed,
          detector_failures: sumCounts(h.errors),
          detector_state_evictions: sumCounts(h.evictions),
          source: iface ?? 'pcap',
        },
      };
    },
  });
  const metricsListen = stringOpt(values, 'metrics');
  const metrics =
    metricsListen === undefined
      ? null
      : await serveSensorMetrics(metricsListen, {
          pipeline: () => pipeline.stats(),
          kernelDrops: () => live?.kernelDrops,
          alerts: () => detection.engine.stats().alerts,
          detection: () => detection.health(),
          sinks: () => detection.sinkStats(),
          spool: () => shipper.stats().spool,
          suppressed: () => suppressed,
        });
  if (metrics !== null) process.stderr.write(`picket sensor: metrics on ${metrics.url}\n`);
  const timers = live === null ? [] : startLiveTimers(pipeline, detection, live, iface!, statsIntervalS, writer);
  const stop = (): void => source.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const durationTimer = duration === undefined || live === null ? null : setTimeout(stop, duration * 1000);
  let code = 0;
  try {
    // Before the first packet, so a short --pcap run is filtered too; bounded by the request timeout.
    await suppressions.start();
    const started = Date.now();
    // What a live capture saw before tcpdump failed is still logged and shipped; the failure is thrown after.
    const { capture, failure } = await runCapture(source, live, (pkt) => pipeline.packet(pkt), () => pipeline.stats().packets);
    pipeline.finish();
    await detection.finish();
    writer?.close();
    process.stderr.write(
      formatSummary({
        command: `picket sensor ${iface ?? pcaps.join(' ')}`,
        capture,
        pipeline: pipeline.stats(),
        elapsed: (Date.now() - started) / 1000,
        logs: writer?.counts(),
        logsDir,
        kernelDrops: live?.kernelDrops,
        alerts: detection.alerts,
        detection: detection.health(),
        sinks: detection.sinkStats(),
      }),
    );
    // A log that could not be written ends the run with its reason (after the summary of what was seen).
    writer?.check();
    const sync = suppressions.stats();
    if (suppressed > 0 || sync.suppressions > 0) {
      process.stderr.write(
        `picket sensor: ${suppressed} alerts suppressed locally by ${sync.suppressions} console suppressions (list from the ${sync.source}); they still go to the server\n`,
      );
    }
    code = await finishShipping(shipper, flushTimeoutS, spoolDirOf(values, 'sensor'));
    if (failure !== null) throw failure;
    if (live !== null && streamBroke(capture) && code === 0) code = 1;
    // Final figures for the server, only when it is answering (no extra wait at exit otherwise).
    if (code === 0) await health.report();
  } finally {
    suppressions.stop();
    health.stop();
    for (const t of timers) clearInterval(t);
    await metrics?.close();
    if (durationTimer !== null) clearTimeout(durationTimer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await shipper.close();
  }
  return code;
}

async function finishShipping(shipper: Shipper, timeoutS: number, spoolDir: string): Promise<number> {
  const r = await shipper.flush({ timeoutMs: timeoutS * 1000 });
  const st = shipper.stats();
  const lost = st.spool.droppedRecords + st.spool.rejectedRecords + st.recordsRefused.oversize + st.recordsRefused.spoolError;
  process.stderr.write(
    `picket sensor: ${st.records} records shipped in ${st.batchesSealed} batches` +
      `${st.duplicates > 0 ? ` (${st.duplicates} acknowledged as duplicates after a retry)` : ''}` +
      `${lost > 0 ? `; ${lost} records lost (spool bound ${st.spool.droppedRecords}, refused by the server ${st.spool.rejectedRecords}, unshippable ${st.recordsRefused.oversize + st.recordsRefused.spoolError})` : ''}\n`,
  );
  process.stderr.write(describeFlush('sensor', r, spoolDir));
  // Records refused by the server or dropped are a delivery failure even when nothing is left to send.
  return deliveryExitCode(r);
}
