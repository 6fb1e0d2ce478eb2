/**
 * The protocol inside an HTTP CONNECT tunnel: picked by content and fed the
 * rest of the connection (InnerStream), with the HTTP analyzer holding what
 * the client sends before the proxy answers. Driven directly with the real
 * HTTP and TLS analyzers, and through the whole pipeline on a real capture
 * (curl through ncat's HTTP proxy, lab scenario intel-direct).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { collectingContext, ofType, type CollectingContext } from '../helpers/analyzer-context.js';
import { ascii, bytes, clientHelloBody, handshake, record, sni } from '../protocols/tls/build.js';
import { HttpAnalyzer } from '../../src/protocols/http/analyzer.js';
import { createTlsSpec } from '../../src/protocols/tls/index.js';
import { ProtocolRegistry } from '../../src/pipeline/protocol-registry.js';
import { AppLayerStats } from '../../src/pipeline/app-stats.js';
import { InnerStream, MAX_TUNNEL_DEPTH, MAX_UNDECIDED_BYTES } from '../../src/pipeline/tunnel-stream.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import { smtpSpec, imapSpec, pop3Spec } from '../../src/protocols/mail/index.js';
import { ftpSpec } from '../../src/protocols/ftp/index.js';
import { LdapAnalyzer } from '../../src/protocols/ldap/analyzer.js';
import { msg } from '../protocols/ldap/messages.js';
import { app, octets, tlv } from '../protocols/asn1/helpers.js';
import type { TunnelledStream } from '../../src/protocols/analyzer.js';
import type { PicketEvent } from '../../src/events/types.js';

const CONN = { uid: 'CTunnel000000000001', orig_h: '10.77.2.20', orig_p: 51246, resp_h: '10.77.1.10', resp_p: 3128, proto: 'tcp' as const };

function hello(name: string): Uint8Array {
  return record(22, handshake(1, clientHelloBody({ ciphers: [0x1301, 0xc02f], extensions: [sni(name)] })), 0x0301);
}

/** A collecting context whose tunnels are real InnerStreams over a registry holding TLS. */
function tunnellingContext(protocol = 'http'): { ctx: CollectingContext; stats: AppLayerStats; inners: TunnelledStream[] } {
  const ctx = Object.assign(collectingContext(CONN), { protocol });
  const stats = new AppLayerStats();
  const registry = new ProtocolRegistry([createTlsSpec()]);
  const inners: TunnelledStream[] = [];
  ctx.tunnel = (onChosen) => {
    const s = new InnerStream(ctx, registry, stats, 1, onChosen);
    inners.push(s);
    return s;
  };
  return { ctx, stats, inners };
}

test('a ClientHello sent before the proxy accepts is held, then read as TLS on the same connection', () => {
  const { ctx, inners } = tunnellingContext();
  const http = new HttpAnalyzer(ctx);
  http.data(true, bytes(ascii('CONNECT c2.example:443 HTTP/1.1\r\nHost: c2.example:443\r\n\r\n'), hello('c2.example')), 1);
  assert.equal(http.wants(true), true, 'the client side is still wanted while the proxy has not answered');
  assert.equal(inners.length, 0);
  http.data(false, ascii('HTTP/1.1 200 Connection established\r\n\r\n'), 2);
  assert.equal(inners.length, 1);
  http.end(3);
  const ssl = ofType(ctx.events, 'ssl');
  assert.equal(ssl.length, 1);
  assert.equal(ssl[0]!.record.server_name, 'c2.example');
  assert.equal(ssl[0]!.uid, CONN.uid);
  assert.equal(ssl[0]!.inside, 'http');
  assert.deepEqual(ctx.services, ['http', 'ssl']);
  const h = ofType(ctx.events, 'http');
  assert.equal(h.length, 1);
  assert.equal(h[0]!.record.method, 'CONNECT');
  assert.equal(h[0]!.record.status_code, 200);
});

