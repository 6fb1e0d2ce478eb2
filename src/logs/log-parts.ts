/**
 * Logs written in parts (one per pipeline worker, `<log>.jsonl<suffix>`)
 * joined into the one `<log>.jsonl` a single pipeline would have written:
 * the parts' lines in part order, then the parts removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PicketError } from '../util/errors.js';
import { logWriteError } from './jsonl-writer.js';

const COPY_CHUNK = 4 * 1024 * 1024;

/** Names of the logs with at least one part in `dir`. */
function logsWithParts(dir: string, suffixes: readonly string[]): Set<string> {
  const names = new Set<string>();
  if (!fs.existsSync(dir)) return names;
  for (const file of fs.readdirSync(dir)) {
    for (const suffix of suffixes) {
      if (file.endsWith(`.jsonl${suffix}`)) names.add(file.slice(0, file.length - `.jsonl${suffix}`.length));
    }
  }
  return names;
}

/** Removes the parts (a run that failed leaves no half-written pieces behind). */
export function removeLogParts(dir: string, suffixes: readonly string[]): void {
  for (const name of logsWithParts(dir, suffixes)) {
    for (const suffix of suffixes) fs.rmSync(path.join(dir, `${name}.jsonl${suffix}`), { force: true });
  }
}

/**
 * Joins the parts named by `suffixes` (in that order) of every log found in
 * `dir`. The first part present becomes the log by renaming it (no copy);
 * the others are appended to it.
 */
export function joinLogParts(dir: string, suffixes: readonly string[]): void {
  const names = logsWithParts(dir, suffixes);
  const buf = Buffer.allocUnsafe(COPY_CHUNK);
  let failure: PicketError | null = null;
  for (const name of [...names].sort()) {
    const log = path.join(dir, `${name}.jsonl`);
    const parts = suffixes.map((suffix) => `${log}${suffix}`);
    try {
      joinOne(log, parts, buf);
    } catch (err) {
      // The other logs are still joined; this one's parts go, and the run fails naming it.
      for (const part of parts) fs.rmSync(part, { force: true });
      failure ??= logWriteError(name, log, err);
    }
  }
  if (failure !== null) throw failure;
}

/**
 * Appends part `<name>.jsonl<suffix>` of `dir` to `<name>.jsonl` (or makes
 * it the log when there is none yet) and removes it; a failure names the log.
 */
export function appendLogPart(dir: string, name: string, suffix: string): void {
  const log = path.join(dir, `${name}.jsonl`);
  try {
    joinOne(log, [log, `${log}${suffix}`], Buffer.allocUnsafe(COPY_CHUNK));
  } catch (err) {
    fs.rmSync(`${log}${suffix}`, { force: true });
    throw logWriteError(name, log, err);
  }
}

/** Joins the parts of `log` that exist, in order: the first renamed, the others appended. */
function joinOne(log: string, candidates: readonly string[], buf: Buffer): void {
  const parts = candidates.filter((part) => fs.existsSync(part));
  fs.renameSync(parts[0]!, log);
  if (parts.length === 1) return;
  const out = fs.openSync(log, 'a');
  try {
    for (const part of parts.slice(1)) {
      const fd = fs.openSync(part, 'r');
      try {
        for (;;) {
          const n = fs.readSync(fd, buf, 0, COPY_CHUNK, null);
          if (n === 0) break;
          let done = 0;
          while (done < n) done += fs.writeSync(out, buf, done, n - done);
        }
      } finally {
        fs.closeSync(fd);
      }
      fs.unlinkSync(part);
    }
  } finally {
    fs.closeSync(out);
  }
}
