/**
 * The DHCP rules on DHCPv6, from real RFC 8415 messages in Ethernet/IPv6
 * frames replayed through the pipeline into the engine: a mitm6-like rogue
 * answering beside the real server, authorized servers (by DUID, MAC or
 * address), two servers answering one transaction, a SOLICIT flood, and
 * watched or changing names in the Client FQDN option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../src/events/bus.js';
import { createEngine } from '../../src/detect/engine.js';
import type { Alert } from '../../src/alerts/alert.js';
import { config, only } from './harness.js';
import { CLIENT, CLIENT_DUID, SERVER, exchange, replayFrames } from '../protocols/dhcpv6/exchange.js';
import {
  clientFqdn, clientId, dnsServers, domainList, duidLl, duidLlt, elapsed, fromClient, iaAddr, iaNa, message, serverId, toClient,
  type Frame, type Host,
} from '../protocols/dhcpv6/frames.js';

const T0 = 1_700_000_000;
const ATTACKER: Host = { mac: '02:66:66:66:66:66', ll: 'fe80::66' };
const ATTACKER_DUID = duidLl(ATTACKER.mac);

async function alerts(frames: Frame[], yaml = ''): Promise<Alert[]> {
  const { events } = await replayFrames('rules', frames);
  const bus = new EventBus();
  const out: Alert[] = [];
  const engine = createEngine({ config: config(yaml), bus, onAlert: (a) => out.push(a) });
  for (const e of events) bus.emit(e);
  engine.flush();
  assert.deepEqual(engine.stats().handler_errors, {}, 'no detector threw');
  return out;
}

/** mitm6's answers to the client's SOLICIT and REQUEST: a link-local address for 300 s, itself as DNS server. */
function mitm6(t0: number, addr = 'fe80::1a2b:3c4d'): Frame[] {
  const answer = (type: number, tid: number): Uint8Array =>
    message(type, tid, serverId(ATTACKER_DUID), clientId(CLIENT_DUID), iaNa(0x0e00155d, 200, 250, iaAddr(addr, 300, 300)), dnsServers(ATTACKER.ll), domainList('corp.example'));
  return [toClient(t0 + 0.2, ATTACKER, CLIENT, answer(2, 0x123456)), toClient(t0 + 1.2, ATTACKER, CLIENT, answer(7, 0xabcdef))];
}

const byTime = (frames: Frame[]): Frame[] => frames.sort((a, b) => a.ts - b.ts);

test('dhcp.rogue_server: mitm6 answering beside the real server, no configuration: its link-local lease names it', async () => {
  const a = only(await alerts(byTime([...exchange(T0), ...mitm6(T0)])), 'dhcp.rogue_server');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.count, 2, 'its ADVERTISE and its REPLY');
  assert.equal(a[0]!.source.ip, ATTACKER.ll);
  assert.equal(a[0]!.source.mac, ATTACKER.mac);
  assert.equal(
    a[0]!.message,
    'DHCPv6 server fe80::66 (MAC 02:66:66:66:66:66, DUID 00030001026666666666) hands out link-local address fe80::1a2b:3c4d, as mitm6 does;' +
      ' sent REPLY to 00:15:5d:01:02:03 with address fe80::1a2b:3c4d (valid 300 s) and DNS fe80::66',
  );
  const ev = a[0]!.evidence;
  assert.equal(ev.mode, 'link_local_lease');
  assert.equal(ev.server_duid, '00030001026666666666');
  assert.deepEqual(ev.dns_servers, ['fe80::66']);
  assert.deepEqual(ev.domain_search, ['corp.example']);
  assert.equal(ev.min_valid_lifetime, 300);
  assert.equal(ev.client_duid, '000100012b3c4d5e00155d010203');
});

test('dhcp.rogue_server: the real server alone is quiet, with or without a list (by DUID, MAC or address)', async () => {
  for (const yaml of ['', 'dhcp:\n  authorized_servers: ["00:03:00:01:00:15:5d:0a:0b:0c"]\n', 'dhcp:\n  authorized_servers: [00-15-5d-0a-0b-0c]\n', `dhcp:\n  authorized_servers: ["${SERVER.ll}"]\n`]) {
    assert.equal(only(await alerts(exchange(T0)), 'dhcp.rogue_server').length, 0, yaml);
    assert.equal(only(await alerts(exchange(T0), yaml), 'dhcp.rogue_server').length, 0, yaml);
  }
});

test('dhcp.rogue_server with a list: any other DHCPv6 server is unauthorized, whatever it hands out', async () => {
  const yaml = 'dhcp:\n  authorized_servers: [10.77.1.1, 0003000100155d0a0b0c]\n';
  const a = only(await alerts(byTime([...exchange(T0), ...mitm6(T0, 'fd00:bad::17')]), yaml), 'dhcp.rogue_server');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'unauthorized');
  assert.equal(
    a[0]!.message,
    'Unauthorized DHCPv6 server fe80::66 (MAC 02:66:66:66:66:66, DUID 00030001026666666666) sent REPLY to 00:15:5d:01:02:03 with address fd00:bad::17 (valid 300 s) and DNS fe80::66',
  );
});

