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
        ['misp-feed:events-pymisp', 'misp-feed', 71, 90, true],
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

test('fingerprint lists: an SSLBL-format JA3 CSV loads as published, bad lines are reported as file:line, the store keeps fingerprints across restarts', async () => {
  const dir = tempDir('picket-sources-');
  try {
    fs.writeFileSync(
      path.join(dir, 'ja3_fingerprints.csv'),
      [
        '# lab copy of a JA3 blacklist in the SSLBL layout',
        '#',
        '# ja3_md5,Firstseen,Lastseen,Listingreason',
        '1aa7bf8b97e540ca5edd75f7b8384bfa,2019-01-02 03:04:05,2019-02-03 04:05:06,LabBanker',
        '1aa7bf8b97e540ca5edd75f7b8384bf,2019-01-02 03:04:05,2019-02-03 04:05:06,Short',
        '8F52D1CE303FB4A6515836AEC3CC16B1,2019-01-02 03:04:05,2019-02-03 04:05:06,"LabSpam, mailer"',
        '# END (3 entries)',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'ja4.txt'), 't13d1516h2_8daaf6152771_b186095e22b6\nt13d1516h2\n');
    fs.writeFileSync(path.join(dir, 'hassh.txt'), 'ec7378c1a92f5a8dde7e8b7a1ddf33d1\n');
    fs.writeFileSync(path.join(dir, 'servers.txt'), 'b12d2871a1189eff20364cf5333619ee\n');
    const cfg: IntelConfig = {
      ...defaultConfig().intel,
      lists: [
        { path: 'ja3_fingerprints.csv', kind: 'ja3', name: 'sslbl-ja3' },
        { path: 'ja4.txt', kind: 'ja4' },
        { path: 'hassh.txt', kind: 'hassh' },
        { path: 'servers.txt', kind: 'hassh_server' },
      ],
    };
    const s = await createIntelSources(cfg, dir, path.join(dir, 'cache'));
    assert.deepEqual(s.indicators.matchFingerprint('ja3', '1aa7bf8b97e540ca5edd75f7b8384bfa'), [
      { source: 'sslbl-ja3', kind: 'ja3', indicator: '1aa7bf8b97e540ca5edd75f7b8384bfa', to_ids: true, comment: 'LabBanker' },
    ]);
    assert.equal(s.indicators.matchFingerprint('ja3', '8f52d1ce303fb4a6515836aec3cc16b1')[0]!.comment, 'LabSpam, mailer');
    assert.equal(s.indicators.matchFingerprint('ja4', 'T13D1516H2_8DAAF6152771_B186095E22B6').length, 1);
    assert.equal(s.indicators.matchFingerprint('hassh', 'ec7378c1a92f5a8dde7e8b7a1ddf33d1')[0]!.source, 'hassh.txt');
    assert.equal(s.indicators.matchFingerprint('hassh_server', 'ec7378c1a92f5a8dde7e8b7a1ddf33d1').length, 0, 'a client HASSH is not a server one');
    const st = s.status();
    assert.deepEqual(st.map((x) => [x.name, x.count, x.alerting, x.bad_lines, x.note]), [
      ['sslbl-ja3', 2, 2, 1, '2 ja3 entries from 7 lines'],
      ['ja4.txt', 1, 1, 1, '1 ja4 entries from 2 lines'],
      ['hassh.txt', 1, 1, 0, '1 hassh entries from 1 lines'],
      ['servers.txt', 1, 1, 0, '1 hassh_server entries from 1 lines'],
    ]);
    assert.deepEqual(st[0]!.bad_samples, ['ja3_fingerprints.csv:5: not a JA3 fingerprint (32 hex digits): 1aa7bf8b97e540ca5edd75f7b8384bf,2019-01-02 03:04:05,2019-02-03 04:05:06,Short']);
    assert.deepEqual(st[1]!.bad_samples, ['ja4.txt:2: not a JA4 fingerprint (like t13d1516h2_8daaf6152771_b186095e22b6): t13d1516h2']);

    // A remote source's set goes through the local store: fingerprints and their comments must survive it.
    const cache = path.join(dir, 'store');
    const snap = emptySnapshot('remote-ja3', 'list', 'https://lists.example/ja3.csv');
    snap.indicators = [
      { kind: 'ja3', value: '1aa7bf8b97e540ca5edd75f7b8384bfa', to_ids: true, comment: 'LabBanker' },
      { kind: 'hassh_server', value: 'b12d2871a1189eff20364cf5333619ee', to_ids: true },
    ];
    saveSnapshot(cache, snap);
    const back = loadSnapshot(cache, 'remote-ja3');
    assert.ok('snapshot' in back);
    assert.equal(back.dropped, 0);
    assert.deepEqual(back.snapshot.indicators, snap.indicators);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('certificate lists: the SSLBL certificate CSV and a SHA-256 list load, count as alerting, and survive the store', async () => {
  const dir = tempDir('picket-sources-');
  try {
    fs.writeFileSync(
      path.join(dir, 'sslblacklist.csv'),
      [
        '################################################################',
        '# abuse.ch SSLBL SSL Certificate Blacklist (SHA1 Fingerprints) #',
        '################################################################',
        '#',
        '# Listingdate,SHA1,Listingreason',
        '2024-09-02 06:17:52,0a1b2c3d4e5f60718293a4b5c6d7e8f901234567,Dridex C&C',
        '2024-09-01 12:00:00,0a1b2c3d4e5f60718293a4b5c6d7e8f9,Short',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'certs.txt'), 'A5:80:24:7A:25:32:4A:DF:4A:DD:5A:F6:48:DE:4A:C5:79:80:30:DF:D6:22:F2:6A:5F:22:80:D7:52:8A:E2:44\n');
    const cfg: IntelConfig = {
      ...defaultConfig().intel,
      lists: [
        { path: 'sslblacklist.csv', kind: 'cert_sha1', name: 'sslbl-certs' },
        { path: 'certs.txt', kind: 'cert_sha256' },
      ],
    };
    const s = await createIntelSources(cfg, dir, path.join(dir, 'cache'));
    assert.deepEqual(s.indicators.matchFingerprint('cert_sha1', '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567'), [
      { source: 'sslbl-certs', kind: 'cert_sha1', indicator: '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567', to_ids: true, comment: 'Dridex C&C' },
    ]);
    assert.equal(s.indicators.matchFingerprint('cert_sha256', 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244')[0]!.source, 'certs.txt');
    const st = s.status();
    assert.deepEqual(st.map((x) => [x.name, x.count, x.alerting, x.bad_lines, x.note]), [
      ['sslbl-certs', 1, 1, 1, '1 cert_sha1 entries from 7 lines'],
      ['certs.txt', 1, 1, 0, '1 cert_sha256 entries from 1 lines'],
    ]);
    assert.deepEqual(st[0]!.bad_samples, ['sslblacklist.csv:7: not a certificate SHA-1 (40 hex digits, or 20 hex pairs joined by colons): 2024-09-01 12:00:00,0a1b2c3d4e5f60718293a4b5c6d7e8f9,Short']);

    // A remote copy of the list lives in the local store between refreshes.
    const cache = path.join(dir, 'store');
    const snap = emptySnapshot('remote-certs', 'list', 'https://sslbl.abuse.ch/blacklist/sslblacklist.csv');
    snap.indicators = [
      { kind: 'cert_sha1', value: '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567', to_ids: true, comment: 'Dridex C&C' },
      { kind: 'cert_sha256', value: 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244', to_ids: false },
    ];
    saveSnapshot(cache, snap);
    const back = loadSnapshot(cache, 'remote-certs');
    assert.ok('snapshot' in back);
    assert.equal(back.dropped, 0);
    assert.deepEqual(back.snapshot.indicators, snap.indicators);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('file hash lists: a MalwareBazaar CSV as kind file_sha256 and a text list as kind file_md5 load, count as alerting, report bad lines, and survive the store', async () => {
  const dir = tempDir('picket-sources-');
  try {
    fs.writeFileSync(
      path.join(dir, 'bazaar.csv'),
      [
        '# MalwareBazaar recent samples (CSV) - lab copy',
        '#',
        '# "first_seen_utc","sha256_hash","md5_hash","sha1_hash","reporter","file_name","file_type_guess","mime_type","signature"',
        '"2024-09-02 06:17:52", "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68", "0749bae92ca336a02c83d126e04ec628", "77b0c41b7d340b8a3d903f21347bbf06aa766b5b", "lab", "3Z4wnG9603it23y.exe", "exe", "application/x-dosexec", "Xorist"',
        '"2024-09-02 06:10:00", "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f6", "0749bae92ca336a02c83d126e04ec62", "77b0c41b", "lab", "cut.exe", "exe", "application/x-dosexec", "Cut"',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'md5.txt'), 'D41D8CD98F00B204E9800998ECF8427E  # empty file\n');
    const cfg: IntelConfig = {
      ...defaultConfig().intel,
      lists: [
        { path: 'bazaar.csv', kind: 'file_sha256', name: 'bazaar' },
        { path: 'md5.txt', kind: 'file_md5' },
      ],
    };
    const s = await createIntelSources(cfg, dir, path.join(dir, 'cache'));
    assert.deepEqual(s.indicators.matchFingerprint('file_sha256', 'B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68'), [
      { source: 'bazaar', kind: 'file_sha256', indicator: 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', to_ids: true, comment: 'Xorist' },
    ]);
    assert.equal(s.indicators.matchFingerprint('file_md5', '0749bae92ca336a02c83d126e04ec628').length, 0, 'a file_sha256 list reads the SHA-256 column only');
    assert.deepEqual(s.indicators.matchFingerprint('file_md5', 'd41d8cd98f00b204e9800998ecf8427e').map((m) => [m.source, m.comment]), [['md5.txt', 'empty file']]);
    const st = s.status();
    assert.deepEqual(st.map((x) => [x.name, x.count, x.alerting, x.bad_lines, x.note]), [
      ['bazaar', 1, 1, 1, '1 file_sha256 entries from 5 lines'],
      ['md5.txt', 1, 1, 0, '1 file_md5 entries from 1 lines'],
    ]);
    assert.match(st[0]!.bad_samples[0]!, /^bazaar\.csv:5: not a file SHA-256 \(64 hex digits\): "2024-09-02 06:10:00"/);

    // A remote copy of such a list lives in the local store between refreshes.
    const cache = path.join(dir, 'store');
    const snap = emptySnapshot('remote-bazaar', 'list', 'https://bazaar.abuse.ch/export/csv/recent/');
    snap.indicators = [
      { kind: 'file_sha256', value: 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', to_ids: true, comment: 'Xorist' },
      { kind: 'file_sha1', value: '77b0c41b7d340b8a3d903f21347bbf06aa766b5b', to_ids: true },
      { kind: 'file_md5', value: '0749bae92ca336a02c83d126e04ec628', to_ids: false, comment: '3Z4wnG9603it23y.exe' },
    ];
    saveSnapshot(cache, snap);
    const back = loadSnapshot(cache, 'remote-bazaar');
    assert.ok('snapshot' in back);
    assert.equal(back.dropped, 0);
    assert.deepEqual(back.snapshot.indicators, snap.indicators);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
