/**
 * `picket honeypot`: listens on ports nothing legitimate uses and raises
 * honeypot.tcp / honeypot.udp alerts for every touch, shipped to the
 * Picket server (--server) and/or written locally (--alerts FILE|-).
 */
import { parseCommandArgs, stringOpt, alertFormatOpt, secondsOpt } from './args.js';
import { PicketError } from '../util/errors.js';
import { loadConfig } from '../config/load.js';
import { isIp } from '../config/ip.js';
import { Site } from '../config/site.js';
import { createHoneypot, type HoneypotSettings } from '../agents/honeypot/honeypot.js';
import { AGENT_OPTIONS, agentHelp } from '../agents/agent-cli.js';
import { startHealthReporter } from '../agents/health.js';
import { parsePortList } from '../agents/ports.js';
import { closeAgentAlertOutput, openAgentAlertOutput, untilStopped } from './agent-run.js';
import { hostPort } from '../util/host-port.js';

/** How long the final flush waits for the server before leaving records spooled. */
const EXIT_FLUSH_TIMEOUT_MS = 10_000;

export const HONEYPOT_HELP = `Usage: picket honeypot [--server URL --token T] [--alerts FILE|-] [options]

Listens on TCP and UDP ports nothing legitimate uses (defaults: TCP 21,22,23,
80,135,139,445,1433,3306,3389,5900,8080 and UDP 69,161,1900,5060) and raises
honeypot.tcp / honeypot.udp alerts with the source, port, time and the first
bytes received. It never answers UDP and never sends back anything it received;
TCP ports may present a static banner (honeypot.banners in the config).

Options:
  --alerts FILE|-      append alerts as JSON lines to FILE, or "-" for stdout
                       (the default when --server is not given)
  --format json|text   alert lines as JSON (default) or text
  --tcp PORTS          TCP ports, e.g. 21,22,8000-8010 ("none" for none)
  --udp PORTS          UDP ports
  --bind ADDR          address to listen on (default 0.0.0.0)
  --config FILE        site configuration (its honeypot: section)
  --duration S         stop after S seconds (default: until SIGINT/SIGTERM)
  -h, --help           this help

${agentHelp('honeypot')}
Ports below 1024 need root or CAP_NET_BIND_SERVICE; a port that cannot be
opened is reported and the others still listen.
`;

export async function honeypotCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('honeypot', argv, {
    ...AGENT_OPTIONS,
    alerts: { type: 'string' },
    format: { type: 'string' },
    tcp: { type: 'string' },
    udp: { type: 'string' },
    bind: { type: 'string' },
    config: { type: 'string' },
    duration: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(HONEYPOT_HELP);
    return 0;
  }
  const format = alertFormatOpt(values, 'honeypot');
  const config = loadConfig(stringOpt(values, 'config'));
  const tcp = stringOpt(values, 'tcp');
  const udp = stringOpt(values, 'udp');
  const bind = stringOpt(values, 'bind');
  if (bind !== undefined && !isIp(bind)) throw new PicketError('PKT_ERR_CLI_USAGE', `honeypot: --bind must be an IP address, got "${bind}"`);
  const settings: HoneypotSettings = {
    ...config.honeypot,
    ...(tcp !== undefined ? { tcp: parsePortList(tcp, 'tcp', 'honeypot') } : {}),
    ...(udp !== undefined ? { udp: parsePortList(udp, 'udp', 'honeypot') } : {}),
    ...(bind !== undefined ? { bind } : {}),
  };
  const duration = secondsOpt(values, 'duration', 'honeypot');
  const output = openAgentAlertOutput(values, 'honeypot', format);
  const { shipper, sink } = output;
  await output.ready;
  const honeypot = createHoneypot({ config: settings, observerName: config.observer_name, site: new Site(config.networks), onAlert: (a) => sink.write(a) });
  const listening = await honeypot.start();
  for (const f of listening.failed) process.stderr.write(`picket honeypot: cannot listen on ${f.proto.toUpperCase()} ${hostPort(settings.bind, f.port)}: ${f.error}\n`);
  if (listening.tcp.length + listening.udp.length === 0) {
    sink.close();
    output.suppressions?.stop();
    await shipper?.close();
    throw new PicketError('PKT_ERR_AGENT_LISTEN', 'honeypot: no port could be opened');
  }
  process.stderr.write(
    `picket honeypot: listening on ${settings.bind} TCP ${listening.tcp.map((p) => p.port).join(',') || 'none'} ` +
      `UDP ${listening.udp.map((p) => p.port).join(',') || 'none'}\n`,
  );
  const health =
    shipper === null
      ? null
      : startHealthReporter({
          shipper,
          kind: 'honeypot',
          sample: () => {
            const s = honeypot.stats();
            return {
              extra: {
                tcp_connections: s.tcpConnections,
                udp_datagrams: s.udpDatagrams,
                alerts: s.alerts,
                suppressed: s.suppressed,
                ignored: s.ignored,
                over_capacity: s.overCapacity,
              },
            };
          },
        });
  await untilStopped(duration);
  await honeypot.stop();
  health?.stop();
  const s = honeypot.stats();
  process.stderr.write(
    `picket honeypot: ${s.tcpConnections} TCP connections, ${s.udpDatagrams} UDP datagrams, ${s.alerts} alerts, ` +
      `${s.suppressed} rate-limited, ${s.ignored} ignored, ${s.overCapacity} refused over capacity\n`,
  );
  return closeAgentAlertOutput(output, values, 'honeypot', EXIT_FLUSH_TIMEOUT_MS);
}
