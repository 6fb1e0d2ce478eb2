/**
 * `picket dga`: scores DNS names read from standard input, one a line, with
 * the bundled DGA classifier and prints one JSON line per name:
 * {"name","score","dga"} (plus "skipped" with the reason when the name was not
 * scored: allowlisted, no public suffix, label too short...). Blank lines
 * and "#" comments are ignored; over-long lines are reported as skipped.
 */
import readline from 'node:readline';
import { parseCommandArgs, stringOpt } from './args.js';
import { PicketError } from '../util/errors.js';
import { createDgaScorer } from '../intel/dga/index.js';

export const DGA_HELP = `Usage: picket dga [options] < names.txt

Scores DNS names (one a line on standard input) with the offline DGA
classifier and prints JSON lines {"name", "score", "dga"}.

Options:
  --threshold P       probability at which a name counts as generated (default: the model's)
  --model FILE        another model file (as written by bench/dga/train.ts)
  --allow FILE        extra allowlist (one registrable domain a line)
  --no-allowlist      do not use the bundled popular-names allowlist
  -h, --help          this help
`;

/** Longest input line treated as a name (DNS names are at most 253 characters). */
const MAX_LINE = 1024;

export async function dgaCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('dga', argv, {
    threshold: { type: 'string' },
    model: { type: 'string' },
    allow: { type: 'string', multiple: true },
    'no-allowlist': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(DGA_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new PicketError('PKT_ERR_CLI_USAGE', 'dga: names are read from standard input, not arguments (see picket dga --help)');
  const thresholdText = stringOpt(values, 'threshold');
  let threshold: number | undefined;
  if (thresholdText !== undefined) {
    threshold = Number(thresholdText);
    if (!(threshold >= 0 && threshold <= 1)) throw new PicketError('PKT_ERR_CLI_USAGE', `dga: --threshold must be a probability between 0 and 1, got "${thresholdText}"`);
  }
  const model = stringOpt(values, 'model');
  const allow = values.allow;
  const scorer = createDgaScorer(process.cwd(), {
    ...(model !== undefined ? { model } : {}),
    ...(Array.isArray(allow) ? { allowlistFiles: allow } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    noBundledAllowlist: values['no-allowlist'] === true,
  });
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let buffered: string[] = [];
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const out = line.length > MAX_LINE ? { name: line.slice(0, 64) + '...', score: 0, dga: false, skipped: 'not a name' } : scorer.score(line);
    buffered.push(JSON.stringify(out));
    if (buffered.length >= 1000) {
      process.stdout.write(buffered.join('\n') + '\n');
      buffered = [];
    }
  }
  if (buffered.length > 0) process.stdout.write(buffered.join('\n') + '\n');
  return 0;
}
