/**
 * `npm run fuzz`: the long fuzz run (10 million mutated packets by default).
 * Usage: node dist/test/fuzz/run-fuzz.js [--packets N] [--seed S]
 */
import { OWN_CAPTURES, loadSeeds, runFuzz, withBuiltSeeds } from './fuzz-lib.js';
import { SURICATA_CORPUS, ZEEK_CORPUS } from '../helpers/paths.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const total = arg('packets', 10_000_000);
const seed = arg('seed', Date.now() % 2 ** 31);
const seeds = withBuiltSeeds(await loadSeeds([ZEEK_CORPUS, SURICATA_CORPUS]), await loadSeeds(OWN_CAPTURES));
const CHUNK = 1_000_000;
let done = 0;
let malformed = 0;
let elapsed = 0;
const exceptions: Record<string, number> = {};
for (let round = 0; done < total; round++) {
  const n = Math.min(CHUNK, total - done);
  const r = runFuzz(seeds, n, seed + round);
  done += n;
  elapsed += r.elapsed;
  malformed += Object.values(r.stats.malformed).reduce((a, b) => a + b, 0);
  for (const [k, v] of Object.entries(r.stats.app.exceptions)) exceptions[k] = (exceptions[k] ?? 0) + v;
  process.stderr.write(`fuzz: ${done.toLocaleString('en-US')} packets, ${malformed.toLocaleString('en-US')} malformed counted, ${(done / elapsed).toFixed(0)} packets/s\n`);
}
const failed = Object.keys(exceptions).length > 0;
process.stdout.write(
  `fuzz: ${done} mutated packets from ${seeds.length} corpus packets (seed ${seed}): no exception escaped the pipeline; ` +
    `${malformed} counted as malformed; analyzer exceptions caught: ${JSON.stringify(exceptions)}\n`,
);
process.exitCode = failed ? 1 : 0;
