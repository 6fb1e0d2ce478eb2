/**
 * Console page load at scale: starts the real `picket server --data DIR` on a
 * generated store (data.ts: 10M connections, 3M DNS rows, 100k alerts, 2,000
 * devices by default), drives Debian's Chromium with playwright-core and times
 * each page from navigation start to its data being on screen (a page-specific
 * element, polled every animation frame inside the page), then times the same
 * API calls alone from Node. Figures are printed, never asserted: the console's
 * goal is under a second per page (docs/console.md, "Scale").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { BUSY_HOST, DATA_END, DEFAULT_SIZES, ensureScaleData, type ScaleSizes } from './data.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Debian's Chromium, as the console end-to-end test uses it. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** The first admin's password for the benchmark's own data directory (not a secret: the data is generated). */
const BENCH_PASSWORD = 'bench-console-pw';
/** Opening a 10M-row store and building the app takes seconds; more than this means the server is stuck. */
const SERVER_START_TIMEOUT_MS = 180_000;
/** Longest any one page may take; a page that takes longer is reported as a timeout and the next case runs. */
const PAGE_TIMEOUT_MS = 60_000;
/** A typical (not busy) internal host: h = 250 of data.ts. */
const TYPICAL_HOST = '10.2.0.93';
/** The rule the "with a suppression" row hides (the third most frequent in data.ts). */
const SUPPRESSED_RULE = 'tls.self_signed';

export interface ConsoleBenchOptions {
  cacheDir: string;
  sizes?: ScaleSizes;
  /** Timed runs per page after one warm-up (the median is reported). */
  runs?: number;
  log?: (line: string) => void;
}

interface Case {
  name: string;
  /** Page path, or undefined for a range change on the already open host page. */
  path?: string;
  /** JS expression true once the page shows its data. */
  ready: string;
  /** The API calls the page makes for its data (under /api/v1/console). */
  api: string[];
  /** Runs before the first timed run of this case and after the last (suppression set-up). */
  before?: () => Promise<void>;
  after?: () => Promise<void>;
}

export interface CaseResult {
  name: string;
  pageMs: number[];
  apiMs: number[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [path.join(here, 'server-child.js'), '--data', dataDir, '--listen', '127.0.0.1:0', '--quiet'], {
    env: { ...process.env, PICKET_ADMIN_PASSWORD: BENCH_PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => {
    err = (err + b.toString('utf8')).slice(-8192);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in ${SERVER_START_TIMEOUT_MS} ms: ${err}`)), SERVER_START_TIMEOUT_MS);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const m = /listening on (\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!.replace(/\/$/, ''), stderr: () => err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${String(code)}: ${err}`));
    });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Peak resident memory of a process (Linux), in MiB; null elsewhere. */
function peakRssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]) / 1024;
  } catch {
    return null;
  }
}

class ApiClient {
  #cookie = '';
  #csrf = '';
  constructor(readonly base: string) {}

  async login(): Promise<void> {
    const r = await fetch(`${this.base}/api/v1/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: BENCH_PASSWORD }),
    });
    if (!r.ok) throw new Error(`login failed: HTTP ${r.status} ${await r.text()}`);
    this.#cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    this.#csrf = ((await r.json()) as { csrf: string }).csrf;
  }

  async call(method: string, p: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { cookie: this.#cookie };
    if (method !== 'GET') headers['x-csrf-token'] = this.#csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${this.base}/api/v1/console${p}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${p}: HTTP ${r.status} ${text.slice(0, 200)}`);
    return text === '' ? null : (JSON.parse(text) as unknown);
  }

  /** Milliseconds for the calls one after another (bodies read in full). */
  async time(paths: readonly string[]): Promise<number> {
    const t0 = performance.now();
    for (const p of paths) await this.call('GET', p);
    return performance.now() - t0;
  }
}

/** Navigation start to `ready`, measured by the page's own clock (performance.now() counts from navigation start). */
async function timePage(page: Page, url: string, ready: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'commit', timeout: PAGE_TIMEOUT_MS });
  const h = await page.waitForFunction(`(${ready}) ? performance.now() : 0`, undefined, { polling: 'raf', timeout: PAGE_TIMEOUT_MS });
  return (await h.jsonValue()) as number;
}

