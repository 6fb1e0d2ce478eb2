/**
 * How `replay` spreads over threads: --workers and --decode-thread as
 * given, the refusals, and the default by input size, cores and what the
 * run writes (a connection log only, on two cores, takes the decode-thread
 * layout). Files are sparse: only their size matters here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { replayLayout } from '../../src/cli/workers-option.js';
import { PicketError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/paths.js';

test('replay layout: options as given, defaults by size, cores and output, refusals', (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const big = path.join(dir, 'big.pcap');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 80 * 1024 * 1024);
  const small = path.join(dir, 'small.pcap');
  fs.writeFileSync(small, 'x');
  const layout = (o: { workersText?: string; decodeThread?: boolean; connLogOnly?: boolean; files: string[] }, cores: number) =>
    replayLayout({ workersText: o.workersText, decodeThread: o.decodeThread ?? false, connLogOnly: o.connLogOnly ?? false, files: o.files }, cores);

  // Defaults: one thread for small input, one per core (up to 4) for big input...
  assert.deepEqual(layout({ files: [small] }, 2), { workers: 1, decodeThread: false });
  assert.deepEqual(layout({ files: [big] }, 2), { workers: 2, decodeThread: false });
  assert.deepEqual(layout({ files: [big] }, 8), { workers: 4, decodeThread: false });
  // ...except a connection log only on two cores, which takes the decode thread.
  assert.deepEqual(layout({ files: [big], connLogOnly: true }, 2), { workers: 1, decodeThread: true });
  assert.deepEqual(layout({ files: [big], connLogOnly: true }, 4), { workers: 4, decodeThread: false });
  assert.deepEqual(layout({ files: [small], connLogOnly: true }, 2), { workers: 1, decodeThread: false });
  assert.deepEqual(layout({ files: ['-'], connLogOnly: true }, 2), { workers: 1, decodeThread: false });
  // Given options win.
  assert.deepEqual(layout({ files: [big], connLogOnly: true, workersText: '2' }, 2), { workers: 2, decodeThread: false });
  assert.deepEqual(layout({ files: [small], decodeThread: true }, 2), { workers: 1, decodeThread: true });
  assert.deepEqual(layout({ files: [big], decodeThread: true, workersText: '1' }, 8), { workers: 1, decodeThread: true });
  // Refusals are usage errors.
  const usage = (re: RegExp) => (e: unknown) => e instanceof PicketError && e.code === 'PKT_ERR_CLI_USAGE' && re.test(e.message);
  assert.throws(() => layout({ files: [big], decodeThread: true, workersText: '2' }, 2), usage(/does not go with --workers 2/));
  assert.throws(() => layout({ files: ['-'], decodeThread: true }, 2), usage(/not standard input/));
  assert.throws(() => layout({ files: [big], workersText: 'x' }, 2), usage(/whole number/));
});
