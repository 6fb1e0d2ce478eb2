/**
 * Command-line options every networked agent shares (server, enrollment
 * token, spool directory and bound, batching) and the shipper they build,
 * with status changes and drops reported on stderr.
 */
import path from 'node:path';
import type { OptionSpec } from '../cli/args.js';
import { intOpt, stringOpt } from '../cli/args.js';
import { PicketError } from '../util/errors.js';
import { AGENT_VERSION } from './health.js';
import { createShipper, type AgentKind, type Shipper } from './shipper.js';
import { createSuppressionSync, SUPPRESSIONS_FILE, type SuppressionSync } from './suppression-sync.js';

/** Default spool bound: a day of a busy sensor's metadata fits; the disk never fills. */
export const DEFAULT_SPOOL_MAX_MIB = 1024;
export const DEFAULT_BATCH_RECORDS = 500;
export const DEFAULT_BATCH_INTERVAL_MS = 2000;
/** Exit code when records were not all delivered: some remain spooled, or some were lost. */
export const EXIT_NOT_DELIVERED = 3;

export const AGENT_OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  spool: { type: 'string' },
  'spool-max-mib': { type: 'string' },
  name: { type: 'string' },
  'batch-records': { type: 'string' },
  'batch-interval-ms': { type: 'string' },
} as const satisfies OptionSpec;

export function agentHelp(kind: AgentKind): string {
  return `Server options:
  --server URL          Picket server (e.g. http://10.0.0.1:8080); records are
                        spooled to disk first and sent in order, exactly once
  --token T             one-time enrollment token (needed on the first start only;
                        the agent's credential is then kept in the spool directory)
  --spool DIR           spool and credential directory (default ./data/${kind}-agent)
  --spool-max-mib N     spool bound in MiB (default ${DEFAULT_SPOOL_MAX_MIB}); past it the oldest
                        batches are dropped and counted
  --name NAME           agent name shown on the server (default: the enrollment token's name)
  --batch-records N     records per batch (default ${DEFAULT_BATCH_RECORDS})
  --batch-interval-ms N longest wait before a partial batch is sent (default ${DEFAULT_BATCH_INTERVAL_MS})
`;
}

/** The shipper for `--server`, or null without it. */
export function openAgentShipper(values: Record<string, unknown>, kind: AgentKind, command: string): Shipper | null {
  const server = stringOpt(values, 'server');
  if (server === undefined) {
    if (stringOpt(values, 'token') !== undefined) throw new PicketError('PKT_ERR_CLI_USAGE', `${command}: --token needs --server`);
    return null;
  }
  if (!/^https?:\/\//.test(server)) throw new PicketError('PKT_ERR_CLI_USAGE', `${command}: --server must be an http:// or https:// URL, got "${server}"`);
  const dir = agentDirOf(values, kind);
  const maxMiB = intOpt(values, 'spool-max-mib', command) ?? DEFAULT_SPOOL_MAX_MIB;
  return createShipper({
    server,
    token: stringOpt(values, 'token'),
    credentialFile: path.join(dir, 'credential.json'),
    spoolDir: path.join(dir, 'spool'),
    kind,
    // Without --name the server names the agent after its enrollment token.
    name: stringOpt(values, 'name'),
    version: AGENT_VERSION,
    maxSpoolBytes: maxMiB * 1024 * 1024,
    batchRecords: intOpt(values, 'batch-records', command) ?? DEFAULT_BATCH_RECORDS,
    batchIntervalMs: intOpt(values, 'batch-interval-ms', command) ?? DEFAULT_BATCH_INTERVAL_MS,
    // 'closed' is the agent's own doing at exit, not news about the server.
    onStatus: (status, message) => {
      if (status !== 'closed') process.stderr.write(`picket ${command}: server ${status}: ${message}\n`);
    },
    log: (message) => process.stderr.write(`picket ${command}: ${message}\n`),
  });
}

/** The agent directory: credential, spool and the last suppression list. */
function agentDirOf(values: Record<string, unknown>, kind: AgentKind): string {
  return stringOpt(values, 'spool') ?? path.join('data', `${kind}-agent`);
}

/**
 * The console-suppression sync for `--server` (null without it): the list is
 * fetched with the credential the shipper keeps and stored beside it.
 */
export function openSuppressionSync(values: Record<string, unknown>, kind: AgentKind, command: string): SuppressionSync | null {
  const server = stringOpt(values, 'server');
  if (server === undefined) return null;
  const dir = agentDirOf(values, kind);
  return createSuppressionSync({
    server,
    credentialFile: path.join(dir, 'credential.json'),
    stateFile: path.join(dir, SUPPRESSIONS_FILE),
    log: (message) => process.stderr.write(`picket ${command}: ${message}\n`),
  });
}

/** The closing line for a run that shipped records; never says "every record" when some were lost. */
export function describeFlush(
  command: string,
  r: { outcome: 'acknowledged' | 'spooled'; batches: number; records: number; lost: number; reason?: string },
  spoolDir: string,
): string {
  const lost = r.lost > 0 ? `${r.lost} records were lost (not delivered, see above)` : '';
  if (r.outcome === 'acknowledged') {
    return lost === '' ? `picket ${command}: every record acknowledged by the server\n` : `picket ${command}: ${lost}; every other record was acknowledged by the server\n`;
  }
  return (
    `picket ${command}: ${r.records} records in ${r.batches} batches are spooled in ${spoolDir}, not yet acknowledged` +
    `${r.reason !== undefined ? ` (${r.reason})` : ''}; they are sent when the agent next runs and the server answers` +
    `${lost !== '' ? `; ${lost}` : ''}\n`
  );
}

/** Exit code of an agent command's delivery: 0 when the server has every record, else EXIT_NOT_DELIVERED. */
export function deliveryExitCode(r: { outcome: 'acknowledged' | 'spooled'; lost: number }): number {
  return r.outcome === 'acknowledged' && r.lost === 0 ? 0 : EXIT_NOT_DELIVERED;
}

export function spoolDirOf(values: Record<string, unknown>, kind: AgentKind): string {
  return path.join(agentDirOf(values, kind), 'spool');
}
