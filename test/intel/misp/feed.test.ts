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
  // Bare file names, registry keys, links and text are not matched against traffic.
  assert.deepEqual(r.stats.other_types, { filename: 16, text: 39, link: 3, comment: 1, 'regkey|value': 1 });
});

/** The md5, sha1 and sha256 attributes of a PyMISP event file (also inside objects), as the file holds them; `id`: the attribute's id, else its uuid. */
function hashAttributes(file: string): Array<{ type: string; value: string; to_ids: boolean; id: string; event: string; info: string }> {
  const doc = JSON.parse(fs.readFileSync(path.join(MISP, 'events-pymisp', file), 'utf8')) as { Event?: unknown };
  type Attr = { type: string; value: string; to_ids: boolean; id?: string; uuid: string };
  const ev = (doc.Event ?? doc) as { uuid: string; info: string; Attribute: Attr[]; Object?: Array<{ Attribute: Attr[] }> };
  const all = [...ev.Attribute, ...(ev.Object ?? []).flatMap((o) => o.Attribute)];
  return all.filter((a) => ['md5', 'sha1', 'sha256'].includes(a.type)).map((a) => ({ type: a.type, value: a.value, to_ids: a.to_ids, id: a.id ?? a.uuid, event: ev.uuid, info: ev.info }));
}

test('PyMISP event files: md5, sha1 and sha256 attributes (the Sednit file objects\' SHA-1s, the Xorist sample\'s three hashes) become file hashes with their event and to_ids', async () => {
  const r = await readMispFeed(path.join(MISP, 'events-pymisp'), [], {});
  const expected = [...hashAttributes('57c4445b-c548-4654-af0b-4be3950d210f.json'), ...hashAttributes('existing_event.json')];
  assert.deepEqual(
    expected.map((a) => a.type).reduce<Record<string, number>>((n, t) => ({ ...n, [t]: (n[t] ?? 0) + 1 }), {}),
    { md5: 1, sha1: 38, sha256: 1 },
    'the samples hold one MD5, 38 SHA-1s and one SHA-256',
  );
  const files = r.indicators.filter((i) => i.kind.startsWith('file_'));
  assert.equal(files.length, expected.length);
  for (const a of expected) {
    const ind = files.find((i) => i.id === a.id);
    assert.ok(ind !== undefined, `attribute ${a.id} (${a.type} ${a.value}) loaded`);
    assert.deepEqual([ind.kind, ind.value, ind.to_ids, ind.event_id, ind.event_info], [`file_${a.type}`, a.value.toLowerCase(), a.to_ids, a.event, a.info]);
  }
  const xorist = files.filter((i) => i.event_id === '57c4445b-c548-4654-af0b-4be3950d210f').map((i) => `${i.kind} ${i.value}`);
  assert.deepEqual(xorist, [
    'file_md5 0749bae92ca336a02c83d126e04ec628',
    'file_sha1 77b0c41b7d340b8a3d903f21347bbf06aa766b5b',
    'file_sha256 b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68',
  ]);
  const bulletin = files.find((i) => i.value === '68064fc152e23d56e541714af52651cb4ba81aaf')!;
  assert.equal(bulletin.event_id, SEDNIT);
  assert.ok(bulletin.tags!.includes('tlp:white'));
});

test('CSV and free-text feed files', async () => {
  const csv = await readMispFeed(path.join(MISP, 'feed-csv', 'feed.csv'), [], {});
  assert.equal(csv.format, 'csv');
  assert.deepEqual(csv.indicators.map((i) => i.value), ['1.1.1.1', '1.0.0.1']);
  const free = await readMispFeed(path.join(MISP, 'feed-freetext', 'feed.txt'), [], {});
  assert.equal(free.format, 'freetext');
  assert.deepEqual(free.indicators.map((i) => [i.value, i.to_ids]), [['8.8.8.8', true], ['8.8.4.4', true]]);
});

