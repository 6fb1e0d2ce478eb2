/**
 * dns.encrypted: TLS ClientHellos through the whole pipeline to a DoH
 * resolver's name, to a public resolver's address on 443 and to port 853
 * alert once per client, listing resolvers and channels; a QUIC handshake
 * (an ssl event over UDP) to a listed name or port 853 too; a CONNECT to a
 * listed name through a proxy too. Other TLS, resolvers inside the site, the site's
 * forwarders (hosts answering others' DNS), a resolver the client asks in
 * plain DNS or got from DHCP/DHCPv6, and the allow options stay quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpSession, runConversations } from '../helpers/session.js';
import { dhcp, dhcpServer, dns, harness, only } from './harness.js';
import type { DhcpMessageEvent } from '../../src/protocols/dhcp/events.js';
import type { Dhcpv6MessageEvent } from '../../src/protocols/dhcpv6/events.js';
import { ascii, clientHelloBody, handshake, record, sni } from '../protocols/tls/build.js';
import type { PicketEvent } from '../../src/events/types.js';
import type { SslLogEvent, SslRecord } from '../../src/protocols/tls/events.js';

const RULE = 'dns.encrypted';
let nextPort = 40000;

/** A TLS ClientHello from `client` to `server`:`port`, with `name` as SNI when given. */
function hello(client: string, server: string, port: number, name?: string): TcpSession {
  const s = new TcpSession({ client, clientPort: nextPort++, server, serverPort: port });
  s.handshake();
  s.send(true, record(22, handshake(1, clientHelloBody({ ciphers: [0x1301], extensions: name !== undefined ? [sni(name)] : [] })), 0x0301));
  s.close();
  return s;
}

function connectThrough(client: string, proxy: string, target: string): TcpSession {
  const s = new TcpSession({ client, clientPort: nextPort++, server: proxy, serverPort: 3128 });
  s.handshake();
  s.send(true, ascii(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
  s.send(false, ascii('HTTP/1.1 200 Connection established\r\n\r\n'));
  s.close();
  return s;
}

/** A QUIC handshake as the QUIC analyzer reports it: an ssl event over UDP. */
function quic(ts: number, client: string, server: string, port: number, name?: string): SslLogEvent {
  const record = { ts, uid: `Cquic${ts}`, 'id.orig_h': client, 'id.orig_p': 50000, 'id.resp_h': server, 'id.resp_p': port, resumed: false, established: true, ...(name !== undefined ? { server_name: name } : {}) } as SslRecord;
  return { type: 'ssl', log: 'ssl', ts, uid: record.uid, record, transport: 'udp' };
}

function alerts(events: readonly PicketEvent[], yaml = '', before: readonly PicketEvent[] = []) {
  const h = harness(yaml);
  for (const e of before) h.emit(e);
  for (const e of events) if (e.type === 'ssl' || e.type === 'http') h.emit(e);
  return only(h.finish(), RULE);
}

test('DoH by name, DoH by a resolver\'s address and DoT on 853 from one host make one alert naming them all', () => {
  const events = runConversations(
    hello('10.77.2.20', '203.0.113.53', 443, 'dns.google'),
    hello('10.77.2.20', '1.1.1.1', 443),
    hello('10.77.2.20', '198.51.100.53', 853),
  );
  assert.equal(events.filter((e) => e.type === 'ssl').length, 3);
  const a = alerts(events);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.event.severity, x.source.ip, x.rule.id], [2, '10.77.2.20', RULE]);
  assert.equal(
    x.message,
    '10.77.2.20 used DNS over HTTPS and DNS over TLS with dns.google (203.0.113.53:443), 1.1.1.1:443 and 198.51.100.53:853 (3 connections): its lookups bypass the site\'s resolvers',
  );
  assert.deepEqual([x.evidence.channels, x.evidence.connections], [['DNS over HTTPS', 'DNS over TLS'], 3]);
});

test('a subdomain of a listed resolver counts; other TLS, and resolvers inside the site, do not', () => {
  const profile = alerts(runConversations(hello('10.77.2.21', '203.0.113.60', 443, 'ab12cd.dns.nextdns.io')));
  assert.equal(profile.length, 1);
  assert.deepEqual(profile[0]!.evidence.resolvers, ['ab12cd.dns.nextdns.io (203.0.113.60:443)']);
  const quiet = runConversations(
    hello('10.77.2.21', '203.0.113.9', 443, 'www.example.com'),
    hello('10.77.2.21', '203.0.113.9', 443, 'notdns.google.example'),
    hello('10.77.2.21', '10.77.1.53', 853),
    hello('10.77.2.21', '10.77.1.53', 443, 'dns.google'),
  );
  assert.deepEqual(alerts(quiet), []);
});

