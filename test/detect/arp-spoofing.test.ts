/**
 * arp.spoofing on the lab's arpspoof capture (test/lab/captures/
 * arp-spoof.pcap), on every capture of the Zeek corpus and the lab's other
 * captures (quiet: DHCP clients changing MACs, floods, scans), and on built
 * ARP events: flip flops, targeted replies, failovers, moved addresses, DHCP
 * leases, gateways and the options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, arp, dhcpServer, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, capturesUnder } from '../helpers/paths.js';
import type { ArpEvent } from '../../src/events/arp.js';
import type { NeighborAdvertEvent } from '../../src/events/neighbor-advert.js';
import type { NeighborSolicitEvent } from '../../src/events/neighbor-solicit.js';

const RULE = 'arp.spoofing';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');
const GW = '10.77.2.254';
const GW_MAC = '02:77:00:00:00:fe';
const VICTIM = '10.77.2.20';
const VICTIM_MAC = '02:77:02:00:00:14';
const ATTACKER = '02:77:02:00:00:42';

/** An ARP reply: `sha` says `spa` is at it, to `tpa` (sent from `src` when given, else from `sha`). */
function reply(ts: number, spa: string, sha: string, tpa: string, src = sha): ArpEvent {
  return { type: 'arp', ts, op: 2, src_mac: src, sha, spa, tha: VICTIM_MAC, tpa };
}

/** The victim and the gateway know each other: a request and its answer. */
function known(ts: number): ArpEvent[] {
  return [arp(ts, VICTIM, GW, VICTIM_MAC), reply(ts + 0.001, GW, GW_MAC, VICTIM)];
}

test('arp-spoof.pcap: arpspoof between a workstation and its gateway is critical, with both addresses, the victims and the replies', async () => {
  const alerts = await replayRuleAlerts(path.join(LAB, 'arp-spoof.pcap'), [RULE], 'detectors:\n  arp.spoofing: { watch_addresses: [10.77.2.254] }\n');
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.deepEqual(a.source, { ip: '10.77.2.66', mac: ATTACKER });
  assert.equal(a.event.severity, 4);
  assert.equal(a.threat.technique.id, 'T1557.002');
  assert.deepEqual(a.evidence.addresses, { [GW]: GW_MAC, [VICTIM]: VICTIM_MAC });
  assert.deepEqual(a.evidence.gateways, [GW]);
  assert.deepEqual(a.evidence.victims, [VICTIM, GW]);
  assert.ok((a.evidence.unsolicited_replies as number) >= 5);
  assert.ok((a.evidence.flips as number) >= 1, 'the router answered 10.77.2.21 while poisoned');
  assert.match(a.message, /^02:77:02:00:00:42 at 10\.77\.2\.66 claimed 10\.77\.2\.254 \(a gateway\) from 02:77:00:00:00:fe and 10\.77\.2\.20 from 02:77:02:00:00:14 over ARP in \d+ replies nobody asked for, sent to 10\.77\.2\.20 and 10\.77\.2\.254, while the owners still answered, over \d+ s: ARP spoofing \(a man in the middle of the traffic through the gateway\) or an address conflict$/);
});

test('no capture of the Zeek corpus and no other lab capture raises it', async () => {
  const files = [...capturesUnder(ZEEK_CORPUS), ...capturesUnder(LAB).filter((f) => !f.endsWith('arp-spoof.pcap') && !f.endsWith('nd-spoof.pcap'))];
  assert.ok(files.length > 40);
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});

test('targeted replies nobody asked for alert at min_claims; answers to requests and one reply do not', () => {
  const h = harness(SITE_YAML);
  for (const e of known(1000)) h.emit(e);
  h.emit(reply(1010, GW, ATTACKER, VICTIM));
  h.emit(reply(1012, GW, ATTACKER, VICTIM));
  assert.equal(only(h.finish(), RULE).length, 0, 'two replies');
  h.emit(reply(1014, GW, ATTACKER, VICTIM));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3, 'one owner, gateway not known');
  assert.deepEqual(a[0]!.evidence.victims, [VICTIM]);
  assert.equal(a[0]!.evidence.unsolicited_replies, 3);
  assert.equal(a[0]!.evidence.flips, 0);

  // A machine that answers requests for the address (a race, a duplicate address) is not sending unasked replies.
  const answered = harness(SITE_YAML);
  for (const e of known(1000)) answered.emit(e);
  for (let i = 0; i < 5; i++) {
    answered.emit(arp(1010 + i * 2, VICTIM, GW, VICTIM_MAC));
    answered.emit(reply(1010 + i * 2 + 0.01, GW, ATTACKER, VICTIM));
  }
  assert.equal(only(answered.finish(), RULE).length, 0);
});

