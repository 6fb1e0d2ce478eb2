/**
 * Replay on several pipeline threads must report what one pipeline
 * reports: the same log lines, the same events and the same counts, for
 * the whole shared corpus read as one stream. Only uids (numbered per
 * worker) and the file ids made from them, the order of lines and events,
 * and the peak of live flows may differ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { replayCaptures, type ReplaySummary } from '../../src/pipeline/replay.js';
import type { PicketEvent } from '../../src/events/types.js';
import { PicketError } from '../../src/util/errors.js';
import { SURICATA_CORPUS, ZEEK_CORPUS, capturesUnder, tempDir } from '../helpers/paths.js';

const CORPUS = capturesUnder(ZEEK_CORPUS, SURICATA_CORPUS);

/** JSON text without uids and fuids (lists of fuids by their length) and with keys sorted, so lines and events from both runs compare. */
function withoutUids(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (key === 'uid' || key === 'uids' || key === 'fuid') return undefined;
    if ((key === 'orig_fuids' || key === 'resp_fuids') && Array.isArray(v)) return v.length;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

function sortedLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => withoutUids(JSON.parse(l)))
    .sort();
}

function comparableSummary(s: ReplaySummary): unknown {
  const p = structuredClone(s.pipeline) as unknown as { flows: { maxLive?: number } };
  delete p.flows.maxLive;
  return { capture: s.capture, pipeline: p, logs: s.logs };
}

async function replayTo(dir: string, workers: number, onEvent?: (e: PicketEvent) => void, analyzers = true) {
  return replayCaptures(CORPUS, {
    logsDir: dir,
    workers,
    flows: { uidSeed: 7 },
    ...(analyzers ? {} : { protocols: [] }),
    ...(onEvent !== undefined ? { onEvent } : {}),
  });
}

test('the corpus has captures of many kinds to compare on', () => {
  assert.ok(CORPUS.length >= 40, `found ${CORPUS.length} captures`);
});

