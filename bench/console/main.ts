/**
 * The console benchmark alone (`npm run bench -- --console` runs it after the
 * other sections): `node dist/bench/console/main.js [--conn N] [--dns N]
 * [--alerts N] [--devices N] [--runs N]`. Smaller sizes get their own cached
 * data directory, handy for a quick check of the benchmark itself.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchConsole } from './bench.js';
import { DEFAULT_SIZES } from './data.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const argv = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const sizes = {
  conn: opt('conn', DEFAULT_SIZES.conn),
  dns: opt('dns', DEFAULT_SIZES.dns),
  alerts: opt('alerts', DEFAULT_SIZES.alerts),
  devices: opt('devices', DEFAULT_SIZES.devices),
};
process.stdout.write(`${await benchConsole({ cacheDir: path.join(root, 'bench', '.cache'), sizes, runs: opt('runs', 5) })}\n`);
