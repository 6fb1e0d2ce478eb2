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
function defaultWorkers(files: readonly string[]): number {
  let total = 0;
  for (const f of files) {
    const size = f === STDIN_PATH ? -1 : regularFileSize(f);
    if (size < 0) return 1;
    total += size;
  }
  if (total < READ_AHEAD_MIN_BYTES) return 1;
  return Math.max(1, Math.min(AUTO_WORKERS_MAX, os.availableParallelism()));
}