test('two and three workers write the same log lines and counts as one pipeline (logs written by the workers)', async () => {
  const one = tempDir();
  const dirs = [tempDir(), tempDir()];
  try {
    const single = await replayTo(one, 1);
    const logs = fs.readdirSync(one).sort();
    assert.ok(logs.includes('conn.jsonl') && logs.includes('dns.jsonl') && logs.includes('dhcp.jsonl'), logs.join(' '));
    for (const [i, workers] of [2, 3].entries()) {
      const dir = dirs[i]!;
      const sharded = await replayTo(dir, workers);
      assert.deepEqual(fs.readdirSync(dir).sort(), logs, 'same log files, no parts left behind');
      for (const log of logs) {
        assert.deepEqual(sortedLines(path.join(dir, log)), sortedLines(path.join(one, log)), `${log} with ${workers} workers`);
      }
      assert.deepEqual(comparableSummary(sharded), comparableSummary(single));
      // Workers number flows in their own residue classes: uids stay unique.
      const uids = fs
        .readFileSync(path.join(dir, 'conn.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { uid: string }).uid);
      assert.equal(new Set(uids).size, uids.length);
    }
  } finally {
    for (const d of [one, ...dirs]) fs.rmSync(d, { recursive: true, force: true });
  }
});

test('events reach the main thread bus: the same events as one pipeline', async () => {
  const one = tempDir();
  const two = tempDir();
  try {
    const a: PicketEvent[] = [];
    const b: PicketEvent[] = [];
    await replayTo(one, 1, (e) => a.push(e));
    await replayTo(two, 2, (e) => b.push(e));
    assert.ok(a.length > 1000, `${a.length} events`);
    assert.deepEqual(b.map(withoutUids).sort(), a.map(withoutUids).sort());
    const types = new Set(a.map((e) => e.type));
    for (const t of ['flow.start', 'flow.end', 'dns', 'dhcp', 'arp']) assert.ok(types.has(t as PicketEvent['type']), t);
    // Logs written on the main thread from those events match too.
    for (const log of fs.readdirSync(one)) {
      assert.deepEqual(sortedLines(path.join(two, log)), sortedLines(path.join(one, log)), log);
    }
  } finally {
    fs.rmSync(one, { recursive: true, force: true });
    fs.rmSync(two, { recursive: true, force: true });
  }
});

test('connection tracking only, with workers', async () => {
  const one = tempDir();
  const two = tempDir();
  try {
    await replayTo(one, 1, undefined, false);
    const s = await replayTo(two, 2, undefined, false);
    assert.deepEqual(fs.readdirSync(two), ['conn.jsonl']);
    assert.deepEqual(sortedLines(path.join(two, 'conn.jsonl')), sortedLines(path.join(one, 'conn.jsonl')));
    assert.deepEqual(s.pipeline.app.flows, {});
  } finally {
    fs.rmSync(one, { recursive: true, force: true });
    fs.rmSync(two, { recursive: true, force: true });
  }
});

test('a cut-off capture is reported the same way with workers', async () => {
  const file = path.resolve('test/fixtures/captures/cut-mid-record.pcap');
  const single = await replayCaptures([file], { workers: 1 });
  const sharded = await replayCaptures([file], { workers: 2 });
  assert.equal(single.capture.truncated.length, 1);
  assert.deepEqual(sharded.capture.truncated, single.capture.truncated);
  assert.equal(sharded.pipeline.packets, single.pipeline.packets);
});

test('workers refuse what they cannot do, with a clear error', async () => {
  await assert.rejects(replayCaptures(['-'], { workers: 2 }), (err: unknown) => {
    assert.ok(err instanceof PicketError);
    assert.equal(err.code, 'PKT_ERR_PIPELINE_WORKERS');
    assert.match(err.message, /standard input/);
    return true;
  });
  await assert.rejects(replayCaptures([CORPUS[0]!], { workers: 2, protocols: [{} as never] }), /all or none/);
  await assert.rejects(replayCaptures([CORPUS[0]!], { workers: 99 }), /from 2 to 16/);
  // A missing file fails in the workers; the error keeps its code and names the file.
  await assert.rejects(replayCaptures([CORPUS[0]!, '/nonexistent/x.pcap'], { workers: 2 }), (err: unknown) => {
    assert.ok(err instanceof PicketError);
    assert.equal(err.code, 'PKT_ERR_CAPTURE_OPEN');
    assert.match(err.message, /\/nonexistent\/x\.pcap/);
    return true;
  });
});

test('a worker that fails midway leaves no log parts behind', async () => {
  const dir = tempDir();
  // A file that is not a capture fails only once reading reaches it.
  const notCapture = path.join(dir, 'not-a-capture.pcap');
  fs.writeFileSync(notCapture, 'this is not a capture file at all, just text\n'.repeat(10));
  const logs = path.join(dir, 'logs');
  try {
    // Connections that close (FIN) in the first file are logged before the second fails.
    const first = path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap');
    await assert.rejects(replayCaptures([first, notCapture], { workers: 2, logsDir: logs }), (err: unknown) => {
      assert.ok(err instanceof PicketError);
      assert.equal(err.code, 'PKT_ERR_CAPTURE_FORMAT');
      return true;
    });
    const left = fs.existsSync(logs) ? fs.readdirSync(logs) : [];
    assert.deepEqual(left.filter((f) => f.includes('.part')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a DHCP transaction spans address pairs and stays whole with any number of workers', async () => {
  const file = path.join(ZEEK_CORPUS, 'dhcp-all-msg-types', 'dhcp.pcap');
  const one = tempDir();
  try {
    await replayCaptures([file], { logsDir: one, workers: 1 });
    const expected = fs.readFileSync(path.join(one, 'dhcp.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
    const shape = (lines: string[]): string[] =>
      lines.map((l) => {
        const r = JSON.parse(l) as { uids: string[] };
        return `${r.uids.length} ${withoutUids(r)}`;
      }).sort();
    assert.ok(expected.some((l) => (JSON.parse(l) as { uids: string[] }).uids.length === 4), 'one transaction over four connections');
    for (let workers = 2; workers <= 8; workers++) {
      const dir = tempDir();
      try {
        await replayCaptures([file], { logsDir: dir, workers });
        const got = fs.readFileSync(path.join(dir, 'dhcp.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
        assert.deepEqual(shape(got), shape(expected), `${workers} workers`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(one, { recursive: true, force: true });
  }
});

test('workers read a named pipe once for all of them, like one pipeline reads it', { timeout: 60_000 }, async () => {
  const file = path.join(ZEEK_CORPUS, 'ftp-bruteforce', 'bruteforce.pcap');
  const dir = tempDir();
  try {
    const fifo = path.join(dir, 'capture.fifo');
    execFileSync('mkfifo', [fifo]);
    // Read first: a writer left open without its bytes would hold the reader in read(2) for good.
    const bytes = fs.readFileSync(file);
    // The writer opens the pipe on libuv's thread pool and waits there for the reader thread.
    const writing = new Promise<void>((resolve, reject) => {
      const out = fs.createWriteStream(fifo);
      out.on('error', reject);
      out.end(bytes, () => resolve());
    });
    const sharded = await replayCaptures([fifo], { workers: 2 });
    await writing;
    const single = await replayCaptures([file], { workers: 1 });
    assert.equal(sharded.pipeline.packets, single.pipeline.packets);
    assert.deepEqual(sharded.pipeline.flows.ended, single.pipeline.flows.ended);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
