/**
 * MISP feeds fetched by URL are asked for conditionally: the manifest and the
 * CSV, free-text and single-event documents carry the validators of the copy
 * held (kept in the local store, so across restarts too), a 304 keeps the
 * set, a change upstream is read, an event that failed keeps the manifest
 * unconditional until it is read, and a feed configured with another URL
 * under the same name never reuses the other document's validators. A real
 * HTTP server on 127.0.0.1 plays the feed publisher.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDir } from '../../helpers/paths.js';
import { createIntelSources, type IntelConfig } from '../../../src/intel/sources.js';
import { defaultConfig } from '../../../src/config/load.js';
import { startPublisher, type PublisherRequest } from '../store/publisher.js';

const A = '11111111-2222-4333-8444-555555555555';
const B = '66666666-7777-4888-9999-aaaaaaaaaaaa';

function event(uuid: string, ip: string): string {
  return JSON.stringify({ Event: { uuid, info: `event ${uuid.slice(0, 4)}`, Attribute: [{ uuid: `a-${ip}`, type: 'ip-dst', value: ip, to_ids: true }] } });
}

function manifest(tsA: number, tsB: number): string {
  return JSON.stringify({ [A]: { info: 'a', timestamp: tsA }, [B]: { info: 'b', timestamp: tsB } });
}

/** The requests of one refresh as [path, If-None-Match, If-Modified-Since, status], sorted by path. */
function seen(log: PublisherRequest[]): Array<[string, string | undefined, string | undefined, number]> {
  return log.map((l): [string, string | undefined, string | undefined, number] => [l.path, l.inm, l.ims, l.status]).sort((x, y) => x[0].localeCompare(y[0]));
}

