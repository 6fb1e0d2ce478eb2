/**
 * `picket demo` (what `npm start` runs): replays the bundled demo capture,
 * writes its logs under ./data/demo-logs and prints what it found.
 */
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replayCaptures } from '../pipeline/replay.js';
import { formatSummary, formatCount } from './summary.js';
import { PicketError } from '../util/errors.js';
import { parseCommandArgs } from './args.js';
import { checkLogsDir } from '../logs/logs-dir.js';
import { setUpDetection } from './detection.js';
import { formatAlertText } from './alert-output.js';
import type { Alert } from '../alerts/alert.js';

/** Where the demo capture and its site configuration ship. */
export function demoDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', '..', '..', 'assets', 'demo');
}

/** The demo captures shipped in the package (recorded in the project's own lab). */
export function demoCaptures(): string[] {
  const dir = demoDir();
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
    .sort()
    .map((f) => path.join(dir, f));
}

export const DEMO_HELP = `Usage: picket demo

Replays the bundled demo capture and prints what it found. Its logs
(conn.jsonl, dns.jsonl, ...) are written to ./data/demo-logs under the
current folder (overwritten on every run).
`;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('demo', argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help === true) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  // It takes nothing: a capture or option given here would otherwise be ignored without a word.
  if (positionals.length > 0) {
    throw new PicketError('PKT_ERR_CLI_USAGE', `demo: takes no arguments, got "${positionals[0]}" (to analyse your own capture: picket replay FILE)`);
  }
  const files = demoCaptures();
  if (files.length === 0) throw new PicketError('PKT_ERR_DEMO_MISSING', 'the bundled demo capture (assets/demo) is missing from this installation');
  const logsDir = path.resolve('data', 'demo-logs');
  checkLogsDir(logsDir, 'demo logs');
  const alerts: Alert[] = [];
  const detection = await setUpDetection({
    configFile: path.join(demoDir(), 'picket.yaml'),
    onAlert: (a) => alerts.push(a),
  });
  const summary = await replayCaptures(files, { logsDir, bus: detection.bus, flows: detection.flows, decoder: detection.decoder, analyzers: detection.analyzers });
  await detection.finish();
  process.stderr.write(formatSummary({ command: 'picket demo', ...summary, logsDir, alerts: alerts.length, detection: detection.health(), sinks: detection.sinkStats() }));
  alerts.sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? -1 : 1));
  process.stdout.write(`Alerts: ${formatCount(alerts.length)}\n`);
  for (const a of alerts) process.stdout.write(`  ${formatAlertText(a)}\n`);
  const conn = path.join(logsDir, 'conn.jsonl');
  if (fs.existsSync(conn)) {
    const lines = fs.readFileSync(conn, 'utf8').split('\n').filter((l) => l !== '');
    const byState = new Map<string, number>();
    const bySvc = new Map<string, number>();
    for (const line of lines) {
      const rec = JSON.parse(line) as { conn_state: string; service?: string };
      byState.set(rec.conn_state, (byState.get(rec.conn_state) ?? 0) + 1);
      const svc = rec.service ?? '-';
      bySvc.set(svc, (bySvc.get(svc) ?? 0) + 1);
    }
    const fmt = (m: Map<string, number>): string =>
      [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${formatCount(n)}`).join(', ');
    process.stdout.write(`Connections: ${formatCount(lines.length)}\n  by state: ${fmt(byState)}\n  by service: ${fmt(bySvc)}\n`);
  }
  // The logs land in the current folder, which a person running a demo would not guess.
  process.stdout.write(`Logs: ${logsDir}\n`);
  return 0;
}