test('CSV and free-text feeds of file hashes: bare 32, 40 and 64 hex digit values are file MD5s, SHA-1s and SHA-256s', async () => {
  const dir = tempDir('picket-feed-');
  try {
    const txt = path.join(dir, 'hashes.txt');
    fs.writeFileSync(txt, '# recent samples\nB3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68\n77b0c41b7d340b8a3d903f21347bbf06aa766b5b\n0749bae92ca336a02c83d126e04ec628 c2.example\n');
    const free = await readMispFeed(txt, [], {});
    assert.equal(free.format, 'freetext');
    assert.deepEqual(free.indicators.map((i) => [i.kind, i.value, i.to_ids]), [
      ['file_sha256', 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', true],
      ['file_sha1', '77b0c41b7d340b8a3d903f21347bbf06aa766b5b', true],
      ['file_md5', '0749bae92ca336a02c83d126e04ec628', true],
      ['domain', 'c2.example', true],
    ]);
    const csvFile = path.join(dir, 'hashes.csv');
    fs.writeFileSync(csvFile, 'sha256_hash,signature\nb3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68,Xorist\nb3c4ae25,short\n');
    const csv = await readMispFeed(csvFile, [], {});
    assert.deepEqual(csv.indicators, [{ kind: 'file_sha256', value: 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68', to_ids: true, comment: 'Xorist' }]);
    assert.deepEqual(csv.bad.map((b) => [b.line, b.reason]), [[3, 'not an IP, CIDR, URL, domain name or file hash']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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

test('MISP-format feed with file attributes: md5, sha1, sha256, filename|sha256, filename|sha1 and malware-sample, also inside file objects; the file name is the comment', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-feed-cache-');
  try {
    const uuid = '44444444-5555-4666-8777-888888888888';
    fx.files.set('/feeds/files/manifest.json', JSON.stringify({ [uuid]: { info: 'Lab droppers', timestamp: 3 } }));
    fx.files.set(
      `/feeds/files/${uuid}.json`,
      JSON.stringify({
        Event: {
          uuid,
          info: 'Lab droppers',
          Tag: [{ name: 'tlp:green' }],
          Attribute: [
            { uuid: 'h1', type: 'filename|sha256', value: 'invoice.exe|B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68', to_ids: true },
            { uuid: 'h2', type: 'malware-sample', value: 'sample.zip|0749bae92ca336a02c83d126e04ec628', to_ids: '1', data: 'UEsDBA==' },
            { uuid: 'h3', type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e', to_ids: false },
            { uuid: 'h4', type: 'filename|sha1', value: 'report.doc', to_ids: true },
            { uuid: 'h5', type: 'sha256', value: 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f6', to_ids: true },
            { uuid: 'h6', type: 'filename|md5', value: 'a|b.exe|e3b0c44298fc1c149afbf4c8996fb924', to_ids: true },
            { uuid: 'h7', type: 'filename', value: 'invoice.exe', to_ids: true },
          ],
          Object: [
            {
              name: 'file',
              Attribute: [
                { uuid: 'h8', type: 'filename', value: 'Bulletin.doc', to_ids: true },
                { uuid: 'h9', type: 'sha1', value: '68064FC152E23D56E541714AF52651CB4BA81AAF', to_ids: true },
              ],
            },
          ],
        },
      }),
    );
    const cfg: IntelConfig = { ...defaultConfig().intel, misp: { feeds: [`${fx.base}/feeds/files/`], servers: [] } };
    const s = await createIntelSources(cfg, '/', cache);
    const r = await s.refresh();
    assert.equal(r.ok, true, JSON.stringify(r));
    const source = `misp-feed:127.0.0.1:${new URL(fx.base).port}/files`;
    assert.deepEqual(s.indicators.matchFingerprint('file_sha256', 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68'), [
      {
        source,
        kind: 'file_sha256',
        indicator: 'B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68',
        to_ids: true,
        event_id: uuid,
        event_info: 'Lab droppers',
        tags: ['tlp:green'],
        comment: 'invoice.exe',
      },
    ]);
    const sample = s.indicators.matchFingerprint('file_md5', '0749BAE92CA336A02C83D126E04EC628');
    assert.deepEqual(sample.map((m) => [m.indicator, m.to_ids, m.comment]), [['0749bae92ca336a02c83d126e04ec628', true, 'sample.zip']]);
    assert.equal(s.indicators.matchFingerprint('file_md5', 'd41d8cd98f00b204e9800998ecf8427e')[0]!.to_ids, false, 'not to_ids: context only');
    assert.deepEqual(s.indicators.matchFingerprint('file_md5', 'e3b0c44298fc1c149afbf4c8996fb924').map((m) => m.comment), ['a|b.exe'], 'the hash follows the last bar');
    assert.equal(s.indicators.matchFingerprint('file_sha1', '68064fc152e23d56e541714af52651cb4ba81aaf')[0]!.to_ids, true, 'inside a file object');
    assert.equal(s.indicators.matchFingerprint('ja3', '0749bae92ca336a02c83d126e04ec628').length, 0, 'a sample MD5 is no JA3');
    const st = s.status()[0]!;
    assert.deepEqual([st.count, st.alerting, st.bad_lines], [5, 4, 2]);
    const bad = r.sources[0]!.bad_samples.join('\n');
    assert.match(bad, /attribute h4: filename\|sha1 "report\.doc" is not a file name and a SHA-1 \(40 hex digits\) joined by "\|"/);
    assert.match(bad, /attribute h5: sha256 "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f6" is not a SHA-256 \(64 hex digits\)/);
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
