/**
 * Remote lists and Tor documents fetched only when they changed: the ETag and
 * Last-Modified of the copy held go back as If-None-Match and
 * If-Modified-Since (across restarts too), a 304 keeps the set, a changed
 * document is read again, and redirects are followed. A real HTTP server on
 * 127.0.0.1 plays the publisher.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDir } from '../../helpers/paths.js';
import { createIntelSources, type IntelConfig } from '../../../src/intel/sources.js';
import { defaultConfig } from '../../../src/config/load.js';
import { startPublisher } from './publisher.js';

test('remote list and Tor document: conditional GETs after the first fetch and after a restart, 304 keeps the set, a change is read', async () => {
  const pub = await startPublisher();
  const cache = tempDir('picket-cond-cache-');
  try {
    pub.redirects.set('/old/bad-ips.txt', '/lists/bad-ips.txt');
    pub.docs.set('/lists/bad-ips.txt', { body: '203.0.113.5\n', etag: '"v1"' });
    pub.docs.set('/tor/exit-addresses', { body: 'ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nExitAddress 192.0.2.201 2026-11-29 10:00:00\n', lastModified: 'Sun, 29 Nov 2026 10:00:00 GMT' });
    const cfg: IntelConfig = { ...defaultConfig().intel, lists: [{ path: `${pub.base}/old/bad-ips.txt`, kind: 'ip' }], tor: [`${pub.base}/tor/exit-addresses`] };
    const s = await createIntelSources(cfg, '/', cache);
    const r1 = await s.refresh();
    assert.equal(r1.ok, true, JSON.stringify(r1));
    assert.equal(s.indicators.matchIp('203.0.113.5').length, 1, 'the redirect was followed');
    assert.equal(s.tor.lookup('192.0.2.201')?.length, 1);
    assert.ok(pub.log.every((l) => l.inm === undefined && l.ims === undefined), 'nothing held yet: unconditional');

    pub.log.length = 0;
    const r2 = await s.refresh();
    assert.equal(r2.ok, true, JSON.stringify(r2));
    assert.deepEqual(
      pub.log
        .filter((l) => l.status !== 301)
        .map((l) => [l.path, l.inm, l.ims, l.status])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['/lists/bad-ips.txt', '"v1"', undefined, 304],
        ['/tor/exit-addresses', undefined, 'Sun, 29 Nov 2026 10:00:00 GMT', 304],
      ],
    );
    assert.equal(s.indicators.matchIp('203.0.113.5').length, 1, '304: the set is kept');
    assert.equal(s.tor.lookup('192.0.2.201')?.length, 1);
    assert.match(r2.sources.find((x) => x.kind === 'list')!.note!, /^unchanged on the server \(HTTP 304\); 1 ip entries from 1 lines$/);

    // After a restart the validators come from the local store.
    const again = await createIntelSources(cfg, '/', cache);
    pub.log.length = 0;
    await again.refresh();
    assert.deepEqual(pub.log.filter((l) => l.status !== 301).map((l) => l.status), [304, 304]);
    assert.match(again.status().find((x) => x.kind === 'list')!.note!, /^unchanged on the server \(HTTP 304\); 1 ip entries/, 'the note does not pile up');
    assert.equal(again.indicators.matchIp('203.0.113.5').length, 1);

    // The configuration reads the same URL as another kind: the copy held does not count.
    const asCidr = await createIntelSources({ ...cfg, lists: [{ path: `${pub.base}/old/bad-ips.txt`, kind: 'cidr' }] }, '/', cache);
    pub.log.length = 0;
    const rk = await asCidr.refresh();
    assert.equal(rk.ok, true);
    assert.deepEqual(pub.log.filter((l) => l.path === '/lists/bad-ips.txt').map((l) => [l.inm, l.status]), [[undefined, 200]]);
    assert.equal(asCidr.status().find((x) => x.kind === 'list')!.note, '1 cidr entries from 1 lines');

    // The list changes: a new ETag, read again.
    pub.docs.set('/lists/bad-ips.txt', { body: '198.51.100.7\n', etag: '"v2"' });
    const r3 = await again.refresh();
    assert.equal(r3.ok, true);
    assert.equal(again.indicators.matchIp('203.0.113.5').length, 0);
    assert.equal(again.indicators.matchIp('198.51.100.7').length, 1);
  } finally {
    await pub.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
