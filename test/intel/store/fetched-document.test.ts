/**
 * Remote lists, Tor documents and MISP free-text feeds served by a real HTTP server on 127.0.0.1
 * that starts answering 200 with an empty body, a captive-portal page or
 * nothing valid: each such refresh fails, keeps the previous set (lookups
 * still match) and says why in the report and the status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/paths.js';
import { createIntelSources, type IntelConfig } from '../../../src/intel/sources.js';
import { looksLikeHtml } from '../../../src/intel/store/fetched-document.js';
import { defaultConfig } from '../../../src/config/load.js';
import { startFixture } from '../misp/http-fixture.js';

const PORTAL = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html><head><title>Hotel WiFi login</title></head>
<body><p>Please accept the terms</p>
203.0.113.250
</body></html>
`;

test('HTML pages are recognised by their start; lists, CSV and Tor documents are not HTML', () => {
  assert.equal(looksLikeHtml(PORTAL), true);
  assert.equal(looksLikeHtml('\uFEFF\n  <!doctype html><title>x</title>'), true);
  assert.equal(looksLikeHtml('<HTML>\n<BODY>Login</BODY>'), true);
  assert.equal(looksLikeHtml('203.0.113.1\n<html>\n'), false);
  assert.equal(looksLikeHtml('ip,comment\n203.0.113.1,<b>x</b>\n'), false);
  assert.equal(looksLikeHtml('{"relays": []}'), false);
  assert.equal(looksLikeHtml('<not-a-tag'), false);
});

test('a remote list or Tor document answering 200 with nothing usable keeps the previous set and says why', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-fetched-');
  try {
    fx.files.set('/lists/bad-ips.txt', '203.0.113.66\n198.51.100.7\n192.0.2.99\n');
    fx.files.set('/tor/exits', '192.0.2.201\n192.0.2.202\n');
    const cfg: IntelConfig = {
      ...defaultConfig().intel,
      lists: [{ path: `${fx.base}/lists/bad-ips.txt`, kind: 'ip', name: 'remote-bad' }],
      tor: [`${fx.base}/tor/exits`],
    };
    let clock = 1000;
    const s = await createIntelSources(cfg, '/', cache, { now: () => clock });
    const first = await s.refresh();
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(s.indicators.matchIp('203.0.113.66')[0]!.source, 'remote-bad');
    assert.equal(s.tor.size, 2);

    const cases: Array<{ list: string; tor: string; why: RegExp }> = [
      { list: '', tor: '', why: /sent an empty document instead of/ },
      { list: '\n  \n', tor: '\r\n', why: /sent an empty document instead of/ },
      { list: PORTAL, tor: PORTAL, why: /sent an HTML page instead of .*captive portal/ },
      { list: 'Service unavailable\nplease retry\n', tor: 'Service unavailable\nplease retry\n', why: /no valid value .* \(2 bad lines; line 1: not an IP address: Service unavailable\)/ },
      { list: '# list emptied\n', tor: '{"relays": []}', why: /no valid value in a document that should be / },
    ];
    for (const c of cases) {
      clock += 60;
      fx.files.set('/lists/bad-ips.txt', c.list);
      fx.files.set('/tor/exits', c.tor);
      const r = await s.refresh();
      assert.equal(r.ok, false, `${JSON.stringify(c.list)} must not count as a refresh`);
      for (const src of r.sources) {
        assert.equal(src.ok, false, src.name);
        assert.match(src.error!, c.why, src.name);
        assert.equal(src.count, src.previous_count, `${src.name} keeps its set`);
      }
      assert.match(r.sources[0]!.error!, /a list of ip entries/);
      assert.match(r.sources[1]!.error!, /a Tor relay document/);
      assert.equal(s.indicators.matchIp('203.0.113.66').length, 1, 'lookups still match');
      assert.equal(s.indicators.matchIp('203.0.113.250').length, 0, 'nothing taken from the portal page');
      assert.equal(s.tor.lookup('192.0.2.202')![0]!.exit, true);
      const st = s.status();
      assert.deepEqual(st.map((x) => [x.count, x.updated, x.last_attempt]), [[3, 1000, clock], [2, 1000, clock]]);
      for (const x of st) assert.match(x.last_error!, c.why);
    }

    // The kept set is what the local store holds, so a restart still has it.
    const again = await createIntelSources(cfg, '/', cache);
    assert.equal(again.indicators.matchIp('198.51.100.7').length, 1);
    assert.equal(again.tor.size, 2);

    // A document with some valid lines is a refresh, bad lines and all.
    fx.files.set('/lists/bad-ips.txt', '203.0.113.66\nbogus\n');
    fx.files.set('/tor/exits', '192.0.2.201\n');
    const back = await s.refresh();
    assert.equal(back.ok, true, JSON.stringify(back));
    assert.deepEqual(back.sources.map((x) => [x.count, x.bad_lines]), [[1, 1], [1, 0]]);
    assert.equal(s.indicators.matchIp('198.51.100.7').length, 0);
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('a local list file stays the site\'s own word: an empty file empties the source', async () => {
  const dir = tempDir('picket-fetched-local-');
  try {
    fs.writeFileSync(path.join(dir, 'bad-ips.txt'), '203.0.113.66\n');
    const cfg: IntelConfig = { ...defaultConfig().intel, lists: [{ path: 'bad-ips.txt', kind: 'ip' }] };
    const s = await createIntelSources(cfg, dir, path.join(dir, 'cache'));
    assert.equal(s.indicators.size, 1);
    fs.writeFileSync(path.join(dir, 'bad-ips.txt'), '');
    const r = await s.refresh();
    assert.equal(r.ok, true);
    assert.equal(s.indicators.size, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a MISP free-text feed URL answering with a portal page keeps its indicators and takes none from the page', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-fetched-feed-');
  try {
    // A bare feed URL without a manifest is read as free text; so is the portal's answer to manifest.json.
    fx.files.set('/feeds/iocs', 'Seen this week: 203.0.113.9 and evil-c2.example\n');
    const cfg: IntelConfig = { ...defaultConfig().intel, misp: { feeds: [`${fx.base}/feeds/iocs`, `${fx.base}/feeds/iocs.txt`], servers: [] } };
    fx.files.set('/feeds/iocs.txt', '198.51.100.9\n');
    const s = await createIntelSources(cfg, '/', cache);
    const first = await s.refresh();
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(s.indicators.matchDomain('evil-c2.example').length, 1);

    for (const f of ['/feeds/iocs', '/feeds/iocs.txt', '/feeds/iocs/manifest.json']) fx.files.set(f, PORTAL);
    const r = await s.refresh();
    assert.deepEqual(r.sources.map((x) => x.ok), [false, false]);
    for (const x of r.sources) assert.match(x.error!, /sent an HTML page instead of a free-text feed/);
    assert.equal(s.indicators.matchDomain('www.w3.org').length, 0, 'the page\'s links are no indicators');
    assert.equal(s.indicators.matchIp('203.0.113.250').length, 0);
    assert.equal(s.indicators.matchDomain('evil-c2.example').length, 1, 'kept');
    assert.equal(s.indicators.matchIp('198.51.100.9').length, 1, 'kept');

    fx.files.set('/feeds/iocs.txt', 'nothing to report this week\n');
    const prose = await s.refresh();
    assert.match(prose.sources[1]!.error!, /no valid value in a document that should be a free-text feed \(it lists nothing\)/);
    assert.equal(s.indicators.matchIp('198.51.100.9').length, 1);
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