/** On the open host page (its default window): pick another window and time until its connection count is shown. */
async function timeRangeChange(page: Page, hostUrl: string, span: string): Promise<number> {
  await timePage(page, hostUrl, `document.querySelector('[data-testid=connections]') !== null`);
  // A string, not a function: this file is compiled without the DOM types.
  const t0 = (await page.evaluate(`(() => {
    const input = document.querySelector('select[name=span]');
    window.__before = document.querySelector('[data-testid=connections]').textContent;
    input.value = ${JSON.stringify(span)};
    const t = performance.now();
    input.dispatchEvent(new Event('change', { bubbles: true }));
    return t;
  })()`)) as number;
  const h = await page.waitForFunction(
    `document.querySelector('[data-testid=connections]').textContent !== window.__before ? performance.now() : 0`,
    undefined,
    { polling: 'raf', timeout: PAGE_TIMEOUT_MS },
  );
  return ((await h.jsonValue()) as number) - t0;
}

/** Runs the benchmark and returns the printed table (with machine conditions). */
export async function benchConsole(opts: ConsoleBenchOptions): Promise<string> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const sizes = opts.sizes ?? DEFAULT_SIZES;
  const runs = opts.runs ?? 5;
  if (!fs.existsSync(CHROMIUM)) return `skipped: no ${CHROMIUM} (apt-get install chromium)`;
  const t0 = Date.now();
  const dataDir = await ensureScaleData(opts.cacheDir, sizes, (l) => log(`bench console: ${l}`));
  log(`bench console: data in ${dataDir} (${((Date.now() - t0) / 1000).toFixed(0)} s to build or find)`);
  const loadBefore = os.loadavg();
  const startT = performance.now();
  const server = await startServer(dataDir);
  const startMs = performance.now() - startT;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'picket-bench-chromium-'));
  const results: CaseResult[] = [];
  try {
    const api = new ApiClient(server.url);
    await api.login();
    const newest = (await api.call('GET', '/alerts?limit=1')) as { rows: { id: string }[] };
    const alertId = newest.rows[0]?.id ?? '';
    const anyRow = `document.querySelector('main tbody tr') !== null`;
    let suppressionId = '';
    const cases: Case[] = [
      { name: 'alerts list (50 newest)', path: '/', ready: `document.querySelector('tr[data-alert-id]') !== null`, api: ['/alerts?limit=50&offset=0'] },
      {
        name: 'alerts list, 1 suppression',
        path: '/',
        ready: `document.querySelector('tr[data-alert-id]') !== null`,
        api: ['/alerts?limit=50&offset=0'],
        before: async () => {
          const s = (await api.call('POST', '/suppressions', { rule: SUPPRESSED_RULE, reason: 'benchmark' })) as { id: string };
          suppressionId = s.id;
        },
        after: async () => {
          if (suppressionId !== '') await api.call('DELETE', `/suppressions/${suppressionId}`);
        },
      },
      { name: 'alert page', path: `/alerts/${alertId}`, ready: `document.querySelector('[data-testid=sentence]') !== null`, api: [`/alerts/${alertId}`] },
      { name: 'devices', path: '/devices', ready: anyRow, api: ['/devices?limit=100&offset=0'] },
      { name: `host ${BUSY_HOST} (busy), default: last 24 h of activity`, path: `/hosts/${BUSY_HOST}`, ready: `document.querySelector('[data-testid=connections]') !== null`, api: [`/hosts/${BUSY_HOST}?span=24h`] },
      { name: `host ${BUSY_HOST} (busy), all time (7 d) *`, ready: '', api: [`/hosts/${BUSY_HOST}`] },
      { name: `host ${TYPICAL_HOST} (typical), default: last 24 h of activity`, path: `/hosts/${TYPICAL_HOST}`, ready: `document.querySelector('[data-testid=connections]') !== null`, api: [`/hosts/${TYPICAL_HOST}?span=24h`] },
      { name: `host ${TYPICAL_HOST} (typical), all time (7 d) *`, path: `/hosts/${TYPICAL_HOST}`, ready: '', api: [`/hosts/${TYPICAL_HOST}`] },
      { name: 'agents', path: '/agents', ready: anyRow, api: ['/agents', '/tokens'] },
      {
        name: 'intel/settings',
        path: '/settings',
        ready: `[...document.querySelectorAll('h2')].some((h) => h.textContent.includes('Configuration'))`,
        api: ['/settings'],
      },
    ];

    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      // The console's CSP forbids eval; the timing probes are evaluated strings (this file has no DOM types).
      bypassCSP: true,
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      await page.fill('input[name=user]', 'admin');
      await page.fill('input[name=password]', BENCH_PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForSelector('header nav', { timeout: PAGE_TIMEOUT_MS });
      for (const c of cases) {
        await c.before?.();
        try {
          const r: CaseResult = { name: c.name, pageMs: [], apiMs: [] };
          for (let i = 0; i <= runs; i++) {
            let ms: number;
            try {
              ms =
                c.ready === ''
                  ? await timeRangeChange(page, `${server.url}${c.path ?? `/hosts/${BUSY_HOST}`}`, '')
                  : await timePage(page, `${server.url}${c.path}`, c.ready);
            } catch (err) {
              log(`bench console: ${c.name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
              r.pageMs.push(Infinity);
              break;
            }
            if (i > 0) r.pageMs.push(ms);
          }
          await page.goto('about:blank');
          for (let i = 0; i <= runs; i++) {
            const ms = await api.time(c.api);
            if (i > 0) r.apiMs.push(ms);
          }
          results.push(r);
          log(`bench console: ${c.name}: page ${median(r.pageMs).toFixed(0)} ms, API ${median(r.apiMs).toFixed(0)} ms`);
        } finally {
          await c.after?.();
        }
      }
    } finally {
      await browser.close();
    }
  } finally {
    const rss = peakRssMiB(server.child.pid);
    await stopServer(server.child);
    fs.rmSync(profile, { recursive: true, force: true });
    if (results.length > 0) results.push({ name: `(server peak RSS ${rss === null ? '?' : rss.toFixed(0)} MiB, start ${startMs.toFixed(0)} ms)`, pageMs: [], apiMs: [] });
  }
  const loadAfter = os.loadavg();
  return formatTable(results, sizes, runs, loadBefore, loadAfter);
}

function formatTable(results: readonly CaseResult[], sizes: ScaleSizes, runs: number, before: number[], after: number[]): string {
  const fmt = (n: number): string => (Number.isNaN(n) ? '' : n === Infinity ? `>${PAGE_TIMEOUT_MS}` : n.toFixed(0));
  const lines: string[] = [];
  const cpus = os.cpus();
  lines.push(
    `store: ${sizes.conn.toLocaleString('en-US')} conn, ${sizes.dns.toLocaleString('en-US')} dns, ${sizes.alerts.toLocaleString('en-US')} alerts, ${sizes.devices.toLocaleString('en-US')} devices (DuckDB)`,
  );
  lines.push(`machine: ${cpus.length} x ${cpus[0]?.model.trim() ?? '?'}, load average ${before.map((x) => x.toFixed(2)).join(' ')} before, ${after.map((x) => x.toFixed(2)).join(' ')} after`);
  lines.push(`median of ${runs} runs after one warm-up; page = navigation start to data on screen in Chromium, API = the page's data calls alone`);
  lines.push('');
  lines.push(`${'page'.padEnd(42)} ${'page ms'.padStart(8)} ${'max'.padStart(7)} ${'API ms'.padStart(8)}`);
  for (const r of results) {
    if (r.pageMs.length === 0) {
      lines.push(r.name);
      continue;
    }
    lines.push(`${r.name.padEnd(42)} ${fmt(median(r.pageMs)).padStart(8)} ${fmt(Math.max(...r.pageMs)).padStart(7)} ${fmt(median(r.apiMs)).padStart(8)}`);
  }
  lines.push('* window change on the open host page: from picking "all time" to the new figures on screen');
  return lines.join('\n');
}
