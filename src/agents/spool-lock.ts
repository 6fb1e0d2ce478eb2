/**
 * One process per spool directory. Two agents writing one spool would number
 * their batches from the same state file and send different records under
 * the same sequence numbers, which the server used to take as duplicates and
 * throw away. The lock is a file (`lock`) that holds the owner's PID and a
 * random token; a lock whose PID is no longer alive was left by a crash and
 * is taken over.
 *
 * A PID seen in a lock file can be our own without the lock being ours (a
 * container restarted with the same PID), so this process remembers the
 * directories it holds and treats its own PID elsewhere as stale.
 *
 * Agents started together can race for a stale lock, so no step leaves a
 * window: the lock appears whole (written to a file of our own first, then
 * hard-linked to `lock`, which fails if it exists), and of the processes
 * that judge one lock stale only one deletes it (see removeStale). Deleting
 * `lock` by name after judging it stale let a second racer delete the first
 * one's fresh lock, and creating it empty before writing the PID let a racer
 * judge it half-written and delete it: both made two holders.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PicketError } from '../util/errors.js';

export const LOCK_FILE = 'lock';
/**
 * Attempts at taking a stale lock over before giving up (other processes may
 * race us); enough to wait out an abandoned claim at CLAIM_WAIT_MS a try.
 */
const TAKEOVER_ATTEMPTS = 1000;
/** Wait while another process deletes the same stale lock. */
const CLAIM_WAIT_MS = 10;
/** A claim on a stale lock untouched this long was left by a process that died while deleting it. */
const CLAIM_ABANDONED_MS = 5000;

/** Directories (resolved) this process holds, with the token written in the lock. */
const held = new Map<string, string>();

export interface SpoolLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

interface LockContent {
  pid: number;
  token: string;
}

function readLock(file: string): LockContent | null | 'missing' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  const m = /^(\d+) (\S+)/.exec(text);
  return m === null ? null : { pid: Number(m[1]), token: m[2]! };
}

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the spool directory's lock or throws PKT_ERR_AGENT_SPOOL_LOCKED when
 * a live process (this one included) holds it.
 */
export function lockSpoolDir(dir: string): SpoolLock {
  const key = path.resolve(dir);
  const file = path.join(key, LOCK_FILE);
  if (held.has(key)) {
    throw new PicketError('PKT_ERR_AGENT_SPOOL_LOCKED', `spool directory ${dir} is already in use by this process (pid ${process.pid})`);
  }
  const token = crypto.randomBytes(12).toString('hex');
  const mine = path.join(key, `${LOCK_FILE}.${token}`);
  writeWhole(mine, `${process.pid} ${token}\n`);
  try {
    for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
      if (publish(mine, file)) {
        held.set(key, token);
        return { file, release: () => release(key, file, token) };
      }
      const owner = readLock(file);
      if (owner === 'missing') continue;
      // Our own PID in a lock we do not hold is left from an earlier life of this PID.
      if (owner !== null && owner.pid !== process.pid && pidAlive(owner.pid)) {
        throw new PicketError(
          'PKT_ERR_AGENT_SPOOL_LOCKED',
          `spool directory ${dir} is in use by another agent process (pid ${owner.pid}); ` +
            `each agent needs its own --spool directory (remove ${file} only if that process is not an agent)`,
        );
      }
      removeStale(file, owner);
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
  throw new PicketError('PKT_ERR_AGENT_SPOOL_LOCKED', `spool directory ${dir}: could not take its lock (another process keeps taking it)`);
}

/** Writes `text` to a new file and flushes it to disk. */
function writeWhole(file: string, text: string): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes the whole lock `mine` appear as `file`; false when `file` exists. */
function publish(mine: string, file: string): boolean {
  try {
    fs.linkSync(mine, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  }
  // A file system without hard links: create in place (a racer may see it empty for a moment).
  try {
    writeWhole(file, fs.readFileSync(mine, 'utf8'));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Whether two readings of a lock file are the same lock. */
function sameLock(a: LockContent | null | 'missing', b: LockContent | null): boolean {
  if (a === 'missing') return false;
  if (a === null || b === null) return a === b;
  return a.pid === b.pid && a.token === b.token;
}

/** Blocks this thread for `ms` (lock taking is synchronous, and rare). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Deletes `file` if it still is the stale lock `judged`. Whoever deletes a
 * stale lock first claims it by hard-linking it to a name derived from its
 * token, which fails for every other process that judged the same lock, and
 * then checks that the linked file is what it judged; only the claimant
 * deletes. A claim whose maker died midway (the link's inode unchanged for
 * CLAIM_ABANDONED_MS) is dropped.
 */
function removeStale(file: string, judged: LockContent | null): void {
  const claim = `${file}.dead.${judged?.token ?? 'unreadable'}`;
  try {
    fs.linkSync(file, claim);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EEXIST') {
      let changed: number;
      try {
        changed = fs.statSync(claim).ctimeMs;
      } catch {
        return;
      }
      if (Date.now() - changed > CLAIM_ABANDONED_MS) fs.rmSync(claim, { force: true });
      else pause(CLAIM_WAIT_MS);
      return;
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // No hard links on this file system: delete by name (racers may both delete).
    if (sameLock(readLock(file), judged)) fs.rmSync(file, { force: true });
    return;
  }
  try {
    // Nobody else can delete this lock now, so `file` stays what was linked.
    if (sameLock(readLock(claim), judged)) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(claim, { force: true });
  }
}

function release(key: string, file: string, token: string): void {
  if (held.get(key) !== token) return;
  held.delete(key);
  const cur = readLock(file);
  if (cur !== 'missing' && cur !== null && cur.token === token) fs.rmSync(file, { force: true });
}
