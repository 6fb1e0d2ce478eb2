/**
 * `picket replay <capture>...`: offline analysis of capture files (or "-"
 * for standard input) with logs, alerts and a summary.
 */
import { replayCaptures } from '../pipeline/replay.js';
import { STDIN_PATH } from '../capture/file-source.js';
import { replayLayout, WORKERS_HELP } from './workers-option.js';
import { formatSummary, truncationWarnings } from './summary.js';
import { parseCommandArgs, stringOpt, alertFormatOpt } from './args.js';
import { PicketError } from '../util/errors.js';
import { checkCaptureFiles } from '../capture/capture-check.js';
import type { TruncationRecord } from '../capture/stats.js';
import { checkLogsDir } from '../logs/logs-dir.js';
import { setUpDetection } from './detection.js';
import { writeAlert } from './alert-output.js';

export const REPLAY_HELP = `Usage: picket replay <capture>... [options]

Reads pcap/pcapng files in order ("-" reads standard input), tracks
connections, parses protocols, and reports alerts.

Options:
  --logs DIR          write Zeek-style JSON-lines logs (conn.jsonl, dns.jsonl, ...) to DIR
  --format json|text  alerts on stdout as JSON lines (default) or one line per alert for people
  --config FILE       site configuration (picket.yaml)
  --state DIR         keep known devices, user-agents and first-seen times across runs
  --no-analyzers      connection tracking only (no protocol parsers)
  --no-intel          no threat intelligence or ASN/country enrichment (faster start)
  --no-detect         logs only: no detectors, alerts, state or enrichment
${WORKERS_HELP}  --decode-thread     read and decode packets on a second thread and run one
                      pipeline thread on them: the output of one thread, with
                      the decoding moved off it; with --no-analyzers and
                      --no-detect conn.jsonl is written on a third thread.
                      Default for --no-analyzers --no-detect --logs where
                      the default would be two pipeline threads
  -q, --quiet         no summary on stderr (warnings that a capture is
                      truncated are still written)
  -h, --help          this help

A summary (packets, bytes, malformed packets by reason, flows, evictions,
elapsed time, packets/s) goes to stderr.
`;

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('replay', argv, {
    logs: { type: 'string' },
    format: { type: 'string' },
    config: { type: 'string' },
    state: { type: 'string' },
    'no-analyzers': { type: 'boolean' },
    'no-intel': { type: 'boolean' },
    'no-detect': { type: 'boolean' },
    workers: { type: 'string' },
    'decode-thread': { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new PicketError('PKT_ERR_CLI_USAGE', 'replay: name at least one capture file (or - for stdin)');
  // Standard input can be read once: a second "-" would find it at its end and add nothing, silently.
  if (positionals.filter((p) => p === STDIN_PATH).length > 1) {
    throw new PicketError('PKT_ERR_CLI_USAGE', 'replay: "-" (standard input) can be named only once');
  }
  const format = alertFormatOpt(values, 'replay');
  const logsDir = stringOpt(values, 'logs');
  const { workers, decodeThread } = replayLayout({
    workersText: stringOpt(values, 'workers'),
    decodeThread: values['decode-thread'] === true,
    connLogOnly: values['no-detect'] === true && values['no-analyzers'] === true && logsDir !== undefined,
    files: positionals,
  });
  // Checked before detection is set up (intel loaded, state opened): a bad list fails at once.
  await checkCaptureFiles(positionals);
  if (logsDir !== undefined) checkLogsDir(logsDir, '--logs');
  const configFile = stringOpt(values, 'config');
  const stateDir = stringOpt(values, 'state');
  if (values['no-detect'] === true) {
    if (configFile !== undefined || stateDir !== undefined) {
      throw new PicketError('PKT_ERR_CLI_USAGE', 'replay: --no-detect runs no detectors, so --config and --state have nothing to do');
    }
    const summary = await replayCaptures(positionals, {
      ...(logsDir !== undefined ? { logsDir } : {}),
      ...(values['no-analyzers'] === true ? { protocols: [] } : {}),
      workers,
      decodeThread,
    });
    if (values.quiet !== true) process.stderr.write(formatSummary({ command: 'picket replay', ...summary, logsDir }));
    else writeQuietWarnings(summary.capture.truncated);
    return 0;
  }
  const detection = await setUpDetection({
    configFile,
    stateDir,
    intel: values['no-intel'] !== true,
    onAlert: (a) => writeAlert(a, format),
  });
  const summary = await replayCaptures(positionals, {
    bus: detection.bus,
    flows: detection.flows,
    decoder: detection.decoder,
    analyzers: detection.analyzers,
    ...(logsDir !== undefined ? { logsDir } : {}),
    ...(values['no-analyzers'] === true ? { protocols: [] } : {}),
    workers,
    decodeThread,
  });
  await detection.finish();
  if (values.quiet !== true) {
    process.stderr.write(formatSummary({ command: 'picket replay', ...summary, logsDir, alerts: detection.alerts, detection: detection.health(), sinks: detection.sinkStats() }));
  } else {
    writeQuietWarnings(summary.capture.truncated);
  }
  return 0;
}

/** -q drops the summary but not the warning that a capture was cut off (the results cover only part of it). */
function writeQuietWarnings(truncated: readonly TruncationRecord[]): void {
  for (const w of truncationWarnings(truncated)) process.stderr.write(`picket: ${w}\n`);
}
