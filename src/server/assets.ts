/**
 * Finds the package's assets/ directory from a compiled module: it is the
 * first assets/<name> found going up from here (dist/src/server is three
 * levels below the package root; other build directories are deeper).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory levels searched upwards. */
const MAX_ASSET_DEPTH = 6;

/** assets/<rel> of the package, or the conventional location when none is found. */
export function assetPath(rel: string): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (let i = 0; i < MAX_ASSET_DEPTH; i++) {
    const p = path.join(dir, 'assets', rel);
    if (fs.existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  return path.resolve(start, '..', '..', '..', 'assets', rel);
}
