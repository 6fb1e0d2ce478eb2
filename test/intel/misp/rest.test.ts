/**
 * MISP REST pulls against a local server: the request MISP documents
 * (Authorization, JSON, restSearch body), incremental pulls since the last
 * one, deletions upstream expiring (flagged deleted on an incremental pull;
 * purged outright at the next full resync), the local store surviving a
 * restart, to_ids versus enrichment, paging, and a refused key keeping the
 * old set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/paths.js';
import { startFixture, type Fixture, type UpstreamAttribute } from './http-fixture.js';
import { createIntelSources } from '../../../src/intel/sources.js';
import { pullMisp, CLOCK_SKEW_SECONDS } from '../../../src/intel/misp/rest.js';
import { defaultConfig } from '../../../src/config/load.js';
import type { IntelConfig } from '../../../src/intel/sources.js';

const T0 = 1_700_000_000;
const DAY = 86400;

function attr(id: string, type: string, value: string, to_ids: boolean, timestamp: number, extra: Partial<UpstreamAttribute> = {}): UpstreamAttribute {
  return { id, event_id: '100', type, value, to_ids, timestamp, Event: { id: '100', info: 'Operation Lab', uuid: '5a3c2fcd-8328-42bb-a95e-4f4402de0b81' }, ...extra };
}

/** What publishing an event does upstream: every attribute of it carries the event's new publish time. */
function publish(attributes: Map<string, UpstreamAttribute>, eventId: string, at: number): void {
  for (const [id, a] of attributes) if (a.event_id === eventId) attributes.set(id, { ...a, Event: { ...a.Event, published: true, publish_timestamp: at } });
}

/** What editing an attribute does upstream: a new attribute timestamp, and its event unpublished. */
function edit(attributes: Map<string, UpstreamAttribute>, id: string, change: Partial<UpstreamAttribute>, at: number): void {
  const a = attributes.get(id)!;
  attributes.set(id, { ...a, ...change, timestamp: at });
  for (const [k, b] of attributes) if (b.event_id === a.event_id) attributes.set(k, { ...attributes.get(k)!, Event: { ...b.Event, published: false } });
}

function intelConfig(url: string): IntelConfig {
  const base = defaultConfig().intel;
  return { ...base, misp: { feeds: [], servers: [{ url, key_env: 'PICKET_TEST_MISP_KEY', verify_tls: true, since_days: 30 }] } };
}

