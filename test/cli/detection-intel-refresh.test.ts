/**
 * Intel sources in the commands that analyse traffic: a live sensor
 * refreshes its lists, MISP and Tor sources on `intel.refresh` (at once when
 * a remote source was never fetched or is older than that) and stops doing
 * so when it finishes; a replay judges with the local store and says when a
 * remote source was never fetched. Stopping a sensor aborts a refresh in
 * flight. The list is served by a real HTTP server on 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../helpers/paths.js';
import { startFixture } from '../intel/misp/http-fixture.js';
import { setUpDetection } from '../../src/cli/detection.js';
import { createIntelSources } from '../../src/intel/sources.js';
import { defaultConfig } from '../../src/config/load.js';

/**
 * `p`, or a failure after `seconds`: a wait on the server that never ends would otherwise keep
 * the test's server, and so its process, alive.
 */
async function within<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${seconds} s`)), seconds * 1000);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

function writeConfig(dir: string, url: string): string {
  const file = path.join(dir, 'picket.yaml');
  fs.writeFileSync(file, `intel:\n  lists:\n    - { path: "${url}", kind: ip }\n  refresh: 1h\n  cache_dir: cache\n`);
  return file;
}

/** Captures what the code under test writes to stderr (the warnings are its only report here). */
async function withStderr<T>(run: () => Promise<T>): Promise<{ value: T; stderr: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await run(), stderr: text };
  } finally {
    process.stderr.write = original;
  }
}

test('a live sensor fetches a remote list it never had at start, and stops refreshing when it finishes', async () => {
  const fx = await startFixture();
  const dir = tempDir('picket-live-intel-');
  try {
    fx.files.set('/bad-ips.txt', '203.0.113.5\n');
    const configFile = writeConfig(dir, `${fx.base}/bad-ips.txt`);
    const detection = await setUpDetection({ configFile, live: true, intel: true, onAlert: () => undefined });
    const sources = detection.intel.sources!;
    // Bounded wait for the refresh started at once (the cache is empty): at most 60 s.
    for (let i = 0; i < 1200 && sources.indicators.matchIp('203.0.113.5').length === 0; i++) await sleep(50);
    assert.equal(sources.indicators.matchIp('203.0.113.5').length, 1, 'the running sensor loaded the remote list');
    assert.equal(fx.requests.filter((r) => r.url === '/bad-ips.txt').length, 1);
    await detection.finish();
    assert.ok(fs.existsSync(path.join(dir, 'cache')), 'the fetched list went to the local store');
  } finally {
    await fx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed live refresh is reported on stderr and keeps the previous set', async () => {
  const fx = await startFixture();
  const dir = tempDir('picket-live-intel-');
  try {
    const configFile = writeConfig(dir, `${fx.base}/missing.txt`);
    const { value: detection, stderr } = await withStderr(async () => {
      const d = await setUpDetection({ configFile, live: true, intel: true, onAlert: () => undefined });
      for (let i = 0; i < 1200 && d.intel.sources!.status()[0]!.last_attempt === null; i++) await sleep(50);
      await d.finish();
      return d;
    });
    assert.match(detection.intel.sources!.status()[0]!.last_error!, /HTTP 404/);
    assert.match(stderr, /intel source 127\.0\.0\.1:\d+\/missing\.txt: .*HTTP 404.* \(kept 0 from before\)/);
  } finally {
    await fx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a replay does not fetch, and warns about a remote source that was never fetched', async () => {
  const fx = await startFixture();
  const dir = tempDir('picket-live-intel-');
  try {
    fx.files.set('/bad-ips.txt', '203.0.113.5\n');
    const configFile = writeConfig(dir, `${fx.base}/bad-ips.txt`);
    const { value: detection, stderr } = await withStderr(() => setUpDetection({ configFile, intel: true, onAlert: () => undefined }));
    await detection.finish();
    assert.equal(fx.requests.length, 0);
    assert.match(stderr, /intel source 127\.0\.0\.1:\d+\/bad-ips\.txt has never been fetched, so it matches nothing \(run picket intel update\)/);
  } finally {
    await fx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A list server that answers its first request at once and holds every later
 * one open until the test answers it: `held` resolves when such a request
 * has arrived, `closed` when the client gave up its connection.
 */
async function startHoldingServer(first: string): Promise<{
  base: string;
  held: Promise<void>;
  closed: Promise<void>;
  answer(body: string): void;
  close(): Promise<void>;
}> {
  let served = 0;
  let pending: http.ServerResponse | null = null;
  let onHeld: () => void = () => undefined;
  let onClosed: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const server = http.createServer((req, res) => {
    if (served++ === 0) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(first);
      return;
    }
    pending = res;
    res.on('close', onClosed);
    onHeld();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    closed,
    answer(body) {
      if (pending !== null && !pending.destroyed) {
        pending.writeHead(200, { 'content-type': 'text/plain' });
        pending.end(body);
      }
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('stopping a live sensor aborts a refresh waiting on a slow server: it returns before the server answers, keeps the previous set and reports no failure', async () => {
  const srv = await startHoldingServer('203.0.113.5\n');
  const dir = tempDir('picket-live-intel-');
  try {
    const url = `${srv.base}/bad-ips.txt`;
    const configFile = writeConfig(dir, url);
    // The store holds the list from two hours ago, so the sensor refreshes it at once when it starts.
    const twoHoursAgo = Date.now() / 1000 - 7200;
    const primer = await createIntelSources({ ...defaultConfig().intel, lists: [{ path: url, kind: 'ip' }] }, dir, path.join(dir, 'cache'), { now: () => twoHoursAgo });
    assert.equal((await primer.refresh()).ok, true);
    const storeFile = fs.readdirSync(path.join(dir, 'cache'))[0]!;
    const stored = fs.readFileSync(path.join(dir, 'cache', storeFile), 'utf8');

    const order: string[] = [];
    const { value: detection, stderr } = await withStderr(async () => {
      const d = await setUpDetection({ configFile, live: true, intel: true, onAlert: () => undefined });
      try {
        await within(srv.held, 120, 'the sensor asking the server'); // its refresh now waits on the server
      } catch (err) {
        // Say what the refresh did instead (a failed fetch shows as last_error), so a timeout explains itself.
        throw new Error(`${(err as Error).message}; source status ${JSON.stringify(d.intel.sources?.status())}`);
      } finally {
        await d.finish();
      }
      order.push('stopped');
      return d;
    });
    srv.answer('198.51.100.9\n');
    order.push('answered');
    await within(srv.closed, 120, 'the sensor giving up its connection');
    assert.deepEqual(order, ['stopped', 'answered'], 'finish() returned while the server still held the answer');
    const sources = detection.intel.sources!;
    assert.equal(sources.indicators.matchIp('203.0.113.5').length, 1, 'the previous set is intact');
    assert.equal(sources.indicators.matchIp('198.51.100.9').length, 0);
    const st = sources.status()[0]!;
    assert.equal(st.last_error, null, 'an aborted refresh is not a failure');
    assert.equal(st.updated, twoHoursAgo);
    assert.doesNotMatch(stderr, /intel source/, 'no warning for the stopped refresh');
    assert.equal(fs.readFileSync(path.join(dir, 'cache', storeFile), 'utf8'), stored, 'the local store is unchanged');
  } finally {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGHUP makes a live sensor re-read its intel at once: an address added to a list file matches without a restart', async () => {
  const dir = tempDir('picket-live-intel-');
  try {
    const listFile = path.join(dir, 'blocked.txt');
    fs.writeFileSync(listFile, '203.0.113.5\n');
    const configFile = path.join(dir, 'picket.yaml');
    fs.writeFileSync(configFile, 'intel:\n  lists:\n    - { path: blocked.txt, kind: ip }\n  refresh: 1d\n  cache_dir: cache\n');
    const listenersBefore = process.listenerCount('SIGHUP');
    const { value: sources, stderr } = await withStderr(async () => {
      const d = await setUpDetection({ configFile, live: true, intel: true, onAlert: () => undefined });
      const s = d.intel.sources!;
      // Bounded waits: at most 60 s each.
      for (let i = 0; i < 1200 && s.indicators.matchIp('203.0.113.5').length === 0; i++) await sleep(50);
      assert.equal(s.indicators.matchIp('203.0.113.5').length, 1);
      for (let i = 0; i < 1200 && s.status()[0]!.last_attempt === null; i++) await sleep(50);
      fs.writeFileSync(listFile, '203.0.113.5\n198.51.100.77\n');
      assert.equal(s.indicators.matchIp('198.51.100.77').length, 0, 'not before the signal (the next refresh is a day away)');
      process.kill(process.pid, 'SIGHUP');
      for (let i = 0; i < 1200 && s.indicators.matchIp('198.51.100.77').length === 0; i++) await sleep(50);
      await d.finish();
      return s;
    });
    assert.equal(sources.indicators.matchIp('198.51.100.77').length, 1, 'the edited list is in force');
    assert.match(stderr, /picket: SIGHUP: refreshing intel sources now/);
    assert.equal(process.listenerCount('SIGHUP'), listenersBefore, 'finish() removes the handler');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
