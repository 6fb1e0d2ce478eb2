/**
 * net.external_proxy on hand-built sessions through the whole pipeline:
 * SOCKS and web-proxy requests from an internal host to a public address
 * alert (medium), whatever the answer; a public host whose SOCKS request or
 * CONNECT an internal proxy granted alerts (high), refused attempts and
 * absolute-URI requests inbound do not; the site's own proxies, an
 * absolute URI to the server's own address and `allowed_proxies` stay
 * quiet. The lab's socks and intel-direct captures (proxies inside the
 * network) raise nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { TcpSession, runConversations } from '../helpers/session.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { harness, only, replayRuleAlerts } from './harness.js';
import { ascii } from '../protocols/tls/build.js';
import type { PicketEvent } from '../../src/events/types.js';
import { socksSession } from '../protocols/socks/build.js';

const RULE = 'net.external_proxy';

function alerts(events: readonly PicketEvent[], yaml = '', before: readonly PicketEvent[] = []) {
  const h = harness(yaml);
  for (const e of before) h.emit(e);
  for (const e of events) if (e.type === 'socks' || e.type === 'http') h.emit(e);
  return only(h.finish(), RULE);
}

let nextPort = 50000;

/** HTTP requests and their answers on one connection from `client` to `proxy`:3128. */
function webProxy(client: string, proxy: string, exchanges: readonly [request: string, answer: string][]): TcpSession {
  const s = new TcpSession({ client, clientPort: nextPort++, server: proxy, serverPort: 3128 });
  s.handshake();
  for (const [request, answer] of exchanges) {
    s.send(true, ascii(request));
    s.send(false, ascii(answer));
  }
  s.close();
  return s;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi';
const ESTABLISHED = 'HTTP/1.1 200 Connection established\r\n\r\n';

test('an internal host using a SOCKS 5 proxy on the Internet alerts (medium), naming the target and the answer', () => {
  const events = runConversations(socksSession({ version: 5, user: 'u1', password: 'p', server: '198.51.100.20', target: { name: 'files.example.net', port: 443 } }));
  const a = alerts(events);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.event.severity, x.source.ip, x.destination?.ip, x.destination?.port], [2, '10.77.2.20', '198.51.100.20', 1080]);
  assert.equal(x.rule.id, RULE);
  assert.equal(x.message, '10.77.2.20 used the SOCKS 5 proxy 198.51.100.20:1080 on the Internet for a connection to files.example.net:443 (granted)');
  assert.deepEqual(
    [x.evidence.direction, x.evidence.via, x.evidence.target, x.evidence.status, x.evidence.granted, x.evidence.user],
    ['outbound', 'socks5', 'files.example.net:443', 'succeeded', true, 'u1'],
  );
  // A refused request still shows the host reaching for the relay.
  const refused = alerts(runConversations(socksSession({ version: 4, server: '198.51.100.20', reply: 91, target: { host: '203.0.113.7', port: 25 } })));
  assert.equal(refused.length, 1);
  assert.match(refused[0]!.message, /SOCKS 4 proxy 198\.51\.100\.20:1080 on the Internet for a connection to 203\.0\.113\.7:25 \(refused: general SOCKS server failure\)$/);
});