test('MISP REST: full pull, incremental pull since the last, deletions expire, store survives restart', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-misp-cache-');
  let clock = T0;
  const opts = { now: () => clock, env: { PICKET_TEST_MISP_KEY: fx.key } };
  try {
    fx.attributes.set('1', attr('1', 'domain', 'evil.example', true, T0 - 1000, { Tag: [{ name: 'tlp:amber' }] }));
    fx.attributes.set('2', attr('2', 'ip-dst', '203.0.113.5', true, T0 - 1000));
    fx.attributes.set('3', attr('3', 'user-agent', 'EvilBot/1.0', false, T0 - 1000));
    fx.attributes.set('4', attr('4', 'md5', 'd41d8cd98f00b204e9800998ecf8427e', true, T0 - 1000));
    fx.attributes.set('5', attr('5', 'domain|ip', 'c2.example|192.0.2.50', true, T0 - 1000));

    const s = await createIntelSources(intelConfig(fx.base), '/', cache, opts);
    const r1 = await s.refresh();
    assert.equal(r1.ok, true, JSON.stringify(r1));
    const first = fx.requests.at(-1)!;
    assert.equal(first.authorization, fx.key);
    assert.equal(first.body!.returnFormat, 'json');
    assert.equal(first.body!.published, true);
    assert.equal(first.body!.timestamp, T0 - 30 * DAY);
    assert.equal(first.body!.deleted, undefined, 'a full pull takes current attributes only');
    assert.equal(first.body!.publish_timestamp, undefined);
    assert.ok((first.body!.type as string[]).includes('ip-dst') && (first.body!.type as string[]).includes('user-agent'));

    const evil = s.indicators.matchDomain('www.evil.example');
    assert.deepEqual(evil, [{ source: `misp:${new URL(fx.base).host}`, kind: 'domain', indicator: 'evil.example', to_ids: true, event_id: '100', event_info: 'Operation Lab', tags: ['tlp:amber'] }]);
    assert.equal(s.indicators.matchIp('203.0.113.5').length, 1);
    assert.equal(s.indicators.matchUserAgent('EvilBot/1.0')[0]!.to_ids, false, 'not to_ids: enrichment only');
    assert.equal(s.indicators.matchIp('192.0.2.50')[0]!.indicator, 'c2.example|192.0.2.50');
    assert.equal(s.indicators.matchDomain('c2.example').length, 1);
    assert.equal(s.indicators.matchFingerprint('file_md5', 'd41d8cd98f00b204e9800998ecf8427e')[0]!.event_info, 'Operation Lab');
    assert.equal(s.status()[0]!.count, 6);

    // An hour later: one new attribute, one deleted upstream (MISP soft delete bumps its timestamp).
    clock = T0 + 3600;
    fx.attributes.set('6', attr('6', 'hostname', 'new.example', true, T0 + 100));
    fx.attributes.set('2', { ...fx.attributes.get('2')!, deleted: true, timestamp: T0 + 200 });
    publish(fx.attributes, '100', T0 + 300);
    const r2 = await s.refresh();
    assert.equal(r2.ok, true);
    const second = fx.requests.at(-1)!;
    assert.equal(second.body!.publish_timestamp, T0 - CLOCK_SKEW_SECONDS, 'incremental: events published since the previous pull');
    assert.equal(second.body!.timestamp, T0 + 3600 - 30 * DAY, 'the same attribute-age window as a full pull');
    assert.deepEqual(second.body!.deleted, [0, 1]);
    assert.match(r2.sources[0]!.note!, /incremental pull: 6 attributes received/, 'every indicator attribute of the republished event');
    assert.equal(s.indicators.matchDomain('new.example').length, 1);
    assert.equal(s.indicators.matchIp('203.0.113.5').length, 0, 'deleted upstream: expired');
    assert.equal(s.indicators.matchDomain('evil.example').length, 1, 'untouched attributes stay');

    // Restart: the store gives the same set before any refresh.
    const again = await createIntelSources(intelConfig(fx.base), '/', cache, opts);
    assert.equal(again.indicators.matchDomain('new.example').length, 1);
    assert.equal(again.indicators.matchIp('203.0.113.5').length, 0);
    assert.equal(again.status()[0]!.updated, T0 + 3600);
    assert.equal(fs.readdirSync(cache).filter((f) => f.endsWith('.tmp')).length, 0, 'no temp files left');

    // Purged outright (no tombstone): gone at the next full resync, a day after the last.
    fx.attributes.delete('1');
    clock = T0 + 3600 + 600;
    await again.refresh();
    assert.equal(again.indicators.matchDomain('evil.example').length, 1, 'an incremental pull cannot see a purge');
    clock = T0 + DAY + 1;
    const r3 = await again.refresh();
    const third = fx.requests.at(-1)!;
    assert.equal(third.body!.deleted, undefined);
    assert.equal(third.body!.timestamp, T0 + DAY + 1 - 30 * DAY);
    assert.match(r3.sources[0]!.note!, /full pull/);
    assert.equal(again.indicators.matchDomain('evil.example').length, 0);
    assert.equal(again.indicators.matchDomain('new.example').length, 1);
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('MISP REST: a refused key or a missing variable fails that source only and keeps its indicators', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-misp-cache-');
  const env: NodeJS.ProcessEnv = { PICKET_TEST_MISP_KEY: fx.key };
  let clock = T0;
  try {
    fx.attributes.set('1', attr('1', 'domain', 'evil.example', true, T0 - 10));
    const dir = tempDir('picket-misp-cfg-');
    fs.writeFileSync(path.join(dir, 'names.txt'), 'listed.example\n');
    const cfg: IntelConfig = { ...intelConfig(fx.base), lists: [{ path: 'names.txt', kind: 'domain' }] };
    const s = await createIntelSources(cfg, dir, cache, { now: () => clock, env });
    assert.equal((await s.refresh()).ok, true);
    env.PICKET_TEST_MISP_KEY = 'wrong';
    clock += 60;
    const r = await s.refresh();
    assert.equal(r.ok, false);
    const misp = r.sources.find((x) => x.kind === 'misp-server')!;
    assert.match(misp.error!, /HTTP 403, the key in PICKET_TEST_MISP_KEY was refused: .*Authentication failed/);
    assert.equal(r.sources.find((x) => x.kind === 'list')!.ok, true);
    assert.equal(s.indicators.matchDomain('evil.example').length, 1, 'old set kept');
    const st = s.status().find((x) => x.kind === 'misp-server')!;
    assert.equal(st.updated, T0);
    assert.equal(st.last_attempt, T0 + 60);
    assert.match(st.last_error!, /403/);
    delete env.PICKET_TEST_MISP_KEY;
    const r2 = await s.refresh();
    assert.match(r2.sources.find((x) => x.kind === 'misp-server')!.error!, /environment variable PICKET_TEST_MISP_KEY .* is not set/);
    fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('MISP REST: pages until a short page; bad values are counted, other types skipped', async () => {
  const fx = await startFixture();
  try {
    for (let i = 1; i <= 5; i++) fx.attributes.set(String(i), attr(String(i), 'ip-src', `192.0.2.${i}`, true, T0));
    fx.attributes.set('6', attr('6', 'domain', 'not a domain', true, T0));
    const r = await pullMisp({ url: `${fx.base}/`, key_env: 'K', verify_tls: true, since_days: 7 }, [], {}, { now: T0, env: { K: fx.key }, pageSize: 2 });
    assert.deepEqual(fx.requests.map((q) => q.body!.page), [1, 2, 3, 4]);
    assert.equal(r.received, 6);
    assert.equal(r.indicators.length, 5);
    assert.equal(r.stats.badCount, 1);
    assert.match(r.stats.bad[0]!, /attribute 6: domain "not a domain" is not a domain name/);
    assert.equal(r.full, true);
  } finally {
    await fx.close();
  }
});

test('MISP REST: to_ids switched off, an attribute deleted or purged, and the event published after a pull in between: the next pull stops alerting', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-misp-cache-');
  let clock = T0;
  const opts = { now: () => clock, env: { PICKET_TEST_MISP_KEY: fx.key } };
  try {
    fx.attributes.set('1', attr('1', 'domain', 'evil.example', true, T0 - 1000));
    fx.attributes.set('2', attr('2', 'ip-dst', '203.0.113.5', true, T0 - 1000));
    fx.attributes.set('3', attr('3', 'hostname', 'purged.example', true, T0 - 1000));
    fx.attributes.set('4', attr('4', 'ip-src', '198.51.100.9', true, T0 - 1000));
    fx.attributes.set('9', { ...attr('9', 'domain', 'other-event.example', true, T0 - 1000), event_id: '200', Event: { id: '200', info: 'Other', uuid: 'b2f0c1de-0000-4000-8000-000000000200' } });
    publish(fx.attributes, '100', T0 - 900);
    publish(fx.attributes, '200', T0 - 900);
    const s = await createIntelSources(intelConfig(fx.base), '/', cache, opts);
    assert.equal((await s.refresh()).ok, true);
    assert.equal(s.indicators.matchDomain('evil.example')[0]!.to_ids, true);
    assert.equal(s.indicators.matchIp('203.0.113.5').length, 1);

    // The analyst edits event 100 (MISP unpublishes it on each edit)...
    edit(fx.attributes, '1', { to_ids: false }, T0 + 600);
    edit(fx.attributes, '2', { deleted: true }, T0 + 610);
    fx.attributes.delete('3');
    // ... a pull runs while the event is unpublished: the published version still stands...
    clock = T0 + 3600;
    assert.equal((await s.refresh()).ok, true);
    assert.equal(s.indicators.matchDomain('evil.example')[0]!.to_ids, true);
    // ... and the event is published an hour later, long after the edits' timestamps.
    publish(fx.attributes, '100', T0 + 7000);
    clock = T0 + 7200;
    const r = await s.refresh();
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.match(r.sources[0]!.note!, /incremental pull/);
    const evil = s.indicators.matchDomain('evil.example');
    assert.equal(evil.length, 1, 'still known, as context');
    assert.equal(evil[0]!.to_ids, false, 'to_ids switched off upstream: no longer alerts');
    assert.equal(s.indicators.matchIp('203.0.113.5').length, 0, 'deleted upstream: expired');
    assert.equal(s.indicators.matchDomain('purged.example').length, 0, 'purged from a republished event: expired');
    assert.equal(s.indicators.matchIp('198.51.100.9').length, 1, 'untouched attribute of the republished event stays');
    assert.equal(s.indicators.matchDomain('other-event.example').length, 1, 'other events stay');
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('MISP REST: a server that is down, answers 500 or sends an HTML login page fails clearly and keeps the old set', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-misp-cache-');
  let clock = T0;
  try {
    for (let i = 1; i <= 3; i++) fx.attributes.set(String(i), attr(String(i), 'ip-dst', `192.0.2.${i}`, true, T0 - 10));
    const s = await createIntelSources(intelConfig(fx.base), '/', cache, { now: () => clock, env: { PICKET_TEST_MISP_KEY: fx.key } });
    assert.equal((await s.refresh()).ok, true);
    const failWith = async (answer: Fixture['override'], expected: RegExp): Promise<void> => {
      fx.override = answer;
      clock += 3600;
      const before = fx.requests.length;
      const r = await s.refresh();
      fx.override = null;
      assert.equal(r.ok, false);
      assert.match(r.sources[0]!.error!, expected);
      assert.ok(fx.requests.length - before <= 2, `gave up at once (${fx.requests.length - before} requests)`);
      assert.equal(s.indicators.matchIp('192.0.2.2').length, 1, 'old set kept');
      const st = s.status()[0]!;
      assert.match(st.last_error!, expected, 'status says so');
      assert.equal(st.updated, T0);
      assert.equal(st.last_attempt, clock);
    };
    await failWith(() => ({ status: 500, headers: { 'content-type': 'text/html' }, body: '<html><head><title>500 Internal Server Error</title></head><body>Allowed memory size exhausted</body></html>' }), /HTTP 500: .*Allowed memory size exhausted/);
    // A single sign-on proxy in front of MISP sends its login page.
    await failWith(
      (q) =>
        q.url === '/attributes/restSearch'
          ? { status: 302, headers: { location: '/sso/login' } as Record<string, string>, body: '' }
          : { status: 200, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html>\n<html><head><title>Sign in - Corp SSO</title></head><body>login</body></html>' },
      /the answer is an HTML page \("Sign in - Corp SSO"\), not MISP's JSON: a login page/,
    );
    await fx.close();
    clock += 3600;
    const down = await s.refresh();
    assert.match(down.sources[0]!.error!, /attributes\/restSearch: fetch failed/);
    assert.equal(s.indicators.matchIp('192.0.2.2').length, 1);
  } finally {
    await fx.close().catch(() => undefined);
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('MISP REST: a server that ignores "limit" and sends everything in one answer is read in one request', async () => {
  const fx = await startFixture();
  try {
    for (let i = 1; i <= 5; i++) fx.attributes.set(String(i), attr(String(i), 'ip-src', `192.0.2.${i}`, true, T0));
    fx.override = (q) => {
      if (q.body === null) return null;
      const all = [...fx.attributes.values()].map((a) => ({ ...a, timestamp: String(a.timestamp) }));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response: { Attribute: all } }) };
    };
    const r = await pullMisp({ url: fx.base, key_env: 'K', verify_tls: true, since_days: 7 }, [], {}, { now: T0, env: { K: fx.key }, pageSize: 2 });
    assert.equal(fx.requests.length, 1);
    assert.equal(r.indicators.length, 5);
  } finally {
    await fx.close();
  }
});

test('MISP REST: a server that ignores "page" fails at page 2 instead of asking 100 times and blaming since_days', async () => {
  const fx = await startFixture();
  try {
    for (let i = 1; i <= 5; i++) fx.attributes.set(String(i), attr(String(i), 'ip-src', `192.0.2.${i}`, true, T0));
    fx.override = (q) => {
      if (q.body === null) return null;
      const firstPage = [...fx.attributes.values()].slice(0, Number(q.body.limit)).map((a) => ({ ...a, timestamp: String(a.timestamp) }));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response: { Attribute: firstPage } }) };
    };
    await assert.rejects(
      pullMisp({ url: fx.base, key_env: 'K', verify_tls: true, since_days: 7 }, [], {}, { now: T0, env: { K: fx.key }, pageSize: 2 }),
      /page 2 repeats attributes of earlier pages; the server ignores "page", so the 2 attributes received may be only part of the set/,
    );
    assert.equal(fx.requests.length, 2);
  } finally {
    await fx.close();
  }
});

test('MISP REST: the pull asks for ja3-fingerprint-md5, hassh-md5 and hasshserver-md5; they become ja3, hassh and hassh_server indicators', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-misp-cache-');
  try {
    fx.attributes.set('1', attr('1', 'ja3-fingerprint-md5', '1AA7BF8B97E540CA5EDD75F7B8384BFA', true, T0 - 100));
    fx.attributes.set('2', attr('2', 'hassh-md5', 'ec7378c1a92f5a8dde7e8b7a1ddf33d1', true, T0 - 100, { Tag: [{ name: 'tool:hydra' }] }));
    fx.attributes.set('3', attr('3', 'hasshserver-md5', 'b12d2871a1189eff20364cf5333619ee', false, T0 - 100));
    fx.attributes.set('4', attr('4', 'hassh-md5', 'not-an-md5', true, T0 - 100));
    fx.attributes.set('5', attr('5', 'jarm-fingerprint', '27d40d40d29d40d1dc42d43d00041d4689ee210389f4f6b4b5b1b93f92252d', true, T0 - 100));
    const s = await createIntelSources(intelConfig(fx.base), '/', cache, { now: () => T0, env: { PICKET_TEST_MISP_KEY: fx.key } });
    const r = await s.refresh();
    assert.equal(r.ok, true, JSON.stringify(r));
    const types = fx.requests.at(-1)!.body!.type as string[];
    for (const t of ['ja3-fingerprint-md5', 'hassh-md5', 'hasshserver-md5']) assert.ok(types.includes(t), `the pull asks for ${t}`);
    const source = `misp:${new URL(fx.base).host}`;
    assert.deepEqual(s.indicators.matchFingerprint('ja3', '1aa7bf8b97e540ca5edd75f7b8384bfa'), [
      { source, kind: 'ja3', indicator: '1AA7BF8B97E540CA5EDD75F7B8384BFA', to_ids: true, event_id: '100', event_info: 'Operation Lab' },
    ]);
    assert.deepEqual(s.indicators.matchFingerprint('hassh', 'EC7378C1A92F5A8DDE7E8B7A1DDF33D1').map((m) => [m.kind, m.tags]), [['hassh', ['tool:hydra']]]);
    assert.equal(s.indicators.matchFingerprint('hassh_server', 'b12d2871a1189eff20364cf5333619ee')[0]!.to_ids, false);
    assert.equal(s.indicators.matchFingerprint('hassh', 'b12d2871a1189eff20364cf5333619ee').length, 0);
    assert.match(r.sources[0]!.bad_samples.join('\n'), /attribute 4: hassh-md5 "not-an-md5" is not an MD5 \(32 hex digits\)/);
    const st = s.status()[0]!;
    assert.deepEqual([st.count, st.alerting], [3, 2], 'the to_ids ja3 and hassh alert; the server fingerprint only enriches');
    // After a restart, from the local store.
    const again = await createIntelSources(intelConfig(fx.base), '/', cache, { now: () => T0, env: { PICKET_TEST_MISP_KEY: fx.key } });
    assert.equal(again.indicators.matchFingerprint('ja3', '1aa7bf8b97e540ca5edd75f7b8384bfa').length, 1);
    assert.equal(again.indicators.matchFingerprint('hassh_server', 'b12d2871a1189eff20364cf5333619ee').length, 1);
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('MISP REST: the pull asks for x509-fingerprint-sha1 and -sha256, not -md5; they become certificate indicators, to_ids deciding which alert', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-misp-cache-');
  try {
    fx.attributes.set('1', attr('1', 'x509-fingerprint-sha1', '82:43:7E:78:30:61:4E:25:00:67:9D:12:15:90:D2:53:81:DE:1D:AC', true, T0 - 100, { Tag: [{ name: 'malware:lab-rat' }] }));
    fx.attributes.set('2', attr('2', 'x509-fingerprint-sha256', 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244', false, T0 - 100));
    fx.attributes.set('3', attr('3', 'x509-fingerprint-md5', '0123456789abcdef0123456789abcdef', true, T0 - 100));
    fx.attributes.set('4', attr('4', 'x509-fingerprint-sha256', '82437e7830614e2500679d121590d25381de1dac', true, T0 - 100));
    const s = await createIntelSources(intelConfig(fx.base), '/', cache, { now: () => T0, env: { PICKET_TEST_MISP_KEY: fx.key } });
    const r = await s.refresh();
    assert.equal(r.ok, true, JSON.stringify(r));
    const types = fx.requests.at(-1)!.body!.type as string[];
    for (const t of ['x509-fingerprint-sha1', 'x509-fingerprint-sha256']) assert.ok(types.includes(t), `the pull asks for ${t}`);
    assert.ok(!types.includes('x509-fingerprint-md5'), 'certificate MD5s are not pulled');
    const source = `misp:${new URL(fx.base).host}`;
    assert.deepEqual(s.indicators.matchFingerprint('cert_sha1', '82437e7830614e2500679d121590d25381de1dac'), [
      {
        source,
        kind: 'cert_sha1',
        indicator: '82:43:7E:78:30:61:4E:25:00:67:9D:12:15:90:D2:53:81:DE:1D:AC',
        to_ids: true,
        event_id: '100',
        event_info: 'Operation Lab',
        tags: ['malware:lab-rat'],
      },
    ]);
    assert.equal(s.indicators.matchFingerprint('cert_sha256', 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244')[0]!.to_ids, false);
    assert.match(r.sources[0]!.bad_samples.join('\n'), /attribute 4: x509-fingerprint-sha256 "82437e7830614e2500679d121590d25381de1dac" is not a SHA-256 \(64 hex digits\)/);
    const st = s.status()[0]!;
    assert.deepEqual([st.count, st.alerting], [2, 1], 'the to_ids SHA-1 alerts; the SHA-256 only enriches');
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('MISP REST: the pull asks for md5, sha1, sha256, filename|md5, filename|sha1, filename|sha256 and malware-sample; they become file hashes, the file name their comment, to_ids deciding which alert', async () => {
  const fx = await startFixture();
  const cache = tempDir('picket-misp-cache-');
  try {
    fx.attributes.set('1', attr('1', 'sha256', 'B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68', true, T0 - 100, { Tag: [{ name: 'malware:xorist' }] }));
    fx.attributes.set('2', attr('2', 'sha1', '77b0c41b7d340b8a3d903f21347bbf06aa766b5b', false, T0 - 100));
    fx.attributes.set('3', attr('3', 'filename|sha256', 'C:\\Users\\lab\\invoice.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', true, T0 - 100));
    fx.attributes.set('4', attr('4', 'malware-sample', '3Z4wnG9603it23y.exe|0749bae92ca336a02c83d126e04ec628', true, T0 - 100));
    fx.attributes.set('5', attr('5', 'filename|md5', 'x.exe|0749bae92ca336a02c83d126e04ec62', true, T0 - 100));
    fx.attributes.set('6', attr('6', 'filename|sha1', 'report.doc|68064fc152e23d56e541714af52651cb4ba81aaf', true, T0 - 100));
    fx.attributes.set('7', attr('7', 'md5', 'not-an-md5', true, T0 - 100));
    fx.attributes.set('8', attr('8', 'sha512', 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e', true, T0 - 100));
    const s = await createIntelSources(intelConfig(fx.base), '/', cache, { now: () => T0, env: { PICKET_TEST_MISP_KEY: fx.key } });
    const r = await s.refresh();
    assert.equal(r.ok, true, JSON.stringify(r));
    const types = fx.requests.at(-1)!.body!.type as string[];
    for (const t of ['md5', 'sha1', 'sha256', 'filename|md5', 'filename|sha1', 'filename|sha256', 'malware-sample']) assert.ok(types.includes(t), `the pull asks for ${t}`);
    assert.ok(!types.includes('sha512'), 'no rule matches SHA-512s: not pulled');
    const source = `misp:${new URL(fx.base).host}`;
    assert.deepEqual(s.indicators.matchFingerprint('file_sha256', 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68'), [
      { source, kind: 'file_sha256', indicator: 'B3C4AE251F8094FA15B510051835C657EAEF2A6CEA46075D3AEC964B14A99F68', to_ids: true, event_id: '100', event_info: 'Operation Lab', tags: ['malware:xorist'] },
    ]);
    assert.equal(s.indicators.matchFingerprint('file_sha1', '77B0C41B7D340B8A3D903F21347BBF06AA766B5B')[0]!.to_ids, false, 'not to_ids: enrichment only');
    assert.deepEqual(
      s.indicators.matchFingerprint('file_sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855').map((m) => [m.indicator, m.comment]),
      [['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'C:\\Users\\lab\\invoice.exe']],
      'filename|sha256: the hash matches, the file name is the comment',
    );
    assert.deepEqual(s.indicators.matchFingerprint('file_md5', '0749bae92ca336a02c83d126e04ec628').map((m) => [m.kind, m.comment, m.to_ids]), [['file_md5', '3Z4wnG9603it23y.exe', true]], 'malware-sample: filename|md5');
    assert.deepEqual(s.indicators.matchFingerprint('file_sha1', '68064fc152e23d56e541714af52651cb4ba81aaf').map((m) => m.comment), ['report.doc']);
    const bad = r.sources[0]!.bad_samples.join('\n');
    assert.match(bad, /attribute 5: filename\|md5 "x\.exe\|0749bae92ca336a02c83d126e04ec62" is not a file name and an MD5 \(32 hex digits\) joined by "\|"/);
    assert.match(bad, /attribute 7: md5 "not-an-md5" is not an MD5 \(32 hex digits\)/);
    const st = s.status()[0]!;
    assert.deepEqual([st.count, st.alerting, st.bad_lines], [5, 4, 2], 'the to_ids hashes alert; the SHA-1 without to_ids only enriches');
    // After a restart, from the local store.
    const again = await createIntelSources(intelConfig(fx.base), '/', cache, { now: () => T0, env: { PICKET_TEST_MISP_KEY: fx.key } });
    assert.equal(again.indicators.matchFingerprint('file_md5', '0749bae92ca336a02c83d126e04ec628')[0]!.comment, '3Z4wnG9603it23y.exe');
    assert.equal(again.indicators.matchFingerprint('file_sha256', 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68').length, 1);
  } finally {
    await fx.close();
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
