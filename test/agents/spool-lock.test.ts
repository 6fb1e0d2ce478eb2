/** The spool directory lock under contention: real processes racing for a stale lock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE, lockSpoolDir } from '../../src/agents/spool-lock.js';

const RACER = fileURLToPath(new URL('./fixtures/lock-racer.js', import.meta.url));
const RACERS = 4;
const ROUNDS = 10;

/** A PID that is not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

interface Racer {
  outcome: Promise<string>;
  finish(): void;
}

function startRacer(dir: string, startAt: number): Racer {
  const child = spawn(process.execPath, [RACER, dir, String(startAt)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const outcome = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => (out.includes('\n') ? undefined : reject(new Error(`racer exited ${code} without an answer`))));
  });
  return { outcome, finish: () => child.stdin.end() };
}

test('spool lock: of processes racing for a stale lock, exactly one holds it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'picket-lock-race-'));
  try {
    const stale = await deadPid();
    for (let round = 0; round < ROUNDS; round++) {
      // A lock left by a crash, and (every other round) a half-written one.
      fs.writeFileSync(path.join(dir, LOCK_FILE), round % 2 === 0 ? `${stale} deadbeef\n` : '');
      const startAt = Date.now() + 400;
      const racers = Array.from({ length: RACERS }, () => startRacer(dir, startAt));
      const outcomes = await Promise.all(racers.map((r) => r.outcome));
      const holders = outcomes.filter((o) => o === 'held').length;
      for (const r of racers) r.finish();
      assert.equal(holders, 1, `round ${round}: ${outcomes.join(' | ')}`);
      for (const o of outcomes.filter((x) => x !== 'held')) assert.match(o, /in use by another agent process/);
      // The holder released it on the way out; wait for that before the next round.
      for (let i = 0; i < 200 && fs.existsSync(path.join(dir, LOCK_FILE)); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('spool lock: a live owner refuses, a dead one is taken over, release leaves no file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'picket-lock-'));
  try {
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, `${process.ppid} cafe\n`);
    assert.throws(() => lockSpoolDir(dir), /in use by another agent process \(pid \d+\)/);
    fs.writeFileSync(file, `${await deadPid()} cafe\n`);
    const lock = lockSpoolDir(dir);
    assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`^${process.pid} [0-9a-f]+\\n$`));
    assert.throws(() => lockSpoolDir(dir), /already in use by this process/);
    lock.release();
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('spool lock: a claim on a stale lock left by a process that died while deleting it is dropped after a while', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'picket-lock-claim-'));
  try {
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, `${await deadPid()} feed\n`);
    fs.linkSync(file, `${file}.dead.feed`);
    const lock = lockSpoolDir(dir);
    assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`^${process.pid} `));
    lock.release();
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
