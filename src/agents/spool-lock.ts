/**
 * One process per spool directory. Two agents writing one spool would number
 * their batches from the same state file and send different records under
 * the same sequence numbers, which the server used to take as duplicates and
 * throw away. The lock is a file (`lock`) created with O_EXCL that holds the
 * owner's PID and a random token; a lock whose PID is no longer alive was
 * left by a crash and is taken over.
 *
 * A PID seen in a lock file can be our own without the lock being ours (a
 * container restarted with the same PID), so this process remembers the
 * directories it holds and treats its own PID elsewhere as stale.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PicketError } from '../util/errors.js';

export const LOCK_FILE = 'lock';
/** Attempts at taking a stale lock over before giving up (another process may race us). */
const TAKEOVER_ATTEMPTS = 3;

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
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
    try {
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      try {
        fs.writeSync(fd, `${process.pid} ${token}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      held.set(key, token);
      return { file, release: () => release(key, file, token) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
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
    // Stale (dead owner, or a half-written lock from a crash): remove it unless it changed meanwhile.
    const again = readLock(file);
    if (again === 'missing') continue;
    if (JSON.stringify(again) !== JSON.stringify(owner)) continue;
    fs.rmSync(file, { force: true });
  }
  throw new PicketError('PKT_ERR_AGENT_SPOOL_LOCKED', `spool directory ${dir}: could not take its lock (another process keeps taking it)`);
}

function release(key: string, file: string, token: string): void {
  if (held.get(key) !== token) return;
  held.delete(key);
  const cur = readLock(file);
  if (cur !== 'missing' && cur !== null && cur.token === token) fs.rmSync(file, { force: true });
}
