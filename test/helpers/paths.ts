/**
 * Where tests find things: the repository root (tests run from it) and the
 * read-only shared corpus beside it (`../shared`, or PICKET_SHARED).
 */
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

export const REPO_ROOT = process.cwd();
export const SHARED = process.env.PICKET_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');
export const ZEEK_CORPUS = path.join(SHARED, 'corpus', 'zeek');
export const SURICATA_CORPUS = path.join(SHARED, 'corpus', 'suricata-verify');
export const SHARED_DATA = path.join(SHARED, 'data');

/** A fresh temporary directory; remove it with `fs.rmSync(dir, {recursive: true, force: true})`. */
export function tempDir(prefix = 'picket-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
