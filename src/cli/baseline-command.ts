/**
 * `picket baseline <capture>... --state DIR`: learns what is normal (known
 * devices, user-agents, first-seen times) without alerting, so a later
 * replay or sensor with the same state alerts only on what is new.
 */
import { replayCaptures } from '../pipeline/replay.js';
import { formatSummary } from './summary.js';
import { parseCommandArgs, stringOpt } from './args.js';
import { PicketError } from '../util/errors.js';
import { setUpDetection } from './detection.js';
import { pipelineWorkers, WORKERS_HELP } from './workers-option.js';

export const BASELINE_HELP = `Usage: picket baseline <capture>... --state DIR [--config FILE] [--workers N]

Replays captures to learn the network (devices per network, user-agents
and TLS client fingerprints, first-seen times) into the state directory,
raising no alert.

Options:
  --state DIR         where the baseline is kept (required)
  --config FILE       site configuration (picket.yaml)
${WORKERS_HELP}  -q, --quiet         no summary on stderr
  -h, --help          this help
`;

export async function baselineCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('baseline', argv, {
    state: { type: 'string' },
    config: { type: 'string' },
    workers: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(BASELINE_HELP);
    return 0;
  }
  const stateDir = stringOpt(values, 'state');
  if (stateDir === undefined) throw new PicketError('PKT_ERR_CLI_USAGE', 'baseline: --state DIR is required (that is where the baseline is kept)');
  if (positionals.length === 0) throw new PicketError('PKT_ERR_CLI_USAGE', 'baseline: name at least one capture file');
  const workers = pipelineWorkers('baseline', stringOpt(values, 'workers'), positionals);
  const detection = await setUpDetection({
    configFile: stringOpt(values, 'config'),
    stateDir,
    baseline: true,
    onAlert: () => undefined,
  });
  const summary = await replayCaptures(positionals, { bus: detection.bus, flows: detection.flows, decoder: detection.decoder, analyzers: detection.analyzers, workers });
  await detection.finish();
  const st = detection.engine.stats().state;
  if (values.quiet !== true) {
    process.stderr.write(formatSummary({ command: 'picket baseline', ...summary, detection: detection.health(), sinks: detection.sinkStats() }));
    process.stderr.write(`  learned: ${st.devices} devices in ${st.networks} networks, ${st.user_agents} user-agents; state in ${stateDir}\n`);
  }
  return 0;
}
