/**
 * `npm run bench`: throughput of `picket replay` on a generated 5M-packet
 * capture (one pipeline thread, and one per core), next to tshark on the
 * same file in the same run, plus peak memory
 * at 1M live flows. Figures are printed, never asserted.
 *
 * Then IP-enrichment lookups and DGA scoring speed (and, with --dga-eval, the
 * DGA evaluation: recall per family and false positives, 2-4 minutes; with
 * --console, console page load times on a 10M-connection store in Chromium,
 * see bench/console/ — a few minutes the first time, which builds the store).
 *
 * With --repeat N every replay and the tshark run are made N times, round
 * after round (so a slow spell of the machine hits all of them alike), and
 * each line shows the median run with the range of all; ratios are of
 * medians.
 *
 * Options: --packets N (default 5,000,000), --flows N (default 250,000), --repeat N (default 1),
 * --live-flows N (default 1,000,000), --no-tshark, --dga-eval, --console
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateMix } from './gen/mix.js';
import { benchLookups } from './intel/lookup.js';
import { benchDga, evalDga } from './dga/eval.js';
import { DgaDataMissingError } from './dga/data.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const argv = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const packets = opt('packets', 5_000_000);
const repeat = opt('repeat', 1);
const liveFlows = opt('live-flows', 1_000_000);
if (!Number.isInteger(repeat) || repeat < 1) {
  process.stderr.write('bench: --repeat needs a positive integer\n');
  process.exit(2);
}
const flows = opt('flows', 250_000);
const cacheDir = path.join(root, 'bench', '.cache');
fs.mkdirSync(cacheDir, { recursive: true });
const capture = path.join(cacheDir, `mix-${packets}-${flows}.pcap`);

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

if (!fs.existsSync(capture)) {
  process.stderr.write(`bench: generating ${fmt(packets)} packets over ${fmt(flows)} flows into ${path.relative(root, capture)}\n`);
  const tmp = `${capture}.tmp`;
  await generateMix(tmp, { packets, flows, seed: 1 });
  fs.renameSync(tmp, capture);
}
const sizeMB = fs.statSync(capture).size / 1e6;

interface ChildResult {
  packets: number;
  bytes: number;
  elapsed: number;
  flows: number;
  maxLive: number;
  maxRssMiB: number;
}

/** A replay in its own process: `layout` is a pipeline thread count, or 'decode' for one pipeline thread fed by a decode thread. */
function replay(mode: 'conn' | 'all', layout: number | 'decode'): ChildResult {
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'picket-bench-'));
  try {
    const r = spawnSync(process.execPath, [path.join(here, 'replay-child.js'), capture, mode, logs, String(layout)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (r.status !== 0) throw new Error(`replay (${mode}) failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
  } finally {
    fs.rmSync(logs, { recursive: true, force: true });
  }
}

function tshark(): { elapsed: number } | null {
  if (argv.includes('--no-tshark')) return null;
  const which = spawnSync('sh', ['-c', 'command -v tshark'], { encoding: 'utf8' });
  if (which.status !== 0) {
    process.stderr.write('bench: tshark is not installed (apt-get install tshark); skipping the reference run\n');
    return null;
  }
  const started = process.hrtime.bigint();
  const r = spawnSync('tshark', ['-n', '-r', capture, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return { elapsed };
}

/** Pipeline threads of the multi-threaded runs: one per core, at least two. */
const workers = Math.max(2, os.availableParallelism());

/** The runs of one measurement, and the median one (by elapsed time). */
class Runs<T extends { elapsed: number }> {
  readonly runs: T[] = [];
  get median(): T {
    const sorted = [...this.runs].sort((a, b) => a.elapsed - b.elapsed);
    return sorted[(sorted.length - 1) >> 1]!;
  }
  /** " (min-max s over N runs)" when there was more than one run. */
  get range(): string {
    if (this.runs.length < 2) return '';
    const times = this.runs.map((r) => r.elapsed);
    return `   (${Math.min(...times).toFixed(2)}-${Math.max(...times).toFixed(2)} s over ${times.length} runs)`;
  }
}

const conn = new Runs<ChildResult>();
const connSharded = new Runs<ChildResult>();
const connStaged = new Runs<ChildResult>();
const all = new Runs<ChildResult>();
const allSharded = new Runs<ChildResult>();
const ref = new Runs<{ elapsed: number }>();
for (let round = 0; round < repeat; round++) {
  if (repeat > 1) process.stderr.write(`bench: round ${round + 1} of ${repeat}\n`);
  conn.runs.push(replay('conn', 1));
  connSharded.runs.push(replay('conn', workers));
  connStaged.runs.push(replay('conn', 'decode'));
  all.runs.push(replay('all', 1));
  allSharded.runs.push(replay('all', workers));
  const t = tshark();
  if (t !== null) ref.runs.push(t);
}
const live = spawnSync(process.execPath, [path.join(here, 'live-flows.js'), String(liveFlows)], { encoding: 'utf8' });
const liveResult = live.status === 0 ? (JSON.parse(live.stdout.trim()) as { live: number; maxRssMiB: number; elapsed: number }) : null;

const line = (name: string, pk: number, secs: number, extra = ''): string =>
  `${name.padEnd(44)} ${fmt(pk / secs).padStart(12)} packets/s ${fmt(sizeMB / secs, 1).padStart(9)} MB/s ${secs.toFixed(2).padStart(8)} s${extra}`;

const out: string[] = [];
const packetCount = conn.median.packets;
out.push(`capture: ${path.relative(root, capture)}: ${fmt(packetCount)} packets, ${fmt(sizeMB, 1)} MB, ${fmt(conn.median.flows)} flows`);
if (repeat > 1) out.push(`median of ${repeat} runs each (the runs alternated round by round)`);
const show = (name: string, runs: Runs<ChildResult>): string =>
  line(name, runs.median.packets, runs.median.elapsed, `   peak RSS ${fmt(runs.median.maxRssMiB)} MiB${runs.range}`);
out.push(show('picket replay (decode+flows+conn log)', conn));
out.push(show(`  same, --workers ${workers}`, connSharded));
out.push(show('  same, --decode-thread (+ conn log thread)', connStaged));
out.push(show('picket replay (all analyzers + all logs)', all));
out.push(show(`  same, --workers ${workers}`, allSharded));
if (ref.runs.length > 0) {
  const tsharkSecs = ref.median.elapsed;
  out.push(line('tshark -q -z conv,tcp -z conv,udp', packetCount, tsharkSecs, ref.range));
  const ratio = (r: Runs<ChildResult>): string => `${(tsharkSecs / r.median.elapsed).toFixed(1)}x`;
  out.push(
    `ratio picket/tshark: conn only ${ratio(conn)} (${ratio(connSharded)} with ${workers} workers, ${ratio(connStaged)} with decode and conn log threads), ` +
      `all analyzers ${ratio(all)} (${ratio(allSharded)} with ${workers} workers)`,
  );
}
if (liveResult === null) {
  out.push(`live flows run failed: ${live.stderr.trim() || `exit ${String(live.status)}`}`);
} else {
  out.push(`${fmt(liveFlows)} live flows: ${fmt(liveResult.live)} tracked, peak RSS ${fmt(liveResult.maxRssMiB)} MiB`);
}
process.stdout.write(out.join('\n') + '\n');
process.stdout.write(`\nIP enrichment lookups:\n${await benchLookups()}\n`);
/** The DGA steps read labelled names from the shared corpus; without it they are skipped with the reason, not the whole run. */
const dgaStep = async (step: () => Promise<string>): Promise<string> => {
  try {
    return await step();
  } catch (err) {
    if (err instanceof DgaDataMissingError) return `skipped: ${err.message}`;
    throw err;
  }
};
process.stdout.write(`\nDGA scorer:\n${await dgaStep(benchDga)}\n`);
if (argv.includes('--dga-eval')) process.stdout.write(`\nDGA evaluation:\n${await dgaStep(evalDga)}\n`);
if (argv.includes('--console')) {
  // Loaded only when asked for: it needs playwright-core and Chromium.
  const { benchConsole } = await import('./console/bench.js');
  process.stdout.write(`\nConsole pages at scale:\n${await benchConsole({ cacheDir })}\n`);
}
