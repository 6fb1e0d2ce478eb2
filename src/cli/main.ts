/**
 * The `picket` command: dispatches to one module per sub-command.
 */
import { replayCommand, REPLAY_HELP } from './replay-command.js';
import { PicketError } from '../util/errors.js';
import { closestName } from '../util/suggest.js';
import { PICKET_VERSION } from '../version.js';

const HELP = `picket: network anomaly and attack detection

Usage: picket <command> [options]

Commands:
  replay <capture>...   analyse pcap/pcapng files: logs, alerts, summary
  sensor --interface IF live capture through tcpdump
  baseline <capture>... learn devices, user-agents, TLS clients into --state DIR, no alerts
  config check FILE     validate a site configuration
  demo                  replay the bundled demo capture and show what it found
  honeypot              listen on decoy ports, alert on every touch
  egress                probe whether an isolated segment reaches the Internet
  server                central API for agents, the console and queries
  agent                 enrollment tokens and agents (token create|list|revoke)
  query host|connections|dns|alerts|devices   ask the metadata store (--data DIR or --server URL)
  learn asn <capture>... propose asn_allowlists (YAML) from observed traffic
  intel update|status   refresh / show threat-intel sources (lists, MISP, Tor)
  intel lookup VALUE    what is known about an IP, domain, URL or user-agent
  dga < names           score DNS names for machine-generated look (JSON lines)
  rules [RULE...]       the detection rules, their state and options
  help [command]        show help
  --version             print the version

Run "picket <command> --help" for a command's options.
`;

type Command = (argv: string[]) => Promise<number>;

/** Each command's module, loaded when the command is run. */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  replay: async () => replayCommand,
  sensor: async () => (await import('./sensor-command.js')).sensorCommand,
  baseline: async () => (await import('./baseline-command.js')).baselineCommand,
  config: async () => (await import('./config-command.js')).configCommand,
  demo: async () => (await import('./demo-command.js')).demoCommand,
  honeypot: async () => (await import('./honeypot-command.js')).honeypotCommand,
  egress: async () => (await import('./egress-command.js')).egressCommand,
  server: async () => (await import('./server-command.js')).serverCommand,
  agent: async () => (await import('./agent-command.js')).agentCommand,
  query: async () => (await import('./query-command.js')).queryCommand,
  learn: async () => (await import('./learn-command.js')).learnCommand,
  intel: async () => (await import('./intel-command.js')).intelCommand,
  dga: async () => (await import('./dga-command.js')).dgaCommand,
  rules: async () => (await import('./rules-command.js')).rulesCommand,
};

async function loadCommand(name: string): Promise<Command | undefined> {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name]!() : undefined;
}

/** `picket: unknown command "X"`, with the closest command when X looks like a typo of one. */
function unknownCommand(name: string): string {
  const best = closestName(name, [...Object.keys(COMMANDS), 'help']);
  return `picket: unknown command "${name}"${best !== undefined ? ` (did you mean "${best}"?)` : ''}\n`;
}

/**
 * A reader that stops early (`picket replay x.pcap | head`) closes standard
 * output: the run goes on (its logs, state and summary are still written)
 * and what would have gone to standard output is dropped, said once.
 */
function survivePipeClose(): void {
  let told = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (told) return;
    told = true;
    process.stderr.write('picket: standard output was closed by its reader; the run goes on without it\n');
  });
}

export async function main(argv: string[]): Promise<number> {
  survivePipeClose();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] === 'replay') process.stdout.write(REPLAY_HELP);
    else if (name === 'help' && rest[0] !== undefined) {
      const cmd = await loadCommand(rest[0]);
      if (cmd === undefined) {
        process.stderr.write(unknownCommand(rest[0]));
        return 2;
      }
      return cmd(['--help']);
    } else process.stdout.write(HELP);
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`picket ${PICKET_VERSION}\n`);
    return 0;
  }
  const cmd = await loadCommand(name);
  if (cmd === undefined) {
    process.stderr.write(`${unknownCommand(name)}\n${HELP}`);
    return 2;
  }
  try {
    return await cmd(rest);
  } catch (err) {
    if (err instanceof PicketError) {
      process.stderr.write(`picket: ${err.message}\n`);
      return err.code === 'PKT_ERR_CLI_USAGE' || err.code.startsWith('PKT_ERR_CONFIG') ? 2 : 1;
    }
    throw err;
  }
}
