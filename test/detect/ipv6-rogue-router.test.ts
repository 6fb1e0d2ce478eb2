/**
 * ipv6.rogue_router on the lab's fake_router6 capture (test/lab/captures/
 * rogue-ra.pcap), on every other capture (quiet), and on built router
 * advertisements: the allowlist, a second router on a link, foreign
 * prefixes, DNS servers and VLANs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, capturesUnder } from '../helpers/paths.js';
import type { RouterAdvertEvent } from '../../src/events/router-advert.js';

const RULE = 'ipv6.rogue_router';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');
const ROUTER = '02:77:00:00:00:fe';
const ROGUE = '02:77:02:00:00:42';
/** The harness site with IPv6 prefixes for its networks. */
const SITE_V6 = SITE_YAML.replace('cidrs: [10.77.1.0/24]', 'cidrs: [10.77.1.0/24, "fd77:1::/64"]').replace('cidrs: [10.77.2.0/24]', 'cidrs: [10.77.2.0/24, "fd77:2::/64"]');

function ra(ts: number, mac: string, r: Partial<RouterAdvertEvent> = {}): RouterAdvertEvent {
  const last = mac.slice(-2);
  return { type: 'nd.router_advert', ts, src_mac: mac, src: `fe80::${last}`, dst: 'ff02::1', slla: mac, prefixes: ['fd77:2::/64'], dns_servers: [], ...r };
}

function alerts(yaml: string, ...events: RouterAdvertEvent[]) {
  const h = harness(yaml);
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

test('rogue-ra.pcap: fake_router6 advertising a prefix of its own is a rogue router, critical', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'rogue-ra.pcap'), [RULE], `networks:\n  - { name: workstations, cidrs: [10.77.2.0/24, "fd77:2::/64"] }\n`);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.source, { ip: 'fe80::77:2ff:fe00:42', mac: ROGUE });
  assert.equal(a[0]!.event.severity, 4);
  assert.deepEqual(a[0]!.evidence.foreign_prefixes, ['2001:db8:bad::/64']);
  assert.match(a[0]!.message, /^02:77:02:00:00:42 \(fe80::77:2ff:fe00:42\) announced itself as an IPv6 router offering prefix 2001:db8:bad::\/64 and DNS server ff02::fb, a prefix outside the site's networks: a rogue router/);
});

test('no other capture raises it', async () => {
  const files = [...capturesUnder(ZEEK_CORPUS), ...capturesUnder(LAB).filter((f) => !f.endsWith('rogue-ra.pcap'))];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});

test('with allowed_routers, any other router alerts; the listed ones (by MAC or address) do not', () => {
  const yaml = `${SITE_V6}detectors:\n  ipv6.rogue_router: { allowed_routers: ["02-77-00-00-00-FE", "fe80::1"] }\n`;
  assert.equal(alerts(yaml, ra(1000, ROUTER), ra(1001, '02:77:01:00:00:99', { src: 'fe80::1' })).length, 0);
  const a = alerts(yaml, ra(1000, ROUTER), ra(1010, ROGUE));
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.match(a[0]!.message, /not one of the link's routers \(02:77:00:00:00:fe, fe80::1\)/);
});

test('without a list: a second router on a link alerts, the first and its repeats do not; other VLANs are other links', () => {
  assert.equal(alerts(SITE_V6, ra(1000, ROUTER), ra(1200, ROUTER), ra(1400, ROUTER)).length, 0);
  const a = alerts(SITE_V6, ra(1000, ROUTER), ra(1010, ROGUE, { dns_servers: ['fe80::42'] }));
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 4, 'DNS servers');
  assert.deepEqual(a[0]!.evidence.other_routers, [ROUTER]);
  assert.match(a[0]!.message, /while 02:77:00:00:00:fe \(fe80::fe\) is the link's router/);
  assert.equal(alerts(SITE_V6, ra(1000, ROUTER, { vlan: 10 }), ra(1010, ROGUE, { vlan: 20 })).length, 0);
  // The first router gone quiet for longer than window: the new one is the link's router now.
  assert.equal(alerts(SITE_V6, ra(1000, ROUTER), ra(1000 + 3601, ROGUE)).length, 0);
});

test('a prefix outside the site\u2019s IPv6 networks alerts on its own; a site without IPv6 networks does not judge prefixes', () => {
  assert.equal(alerts(SITE_V6, ra(1000, ROGUE, { prefixes: ['2001:db8:bad::/64'] })).length, 1);
  assert.equal(alerts(SITE_YAML, ra(1000, ROGUE, { prefixes: ['2001:db8:bad::/64'] })).length, 0);
});

test('a flood of advertisements from ever new MACs is one alert for the link, however many routers', () => {
  const events = Array.from({ length: 2000 }, (_, i) => ra(1000 + i / 100, `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`));
  const a = alerts(SITE_V6, ...events);
  const flood = a.filter((x) => x.evidence.flood === true);
  assert.equal(flood.length, 1);
  assert.ok(a.length <= 8, `${a.length} alerts`);
  assert.match(flood[0]!.message, /^\d+ routers advertised on the link within 60 min, the latest .*: a router advertisement flood \(flood_router26\)/);
});

test('a bad router entry names its key', () => {
  assert.throws(() => harness(`${SITE_YAML}detectors:\n  ipv6.rogue_router: { allowed_routers: [10.77.2.254] }\n`), /allowed_routers/);
});
