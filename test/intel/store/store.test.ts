/** The local store (atomic snapshots, damaged files), the refresh scheduler, and createIntelSources with local files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED_DATA, tempDir } from '../../helpers/paths.js';
import { emptySnapshot, loadSnapshot, saveSnapshot, snapshotFile } from '../../../src/intel/store/source-cache.js';
import { startScheduler } from '../../../src/intel/store/scheduler.js';
import { createIntelSources, type IntelConfig } from '../../../src/intel/sources.js';
import { defaultConfig } from '../../../src/config/load.js';

test('snapshots round-trip; damaged files and entries are reported, not fatal', () => {
  const dir = tempDir('picket-store-');
  try {
    const snap = emptySnapshot('misp:x', 'misp-server', 'https://misp.example');
    snap.updated = 1000;
    snap.indicators = [{ kind: 'domain', value: 'evil.example', to_ids: true, event_id: '1' }];
    snap.meta = { last_pull: 1000 };
    saveSnapshot(dir, snap);
    const back = loadSnapshot(dir, 'misp:x');
    assert.ok('snapshot' in back);
    assert.deepEqual(back.snapshot, snap);
    assert.ok('missing' in loadSnapshot(dir, 'other'));
    const file = snapshotFile(dir, 'misp:x');
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { indicators: unknown[] };
    j.indicators.push({ kind: 'bogus' }, 'x');
    fs.writeFileSync(file, JSON.stringify(j));
    const partial = loadSnapshot(dir, 'misp:x');
    assert.ok('snapshot' in partial && partial.snapshot.indicators.length === 1);
    assert.equal(partial.dropped, 2);
    fs.writeFileSync(file, '{"version":1,');
    const broken = loadSnapshot(dir, 'misp:x');
    assert.ok('error' in broken && /not valid JSON/.test(broken.error));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('scheduler: runs at once when asked, never two runs at a time, stop() waits for the run in flight', async () => {
  let runs = 0;
  let release: () => void = () => undefined;
  const s = startScheduler(3600, () => {
    runs++;
    return new Promise<void>((resolve) => {
      release = resolve;
    });
  }, { immediately: true });
  assert.equal(runs, 1);
  assert.equal(s.running, true);
  let stopped = false;
  const stopping = s.stop().then(() => {
    stopped = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(stopped, false, 'still waiting for the run');
  release();
  await stopping;
  assert.equal(stopped, true);
  assert.equal(s.running, false);
  assert.equal(runs, 1);
});

test('scheduler: runNow() starts a run between ticks, but not while one is going or after stop()', async () => {
  let runs = 0;
  let release: () => void = () => undefined;
  const s = startScheduler(3600, () => {
    runs++;
    return new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  assert.equal(runs, 0, 'the first tick is an hour away');
  assert.equal(s.runNow(), true);
  assert.equal(runs, 1);
  assert.equal(s.runNow(), false, 'one run at a time');
  assert.equal(runs, 1);
  release();
  for (let i = 0; i < 100 && s.running; i++) await new Promise((r) => setImmediate(r));
  assert.equal(s.running, false);
  assert.equal(s.runNow(), true, 'a finished run lets the next one start');
  assert.equal(runs, 2);
  release();
  await s.stop();
  assert.equal(s.runNow(), false, 'a stopped scheduler starts nothing');
  assert.equal(runs, 2);
});

test('createIntelSources: local lists load at once; bad lines reported as file:line; status has counts and ages', async () => {
  const dir = tempDir('picket-sources-');
  let clock = 5000;
  try {
    fs.writeFileSync(path.join(dir, 'bad-ips.txt'), '203.0.113.66\nnot-an-ip\n198.51.100.0/24\n');
    fs.writeFileSync(path.join(dir, 'names.csv'), 'domain,note\nevil.example,x\n');
    const cfg: IntelConfig = {
      ...defaultConfig().intel,
      lists: [
        { path: 'bad-ips.txt', kind: 'ip' },
        { path: 'names.csv', kind: 'domain', name: 'my names' },
        { path: 'missing.txt', kind: 'domain' },
      ],
      misp: { feeds: [path.join(SHARED_DATA, 'misp', 'events-pymisp')], servers: [] },
      tor: [path.join(SHARED_DATA, 'tor', 'exit-list-2018-11-02-01-02-01.txt'), path.join(SHARED_DATA, 'tor', 'consensus-2018-06-01-00-00-00.txt')],
    };
    const s = await createIntelSources(cfg, dir, path.join(dir, 'cache'), { now: () => clock });
    assert.equal(s.indicators.matchIp('203.0.113.66')[0]!.source, 'bad-ips.txt');
    assert.equal(s.indicators.matchDomain('a.evil.example')[0]!.source, 'my names');
    assert.equal(s.indicators.matchDomain('movieultimate.com')[0]!.source, 'misp-feed:events-pymisp');
    assert.equal(s.tor.lookup('162.247.72.201')![0]!.source, 'tor:consensus-2018-06-01-00-00-00.txt');
    clock = 5090;
    const st = s.status();
    assert.deepEqual(
      st.map((x) => [x.name, x.kind, x.count, x.age_seconds, x.last_error === null]),
      [
        ['bad-ips.txt', 'list', 2, 90, true],
        ['my names', 'list', 1, 90, true],
        ['missing.txt', 'list', 0, null, false],
        ['misp-feed:events-pymisp', 'misp-feed', 31, 90, true],
        ['tor:exit-list-2018-11-02-01-02-01.txt', 'tor', 929, 90, true],
        ['tor:consensus-2018-06-01-00-00-00.txt', 'tor', 245, 90, true],
      ],
    );
    assert.deepEqual(st[0]!.bad_samples, ['bad-ips.txt:2: not an IP address: not-an-ip']);
    assert.match(st[2]!.last_error!, /missing\.txt: no such file/);
    assert.equal(fs.existsSync(path.join(dir, 'cache')), false, 'local sources are not copied into the store');
    // A refresh re-reads local files: an entry removed from the file expires.
    fs.writeFileSync(path.join(dir, 'bad-ips.txt'), '198.51.100.0/24\n');
    const r = await s.refresh();
    assert.equal(r.ok, false, 'missing.txt still fails');
    assert.equal(s.indicators.matchIp('203.0.113.66').length, 0);
    assert.equal(s.indicators.matchIp('198.51.100.7').length, 1);
    assert.deepEqual(Object.keys(s.context()).sort(), ['indicators', 'tor']);
    const none = await createIntelSources(defaultConfig().intel, dir, path.join(dir, 'cache'));
    assert.deepEqual(none.context(), {});
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('startRefresh refreshes stale remote sources at once; stopping it at once aborts the run, which changes nothing', async () => {
  const dir = tempDir('picket-sources-');
  try {
    const cfg: IntelConfig = { ...defaultConfig().intel, tor: ['http://127.0.0.1:9/unreachable'] };
    const s = await createIntelSources(cfg, dir, path.join(dir, 'cache'));
    const reports: boolean[] = [];
    const sched = s.startRefresh(3600, (r) => reports.push(r.ok));
    assert.equal(sched.running, true, 'never fetched: refreshed at once');
    await sched.stop();
    assert.deepEqual(reports, [], 'an aborted run is not reported');
    assert.equal(s.status()[0]!.last_error, null, 'nor recorded as an error');
    assert.equal(s.status()[0]!.last_attempt, null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
