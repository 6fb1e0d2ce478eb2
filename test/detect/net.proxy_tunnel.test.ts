/**
 * net.proxy_tunnel on hand-built sessions through the whole pipeline: a
 * client's CONNECT through its web proxy, accepted, then SSH inside (an
 * `ssh -o ProxyCommand='nc -X connect ...'` session) alerts; TLS inside
 * (HTTPS, what CONNECT is for) only gives the event; a refused CONNECT
 * neither. The same through SOCKS 5 and 4a (socks/ has its own tests).
 * The lab's intel-direct capture (curl's HTTPS through ncat's proxy) stays
 * quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { TcpSession, logRecords, runConversations } from '../helpers/session.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { harness, only, replayRuleAlerts } from './harness.js';
import { ascii, bytes, clientHelloBody, handshake, record, sni } from '../protocols/tls/build.js';
import type { PicketEvent } from '../../src/events/types.js';
import { socksSession } from '../protocols/socks/build.js';

const RULE = 'net.proxy_tunnel';

export function throughProxy(target: string, answer: string, inner: { client: Uint8Array; server: Uint8Array } | null): TcpSession {
  const s = new TcpSession({ client: '10.77.2.20', server: '10.77.1.10', serverPort: 3128 });
  s.handshake();
  s.send(true, ascii(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nUser-Agent: OpenBSD netcat\r\n\r\n`));
  s.send(false, ascii(answer));
  if (inner !== null) {
    if (inner.server.length > 0) s.send(false, inner.server);
    s.send(true, inner.client);
  }
  s.close();
  return s;
}

const SSH = { client: ascii('SSH-2.0-OpenSSH_9.6\r\n'), server: ascii('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n') };
const TLS = { client: record(22, handshake(1, clientHelloBody({ ciphers: [0x1301], extensions: [sni('www.example.com')] })), 0x0301), server: bytes() };

function alerts(events: readonly PicketEvent[], yaml = '') {
  const h = harness(yaml);
  for (const e of events) if (e.type === 'proxy.tunnel') h.emit(e);
  return only(h.finish(), RULE);
}

test('SSH through an accepted CONNECT alerts, naming the target, the proxy and the tool; service http,ssh', () => {
  const events = runConversations(throughProxy('203.0.113.9:22', 'HTTP/1.1 200 Connection established\r\n\r\n', SSH));
  const tunnels = events.filter((e) => e.type === 'proxy.tunnel');
  assert.equal(tunnels.length, 1);
  assert.equal(logRecords(events, 'conn')[0]!.service, 'http,ssh');
  const a = alerts(events);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.event.severity, x.source.ip, x.destination?.ip, x.destination?.port], [2, '10.77.2.20', '10.77.1.10', 3128]);
  assert.equal(x.message, '10.77.2.20 ran SSH to 203.0.113.9:22 through its web proxy 10.77.1.10 port 3128 (HTTP CONNECT, OpenBSD netcat): a protocol tunnelled through the proxy');
  assert.deepEqual([x.evidence.protocol, x.evidence.target, x.evidence.user_agent], ['ssh', '203.0.113.9:22', 'OpenBSD netcat']);
  assert.deepEqual(alerts(events, 'detectors:\n  net.proxy_tunnel: { ignore_protocols: [ssl, http, ssh] }\n'), []);
  assert.deepEqual(alerts(events, 'detectors:\n  net.proxy_tunnel: { exclude: [10.77.2.20] }\n'), []);
});

test('TLS inside (HTTPS through the proxy) is told but not reported; a refused CONNECT is neither', () => {
  const https = runConversations(throughProxy('www.example.com:443', 'HTTP/1.1 200 Connection established\r\n\r\n', TLS));
  const t = https.filter((e) => e.type === 'proxy.tunnel');
  assert.equal(t.length, 1);
  assert.equal(t[0]!.type === 'proxy.tunnel' && t[0]!.protocol, 'ssl');
  assert.deepEqual(alerts(https), []);
  const refused = runConversations(throughProxy('203.0.113.9:22', 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n', SSH));
  assert.deepEqual(refused.filter((e) => e.type === 'proxy.tunnel'), []);
});

test('the lab\'s intel-direct capture (curl\'s HTTPS through ncat\'s proxy) raises nothing', async () => {
  assert.deepEqual(await replayRuleAlerts(path.join(REPO_ROOT, 'test', 'lab', 'captures', 'intel-direct.pcap'), [RULE]), []);
});

test('SSH through a SOCKS 5 proxy (user and password) and a SOCKS 4a one alerts, naming the user; HTTPS through SOCKS does not', () => {
  const v5 = runConversations(socksSession({ version: 5, user: 'pivot', password: 'x', target: { name: 'git.example.org', port: 22 }, inner: SSH }));
  const a5 = alerts(v5);
  assert.equal(a5.length, 1);
  assert.equal(a5[0]!.message, '10.77.2.20 ran SSH to git.example.org:22 through the SOCKS proxy 10.77.1.10 port 1080 (SOCKS 5, user pivot): a protocol tunnelled through the proxy');
  assert.deepEqual([a5[0]!.evidence.via, a5[0]!.evidence.user], ['socks5', 'pivot']);
  const v4 = runConversations(socksSession({ version: 4, user: 'ident', target: { name: 'rdp.example.org', port: 3389 }, inner: SSH }));
  const a4 = alerts(v4);
  assert.equal(a4.length, 1);
  assert.match(a4[0]!.message, /ran SSH to rdp\.example\.org:3389 through the SOCKS proxy 10\.77\.1\.10 port 1080 \(SOCKS 4, user ident\)/);
  const https = runConversations(socksSession({ version: 5, target: { host: '203.0.113.80', port: 443 }, inner: TLS }));
  assert.equal(https.filter((e) => e.type === 'proxy.tunnel').length, 1);
  assert.deepEqual(alerts(https), []);
});
