/**
 * `picket sensor --interface IF`: live capture through a tcpdump child,
 * the same pipeline as replay, periodic health lines on stderr.
 */
import { startLiveTimers } from './live-timers.js';
import { serveSensorMetrics } from '../metrics/sensor.js';
import { parseMetricsListen, type MetricsEndpoint } from '../metrics/http.js';
import { openLiveCaptureFromOptions, SENSOR_OPTIONS } from './sensor-options.js';
import { createProtocols } from '../protocols/index.js';
import { JsonlLogWriter } from '../logs/jsonl-writer.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { formatSummary } from './summary.js';
import { parseCommandArgs, stringOpt, alertFormatOpt, secondsOpt } from './args.js';
import { PicketError } from '../util/errors.js';
import { setUpDetection } from './detection.js';
import { writeAlert } from './alert-output.js';
import { runCapture, streamBroke } from './live-capture-end.js';

export const SENSOR_HELP = `Usage: picket sensor --interface IF [options]

Captures live traffic with tcpdump (which must be installed; capturing needs
root or CAP_NET_RAW) and runs the same analysis as "picket replay".

Options:
  -i, --interface IF   interface to capture on (required)
  --filter BPF         capture filter, e.g. "not port 22"
  --snaplen N          bytes kept per packet (default 65535)
  --buffer-kib N       kernel capture buffer in KiB (default 32768)
  --logs DIR           write JSON-lines logs to DIR
  --config FILE        site configuration (picket.yaml)
  --state DIR          persistent state directory
  --format json|text   alerts on stdout as JSON lines (default) or text lines
  --stats-interval S   seconds between health lines on stderr (default 60)
  --metrics HOST:PORT  serve Prometheus /metrics (packets, drops, flows, alerts by rule)
  --duration S         stop after S seconds (default: run until SIGINT/SIGTERM)
  --server URL         ship alerts and logs to a Picket server (also takes --token,
                       --pcap FILE, --spool DIR; see picket sensor --server URL --help)
  -h, --help           this help
`;

export async function sensorCommand(argv: string[]): Promise<number> {
  // With --server the networked sensor (src/agents/sensor-agent.ts) takes over: spool, shipping, --pcap.
  if (argv.some((x) => x === '--server' || x.startsWith('--server='))) return (await import('../agents/sensor-agent.js')).sensorAgentCommand(argv);
  const { values } = parseCommandArgs('sensor', argv, SENSOR_OPTIONS);
  if (values.help === true) {
    process.stdout.write(SENSOR_HELP);
    return 0;
  }
  const iface = stringOpt(values, 'interface');
  if (iface === undefined) throw new PicketError('PKT_ERR_CLI_USAGE', 'sensor: --interface is required (see picket sensor --help)');
  // Opening only checks the capture options (tcpdump starts in run()): bad ones fail before detection loads.
  const source = openLiveCaptureFromOptions(values, iface);
  const statsInterval = secondsOpt(values, 'stats-interval', 'sensor') ?? 60;
  const duration = secondsOpt(values, 'duration', 'sensor');
  const logsDir = stringOpt(values, 'logs');
  const metricsListen = stringOpt(values, 'metrics');
  // A bad --metrics is a usage error before anything starts.
  if (metricsListen !== undefined) parseMetricsListen(metricsListen);

  const format = alertFormatOpt(values, 'sensor');
  const detection = await setUpDetection({
    configFile: stringOpt(values, 'config'),
    stateDir: stringOpt(values, 'state'),
    live: true,
    onAlert: (a) => writeAlert(a, format),
  });
  const bus = detection.bus;
  // A sensor restarted (or rebooted) on the same --logs keeps what it logged before.
  const writer = logsDir === undefined ? null : new JsonlLogWriter(logsDir, undefined, '', { append: true });
  if (writer !== null) bus.onLog(writer.handle);
  const pipeline = new Pipeline({ bus, protocols: createProtocols(detection.analyzers), flows: detection.flows, decoder: detection.decoder });
  const started = Date.now();
  let metrics: MetricsEndpoint | null = null;
  if (metricsListen !== undefined) {
    metrics = await serveSensorMetrics(metricsListen, {
      pipeline: () => pipeline.stats(),
      kernelDrops: () => source.kernelDrops,
      alerts: () => detection.engine.stats().alerts,
      detection: () => detection.health(),
      sinks: () => detection.sinkStats(),
    });
    process.stderr.write(`picket sensor: metrics on ${metrics.url}\n`);
  }
  const timers = startLiveTimers(pipeline, detection, source, iface, statsInterval, writer);
  const stop = (): void => source.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = duration === undefined ? null : setTimeout(stop, duration * 1000);
  let code = 0;
  try {
    const { capture, failure } = await runCapture(source, source, (pkt) => pipeline.packet(pkt), () => pipeline.stats().packets);
    pipeline.finish();
    await detection.finish();
    writer?.close();
    process.stderr.write(
      formatSummary({
        command: `picket sensor ${iface}`,
        capture,
        pipeline: pipeline.stats(),
        elapsed: (Date.now() - started) / 1000,
        logs: writer?.counts(),
        logsDir,
        kernelDrops: source.kernelDrops,
        alerts: detection.alerts,
        detection: detection.health(),
        sinks: detection.sinkStats(),
      }),
    );
    writer?.check();
    if (failure !== null) throw failure;
    if (streamBroke(capture)) code = 1;
  } finally {
    for (const t of timers) clearInterval(t);
    await metrics?.close();
    if (timer !== null) clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return code;
}
