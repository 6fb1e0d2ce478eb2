/**
 * The disk spool on its own: order, acknowledgement, persistence across
 * reopen, torn tails cut off and counted, the bound, sequence checks, the
 * one-process lock and renumbering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Spool, ENTRY_HEADER_BYTES, MIN_SPOOL_BYTES } from '../../src/agents/spool.js';
import { LOCK_FILE } from '../../src/agents/spool-lock.js';

const body = (s: string): Buffer => Buffer.from(s);

test('batches come back in order, persist across reopen, and leave only when acknowledged', () => {
  const dir = tempDir();
  try {
    const a = new Spool({ dir, maxBytes: 1024 * 1024 });
    assert.equal(a.nextSeq, 1);
    a.append(1, 1, body('[1]'));
    a.append(2, 2, body('[2,2]'));
    a.append(3, 1, body('[3]'));
    assert.equal(a.peek()?.seq, 1);
    a.ack(1);
    assert.equal(a.peek()?.seq, 2);
    assert.equal(a.read(3)?.toString(), '[3]');
    assert.equal(a.read(1), undefined);
    a.close();
    const b = new Spool({ dir, maxBytes: 1024 * 1024 });
    assert.equal(b.peek()?.seq, 2);
    assert.equal(b.read(2)?.toString(), '[2,2]');
    assert.equal(b.stats().records, 3);
    assert.equal(b.nextSeq, 4);
    b.ack(2);
    b.ack(3);
    assert.equal(b.size, 0);
    assert.equal(b.stats().diskBytes, 0);
    b.close();
    // Seq numbering continues even when every segment is gone.
    const c = new Spool({ dir, maxBytes: 1024 * 1024 });
    assert.equal(c.nextSeq, 4);
    assert.throws(() => c.append(7, 1, body('[]')), /expected seq 4/);
    c.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn tail (crash mid-write) is cut off and counted; earlier batches survive', () => {
  const dir = tempDir();
  try {
    const a = new Spool({ dir, maxBytes: 1024 * 1024 });
    a.append(1, 1, body('[1]'));
    a.append(2, 1, body('[22]'));
    a.close();
    const seg = fs.readdirSync(dir).find((f) => f.endsWith('.spool'))!;
    const full = path.join(dir, seg);
    const size = fs.statSync(full).size;
    // Cut the second entry in half, as a crash during its write would.
    fs.truncateSync(full, size - 2);
    const b = new Spool({ dir, maxBytes: 1024 * 1024 });
    assert.equal(b.size, 1);
    assert.equal(b.read(1)?.toString(), '[1]');
    assert.equal(b.stats().corruptBytes, ENTRY_HEADER_BYTES + 4 - 2);
    // The cut batch's number is free again and the file ends on a clean boundary.
    assert.equal(b.nextSeq, 2);
    b.append(2, 1, body('[2]'));
    b.close();
    const c = new Spool({ dir, maxBytes: 1024 * 1024 });
    assert.equal(c.read(2)?.toString(), '[2]');
    assert.equal(c.stats().corruptBytes, 0);
    c.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a flipped byte fails the CRC and ends the readable part there', () => {
  const dir = tempDir();
  try {
    const a = new Spool({ dir, maxBytes: 1024 * 1024 });
    a.append(1, 1, body('[1]'));
    a.append(2, 1, body('[2]'));
    a.close();
    const full = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.spool'))!);
    const buf = fs.readFileSync(full);
    buf[buf.length - 2] ^= 0xff; // inside the second body
    fs.writeFileSync(full, buf);
    const b = new Spool({ dir, maxBytes: 1024 * 1024 });
    assert.equal(b.size, 1);
    assert.ok(b.stats().corruptBytes > 0);
    b.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the bound drops the oldest batches, counts them, and deletes their segments', () => {
  const dir = tempDir();
  try {
    const s = new Spool({ dir, maxBytes: MIN_SPOOL_BYTES });
    const big = Buffer.alloc(4000, 0x61);
    let dropped = 0;
    for (let seq = 1; seq <= 100; seq++) dropped += s.append(seq, 5, big);
    const st = s.stats();
    assert.ok(dropped > 0);
    assert.equal(st.droppedBatches, dropped);
    assert.equal(st.droppedRecords, dropped * 5);
    assert.ok(st.bytes <= MIN_SPOOL_BYTES);
    assert.equal(st.batches + dropped, 100);
    // The newest batch is kept; the oldest live one follows the dropped run.
    assert.equal(s.peek()?.seq, dropped + 1);
    // Disk use stays within the bound plus one segment.
    assert.ok(st.diskBytes <= MIN_SPOOL_BYTES + 64 * 1024, `disk ${st.diskBytes}`);
    s.close();
    const again = new Spool({ dir, maxBytes: MIN_SPOOL_BYTES });
    assert.equal(again.stats().droppedBatches, dropped, 'drop counts persist');
    again.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bound too small and a batch too large are refused with coded errors', () => {
  const dir = tempDir();
  try {
    assert.throws(() => new Spool({ dir, maxBytes: 1000 }), { code: 'PKT_ERR_AGENT_SPOOL_BOUND' });
    const s = new Spool({ dir, maxBytes: MIN_SPOOL_BYTES });
    assert.throws(() => s.append(1, 1, Buffer.alloc(MIN_SPOOL_BYTES)), { code: 'PKT_ERR_AGENT_SPOOL_ENTRY' });
    s.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs a child node process that tries to open the spool; prints the error code or 'opened'. */
