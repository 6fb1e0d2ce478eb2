/**
 * `npm run bench` keeps working: the runner, on a small generated capture
 * with two rounds, prints every line it promises (both replay modes on one
 * and several pipeline threads with their medians and ranges, the live-flow
 * memory line, IP enrichment and DGA speed). Figures are only printed, never
 * judged: this checks the report, not the speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../helpers/paths.js';

const PACKETS = 30_000;
const FLOWS = 1_500;

test('the bench runner reports every measurement, with medians over repeated rounds', () => {
  const root = REPO_ROOT;
  const capture = path.join(root, 'bench', '.cache', `mix-${PACKETS}-${FLOWS}.pcap`);
  const existed = fs.existsSync(capture);
  try {
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'dist', 'bench', 'run.js'), '--packets', String(PACKETS), '--flows', String(FLOWS), '--repeat', '2', '--live-flows', '20000', '--no-tshark'],
      { encoding: 'utf8', cwd: root, maxBuffer: 1 << 24 },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /capture: .*30,000 packets/);
    assert.match(out, /median of 2 runs each/);
    assert.match(out, /picket replay \(decode\+flows\+conn log\)\s+[\d,]+ packets\/s .* peak RSS [\d,]+ MiB\s+\([\d.]+-[\d.]+ s over 2 runs\)/);
    assert.match(out, /same, --workers \d+\s+[\d,]+ packets\/s/);
    assert.match(out, /same, --decode-thread \(\+ conn log thread\)\s+[\d,]+ packets\/s/);
    assert.match(out, /picket replay \(all analyzers \+ all logs\)\s+[\d,]+ packets\/s/);
    assert.match(out, /20,000 live flows: 20,000 tracked, peak RSS [\d,]+ MiB/);
    assert.match(out, /IP enrichment lookups:/);
    assert.match(out, /DGA scorer:/);
    assert.match(r.stderr, /round 2 of 2/);
  } finally {
    if (!existed) fs.rmSync(capture, { force: true });
  }
});

test('the bench runner refuses a repeat count that is not a positive integer', () => {
  const root = REPO_ROOT;
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'bench', 'run.js'), '--repeat', '0'], { encoding: 'utf8', cwd: root });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--repeat needs a positive integer/);
});