test('a flip flop (the owner answers again after another MAC claimed its address) alerts', () => {
  const h = harness(SITE_YAML);
  for (const e of known(1000)) h.emit(e);
  h.emit(arp(1010, GW, GW, ATTACKER)); // a gratuitous claim of the gateway's address
  assert.equal(only(h.finish(), RULE).length, 0);
  h.emit(reply(1020, GW, GW_MAC, '10.77.2.21'));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.flips, 1);
  assert.match(a[0]!.message, /claimed 10\.77\.2\.254 \(workstations\) from 02:77:00:00:00:fe over ARP, while the owner still answered/);
});

test('a failover (gratuitous ARP, the old card silent), a moved address, a DHCP lease and allowed MACs are quiet', () => {
  const failover = harness(SITE_YAML);
  for (const e of known(1000)) failover.emit(e);
  for (let i = 0; i < 5; i++) failover.emit(arp(1010 + i, GW, GW, '02:77:00:00:00:fd'));
  assert.equal(only(failover.finish(), RULE).length, 0);

  const moved = harness(SITE_YAML);
  moved.emit(arp(1000, '10.77.2.40', GW, '02:77:02:00:00:28'));
  for (let i = 0; i < 5; i++) moved.emit(reply(1000 + 601 + i, '10.77.2.40', '02:77:02:00:00:99', VICTIM));
  assert.equal(only(moved.finish(), RULE).length, 0, 'the old card was silent for longer than window');

  const leased = harness(SITE_YAML);
  leased.emit(arp(1000, '10.77.2.40', GW, '02:77:02:00:00:28'));
  leased.emit(dhcpServer(1005, { msg_type: 5, msg_type_name: 'ACK', yiaddr: '10.77.2.40', chaddr: '02:77:02:00:00:99', lease_time: 3600 }));
  for (let i = 0; i < 5; i++) leased.emit(reply(1010 + i, '10.77.2.40', '02:77:02:00:00:99', VICTIM));
  leased.emit(arp(1020, '10.77.2.40', '10.77.2.40', '02:77:02:00:00:99'));
  assert.equal(only(leased.finish(), RULE).length, 0);

  const allowed = harness(`${SITE_YAML}detectors:\n  arp.spoofing: { allowed_macs: ["02-77-02-00-00-42"] }\n`);
  for (const e of known(1000)) allowed.emit(e);
  for (let i = 0; i < 5; i++) allowed.emit(reply(1010 + i, GW, ATTACKER, VICTIM));
  assert.equal(only(allowed.finish(), RULE).length, 0);
});

test('a router a DHCP server hands out is a gateway; claiming two machines\u2019 addresses is critical', () => {
  const h = harness(SITE_YAML);
  h.emit(dhcpServer(990, { msg_type: 5, msg_type_name: 'ACK', routers: [GW] }));
  for (const e of known(1000)) h.emit(e);
  for (let i = 0; i < 3; i++) h.emit(reply(1010 + i, GW, ATTACKER, VICTIM));
  const a = only(h.finish(), RULE);
  assert.equal(a[0]!.event.severity, 4);
  assert.deepEqual(a[0]!.evidence.gateways, [GW]);

  const two = harness(SITE_YAML);
  for (const e of known(1000)) two.emit(e);
  for (let i = 0; i < 3; i++) {
    two.emit(reply(1010 + i, GW, ATTACKER, VICTIM));
    two.emit(reply(1010 + i, VICTIM, ATTACKER, GW));
  }
  const b = only(two.finish(), RULE);
  assert.equal(b.length, 1, 'one alert per contending MAC');
  assert.equal(b[0]!.event.severity, 4);
  assert.deepEqual(b[0]!.evidence.addresses, { [GW]: GW_MAC, [VICTIM]: VICTIM_MAC });
});

test('a frame from another card in the owner\u2019s name is not the owner answering', () => {
  const h = harness(SITE_YAML);
  for (const e of known(1000)) h.emit(e);
  h.emit(arp(1010, GW, GW, ATTACKER));
  // arpspoof restoring the victim's cache as it stops: the gateway's MAC inside, the attacker's card outside.
  h.emit(reply(1011, GW, GW_MAC, VICTIM, ATTACKER));
  assert.equal(only(h.finish(), RULE).length, 0);
});

