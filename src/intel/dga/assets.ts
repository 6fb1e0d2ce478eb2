/**
 * Where the bundled intelligence data ships (assets/intel: the user-agent
 * pattern list, the DGA model and allowlist). Found by walking up from this
 * module, so it works from the published package (dist/src/...) and from any
 * other build output folder alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders walked up at most: the module sits a few levels under the package root. */
const MAX_LEVELS = 8;

let cached: string | undefined;

/** Absolute path of assets/intel, or undefined when this installation lacks it. */
export function intelAssetsDir(): string | undefined {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < MAX_LEVELS; i++) {
    const candidate = path.join(dir, 'assets', 'intel');
    if (fs.existsSync(path.join(candidate, 'SOURCES.md'))) {
      cached = candidate;
      return candidate;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** A bundled file by name; undefined when missing. */
export function intelAsset(name: string): string | undefined {
  const dir = intelAssetsDir();
  if (dir === undefined) return undefined;
  const file = path.join(dir, name);
  return fs.existsSync(file) ? file : undefined;
}