test('the allow options and the site\'s forwarders keep it quiet', () => {
  const events = runConversations(hello('10.77.2.20', '203.0.113.53', 443, 'dns.google'), hello('10.77.1.53', '198.51.100.53', 853));
  assert.equal(alerts(events).length, 2);
  const only20 = (yaml: string) => alerts(events, yaml).map((a) => a.source.ip);
  assert.deepEqual(only20('detectors:\n  dns.encrypted: { allowed_clients: [10.77.1.53] }\n'), ['10.77.2.20']);
  assert.deepEqual(only20('detectors:\n  dns.encrypted: { allowed_resolvers: [203.0.113.0/24] }\n'), ['10.77.1.53']);
  assert.deepEqual(only20('detectors:\n  dns.encrypted: { allowed_domains: [google] }\n'), ['10.77.1.53']);
  // 10.77.1.53 answered 10.77.2.20's query: a resolver forwarding upstream over DoT.
  const answered = dns(1, { 'id.orig_h': '10.77.2.20', 'id.resp_h': '10.77.1.53' });
  assert.deepEqual(alerts(events, '', [answered]).map((a) => a.source.ip), ['10.77.2.20']);
  // 10.77.2.20 also asks 203.0.113.53 in plain DNS: its own resolver, upgraded by the browser.
  const plainToo = dns(1, { 'id.orig_h': '10.77.2.20', 'id.resp_h': '203.0.113.53' });
  assert.deepEqual(alerts(events, '', [plainToo]).map((a) => a.source.ip), ['10.77.1.53']);
});

test('a public resolver that DHCP or DHCPv6 handed to the client is its own: quiet even before any plain query', () => {
  const events = runConversations(hello('10.77.2.20', '8.8.8.8', 443, 'dns.google'), hello('10.77.2.21', '8.8.8.8', 443, 'dns.google'));
  const ack = (to: string, m: Partial<DhcpMessageEvent> = {}) => dhcpServer(0.5, { msg_type: 5, msg_type_name: 'ACK', yiaddr: to, dns_servers: ['10.77.1.53', '8.8.8.8'], ...m });
  // The ACK gives 10.77.2.20 Google's resolver: its browser's DoH to it is the configured resolver upgraded; 10.77.2.21 got nothing.
  assert.deepEqual(alerts(events, '', [ack('10.77.2.20')]).map((a) => a.source.ip), ['10.77.2.21']);
  // An INFORM's ACK assigns nothing and names the client by ciaddr.
  assert.deepEqual(alerts(events, '', [ack('0.0.0.0', { ciaddr: '10.77.2.21' })]).map((a) => a.source.ip), ['10.77.2.20']);
  // An OFFER is not a configuration, a client's message never is, and an ACK with other resolvers changes nothing.
  const noAck = [
    dhcpServer(0.5, { yiaddr: '10.77.2.20', dns_servers: ['8.8.8.8'] }),
    dhcp(0.5, { msg_type: 3, msg_type_name: 'REQUEST', ciaddr: '10.77.2.21', yiaddr: '10.77.2.21', dns_servers: ['8.8.8.8'] }),
    ack('10.77.2.20', { dns_servers: ['9.9.9.9'] }),
  ];
  assert.deepEqual(alerts(events, '', noAck).map((a) => a.source.ip), ['10.77.2.20', '10.77.2.21']);
  // DHCPv6: a REPLY assigning an address with a resolver list (DoH over HTTP/3 here: the session helper speaks IPv4 only).
  const v6 = [quic(1, 'fd00:77::20', '2001:4860:4860::8888', 443, 'dns.google'), quic(2, 'fd00:77::21', '2001:4860:4860::8888', 443, 'dns.google')];
  const reply: Dhcpv6MessageEvent = {
    type: 'dhcpv6.message', ts: 0.5, uid: 'Cv6reply', src_ip: 'fe80::1', src_port: 547, dst_ip: 'fe80::20', dst_port: 546, is_client: false,
    msg_type: 7, msg_type_name: 'REPLY', trans_id: 1, client_addr: 'fe80::20',
    leases: [{ addr: 'fd00:77::20', ia: 'na', preferred: 3600, valid: 7200 }, { addr: 'fd00:77:100::/56', ia: 'pd', preferred: 3600, valid: 7200 }],
    dns_servers: ['2001:4860:4860::8888'],
  } as Dhcpv6MessageEvent;
  assert.deepEqual(alerts(v6, '', [reply]).map((a) => a.source.ip), ['fd00:77::21']);
});

test('QUIC to a listed name (DoH over HTTP/3) and to 853 (DoQ) alert; more names and addresses come from the options', () => {
  const a = alerts([quic(1, '10.77.2.22', '203.0.113.53', 443, 'cloudflare-dns.com'), quic(2, '10.77.2.22', '198.51.100.53', 853)]);
  assert.equal(a.length, 1);
  assert.deepEqual(a[0]!.evidence.channels, ['DNS over HTTPS', 'DNS over QUIC']);
  assert.equal(a[0]!.network?.transport, 'udp');
  const custom = [quic(1, '10.77.2.22', '192.0.2.53', 443, 'resolver.corp-dns.example'), quic(2, '10.77.2.23', '198.51.100.99', 443)];
  assert.deepEqual(alerts(custom), []);
  assert.deepEqual(
    alerts(custom, 'detectors:\n  dns.encrypted: { resolver_domains: [corp-dns.example], resolver_addresses: [198.51.100.99] }\n').map((x) => x.source.ip),
    ['10.77.2.22', '10.77.2.23'],
  );
});

test('a CONNECT through a proxy to a listed resolver alerts, naming the target and the proxy', () => {
  const a = alerts(runConversations(connectThrough('10.77.2.23', '10.77.1.10', 'dns.google:443'), connectThrough('10.77.2.23', '10.77.1.10', 'www.example.com:443')));
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.23 used DNS over HTTPS through a proxy with dns.google:443: its lookups bypass the site\'s resolvers');
  assert.deepEqual([a[0]!.destination?.ip, a[0]!.destination?.port], ['10.77.1.10', 3128]);
});