test('a contender quiet for longer than window starts a new episode: its alert counts and dates from the new claims', () => {
  const h = harness(`${SITE_YAML}dedup_interval: 1m\n`);
  for (const e of known(1000)) h.emit(e);
  for (let i = 0; i < 3; i++) h.emit(reply(1010 + i, GW, ATTACKER, VICTIM));
  // A day later: the owner is active again, and the same card poisons again.
  for (const e of known(90_000)) h.emit(e);
  for (let i = 0; i < 3; i++) h.emit(reply(90_010 + i, GW, ATTACKER, VICTIM));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 2);
  assert.equal(a[1]!.evidence.unsolicited_replies, 3);
  assert.match(a[1]!.message, /, over 2 s: ARP spoofing/);
});

test('nd-spoof.pcap: parasite6 answering Neighbor Solicitations after the owner is neighbor discovery spoofing', async () => {
  const alerts = await replayRuleAlerts(path.join(LAB, 'nd-spoof.pcap'), [RULE]);
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.deepEqual(a.source, { ip: 'fd77:2::66', mac: ATTACKER });
  assert.deepEqual(a.evidence.protocols, ['NDP']);
  assert.deepEqual(a.evidence.addresses, { 'fd77:2::21': '02:77:02:00:00:15' });
  assert.deepEqual(a.evidence.victims, ['fd77:2::20']);
  assert.match(a.message, /^02:77:02:00:00:42 at fd77:2::66 claimed fd77:2::21 from 02:77:02:00:00:15 over IPv6 neighbor discovery, while the owner still answered, over \d+ ms: neighbor discovery spoofing \(a man in the middle\) or an address conflict$/);
});

test('IPv6: advertisements to a host nobody asked for count, announcements to every node do not; answering after the owner alerts at once', () => {
  const na = (ts: number, target: string, mac: string, dst: string): NeighborAdvertEvent => ({ type: 'nd.advert', ts, src_mac: mac, src: target, dst, target, tlla: mac });
  const ns = (ts: number, src: string, mac: string, target: string): NeighborSolicitEvent => ({ type: 'nd.solicit', ts, src_mac: mac, src, target });
  const h = harness(SITE_YAML);
  h.emit(ns(1000, 'fd77:2::20', VICTIM_MAC, 'fd77:2::21'));
  h.emit(na(1000.001, 'fd77:2::21', '02:77:02:00:00:15', 'fd77:2::20'));
  for (let i = 0; i < 5; i++) h.emit(na(1010 + i, 'fd77:2::21', ATTACKER, 'ff02::1'));
  assert.equal(only(h.finish(), RULE).length, 0, 'announcements');
  for (let i = 0; i < 3; i++) h.emit(na(1020 + i * 5, 'fd77:2::21', ATTACKER, 'fd77:2::20'));
  const a = only(h.finish(), RULE);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.unsolicited_replies, 3);

  const race = harness(SITE_YAML);
  race.emit(ns(1000, 'fd77:2::20', VICTIM_MAC, 'fd77:2::21'));
  race.emit(na(1000.001, 'fd77:2::21', '02:77:02:00:00:15', 'fd77:2::20'));
  race.emit(na(1000.002, 'fd77:2::21', ATTACKER, 'fd77:2::20'));
  const b = only(race.finish(), RULE);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.evidence.flips, 1);

  // A router that advertises itself is a gateway: claiming its link-local address is critical.
  const router = harness(SITE_YAML);
  router.emit({ type: 'nd.router_advert', ts: 990, src_mac: GW_MAC, src: 'fe80::fe', dst: 'ff02::1', slla: GW_MAC, prefixes: [], dns_servers: [] });
  router.emit(ns(1000, 'fd77:2::20', VICTIM_MAC, 'fe80::fe'));
  router.emit(na(1000.001, 'fe80::fe', GW_MAC, 'fd77:2::20'));
  router.emit(na(1000.002, 'fe80::fe', ATTACKER, 'fd77:2::20'));
  const r = only(router.finish(), RULE);
  assert.equal(r[0]!.event.severity, 4);
  assert.deepEqual(r[0]!.evidence.gateways, ['fe80::fe']);

  // A neighbour answering alone (the owner silent) is not two machines answering.
  const alone = harness(SITE_YAML);
  alone.emit(na(990, 'fd77:2::21', '02:77:02:00:00:15', 'fd77:2::20'));
  alone.emit(ns(1000, 'fd77:2::20', VICTIM_MAC, 'fd77:2::21'));
  alone.emit(na(1000.002, 'fd77:2::21', ATTACKER, 'fd77:2::20'));
  assert.equal(only(alone.finish(), RULE).length, 0);
});

test('a bad MAC in allowed_macs names its key', () => {
  assert.throws(() => harness(`${SITE_YAML}detectors:\n  arp.spoofing: { allowed_macs: [02:77:zz] }\n`), /allowed_macs/);
});
