/**
 * MISP feeds: the shared samples (MISP-format feed, PyMISP event files, CSV
 * and free-text feeds) from folders, and a MISP-format feed served over HTTP
 * with only changed events downloaded again and removed events expiring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED_DATA, tempDir } from '../../helpers/paths.js';
import { feedFormatOf, readMispFeed } from '../../../src/intel/misp/feed.js';
import { createIntelSources, type IntelConfig } from '../../../src/intel/sources.js';
import { defaultConfig } from '../../../src/config/load.js';
import { startFixture } from './http-fixture.js';

const MISP = path.join(SHARED_DATA, 'misp');
const SEDNIT = '5a3c2fcd-8328-42bb-a95e-4f4402de0b81';

test('MISP-format feed folder: manifest + event; the link attribute is not a network indicator', async () => {
  assert.equal(feedFormatOf(path.join(MISP, 'feed-misp')), 'misp');
  const r = await readMispFeed(path.join(MISP, 'feed-misp'), [], {});
  assert.equal(r.format, 'misp');
  assert.equal(r.events, 1);
  assert.equal(r.indicators.length, 0);
  assert.deepEqual(r.stats.other_types, { link: 1 });
  assert.deepEqual(r.meta.events, { '56bf399d-c46c-4fdb-a9cf-d9bb02de0b81': 1455373240 });
});

test('PyMISP event files: domains and domain-ip objects with to_ids, event uuid, info and tags', async () => {
  const r = await readMispFeed(path.join(MISP, 'events-pymisp'), [], {});
  assert.equal(r.format, 'misp-events');
  assert.equal(r.events, 2);
  const domains = r.indicators.filter((i) => i.kind === 'domain');
  const ips = r.indicators.filter((i) => i.kind === 'ip');
  assert.equal(domains.length, 7 + 12);
  assert.equal(ips.length, 12);
  const movie = domains.find((i) => i.value === 'movieultimate.com')!;
  assert.equal(movie.to_ids, true);
  assert.equal(movie.event_id, SEDNIT);
  assert.equal(movie.event_info, 'OSINT - Sednit update: How Fancy Bear Spent the Year');
  assert.ok(movie.tags!.includes('tlp:white'));
  assert.ok(movie.tags!.includes('misp-galaxy:threat-actor="Sofacy"'));
  const obj = ips.find((i) => i.value === '87.236.211.182')!;
  assert.equal(obj.to_ids, true);
  assert.ok(domains.some((i) => i.value === 'servicecdp.com'));
  // The Xorist event has hashes, files and links only.
  assert.ok((r.stats.other_types.sha1 ?? 0) >= 1 && (r.stats.other_types['regkey|value'] ?? 0) === 1);
});

test('CSV and free-text feed files', async () => {
  const csv = await readMispFeed(path.join(MISP, 'feed-csv', 'feed.csv'), [], {});
  assert.equal(csv.format, 'csv');
  assert.deepEqual(csv.indicators.map((i) => i.value), ['1.1.1.1', '1.0.0.1']);
  const free = await readMispFeed(path.join(MISP, 'feed-freetext', 'feed.txt'), [], {});
  assert.equal(free.format, 'freetext');
  assert.deepEqual(free.indicators.map((i) => [i.value, i.to_ids]), [['8.8.8.8', true], ['8.8.4.4', true]]);
});

test('MISP feed over HTTP: unchanged events are not downloaded again, changed ones are, removed ones expire', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-feed-cache-');
  try {
    const event = fs.readFileSync(path.join(MISP, 'events-pymisp', 'existing_event.json'), 'utf8');
    const second = JSON.stringify({ Event: { uuid: '11111111-2222-4333-8444-555555555555', info: 'Lab event', Tag: [{ name: 'tlp:green' }], Attribute: [{ uuid: 'a1', type: 'ip-dst', value: '198.51.100.66', to_ids: true }] } });
    const manifest = (tsA: number): string =>
      JSON.stringify({ [SEDNIT]: { info: 'Sednit', timestamp: tsA }, '11111111-2222-4333-8444-555555555555': { info: 'Lab event', timestamp: 5 } });
    fx.files.set('/feeds/lab/manifest.json', manifest(1));
    fx.files.set(`/feeds/lab/${SEDNIT}.json`, event);
    fx.files.set('/feeds/lab/11111111-2222-4333-8444-555555555555.json', second);
    fx.files.set('/lists/bad.csv', 'ip,comment\n203.0.113.77,test\n');
    fx.files.set('/tor/exits', '192.0.2.201\n192.0.2.202\n');
    const cfg: IntelConfig = {
      ...defaultConfig().intel,
      // The bare feed URL (no trailing slash) is found to be MISP format through its manifest.
      misp: { feeds: [`${fx.base}/feeds/lab`], servers: [] },
      lists: [{ path: `${fx.base}/lists/bad.csv`, kind: 'ip', name: 'remote-bad' }],
      tor: [`${fx.base}/tor/exits`],
    };
    const s = await createIntelSources(cfg, '/', cache);
    assert.equal(s.indicators.matchDomain('movieultimate.com').length, 0, 'remote sources start empty without a store');
    const r1 = await s.refresh();
    assert.equal(r1.ok, true, JSON.stringify(r1));
    const gets = (): string[] => fx.requests.filter((q) => q.url.endsWith('.json') && !q.url.endsWith('manifest.json')).map((q) => q.url);
    assert.equal(gets().length, 2);
    assert.equal(s.indicators.matchDomain('movieultimate.com')[0]!.source, 'misp-feed:127.0.0.1:' + new URL(fx.base).port + '/lab');
    assert.equal(s.indicators.matchIp('198.51.100.66')[0]!.event_info, 'Lab event');
    assert.equal(s.indicators.matchIp('203.0.113.77')[0]!.source, 'remote-bad');
    assert.equal(s.tor.lookup('192.0.2.202')![0]!.exit, true);

    await s.refresh();
    assert.equal(gets().length, 2, 'nothing changed: no event downloaded');
    fx.files.set('/feeds/lab/manifest.json', manifest(2));
    await s.refresh();
    assert.deepEqual(gets().slice(2), [`/feeds/lab/${SEDNIT}.json`], 'only the changed event');
    fx.files.set('/feeds/lab/manifest.json', JSON.stringify({ [SEDNIT]: { timestamp: 2 } }));
    await s.refresh();
    assert.equal(s.indicators.matchIp('198.51.100.66').length, 0, 'event removed from the manifest: expired');
    assert.equal(s.indicators.matchDomain('movieultimate.com').length, 1);

    // The feed vanishes: the refresh fails for it, its indicators stay.
    fx.files.clear();
    const r = await s.refresh();
    assert.equal(r.ok, false);
    assert.ok(r.sources.every((x) => !x.ok && x.error !== undefined));
    assert.equal(s.indicators.matchDomain('movieultimate.com').length, 1);
    assert.equal(s.indicators.matchIp('203.0.113.77').length, 1);
    assert.equal(s.tor.size, 2);
    const st = s.status();
    assert.ok(st.every((x) => x.last_error !== null && x.updated !== null));
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('MISP feed with malformed event files: each is counted and named, the good ones load, a damaged update keeps the event as it was', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-feed-cache-');
  const uuid = (n: number): string => `00000000-0000-4000-8000-00000000000${n}`;
  const good = (n: number, ip: string): string => JSON.stringify({ Event: { uuid: uuid(n), info: `event ${n}`, Attribute: [{ uuid: `a${n}`, type: 'ip-dst', value: ip, to_ids: true }] } });
  try {
    fx.files.set(
      '/feed/manifest.json',
      JSON.stringify(Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [uuid(n), { info: `event ${n}`, timestamp: 10 }]))),
    );
    fx.files.set(`/feed/${uuid(1)}.json`, good(1, '198.51.100.1'));
    fx.files.set(`/feed/${uuid(2)}.json`, good(2, '198.51.100.2'));
    fx.files.set(`/feed/${uuid(3)}.json`, '[1, 2, 3]');
    fx.files.set(`/feed/${uuid(4)}.json`, '{"name": "Not Found", "message": "Invalid event"}');
    fx.files.set(`/feed/${uuid(5)}.json`, JSON.stringify({ Event: { uuid: uuid(5), info: 'x', Attribute: { type: 'ip-dst', value: '198.51.100.5' } } }));
    // Event 6 is valid and simply has no attributes: not an error.
    fx.files.set(`/feed/${uuid(6)}.json`, JSON.stringify({ Event: { uuid: uuid(6), info: 'empty', Attribute: [] } }));
    const cfg: IntelConfig = { ...defaultConfig().intel, misp: { feeds: [`${fx.base}/feed/`], servers: [] } };
    const s = await createIntelSources(cfg, '/', cache);
    const r1 = await s.refresh();
    assert.equal(r1.ok, true, 'bad event files are not fatal');
    assert.equal(r1.sources[0]!.bad_lines, 3, JSON.stringify(r1.sources[0]!.bad_samples));
    const samples = r1.sources[0]!.bad_samples.join('\n');
    assert.match(samples, new RegExp(`event ${uuid(3)}: not a MISP event \\(the document is a list\\)`));
    assert.match(samples, new RegExp(`event ${uuid(4)}: not a MISP event`));
    assert.match(samples, new RegExp(`event ${uuid(5)}: malformed MISP event: "Attribute" is not a list`));
    assert.equal(s.indicators.matchIp('198.51.100.1').length, 1);
    assert.equal(s.indicators.matchIp('198.51.100.2').length, 1);

    // Event 2 is republished, but its file arrives cut short: the previous version stays, and is tried again.
    fx.files.set('/feed/manifest.json', JSON.stringify({ [uuid(1)]: { timestamp: 10 }, [uuid(2)]: { timestamp: 11 } }));
    fx.files.set(`/feed/${uuid(2)}.json`, good(2, '198.51.100.22').slice(0, 40));
    const r2 = await s.refresh();
    assert.equal(r2.ok, true);
    assert.match(r2.sources[0]!.bad_samples.join('\n'), new RegExp(`event ${uuid(2)}: ${uuid(2)}\\.json: not valid JSON`));
    assert.equal(s.indicators.matchIp('198.51.100.2').length, 1, 'the damaged update did not drop the event');
    fx.files.set(`/feed/${uuid(2)}.json`, good(2, '198.51.100.22'));
    await s.refresh();
    assert.equal(s.indicators.matchIp('198.51.100.2').length, 0);
    assert.equal(s.indicators.matchIp('198.51.100.22').length, 1, 'the repaired file is read on the next refresh');
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('a single MISP event file that is not an event fails its source, naming the file', async () => {
  const dir = tempDir('picket-feed-');
  try {
    const file = path.join(dir, 'event.json');
    fs.writeFileSync(file, '{"response": []}');
    await assert.rejects(readMispFeed(file, [], {}), new RegExp(`${file.replace(/[.]/g, '\\.')}: not a MISP event`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('MISP-format feed over HTTP with fingerprint attributes: ja3-fingerprint-md5, hassh-md5 and hasshserver-md5, also inside objects', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-feed-cache-');
  try {
    const uuid = '22222222-3333-4444-8555-666666666666';
    fx.files.set('/feeds/fp/manifest.json', JSON.stringify({ [uuid]: { info: 'Lab SSH and TLS tooling', timestamp: 7 } }));
    fx.files.set(
      `/feeds/fp/${uuid}.json`,
      JSON.stringify({
        Event: {
          uuid,
          info: 'Lab SSH and TLS tooling',
          Tag: [{ name: 'tlp:green' }],
          Attribute: [
            { uuid: 'f1', type: 'ja3-fingerprint-md5', value: '1aa7bf8b97e540ca5edd75f7b8384bfa', to_ids: true },
            { uuid: 'f2', type: 'hasshserver-md5', value: 'B12D2871A1189EFF20364CF5333619EE', to_ids: '1' },
            { uuid: 'f3', type: 'ja3-fingerprint-md5', value: '1aa7bf8b', to_ids: true },
          ],
          Object: [{ name: 'hassh', Attribute: [{ uuid: 'f4', type: 'hassh-md5', value: 'ec7378c1a92f5a8dde7e8b7a1ddf33d1', to_ids: false }] }],
        },
      }),
    );
    const cfg: IntelConfig = { ...defaultConfig().intel, misp: { feeds: [`${fx.base}/feeds/fp/`], servers: [] } };
    const s = await createIntelSources(cfg, '/', cache);
    const r = await s.refresh();
    assert.equal(r.ok, true, JSON.stringify(r));
    const ja3 = s.indicators.matchFingerprint('ja3', '1aa7bf8b97e540ca5edd75f7b8384bfa');
    assert.deepEqual(ja3.map((m) => [m.kind, m.indicator, m.to_ids, m.event_id, m.event_info, m.tags]), [
      ['ja3', '1aa7bf8b97e540ca5edd75f7b8384bfa', true, uuid, 'Lab SSH and TLS tooling', ['tlp:green']],
    ]);
    assert.equal(s.indicators.matchFingerprint('hassh_server', 'b12d2871a1189eff20364cf5333619ee')[0]!.to_ids, true);
    assert.equal(s.indicators.matchFingerprint('hassh', 'ec7378c1a92f5a8dde7e8b7a1ddf33d1')[0]!.to_ids, false);
    assert.equal(r.sources[0]!.count, 3);
    assert.match(r.sources[0]!.bad_samples.join('\n'), /attribute f3: ja3-fingerprint-md5 "1aa7bf8b" is not an MD5/);
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('MISP-format feed with certificate attributes: x509-fingerprint-sha1 and -sha256 load, also inside x509 objects; -md5 is skipped as another type', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-feed-cache-');
  try {
    const uuid = '33333333-4444-4555-8666-777777777777';
    fx.files.set('/feeds/certs/manifest.json', JSON.stringify({ [uuid]: { info: 'Lab C2 certificates', timestamp: 9 } }));
    fx.files.set(
      `/feeds/certs/${uuid}.json`,
      JSON.stringify({
        Event: {
          uuid,
          info: 'Lab C2 certificates',
          Attribute: [
            { uuid: 'c1', type: 'x509-fingerprint-sha1', value: '82437E7830614E2500679D121590D25381DE1DAC', to_ids: true },
            { uuid: 'c2', type: 'x509-fingerprint-md5', value: '0123456789abcdef0123456789abcdef', to_ids: true },
            { uuid: 'c3', type: 'x509-fingerprint-sha1', value: '82437e78', to_ids: true },
          ],
          Object: [
            {
              name: 'x509',
              Attribute: [
                { uuid: 'c4', type: 'x509-fingerprint-sha256', value: 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244', to_ids: false },
                { uuid: 'c5', type: 'x509-fingerprint-sha1', value: 'dd:7a:7f:13:1d:db:a3:3d:3e:86:70:17:94:83:e6:fe:a6:98:7d:6a', to_ids: '1' },
              ],
            },
          ],
        },
      }),
    );
    const cfg: IntelConfig = { ...defaultConfig().intel, misp: { feeds: [`${fx.base}/feeds/certs/`], servers: [] } };
    const s = await createIntelSources(cfg, '/', cache);
    const r = await s.refresh();
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(
      s.indicators.matchFingerprint('cert_sha1', '82437e7830614e2500679d121590d25381de1dac').map((m) => [m.kind, m.indicator, m.to_ids, m.event_id, m.event_info]),
      [['cert_sha1', '82437E7830614E2500679D121590D25381DE1DAC', true, uuid, 'Lab C2 certificates']],
    );
    assert.equal(s.indicators.matchFingerprint('cert_sha1', 'dd7a7f131ddba33d3e8670179483e6fea6987d6a')[0]!.to_ids, true, 'the colon form, inside an object');
    assert.equal(s.indicators.matchFingerprint('cert_sha256', 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244')[0]!.to_ids, false);
    assert.equal(s.indicators.matchFingerprint('ja3', '0123456789abcdef0123456789abcdef').length, 0, 'a certificate MD5 is no JA3');
    assert.equal(r.sources[0]!.count, 3);
    assert.match(r.sources[0]!.bad_samples.join('\n'), /attribute c3: x509-fingerprint-sha1 "82437e78" is not a SHA-1 \(40 hex digits\)/);
    assert.deepEqual([s.status()[0]!.count, s.status()[0]!.alerting], [3, 2]);
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
