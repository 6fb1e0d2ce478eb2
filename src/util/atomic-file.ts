/**
 * Replacing a file so that a reader, or the next start after a crash, sees
 * the old content or the new one and never a part: write a temp file in the
 * same folder, optionally flush it to disk, then rename it over the file.
 * Every state, queue, credential and cache file Picket rewrites goes
 * through here.
 */
import fs from 'node:fs';

export interface AtomicWriteOptions {
  /** Permission bits, set on the temp file before any byte is written (e.g. 0o600 for secrets). */
  mode?: number;
  /** Flush before the rename: 'full' (fsync) or 'data' (fdatasync); none by default (caches). */
  sync?: 'full' | 'data';
}

/**
 * Writes `data` to `file` atomically. The temp file is created exclusively
 * (a stale one is removed first, and a link planted in its place is never
 * followed) and removed again when writing fails; the error is rethrown.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const tmp = `${file}.${process.pid}.tmp`;
  let fd = -1;
  try {
    fs.rmSync(tmp, { force: true });
    fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o666);
    if (opts.mode !== undefined) fs.fchmodSync(fd, opts.mode);
    fs.writeFileSync(fd, data);
    if (opts.sync === 'full') fs.fsyncSync(fd);
    else if (opts.sync === 'data') fs.fdatasyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Makes file creations, removals and renames in `dir` durable. Best effort:
 * some platforms cannot fsync a directory, and callers lose at most a
 * resend when this fails.
 */
export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
