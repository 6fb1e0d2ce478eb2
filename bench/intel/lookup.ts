/**
 * IP enrichment benchmark: time to build the table from the bundled data
 * (first start), time to load it from the cache (every later start), IPv4
 * lookups per second from text and from integers over a deterministic mix of
 * addresses (mostly public, some private), IPv6 lookups from text, and the
 * process's resident memory. Figures are printed, never asserted.
 * Run alone with `node dist/bench/intel/lookup.js`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIpEnricher, type PicketIpEnricher } from '../../src/intel/ipdb/enricher.js';

/** Distinct addresses cycled through (beyond CPU caches, like a busy sensor's flows). */
const ADDRESSES = 1 << 20;
/** Lookups per measurement. */
const LOOKUPS = 5_000_000;

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** xorshift32: the same addresses on every run. */
function addresses(seed: number): Uint32Array {
  const out = new Uint32Array(ADDRESSES);
  let x = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    // One in eight is private (10/8), as on a LAN where one end of many flows is local.
    out[i] = (i & 7) === 0 ? (0x0a000000 | (x & 0xffffff)) >>> 0 : x;
  }
  return out;
}

function v4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** A timer reading wall-clock and this process's CPU time (on a busy host the CPU rate is the fairer figure). */
interface Clock {
  wall: bigint;
  cpu: NodeJS.CpuUsage;
}

function start(): Clock {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

/** [per wall second, per CPU second]. */
function rates(count: number, c: Clock): [number, number] {
  const wall = Number(process.hrtime.bigint() - c.wall) / 1e9;
  const u = process.cpuUsage(c.cpu);
  const cpu = (u.user + u.system) / 1e6;
  return [count / wall, count / cpu];
}

interface Rates {
  fromInts: [number, number];
  fromText: [number, number];
  v6Text: [number, number];
  found: number;
}

function measure(e: PicketIpEnricher, ints: Uint32Array, texts: string[], v6: string[]): Rates {
  let found = 0;
  let t = start();
  for (let i = 0; i < LOOKUPS; i++) if (e.lookupV4Int(ints[i & (ADDRESSES - 1)]!) !== undefined) found++;
  const fromInts = rates(LOOKUPS, t);
  t = start();
  for (let i = 0; i < LOOKUPS; i++) if (e.lookup(texts[i & (ADDRESSES - 1)]!) !== undefined) found++;
  const fromText = rates(LOOKUPS, t);
  const n6 = LOOKUPS / 5;
  t = start();
  for (let i = 0; i < n6; i++) if (e.lookup(v6[i % v6.length]!) !== undefined) found++;
  return { fromInts, fromText, v6Text: rates(n6, t), found };
}

const mps = (r: [number, number]): string => `${fmt(r[0] / 1e6, 2)} M/s (${fmt(r[1] / 1e6, 2)} M per CPU second)`;

export async function benchLookups(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'picket-bench-ipdb-'));
  try {
    let t = process.hrtime.bigint();
    await createIpEnricher({}, process.cwd(), { cacheDir: dir });
    const buildMs = Number(process.hrtime.bigint() - t) / 1e6;
    t = process.hrtime.bigint();
    const e = await createIpEnricher({}, process.cwd(), { cacheDir: dir });
    const cacheMs = Number(process.hrtime.bigint() - t) / 1e6;
    const s = e.stats();
    const ints = addresses(0x9e3779b9);
    const texts = Array.from(ints, v4Text);
    const v6: string[] = [];
    for (let i = 0; i < 4096; i++) v6.push(`2${(i % 7).toString(16)}${((i * 37) & 0xff).toString(16).padStart(2, '0')}:${(i * 131).toString(16)}::${i.toString(16)}`);
    measure(e, ints, texts, v6); // warm-up: let the JIT settle before timing
    const m = measure(e, ints, texts, v6);
    const rss = process.memoryUsage().rss / 1e6;
    return [
      `ip enrichment (${s.sources.asn}; ${s.v4_ranges.toLocaleString('en-US')} IPv4 / ${s.v6_ranges.toLocaleString('en-US')} IPv6 ranges, ${s.owners.toLocaleString('en-US')} owners)`,
      `  build from sources + write cache: ${fmt(buildMs)} ms`,
      `  load from cache:                  ${fmt(cacheMs)} ms (${path.basename(s.cache_file ?? '')}, ${fmt(fs.statSync(s.cache_file!).size / 1e6, 1)} MB)`,
      `  IPv4 lookups from integers:       ${mps(m.fromInts)}`,
      `  IPv4 lookups from strings:        ${mps(m.fromText)}`,
      `  IPv6 lookups from strings:        ${mps(m.v6Text)}`,
      `  RSS: ${fmt(rss)} MB (this process: includes the table build and 1M address strings)`,
    ].join('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${await benchLookups()}\n`);
}