test('a refused CONNECT (407) lets the client try again: the second CONNECT is parsed, its tunnel analysed', () => {
  const { ctx } = tunnellingContext();
  const http = new HttpAnalyzer(ctx);
  http.data(true, ascii('CONNECT c2.example:443 HTTP/1.1\r\nHost: c2.example:443\r\n\r\n'), 1);
  http.data(false, ascii('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\nContent-Length: 0\r\n\r\n'), 2);
  http.data(true, ascii('CONNECT c2.example:443 HTTP/1.1\r\nHost: c2.example:443\r\nProxy-Authorization: Basic dXNlcjpwdw==\r\n\r\n'), 3);
  http.data(false, ascii('HTTP/1.1 200 OK\r\n\r\n'), 4);
  http.data(true, hello('c2.example'), 5);
  http.end(6);
  assert.deepEqual(ofType(ctx.events, 'http').map((e) => e.record.status_code), [407, 200]);
  assert.deepEqual(ofType(ctx.events, 'ssl').map((e) => e.record.server_name), ['c2.example']);
});

test('bytes held for a CONNECT the proxy refuses are parsed as HTTP again', () => {
  const { ctx } = tunnellingContext();
  const http = new HttpAnalyzer(ctx);
  http.data(true, ascii('CONNECT c2.example:443 HTTP/1.1\r\nHost: c2.example:443\r\n\r\nGET http://www.example/ HTTP/1.1\r\nHost: www.example\r\n\r\n'), 1);
  http.data(false, ascii('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), 2);
  http.end(3);
  const h = ofType(ctx.events, 'http').map((e) => `${e.record.method} ${e.record.uri} ${e.record.status_code}`);
  assert.deepEqual(h, ['CONNECT c2.example:443 403', 'GET http://www.example/ 200']);
  assert.equal(ofType(ctx.events, 'ssl').length, 0);
});

test('bounds: what a client sends past the held limit is counted; an unknown inner protocol is given up', () => {
  const { ctx, stats, inners } = tunnellingContext();
  const http = new HttpAnalyzer(ctx);
  http.data(true, ascii('CONNECT 192.0.2.5:22 HTTP/1.1\r\nHost: 192.0.2.5:22\r\n\r\n'), 1);
  http.data(true, new Uint8Array(20 * 1024).fill(0x41), 2);
  assert.ok(ctx.anomalies.includes('http_tunnel_held_overflow'));
  http.data(false, ascii('HTTP/1.1 200 OK\r\n\r\n'), 3);
  // 16 KiB of an unknown protocol: no probe took it, the tunnel is given up.
  assert.equal(inners.length, 1);
  assert.equal(inners[0]!.wants(true), false);
  assert.equal(http.wants(true), false);
  assert.equal(http.wants(false), false);
  http.data(false, new Uint8Array(MAX_UNDECIDED_BYTES).fill(0x42), 4);
  http.end(5);
  assert.deepEqual(stats.flows, {});
});

test('a tunnel in a tunnel is followed once more, then refused', () => {
  const ctx = Object.assign(collectingContext(CONN), { protocol: 'http' });
  const outer = new InnerStream(ctx, new ProtocolRegistry([]), new AppLayerStats(), MAX_TUNNEL_DEPTH - 1);
  const inner = outer.tunnel();
  assert.ok(inner instanceof InnerStream);
  assert.equal(inner.tunnel(), null);
});

test('replay through ncat\'s HTTP proxy: the TLS inside the CONNECT is logged under the CONNECT\'s uid; conn.log service http,ssl', async () => {
  const events: PicketEvent[] = [];
  await replayCaptures([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'intel-direct.pcap')], { onEvent: (e) => events.push(e) });
  const connect = ofType(events, 'http').find((e) => e.record.method === 'CONNECT')!;
  assert.equal(connect.record['id.orig_h'], '10.77.2.20');
  const ssl = ofType(events, 'ssl').filter((e) => e.uid === connect.uid);
  assert.equal(ssl.length, 1);
  assert.equal(ssl[0]!.record.server_name, 'c2-beacon.malicious.example');
  assert.equal(ssl[0]!.record.established, true);
  assert.ok(ssl[0]!.record.ja4?.startsWith('t13d'));
  const end = ofType(events, 'flow.end').find((e) => e.record.uid === connect.uid)!;
  assert.equal(end.record.service, 'http,ssl');
});

for (const [name, spec, lines] of [
  ['SMTP STARTTLS', smtpSpec, [[false, '220 mx.example ESMTP\r\n'], [true, 'EHLO ws\r\n'], [false, '250-mx.example\r\n250 STARTTLS\r\n'], [true, 'STARTTLS\r\n'], [false, '220 Ready to start TLS\r\n']]],
  ['IMAP STARTTLS', imapSpec, [[false, '* OK IMAP4rev1 ready\r\n'], [true, 'a1 STARTTLS\r\n'], [false, 'a1 OK Begin TLS negotiation now\r\n']]],
  ['POP3 STLS', pop3Spec, [[false, '+OK POP3 ready\r\n'], [true, 'STLS\r\n'], [false, '+OK Begin TLS\r\n']]],
  ['FTP AUTH TLS', ftpSpec, [[false, '220 FTP ready\r\n'], [true, 'AUTH TLS\r\n'], [false, '234 Proceed with negotiation.\r\n']]],
] as const) {
  test(`${name}: the TLS handshake after the upgrade is read on the same connection`, () => {
    const { ctx } = tunnellingContext(spec.name);
    const a = spec.create(ctx);
    for (const [fromOrig, line] of lines) a.data(fromOrig, ascii(line), 1);
    // The ClientHello follows: none of it is read as a line.
    a.data(true, hello('mail.example'), 2);
    assert.equal(a.wants?.(true), true);
    a.end(3);
    const ssl = ofType(ctx.events, 'ssl');
    assert.deepEqual(ssl.map((e) => e.record.server_name), ['mail.example']);
    assert.equal(ssl[0]!.inside, spec.name);
    assert.equal(ctx.services.at(-1), 'ssl');
    assert.ok(!ctx.anomalies.some((c) => /line|command|reply/.test(c)), ctx.anomalies.join(','));
  });
}

test('without tunnels (analyzers fed directly), STARTTLS still ends parsing as before', () => {
  const ctx = collectingContext(CONN);
  const a = smtpSpec.create(ctx);
  for (const line of ['220 mx\r\n', '250 STARTTLS\r\n', '220 go\r\n']) a.data(false, ascii(line), 1);
  a.data(true, ascii('STARTTLS\r\n'), 1);
  a.data(false, ascii('220 go\r\n'), 1);
  a.data(true, hello('mail.example'), 2);
  assert.equal(a.wants?.(true), false);
  a.end(3);
  assert.equal(ofType(ctx.events, 'ssl').length, 0);
});

test('replay of the lab mail-files capture: the STARTTLS session is logged in ssl.jsonl, service smtp,ssl', async () => {
  const events: PicketEvent[] = [];
  await replayCaptures([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'mail-files.pcap')], { onEvent: (e) => events.push(e) });
  const ssl = ofType(events, 'ssl');
  assert.equal(ssl.length, 1);
  assert.equal(ssl[0]!.record['id.orig_h'], '10.77.2.21');
  assert.equal(ssl[0]!.record['id.resp_p'], 25);
  assert.equal(ssl[0]!.inside, 'smtp');
  assert.equal(ssl[0]!.record.established, true);
  const smtp = ofType(events, 'smtp').find((e) => e.uid === ssl[0]!.uid)!;
  assert.equal(smtp.record.tls, true);
  const end = ofType(events, 'flow.end').find((e) => e.record.uid === ssl[0]!.uid)!;
  assert.equal(end.record.service, 'smtp,ssl');
});

test('LDAP StartTLS: the handshake after the successful extended response is read as TLS', () => {
  const { ctx } = tunnellingContext();
  const a = new LdapAnalyzer(ctx);
  a.data(true, msg(1, app(23, octets('1.3.6.1.4.1.1466.20037', 0x80))), 1);
  a.data(false, msg(1, app(24, tlv(0x0a, new Uint8Array([0])), octets(''), octets(''))), 2);
  a.data(true, hello('dc01.corp.example'), 3);
  a.end(4);
  assert.deepEqual(ofType(ctx.events, 'ssl').map((e) => e.record.server_name), ['dc01.corp.example']);
  assert.deepEqual(ctx.services, ['ldap_tcp', 'ssl']);
});
