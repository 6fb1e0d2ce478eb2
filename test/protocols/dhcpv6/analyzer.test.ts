/**
 * The DHCPv6 analyzer on hand-built RFC 8415 messages in Ethernet/IPv6/UDP
 * frames, replayed through the real pipeline: a SOLICIT/ADVERTISE/REQUEST/
 * REPLY exchange (every dhcpv6.jsonl field), a relayed exchange, Client FQDN
 * to hostname events, prefix delegation, malformed options (counted, never
 * thrown), relay nesting past the hop limit, and seeded mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, rng } from '../../helpers/bytes.js';
import { ofType } from '../../helpers/analyzer-context.js';
import { parseDhcp6Message, Dhcp6ParseFlag, MAX_LEASES } from '../../../src/protocols/dhcpv6/parser.js';
import { clientFqdn, clientId, fromClient, iaAddr, iaNa, iaPd, iaPrefix, message, opt, relay, serverId, status, toClient, u16, type Frame, type Host } from './frames.js';
import { CLIENT, CLIENT_DUID, SERVER, SERVER_DUID, exchange, replayFrames } from './exchange.js';

const T0 = 1_700_000_000;

test('SOLICIT/ADVERTISE/REQUEST/REPLY: two transactions, every dhcpv6.jsonl field', async () => {
  const { events, summary } = await replayFrames('exchange', exchange(T0));
  const logs = ofType(events, 'dhcpv6');
  assert.equal(logs.length, 2);
  const [solicit, request] = logs.map((l) => l.record);
  const uids = ofType(events, 'dhcpv6.message').map((m) => m.uid);
  assert.equal(uids.length, 4);
  const common = {
    client_addr: CLIENT.ll,
    server_addr: SERVER.ll,
    mac: CLIENT.mac,
    duid: '000100012b3c4d5e00155d010203',
    client_fqdn: 'ws-fin.corp.example',
    vendor_class: 'MSFT 5.0',
    server_duid: '0003000100155d0a0b0c',
    assigned_addrs: ['2001:db8:10::1a2b'],
    lease_time: 10800,
    dns_servers: ['2001:db8:10::53'],
    domain_search: ['corp.example'],
    servers: [SERVER.ll],
  };
  // The client's multicast and the server's unicast answer are two flows.
  assert.deepEqual(solicit, { ts: T0, uids: [uids[0], uids[1]], ...common, msg_types: ['SOLICIT', 'ADVERTISE'], duration: 0.5, trans_id: 0x123456 });
  assert.deepEqual(request, { ts: T0 + 1, uids: [uids[2], uids[3]], ...common, msg_types: ['REQUEST', 'REPLY'], duration: 0.5, trans_id: 0xabcdef });
  assert.notEqual(uids[0], uids[1]);
  assert.equal(uids[0], uids[2], 'the client reuses its flow to ff02::1:2');
  // Key order is the documented one (docs/logs.md).
  assert.deepEqual(Object.keys(solicit!).slice(0, 4), ['ts', 'uids', 'client_addr', 'server_addr']);
  assert.equal(summary.pipeline.app.flows.dhcpv6, 2);
  assert.deepEqual(summary.pipeline.app.anomalies, {});
  const flows = ofType(events, 'flow.end').map((e) => e.record.service);
  assert.deepEqual(flows, ['dhcpv6', 'dhcpv6']);
});

test('dhcpv6.message: parsed fields of an ADVERTISE', async () => {
  const { events } = await replayFrames('advertise', exchange(T0).slice(0, 2));
  const [sol, adv] = ofType(events, 'dhcpv6.message');
  assert.equal(sol!.is_client, true);
  assert.equal(sol!.msg_type_name, 'SOLICIT');
  assert.equal(sol!.client_addr, CLIENT.ll);
  assert.equal(sol!.client_duid_mac, CLIENT.mac);
  assert.equal(sol!.elapsed_time, 0);
  assert.deepEqual(sol!.options, [1, 8, 3, 39, 16, 6]);
  assert.equal(sol!.client_fqdn_flags, 1);
  const { ts: _ts, uid: _uid, ...rest } = adv!;
  assert.deepEqual(rest, {
    type: 'dhcpv6.message',
    src_ip: SERVER.ll,
    src_port: 547,
    dst_ip: CLIENT.ll,
    dst_port: 546,
    src_mac: SERVER.mac,
    is_client: false,
    msg_type: 2,
    msg_type_name: 'ADVERTISE',
    trans_id: 0x123456,
    client_duid: '000100012b3c4d5e00155d010203',
    client_duid_mac: CLIENT.mac,
    server_duid: '0003000100155d0a0b0c',
    server_duid_mac: SERVER.mac,
    leases: [{ addr: '2001:db8:10::1a2b', ia: 'na', preferred: 7200, valid: 10800 }],
    dns_servers: ['2001:db8:10::53'],
    domain_search: ['corp.example'],
    rapid_commit: false,
    options: [2, 1, 3, 23, 24],
    truncated: false,
  });
});

test('Client FQDN becomes hostname events: with the client address, then with the assigned one', async () => {
  const { events } = await replayFrames('fqdn', exchange(T0));
  const names = ofType(events, 'hostname').map((h) => [h.ip, h.name, h.mac, h.source]);
  assert.deepEqual(names, [
    [CLIENT.ll, 'ws-fin.corp.example', CLIENT.mac, 'dhcp'],
    ['2001:db8:10::1a2b', 'ws-fin.corp.example', CLIENT.mac, 'dhcp'],
    ['2001:db8:10::1a2b', 'ws-fin.corp.example', CLIENT.mac, 'dhcp'],
  ]);
});

test('a relayed exchange: RELAY-FORW/RELAY-REPL unwrapped, the client address from the relay, the server by its own address', async () => {
  const relayHost: Host = { mac: '00:00:5e:00:53:01', ll: '2001:db8:1::1' };
  const server: Host = { mac: '00:00:5e:00:53:02', ll: '2001:db8:2::547' };
  const link = '2001:db8:10::1';
  const sol = message(1, 0x000042, clientId(CLIENT_DUID), iaPd(7, 0, 0), clientFqdn(0x01, 'cpe-1', true));
  const adv = message(2, 0x000042, serverId(SERVER_DUID), clientId(CLIENT_DUID), iaPd(7, 1800, 2880, iaPrefix('2001:db8:abcd::', 56, 3600, 7200)), status(0, 'ok'));
  const frames: Frame[] = [
    { ts: T0, srcMac: relayHost.mac, dstMac: server.mac, src: relayHost.ll, dst: server.ll, sport: 547, dport: 547, payload: relay(12, 0, link, CLIENT.ll, sol, opt(18, u16(0x0102))) },
    { ts: T0 + 0.5, srcMac: server.mac, dstMac: relayHost.mac, src: server.ll, dst: relayHost.ll, sport: 547, dport: 547, payload: relay(13, 0, link, CLIENT.ll, adv) },
  ];
  const { events, summary } = await replayFrames('relay', frames);
  const msgs = ofType(events, 'dhcpv6.message');
  assert.deepEqual(msgs.map((m) => [m.msg_type_name, m.is_client, m.relay_addrs, m.client_addr]), [
    ['SOLICIT', true, [link], CLIENT.ll],
    ['ADVERTISE', false, [link], CLIENT.ll],
  ]);
  assert.equal(msgs[1]!.status_name, 'Success');
  assert.equal(msgs[1]!.status_message, 'ok');
  const logs = ofType(events, 'dhcpv6').map((l) => l.record);
  assert.equal(logs.length, 1);
  const r = logs[0]!;
  assert.equal(r.client_addr, CLIENT.ll);
  assert.equal(r.server_addr, server.ll);
  assert.equal(r.mac, CLIENT.mac, 'from the DUID: the relay MAC is not the client');
  assert.equal(r.client_fqdn, 'cpe-1', 'a partial name (RFC 4704)');
  assert.deepEqual(r.prefixes, ['2001:db8:abcd::/56']);
  assert.equal(r.lease_time, 7200);
  assert.equal(r.assigned_addrs, undefined);
  assert.deepEqual(r.msg_types, ['SOLICIT', 'ADVERTISE']);
  assert.deepEqual(r.servers, [server.ll]);
  assert.deepEqual(summary.pipeline.app.anomalies, {});
});

test('malformed options are counted as anomalies and the rest of the message is kept', async () => {
  const bad = [
    // An option whose length runs past the datagram.
    fromClient(T0, CLIENT, concat(message(1, 1, clientId(CLIENT_DUID)), u16(39), u16(200), [1, 2, 3])),
    // Elapsed Time of 3 bytes, a DNS server list of 15 bytes, a name label past its option.
    toClient(T0 + 0.1, SERVER, CLIENT, message(2, 1, serverId(SERVER_DUID), clientId(CLIENT_DUID), opt(8, new Uint8Array(3)), opt(23, new Uint8Array(15)), opt(24, new Uint8Array([9, 0x61])))),
    // A relay message without its Relay Message option, and one of 2 bytes.
    fromClient(T0 + 0.2, CLIENT, relay(12, 0, '::', CLIENT.ll, new Uint8Array(0)).subarray(0, 34)),
    fromClient(T0 + 0.3, CLIENT, new Uint8Array([1, 0])),
    // A type no client or server sends.
    fromClient(T0 + 0.4, CLIENT, message(99, 2)),
  ];
  const { events, summary } = await replayFrames('malformed', bad);
  assert.deepEqual(summary.pipeline.app.anomalies, {
    'dhcpv6.truncated_options': 1,
    'dhcpv6.bad_option_length': 1,
    'dhcpv6.bad_name': 1,
    'dhcpv6.no_relay_message': 1,
    'dhcpv6.short_message': 1,
    'dhcpv6.bad_msg_type': 1,
  });
  assert.deepEqual(summary.pipeline.app.exceptions, {});
  const msgs = ofType(events, 'dhcpv6.message');
  assert.deepEqual(msgs.map((m) => [m.msg_type_name, m.client_duid_mac, m.truncated]), [
    ['SOLICIT', CLIENT.mac, true],
    ['ADVERTISE', CLIENT.mac, true],
  ]);
  assert.equal(msgs[1]!.dns_servers!.length, 0);
});

test('parser: relay nesting stops past the hop limit; lease lists stop at MAX_LEASES', () => {
  let inner = message(1, 5, clientId(CLIENT_DUID));
  for (let i = 0; i < 9; i++) inner = relay(12, i, '::', CLIENT.ll, inner);
  const nine = parseDhcp6Message(inner, 0, inner.length);
  assert.equal(nine.flags, 0);
  assert.equal(nine.relays.length, 9);
  assert.equal(nine.msgType, 1);
  const ten = relay(12, 9, '::', CLIENT.ll, inner);
  const m = parseDhcp6Message(ten, 0, ten.length);
  assert.equal(m.flags, Dhcp6ParseFlag.RELAY_TOO_DEEP);
  const many = message(7, 6, iaNa(1, 0, 0, ...Array.from({ length: 40 }, (_, i) => iaAddr(`2001:db8::${i + 1}`, 1, 2))));
  const p = parseDhcp6Message(many, 0, many.length);
  assert.equal(p.addrs.length, MAX_LEASES);
  assert.equal(p.flags, Dhcp6ParseFlag.TOO_MANY_ENTRIES);
  assert.equal(p.addrs[31]!.addr, '2001:db8::32', 'the 32nd, in order');
});

test('parser: seeded mutations of every message never throw', () => {
  const seeds = exchange(T0).map((f) => f.payload);
  seeds.push(relay(13, 0, '2001:db8::1', CLIENT.ll, seeds[1]!));
  const r = rng(0x6d6974);
  let parsed = 0;
  for (let i = 0; i < 20000; i++) {
    const src = seeds[i % seeds.length]!;
    const b = src.slice(0, Math.max(0, src.length - Math.floor(r() * 8)));
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) if (b.length > 0) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    const m = parseDhcp6Message(b, 0, b.length);
    if (m.flags === 0) parsed++;
  }
  assert.ok(parsed > 0);
});
