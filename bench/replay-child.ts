/**
 * One measured replay in its own process (so peak RSS is the replay's own):
 * node dist/bench/replay-child.js FILE conn|all LOGDIR [WORKERS|decode]
 * ("decode": one pipeline thread fed by a decode thread). Prints one JSON object: packets, bytes, elapsed, maxRssMiB, flows.
 */
import { replayCaptures } from '../src/pipeline/replay.js';

const [file, mode, logsDir, workersArg] = process.argv.slice(2);
const decodeThread = workersArg === 'decode';
const workers = workersArg === undefined || decodeThread ? 1 : Number(workersArg);
if (file === undefined || (mode !== 'conn' && mode !== 'all') || logsDir === undefined) {
  process.stderr.write('usage: replay-child FILE conn|all LOGDIR\n');
  process.exit(2);
}
const summary = await replayCaptures([file], { logsDir, workers, decodeThread, ...(mode === 'conn' ? { protocols: [] } : {}) });
process.stdout.write(
  JSON.stringify({
    packets: summary.pipeline.packets,
    bytes: summary.pipeline.bytes,
    elapsed: summary.elapsed,
    flows: summary.pipeline.flows.created,
    maxLive: summary.pipeline.flows.maxLive,
    malformed: summary.pipeline.malformed,
    logs: summary.logs,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