test('web-proxy requests to a public address alert once per client and proxy, the evidence counting requests and targets', () => {
  const s = webProxy('10.77.2.21', '203.0.113.50', [
    ['CONNECT mail.example.org:443 HTTP/1.1\r\nHost: mail.example.org:443\r\nUser-Agent: curl/8.5.0\r\n\r\n', 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'],
    ['GET http://www.example.com/index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8.5.0\r\n\r\n', OK],
  ]);
  const a = alerts(runConversations(s));
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.equal(x.event.severity, 2);
  assert.equal(x.message, '10.77.2.21 used the web proxy 203.0.113.50:3128 on the Internet for a request for http://www.example.com:80/index.html (answered 200); 2 requests (1 granted) so far');
  assert.deepEqual(
    [x.evidence.requests, x.evidence.granted_requests, x.evidence.targets, x.evidence.user_agent, x.evidence.method],
    [2, 1, ['mail.example.org:443', 'http://www.example.com:80/index.html'], 'curl/8.5.0', 'GET'],
  );
  assert.deepEqual(alerts(runConversations(s), 'detectors:\n  net.external_proxy: { allowed_proxies: [203.0.113.48/29] }\n'), []);
  assert.deepEqual(alerts(runConversations(s), 'detectors:\n  net.external_proxy: { exclude: [10.77.2.21] }\n'), []);
});

test('the site\'s own proxy, plain requests and an absolute URI naming the server\'s own address stay quiet', () => {
  const inside = webProxy('10.77.2.21', '10.77.1.10', [['CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n', ESTABLISHED]]);
  const plain = webProxy('10.77.2.21', '203.0.113.50', [['GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n\r\n', OK]]);
  const self = webProxy('10.77.2.21', '203.0.113.50', [['GET http://203.0.113.50:3128/status HTTP/1.1\r\nHost: 203.0.113.50:3128\r\n\r\n', OK]]);
  assert.deepEqual(alerts(runConversations(inside, plain, self)), []);
  // An absolute URI for a name the client resolved to that very server: a client that writes its requests that way.
  const byName = webProxy('10.77.2.22', '203.0.113.51', [['GET http://updates.example.net/feed HTTP/1.1\r\nHost: updates.example.net\r\n\r\n', OK]]);
  const answer = { type: 'dns.answer', ts: 0, uid: 'Cdns1', client: '10.77.2.22', server: '10.77.1.53', query: 'updates.example.net', qtype_name: 'A', addrs: ['203.0.113.51'], ttls: [300], cnames: [] } as unknown as PicketEvent;
  assert.deepEqual(alerts(runConversations(byName), '', [answer]), []);
  assert.equal(alerts(runConversations(byName)).length, 1, 'without the lookup it is a proxy request');
});

test('a public host getting an internal proxy to connect onward alerts (high); refused attempts and absolute URIs do not', () => {
  const socks = socksSession({ version: 5, client: '192.0.2.99', server: '10.77.1.10', target: { host: '10.77.1.20', port: 445 } });
  const connect = webProxy('203.0.113.66', '10.77.1.10', [['CONNECT 10.77.1.30:3389 HTTP/1.1\r\nHost: 10.77.1.30:3389\r\n\r\n', ESTABLISHED]]);
  const a = alerts(runConversations(socks, connect)).sort((x, y) => x.source.ip!.localeCompare(y.source.ip!));
  assert.deepEqual(
    a.map((x) => [x.event.severity, x.source.ip, x.evidence.direction, x.evidence.target]),
    [
      [3, '192.0.2.99', 'inbound', '10.77.1.20:445'],
      [3, '203.0.113.66', 'inbound', '10.77.1.30:3389'],
    ],
  );
  assert.equal(a[0]!.message, 'Public host 192.0.2.99 used the SOCKS 5 proxy 10.77.1.10:1080 inside the network for a connection to 10.77.1.20:445 (granted): an open proxy');
  assert.deepEqual(alerts(runConversations(socks, connect), 'detectors:\n  net.external_proxy: { inbound: false }\n'), []);
  const probes = [
    socksSession({ version: 5, client: '192.0.2.99', server: '10.77.1.10', reply: 2, target: { host: '198.51.100.10', port: 80 } }),
    webProxy('203.0.113.66', '10.77.1.10', [['CONNECT 198.51.100.10:443 HTTP/1.1\r\nHost: 198.51.100.10:443\r\n\r\n', 'HTTP/1.1 405 Not Allowed\r\nContent-Length: 0\r\n\r\n']]),
    webProxy('203.0.113.67', '10.77.1.10', [['GET http://azenv.example/ HTTP/1.1\r\nHost: azenv.example\r\n\r\n', OK]]),
  ];
  assert.deepEqual(alerts(runConversations(...probes)), []);
});

test('the lab\'s captures with proxies inside the network (socks, intel-direct) raise nothing', async () => {
  for (const name of ['socks', 'intel-direct']) {
    assert.deepEqual(await replayRuleAlerts(path.join(REPO_ROOT, 'test', 'lab', 'captures', `${name}.pcap`), [RULE]), [], name);
  }
});
