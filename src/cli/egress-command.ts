/**
 * `picket egress`: for segments that must not reach the Internet. Probes
 * DNS (system resolver and public resolvers), TCP 80/443, HTTPS and ICMP on
 * a schedule and raises egress.internet_reachable for each way out found.
 * `--once` runs the probes once and exits 1 when any got through.
 */
import { parseCommandArgs, stringOpt, alertFormatOpt, secondsOpt } from './args.js';
import { loadConfig } from '../config/load.js';
import { EgressAgent, type EgressSettings } from '../agents/egress/egress.js';
import { AGENT_OPTIONS, agentHelp } from '../agents/agent-cli.js';
import { startHealthReporter } from '../agents/health.js';
import { formatAlertText } from './alert-output.js';
import { closeAgentAlertOutput, openAgentAlertOutput, untilStopped } from './agent-run.js';

/** How long a --once run waits for the server before leaving its alerts spooled. */
const ONCE_FLUSH_TIMEOUT_MS = 10_000;

export const EGRESS_HELP = `Usage: picket egress [--server URL --token T] [--alerts FILE|-] [--once] [options]

For network segments that must not reach the Internet. On a schedule it tries
DNS through the system resolver and straight to public resolvers (UDP 53),
TCP connects to well-known hosts on 80/443, an HTTPS request and ICMP echo
(through ping, when installed), and raises egress.internet_reachable naming
each probe that got through. Targets and interval: the egress: section of the
site configuration.

Options:
  --once               run every probe once; exit 1 when any got through, 0 otherwise
  --alerts FILE|-      append alerts as JSON lines to FILE, or "-" for stdout
                       (the default when --server is not given)
  --format json|text   alert lines as JSON (default) or text
  --interval S         seconds between runs (overrides egress.interval)
  --config FILE        site configuration
  --duration S         stop after S seconds (default: until SIGINT/SIGTERM)
  -h, --help           this help

${agentHelp('egress')}
Alerts are always printed on stderr as well, so they are seen when the server
cannot be reached either (they wait in the spool and are sent when it can).
`;

export async function egressCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('egress', argv, {
    ...AGENT_OPTIONS,
    once: { type: 'boolean' },
    alerts: { type: 'string' },
    format: { type: 'string' },
    interval: { type: 'string' },
    config: { type: 'string' },
    duration: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(EGRESS_HELP);
    return 0;
  }
  const format = alertFormatOpt(values, 'egress');
  const config = loadConfig(stringOpt(values, 'config'));
  const interval = secondsOpt(values, 'interval', 'egress');
  const settings: EgressSettings = { ...config.egress, ...(interval !== undefined ? { interval } : {}) };
  const duration = secondsOpt(values, 'duration', 'egress');
  const output = openAgentAlertOutput(values, 'egress', format);
  const { shipper, alertsFile, sink } = output;
  await output.ready;
  let reachedAny = false;
  const agent = new EgressAgent({
    config: settings,
    observerName: config.observer_name,
    onAlert: (a) => {
      reachedAny = true;
      if (sink.write(a) && alertsFile !== '-') {
        const unsent = shipper !== null && shipper.status !== 'ready' ? ' [server not reachable: kept in the spool]' : '';
        process.stderr.write(`picket egress: ALERT ${formatAlertText(a)}${unsent}\n`);
      }
    },
    onRun: (r) => {
      const through = r.results.filter((x) => x.reached).map((x) => x.probe);
      process.stderr.write(
        `picket egress: run ${r.run}: ${r.results.length} probes, ${through.length === 0 ? 'none got through' : `got through: ${through.join(', ')}`}\n`,
      );
    },
  });
  if (values.once === true) {
    await agent.runOnce();
    const delivery = await closeAgentAlertOutput(output, values, 'egress', ONCE_FLUSH_TIMEOUT_MS);
    // Reaching the Internet is the news (1); a delivery problem (3) comes after it.
    return reachedAny ? 1 : delivery;
  }
  const health = shipper === null ? null : startHealthReporter({ shipper, kind: 'egress', sample: () => ({ extra: { runs: agent.runs } }) });
  agent.start();
  await untilStopped(duration);
  await agent.stop();
  health?.stop();
  return closeAgentAlertOutput(output, values, 'egress', ONCE_FLUSH_TIMEOUT_MS);
}