test('dhcp.rogue_server with a list of DHCPv4 servers only: DHCPv6 is judged as without a list (routers answer it), mitm6 still shows', async () => {
  const yaml = 'dhcp:\n  authorized_servers: [10.77.1.1, 02:77:01:00:00:01]\n';
  // The real DHCPv6 server (a router, say) is not listed and hands out global addresses: quiet.
  assert.deepEqual(only(await alerts(exchange(T0), yaml), 'dhcp.rogue_server'), []);
  const a = only(await alerts(byTime([...exchange(T0), ...mitm6(T0)]), yaml), 'dhcp.rogue_server');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'link_local_lease');
});

test('dhcp.rogue_server without a list: two Server IDs answering one transaction within 30 s conflict; one server twice does not', async () => {
  // A rogue handing out a ULA address: no link-local lease, so only the conflict shows it.
  const a = only(await alerts(byTime([...exchange(T0), ...mitm6(T0, 'fd00:bad::17')])), 'dhcp.rogue_server');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.mode, 'conflict');
  assert.equal(a[0]!.count, 2, 'SOLICIT and REQUEST transactions');
  assert.equal(
    a[0]!.message,
    'Two DHCPv6 servers answered the same request: fe80::66 (MAC 02:66:66:66:66:66, DUID 00030001026666666666) and fe80::215:5dff:fe0a:b0c (MAC 00:15:5d:0a:0b:0c, DUID 0003000100155d0a0b0c);' +
      ' sent REPLY to 00:15:5d:01:02:03 with address 2001:db8:10::1a2b (valid 10800 s) and DNS 2001:db8:10::53',
  );
  // The same rogue 40 s after the real server: outside the window.
  const late = mitm6(T0 + 40, 'fd00:bad::17');
  assert.equal(only(await alerts(byTime([...exchange(T0), ...late])), 'dhcp.rogue_server').length, 0);
});

/** A SOLICIT from a client with a DUID-LLT of `mac`, its own source MAC. */
function solicit(ts: number, mac: string, tid: number, name?: string): Frame {
  const host: Host = { mac, ll: `fe80::${mac.split(':').slice(4).join('')}` };
  const opts = [clientId(duidLlt(mac)), elapsed(0), iaNa(1, 0, 0)];
  if (name !== undefined) opts.push(clientFqdn(0x01, name));
  return fromClient(ts, host, message(1, tid, ...opts));
}

const mac = (i: number): string => `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

test('dhcp.excessive_requests: 75 SOLICITs from 75 DUIDs in a minute is DHCPv6 starvation; 74 are not', async () => {
  const yaml = 'detectors:\n  dhcp.excessive_requests: { per_client: false }\n';
  const flood = (n: number): Frame[] => Array.from({ length: n }, (_, i) => solicit(T0 + i * 0.25, mac(i), i + 1));
  assert.equal(only(await alerts(flood(74), yaml), 'dhcp.excessive_requests').length, 0);
  const a = only(await alerts(flood(75), yaml), 'dhcp.excessive_requests');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, 'DHCPv6 starvation: 75 SOLICITs from 75 different clients in 19 s');
  assert.equal(a[0]!.evidence.protocol, 'dhcpv6');
});

test('dhcp.excessive_requests: one DHCPv6 client, 39 SOLICITs no, 40 yes', async () => {
  const one = (n: number): Frame[] => Array.from({ length: n }, (_, i) => solicit(T0 + i, '02:00:00:00:00:99', i + 1));
  assert.equal(only(await alerts(one(39)), 'dhcp.excessive_requests').length, 0);
  const a = only(await alerts(one(40)), 'dhcp.excessive_requests');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '02:00:00:00:00:99 sent 40 DHCPv6 requests in 39 s (last: SOLICIT)');
});

test('dhcp.watch_hostname and dhcp.hostname_mac_flip read the Client FQDN option', async () => {
  const frames = [
    solicit(T0, '02:00:00:00:00:0a', 1, 'kali.lab.example'),
    solicit(T0 + 1, '02:00:00:00:00:0b', 2, 'kalinda.lab.example'),
    // One name from three cards.
    solicit(T0 + 2, '02:00:00:00:00:01', 3, 'filesrv.corp.example'),
    solicit(T0 + 3, '02:00:00:00:00:02', 4, 'FILESRV.corp.example'),
    solicit(T0 + 4, '02:00:00:00:00:03', 5, 'filesrv'),
  ];
  const all = await alerts(frames, 'dhcp:\n  watch_hostnames: [kali]\n');
  const w = only(all, 'dhcp.watch_hostname');
  assert.equal(w.length, 1);
  assert.equal(w[0]!.message, '02:00:00:00:00:0a (fe80::a) asked DHCPv6 for an address as "kali", a watched host name');
  const f = only(all, 'dhcp.hostname_mac_flip');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.message, 'Host name "filesrv" was claimed by 3 different MAC addresses, most recently 02:00:00:00:00:03');
});

test('dhcp.hostname_mac_flip: a dual-stack host naming itself over DHCPv4 and DHCPv6 is one name from one MAC', async () => {
  const frames = [solicit(T0, CLIENT.mac, 1, 'ws20.corp.example'), solicit(T0 + 1, CLIENT.mac, 2, 'WS20')];
  assert.equal(only(await alerts(frames), 'dhcp.hostname_mac_flip').length, 0);
});
