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

/** Every pcap and pcapng file under `dirs` (recursively; missing folders skipped), sorted. */
export function capturesUnder(...dirs: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(pcap|pcapng)$/.test(entry.name)) files.push(full);
    }
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d);
  return files.sort();
}