test('MISP-format feed by URL: conditional manifest, 304 keeps the events, a restart keeps the validators, a change and a failed event are read again', async () => {
  const pub = await startPublisher();
  const cache = tempDir('picket-feed-cond-');
  try {
    pub.docs.set('/feed/manifest.json', { body: manifest(1, 1), etag: '"m1"' });
    pub.docs.set(`/feed/${A}.json`, { body: event(A, '198.51.100.1') });
    pub.docs.set(`/feed/${B}.json`, { body: event(B, '198.51.100.2') });
    const cfg: IntelConfig = { ...defaultConfig().intel, misp: { feeds: [`${pub.base}/feed/`], servers: [] } };
    const s = await createIntelSources(cfg, '/', cache);
    const r1 = await s.refresh();
    assert.equal(r1.ok, true, JSON.stringify(r1));
    assert.deepEqual(seen(pub.log), [
      [`/feed/${A}.json`, undefined, undefined, 200],
      [`/feed/${B}.json`, undefined, undefined, 200],
      ['/feed/manifest.json', undefined, undefined, 200],
    ]);
    assert.equal(s.indicators.matchIp('198.51.100.1').length, 1);

    pub.log.length = 0;
    const r2 = await s.refresh();
    assert.equal(r2.ok, true);
    assert.deepEqual(seen(pub.log), [['/feed/manifest.json', '"m1"', undefined, 304]], 'only the manifest, conditional');
    assert.equal(s.indicators.matchIp('198.51.100.1').length, 1, '304: the events are kept');
    assert.equal(s.indicators.matchIp('198.51.100.2').length, 1);
    assert.match(r2.sources[0]!.note!, /^unchanged on the server \(HTTP 304\); MISP feed: 2 events, 2 downloaded/);

    // After a restart the manifest's validators come from the local store.
    const again = await createIntelSources(cfg, '/', cache);
    pub.log.length = 0;
    await again.refresh();
    assert.deepEqual(seen(pub.log), [['/feed/manifest.json', '"m1"', undefined, 304]]);
    assert.equal(again.indicators.matchIp('198.51.100.2').length, 1);

    // Upstream: event A changes, event B is republished but its file is missing.
    pub.docs.set('/feed/manifest.json', { body: manifest(2, 2), etag: '"m2"' });
    pub.docs.set(`/feed/${A}.json`, { body: event(A, '198.51.100.11') });
    pub.docs.delete(`/feed/${B}.json`);
    pub.log.length = 0;
    const r3 = await again.refresh();
    assert.equal(r3.ok, true);
    assert.deepEqual(seen(pub.log), [
      [`/feed/${A}.json`, undefined, undefined, 200],
      [`/feed/${B}.json`, undefined, undefined, 404],
      ['/feed/manifest.json', '"m1"', undefined, 200],
    ]);
    assert.equal(again.indicators.matchIp('198.51.100.1').length, 0, 'the change was read');
    assert.equal(again.indicators.matchIp('198.51.100.11').length, 1);
    assert.equal(again.indicators.matchIp('198.51.100.2').length, 1, 'the failed event keeps its indicators');

    // Event B was not read: the manifest is asked for in full, so B is tried again.
    pub.docs.set(`/feed/${B}.json`, { body: event(B, '198.51.100.22') });
    pub.log.length = 0;
    await again.refresh();
    assert.deepEqual(seen(pub.log), [
      [`/feed/${B}.json`, undefined, undefined, 200],
      ['/feed/manifest.json', undefined, undefined, 200],
    ]);
    assert.equal(again.indicators.matchIp('198.51.100.22').length, 1);
    pub.log.length = 0;
    await again.refresh();
    assert.deepEqual(seen(pub.log), [['/feed/manifest.json', '"m2"', undefined, 304]], 'every event read: conditional again');
  } finally {
    await pub.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('CSV, free-text and bare-URL feeds by URL: conditional after the first fetch and after a restart, a change is read, another URL is fetched in full', async () => {
  const pub = await startPublisher();
  const cache = tempDir('picket-feed-cond-');
  try {
    const lm = 'Sun, 29 Nov 2026 10:00:00 GMT';
    pub.docs.set('/csv/bad.csv', { body: 'indicator,comment\n203.0.113.7,c2\n', lastModified: lm });
    pub.docs.set('/text/bad.txt', { body: 'seen: 203.0.113.8 and c2.example\n', etag: '"t1"' });
    // A bare URL without a manifest is free text; its manifest probe is answered 404 every time.
    pub.docs.set('/bare/list', { body: 'beacon to 203.0.113.9\n', etag: '"b1"' });
    const cfg: IntelConfig = { ...defaultConfig().intel, misp: { feeds: [`${pub.base}/csv/bad.csv`, `${pub.base}/text/bad.txt`, `${pub.base}/bare/list`], servers: [] } };
    const s = await createIntelSources(cfg, '/', cache);
    const r1 = await s.refresh();
    assert.equal(r1.ok, true, JSON.stringify(r1));
    assert.ok(pub.log.every((l) => l.inm === undefined && l.ims === undefined));
    assert.equal(s.indicators.matchIp('203.0.113.7').length, 1);

    const expectConditional = (): void =>
      assert.deepEqual(seen(pub.log), [
        ['/bare/list', '"b1"', undefined, 304],
        ['/bare/list/manifest.json', undefined, undefined, 404],
        ['/csv/bad.csv', undefined, lm, 304],
        ['/text/bad.txt', '"t1"', undefined, 304],
      ]);
    pub.log.length = 0;
    const r2 = await s.refresh();
    assert.equal(r2.ok, true, JSON.stringify(r2));
    expectConditional();
    for (const ip of ['203.0.113.7', '203.0.113.8', '203.0.113.9']) assert.equal(s.indicators.matchIp(ip).length, 1, `${ip} kept on 304`);
    assert.equal(s.indicators.matchDomain('c2.example').length, 1);

    const again = await createIntelSources(cfg, '/', cache);
    pub.log.length = 0;
    await again.refresh();
    expectConditional();
    assert.equal(again.indicators.matchIp('203.0.113.8').length, 1);

    pub.docs.set('/csv/bad.csv', { body: 'indicator\n203.0.113.70\n', lastModified: 'Sun, 29 Nov 2026 11:00:00 GMT' });
    const r3 = await again.refresh();
    assert.equal(r3.ok, true);
    assert.equal(again.indicators.matchIp('203.0.113.7').length, 0, 'the changed CSV was read');
    assert.equal(again.indicators.matchIp('203.0.113.70').length, 1);

    // The same source name (host and file name) now points at another URL: its copy and validators do not count.
    pub.docs.set('/elsewhere/bad.txt', { body: '203.0.113.80\n', etag: '"t1"' });
    const moved = await createIntelSources({ ...cfg, misp: { feeds: [`${pub.base}/elsewhere/bad.txt`], servers: [] } }, '/', cache);
    assert.equal(moved.status()[0]!.name, again.status()[1]!.name, 'one store file for both');
    pub.log.length = 0;
    const r4 = await moved.refresh();
    assert.equal(r4.ok, true, JSON.stringify(r4));
    assert.deepEqual(seen(pub.log), [['/elsewhere/bad.txt', undefined, undefined, 200]]);
    assert.equal(moved.indicators.matchIp('203.0.113.80').length, 1);
    assert.equal(moved.indicators.matchIp('203.0.113.8').length, 0);
  } finally {
    await pub.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
