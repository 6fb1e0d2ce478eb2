/**
 * A pipeline fed by a decode thread must report exactly what one thread
 * reports: the same log files byte for byte (uids and order included), the
 * same events in the same order and the same statistics, for the whole
 * shared corpus read as one stream, with batches small enough that records
 * and payload bytes cross batch boundaries all the time. Errors of the
 * decode thread reach the caller with their code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { replayCaptures, type ReplayOptions, type ReplaySummary } from '../../src/pipeline/replay.js';
import type { PicketEvent } from '../../src/events/types.js';
import { PicketError } from '../../src/util/errors.js';
import { SURICATA_CORPUS, ZEEK_CORPUS, capturesUnder, tempDir } from '../helpers/paths.js';

const CORPUS = capturesUnder(ZEEK_CORPUS, SURICATA_CORPUS);
/** 61 records and about 70,000 payload bytes a batch (not a multiple of 8: rounded up): both limits are hit many times over the corpus. */
const SMALL = { batchRecords: 61, batchPayloadBytes: 70_001 };

async function run(dir: string, extra: ReplayOptions): Promise<{ summary: ReplaySummary; events: string[]; logs: Map<string, string> }> {
  const events: string[] = [];
  const summary = await replayCaptures(CORPUS, {
    logsDir: dir,
    flows: { uidSeed: 7 },
    onEvent: (e: PicketEvent) => events.push(JSON.stringify(e)),
    ...extra,
  });
  const logs = new Map<string, string>();
  for (const f of fs.readdirSync(dir).sort()) logs.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
  return { summary, events, logs };
}

function comparable(s: ReplaySummary): unknown {
  return { capture: s.capture, pipeline: s.pipeline, logs: s.logs };
}

for (const [name, extra] of [
  ['every analyzer', {}],
  ['connection tracking only', { protocols: [] }],
] as const) {
  test(`decode thread, ${name}: the same logs, events and counts as one thread`, async () => {
    const one = tempDir();
    const two = tempDir();
    try {
      const a = await run(one, { ...extra });
      const b = await run(two, { ...extra, decodeThread: SMALL });
      assert.ok(a.summary.pipeline.packets > 3000, `corpus has ${a.summary.pipeline.packets} packets`);
      assert.deepEqual([...b.logs.keys()], [...a.logs.keys()]);
      for (const [f, text] of a.logs) assert.ok(b.logs.get(f) === text, `${f} differs`);
      assert.equal(b.events.length, a.events.length);
      for (let i = 0; i < a.events.length; i++) assert.equal(b.events[i], a.events[i], `event ${i}`);
      assert.deepEqual(comparable(b.summary), comparable(a.summary));
    } finally {
      fs.rmSync(one, { recursive: true, force: true });
      fs.rmSync(two, { recursive: true, force: true });
    }
  });
}

test('decode thread with the default batch sizes gives the same conn log', async () => {
  const one = tempDir();
  const two = tempDir();
  try {
    const a = await run(one, { protocols: [] });
    const b = await run(two, { protocols: [], decodeThread: true });
    assert.ok(b.logs.get('conn.jsonl') === a.logs.get('conn.jsonl'));
  } finally {
    fs.rmSync(one, { recursive: true, force: true });
    fs.rmSync(two, { recursive: true, force: true });
  }
});

test('decode thread: errors keep their code and name the file; what it cannot serve is refused', async () => {
  const dir = tempDir();
  try {
    const notCapture = path.join(dir, 'notes.pcap');
    fs.writeFileSync(notCapture, 'not a capture at all\n'.repeat(20));
    await assert.rejects(replayCaptures([CORPUS[0]!, '/nonexistent/x.pcap'], { decodeThread: true }), (err: unknown) => {
      assert.ok(err instanceof PicketError);
      assert.equal(err.code, 'PKT_ERR_CAPTURE_OPEN');
      assert.match(err.message, /\/nonexistent\/x\.pcap/);
      return true;
    });
    await assert.rejects(replayCaptures([CORPUS[0]!, notCapture], { decodeThread: true }), (err: unknown) =>
      err instanceof PicketError && err.code === 'PKT_ERR_CAPTURE_FORMAT');
    await assert.rejects(replayCaptures(['-'], { decodeThread: true }), /standard input/);
    await assert.rejects(replayCaptures([CORPUS[0]!], { decodeThread: true, workers: 2 }), /one pipeline thread/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('decode thread: an exception on the pipeline thread ends the replay and the decode thread', async () => {
  const boom = new Error('pipeline bug');
  let seen = 0;
  await assert.rejects(
    replayCaptures(CORPUS, {
      protocols: [],
      decodeThread: SMALL,
      onPipeline: (p) => {
        const track = p.tracker.track.bind(p.tracker);
        p.tracker.track = (d) => {
          if (++seen === 3000) throw boom;
          return track(d);
        };
      },
    }),
    (e) => e === boom,
  );
  // A decode thread left running would keep the test process alive; the runner's exit proves it is gone.
});

test('conn log thread: with nothing but the log reading flow ends, conn.jsonl is the same byte for byte', async () => {
  const one = tempDir();
  const two = tempDir();
  try {
    const a = await replayCaptures(CORPUS, { logsDir: one, flows: { uidSeed: 7 }, protocols: [] });
    // Five flows a batch: the 32-batch ring wraps many times over the corpus.
    const b = await replayCaptures(CORPUS, { logsDir: two, flows: { uidSeed: 7 }, protocols: [], decodeThread: { ...SMALL, connBatchFlows: 5 } });
    assert.equal(a.connLogThread, undefined);
    assert.equal(b.connLogThread, true);
    assert.deepEqual(fs.readdirSync(two), fs.readdirSync(one));
    assert.ok(fs.readFileSync(path.join(two, 'conn.jsonl'), 'utf8') === fs.readFileSync(path.join(one, 'conn.jsonl'), 'utf8'));
    assert.ok((a.logs?.['conn'] ?? 0) > 500);
    assert.deepEqual(b.logs, a.logs);
    assert.deepEqual(comparable(b), comparable(a));
  } finally {
    fs.rmSync(one, { recursive: true, force: true });
    fs.rmSync(two, { recursive: true, force: true });
  }
});

test('a conn log that cannot be written fails the replay with the reason, whatever the threads', async () => {
  for (const layout of [{}, { workers: 2 }, { decodeThread: { connBatchFlows: 5 } }, { decodeThread: true, protocols: undefined }]) {
    const dir = tempDir();
    try {
      fs.mkdirSync(path.join(dir, 'conn.jsonl'));
      await assert.rejects(replayCaptures(CORPUS, { logsDir: dir, protocols: [], ...layout }), (err: unknown) => {
        assert.ok(err instanceof PicketError, String(err));
        assert.equal(err.code, 'PKT_ERR_LOG_WRITE');
        assert.match(err.message, /cannot write the conn log .*conn\.jsonl: EISDIR/);
        return true;
      }, JSON.stringify(layout));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});
