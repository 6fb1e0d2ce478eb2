/**
 * `--workers N` of the commands that replay captures (replay, baseline,
 * learn asn): how many pipeline threads, and the default when it is not
 * given.
 */
import os from 'node:os';
import { READ_AHEAD_MIN_BYTES, regularFileSize, STDIN_PATH } from '../capture/file-source.js';
import { MAX_PIPELINE_WORKERS } from '../pipeline/sharded-replay.js';
import { PicketError } from '../util/errors.js';

/** The option's lines in a command's help. */
export const WORKERS_HELP = `  --workers N         pipeline threads; 2 or more split the traffic by address
                      pair between threads (files only, not standard input).
                      Default: one per core (up to 4) for files of 64 MB or
                      more, else 1
`;

/** Most threads chosen without --workers: past four, every thread's parsing of the whole file outweighs the split. */
const AUTO_WORKERS_MAX = 4;

/** Pipeline threads for `command` reading `files`, from the option's text (absent: the default). */
export function pipelineWorkers(command: string, text: string | undefined, files: readonly string[]): number {
  if (text === undefined) return defaultWorkers(files);
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_PIPELINE_WORKERS)) {
    throw new PicketError('PKT_ERR_CLI_USAGE', `${command}: --workers takes a whole number from 1 to ${MAX_PIPELINE_WORKERS}, got "${text}"`);
  }
  if (n > 1 && files.includes(STDIN_PATH)) {
    throw new PicketError('PKT_ERR_CLI_USAGE', `${command}: --workers ${n} reads capture files; standard input needs --workers 1`);
  }
  return n;
}

/**
 * One per core (up to AUTO_WORKERS_MAX) when every input is a regular file
 * and together they are big enough to repay starting the threads; else one.
 */
function defaultWorkers(files: readonly string[], cores = os.availableParallelism()): number {
  let total = 0;
  for (const f of files) {
    const size = f === STDIN_PATH ? -1 : regularFileSize(f);
    if (size < 0) return 1;
    total += size;
  }
  if (total < READ_AHEAD_MIN_BYTES) return 1;
  return Math.max(1, Math.min(AUTO_WORKERS_MAX, cores));
}

/** How `replay` spreads over threads: pipeline threads, and whether a decode thread feeds the one. */
export interface ReplayLayout {
  workers: number;
  decodeThread: boolean;
}

/**
 * The layout of `replay` from its options. `--decode-thread` means one
 * pipeline thread (it refuses `--workers` above 1 and standard input).
 * Without either option, a run that only writes a connection log
 * (`connLogOnly`: --no-analyzers --no-detect --logs) on two cores takes the
 * decode-thread layout where the default would have been two pipeline
 * threads: measured on the bench capture it was 12-15 % faster with less
 * CPU and memory (README). On more cores sharding keeps the run: it was
 * not measured there. `cores` is for tests.
 */
export function replayLayout(
  opts: { workersText: string | undefined; decodeThread: boolean; connLogOnly: boolean; files: readonly string[] },
  cores = os.availableParallelism(),
): ReplayLayout {
  const { workersText, files } = opts;
  if (opts.decodeThread) {
    if (workersText !== undefined && workersText !== '1') {
      throw new PicketError('PKT_ERR_CLI_USAGE', `replay: --decode-thread feeds one pipeline thread; it does not go with --workers ${workersText}`);
    }
    if (files.includes(STDIN_PATH)) throw new PicketError('PKT_ERR_CLI_USAGE', 'replay: --decode-thread reads capture files, not standard input');
    return { workers: 1, decodeThread: true };
  }
  if (workersText !== undefined) return { workers: pipelineWorkers('replay', workersText, files), decodeThread: false };
  const workers = defaultWorkers(files, cores);
  if (opts.connLogOnly && workers === 2) return { workers: 1, decodeThread: true };
  return { workers, decodeThread: false };
}
