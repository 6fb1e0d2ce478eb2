/**
 * An agent that lost its numbering (spool state file gone or corrupt) starts
 * again at batch 1. Against the real server (in this process, on 127.0.0.1,
 * DuckDB store) its new records must not be acknowledged as duplicates of the
 * batches stored under those numbers before: the server answers 409 with its
 * highest stored number, the shipper renumbers above it, and every record is
 * stored exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { createShipper, type ShipperOptions } from '../../src/agents/shipper.js';
import { createToken, startTestServer, type TestServer } from '../server/helpers.js';

function options(work: string, server: string, token: string, logs: string[]): ShipperOptions {
  return {
    server,
    token,
    credentialFile: path.join(work, 'agent', 'credential.json'),
    spoolDir: path.join(work, 'agent', 'spool'),
    kind: 'sensor',
    name: 'renumber-test',
    maxSpoolBytes: 16 * 1024 * 1024,
    batchRecords: 10,
    batchIntervalMs: 50,
    retryMinMs: 50,
    retryMaxMs: 400,
    requestTimeoutMs: 5000,
    log: (m) => logs.push(m),
  };
}

async function shipNotes(opts: ShipperOptions, from: number, to: number) {
  const shipper = createShipper(opts);
  try {
    for (let i = from; i < to; i++) shipper.send('note', { ts: 1_700_000_000 + i, uid: `N${i}` });
    const r = await shipper.flush({ timeoutMs: 30_000 });
    return { flush: r, stats: shipper.stats() };
  } finally {
    await shipper.close();
  }
}

async function storedUids(s: TestServer): Promise<string[]> {
  const page = await s.ctx.stores.store.logs({ kind: 'note', limit: 10_000 });
  return page.rows.map((r) => String(r.uid)).sort();
}

for (const loss of ['deleted', 'corrupt'] as const) {
  test(`spool state file ${loss}: the agent's reused batch numbers are refused (409), renumbered and stored, nothing lost`, async () => {
    const work = tempDir();
    const s = await startTestServer();
    try {
      const logs: string[] = [];
      const opts = options(work, s.url, await createToken(s, 'renumber-test'), logs);
      const first = await shipNotes(opts, 0, 50);
      assert.equal(first.flush.outcome, 'acknowledged');
      assert.equal(first.stats.spool.lastSeq, 5);

      const state = path.join(opts.spoolDir, 'state.json');
      if (loss === 'deleted') fs.rmSync(state);
      else fs.writeFileSync(state, '{"done_seq": 5, "dropp');
      const second = await shipNotes(opts, 50, 80);
      assert.equal(second.flush.outcome, 'acknowledged');
      assert.ok(second.stats.seqConflicts >= 1, 'the server said the numbers were taken');
      assert.ok(second.stats.renumberedBatches >= 1);
      assert.equal(second.stats.duplicates, 0, 'nothing was taken for a duplicate');
      assert.ok(logs.some((m) => /renumbered from \d+/.test(m)), logs.join('\n'));

      const expected = Array.from({ length: 80 }, (_, i) => `N${i}`).sort();
      assert.deepEqual(await storedUids(s), expected, 'every record stored exactly once');
    } finally {
      await s.stop();
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}