function openInChild(dir: string): string {
  const spoolJs = new URL('../../src/agents/spool.js', import.meta.url).href;
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { Spool } from ${JSON.stringify(spoolJs)}; try { new Spool({ dir: process.argv[1], maxBytes: 1024 * 1024 }).close(); console.log('opened'); } catch (e) { console.log(e.code); }`,
      dir,
    ],
    { encoding: 'utf8' },
  );
  return r.stdout.trim() || r.stderr;
}

test('one process per spool directory: a live holder is refused with a coded error, a dead one is taken over', async () => {
  const dir = tempDir();
  let sleeper: ChildProcess | undefined;
  try {
    const a = new Spool({ dir, maxBytes: 1024 * 1024 });
    assert.throws(() => new Spool({ dir, maxBytes: 1024 * 1024 }), { code: 'PKT_ERR_AGENT_SPOOL_LOCKED' });
    assert.equal(openInChild(dir), 'PKT_ERR_AGENT_SPOOL_LOCKED');
    a.append(1, 1, body('[1]'));
    a.close();
    assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false, 'close removes the lock');
    assert.equal(openInChild(dir), 'opened');

    // A lock left by a process that died (crash, kill -9) does not block the next start.
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${dead.stdout.trim()} deadbeef\n`);
    const b = new Spool({ dir, maxBytes: 1024 * 1024 });
    assert.equal(b.peek()?.seq, 1);
    b.close();
    // Nor does one naming this very PID (a restarted container reuses PIDs), or a torn one.
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${process.pid} cafe\n`);
    new Spool({ dir, maxBytes: 1024 * 1024 }).close();
    fs.writeFileSync(path.join(dir, LOCK_FILE), '');
    new Spool({ dir, maxBytes: 1024 * 1024 }).close();

    // A lock held by another live process is respected.
    sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${sleeper.pid} 0123\n`);
    assert.throws(() => new Spool({ dir, maxBytes: 1024 * 1024 }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'PKT_ERR_AGENT_SPOOL_LOCKED');
      assert.match(e.message, new RegExp(`pid ${sleeper!.pid}`));
      return true;
    });
  } finally {
    if (sleeper?.pid !== undefined && sleeper.exitCode === null) {
      const gone = new Promise((r) => sleeper!.once('exit', r));
      process.kill(sleeper.pid, 'SIGKILL');
      await gone;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('renumbering moves the waiting batches, in order, above a given seq and survives a reopen', () => {
  const dir = tempDir();
  try {
    const a = new Spool({ dir, maxBytes: 1024 * 1024 });
    a.append(1, 1, body('[1]'));
    a.append(2, 2, body('[2,2]'));
    a.append(3, 1, body('[3]'));
    a.ack(1);
    assert.throws(() => a.renumber(3), { code: 'PKT_ERR_AGENT_SPOOL_SEQ' });
    assert.equal(a.renumber(41), 2);
    assert.equal(a.peek()?.seq, 41);
    assert.equal(a.read(41)?.toString(), '[2,2]');
    assert.equal(a.read(42)?.toString(), '[3]');
    assert.equal(a.read(2), undefined);
    assert.equal(a.nextSeq, 43);
    const st = a.stats();
    assert.deepEqual([st.batches, st.records, st.doneSeq, st.droppedBatches, st.rejectedBatches], [2, 3, 40, 0, 0]);
    a.append(43, 1, body('[4]'));
    a.close();
    const b = new Spool({ dir, maxBytes: 1024 * 1024 });
    assert.deepEqual([b.peek()?.seq, b.size, b.nextSeq], [41, 3, 44]);
    assert.equal(b.read(42)?.toString(), '[3]');
    b.ack(41);
    b.ack(42);
    b.ack(43);
    assert.equal(b.stats().diskBytes, 0, 'old and new segments are gone once acknowledged');
    b.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
