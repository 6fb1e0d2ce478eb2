/**
 * DTLS: a real DTLS 1.2 exchange between openssl's client and server
 * (test/fixtures/dtls/record-openssl-dtls.sh: cookie exchange, certificate
 * in fragments) against what tshark reads from it, the roles of symmetric
 * peers, handshake fragments reordered and repeated, a server flight in
 * reverse order, a lost datagram, DTLS on UDP 443
 * (QUIC's port), and input that is not DTLS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { openCaptureFiles } from '../../../src/capture/file-source.js';
import { createDtlsSpec, probeDtls } from '../../../src/protocols/tls/index.js';
import { DtlsRecordReader, withoutCookie } from '../../../src/protocols/tls/dtls-records.js';
import type { TlsRecordHandler } from '../../../src/protocols/tls/records.js';
import { HandshakeType, TlsAnomaly } from '../../../src/protocols/tls/consts.js';
import type { SslRecord } from '../../../src/protocols/tls/events.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { replayEvents } from '../../helpers/replay.js';
import { UdpSession, logRecords, runConversations } from '../../helpers/session.js';
import { fakeContext, type FakeContext } from '../http/fake-ctx.js';
import { bytes, clientHelloBody, sni, u16 } from './build.js';

const CAPTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'dtls', 'openssl-dtls12.pcap');

/** The capture's datagrams: UDP payload and whether the client (port != 44330) sent it. */
async function datagrams(): Promise<{ fromClient: boolean; data: Uint8Array; ts: number }[]> {
  const out: { fromClient: boolean; data: Uint8Array; ts: number }[] = [];
  await openCaptureFiles([CAPTURE]).run((pkt) => {
    const f = pkt.data.subarray(pkt.offset, pkt.offset + pkt.caplen);
    const dstPort = (f[14 + 20 + 2]! << 8) | f[14 + 20 + 3]!;
    out.push({ fromClient: dstPort === 44330, data: f.slice(14 + 20 + 8), ts: pkt.ts });
  });
  return out;
}

const sslOf = (ctx: FakeContext): SslRecord[] => ctx.events.flatMap((e) => (e.type === 'ssl' ? [e.record] : []));

test('openssl DTLS 1.2: cookie exchange, fragmented certificate, established; service dtls', async () => {
  const events = await replayEvents([CAPTURE]);
  const ssl = logRecords(events, 'ssl');
  assert.equal(ssl.length, 1);
  const s = ssl[0]!;
  assert.equal(s.version, 'DTLSv12');
  assert.equal(s.server_name, 'dtls.example');
  assert.equal(s.established, true);
  assert.equal(s.ssl_history, 'CvCsxknGIti', 'ClientHello, HelloVerifyRequest, ClientHello with the cookie, then as TLS 1.2');
  assert.equal(s.sni_matches_cert, true);
  assert.match(String(s.ja4), /^dd2d/, 'JA4 of DTLS 1.2 over UDP');
  assert.match(String(s.ja3_string), /^65277,/, 'JA3 version field: 0xfefd');
  assert.equal(logRecords(events, 'x509').length, 1);
  assert.equal(logRecords(events, 'conn')[0]!.service, 'dtls');
});

test('openssl DTLS 1.2: hello fields and certificate equal what tshark reads', async (t) => {
  const fields = (filter: string, ...f: string[]): string[] | null => {
    try {
      const out = execFileSync('tshark', ['-r', CAPTURE, '-Y', filter, '-T', 'fields', ...f.flatMap((x) => ['-e', x])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return out.split('\n').find((l) => l.replace(/\t/g, '') !== '')!.split('\t');
    } catch {
      return null;
    }
  };
  const hello = fields('dtls.handshake.type == 1', 'dtls.handshake.extensions_server_name', 'dtls.handshake.ciphersuite', 'dtls.handshake.extension.type');
  if (hello === null) {
    t.skip('tshark is not installed');
    return;
  }
  const [serverHello] = [fields('dtls.handshake.type == 2', 'dtls.handshake.ciphersuite')!];
  const [certHex] = fields('dtls.handshake.type == 11', 'dtls.handshake.certificate')!;
  const s = logRecords(await replayEvents([CAPTURE]), 'ssl')[0]!;
  const [, ciphers, extensions] = String(s.ja3_string).split(',');
  assert.equal(s.server_name, hello[0]);
  assert.equal(ciphers, hello[1]!.split(',').map((c) => String(Number(c))).join('-'));
  assert.equal(extensions, hello[2]!.split(',').join('-'));
  assert.equal(s.cipher, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
  assert.equal(Number(serverHello[0]), 0xc02c);
  const sha256 = createHash('sha256').update(Buffer.from(certHex!.replace(/:/g, ''), 'hex')).digest('hex');
  assert.deepEqual(s.cert_chain_fps, [sha256]);
});

test('the client is whoever sends the ClientHello: the same record with the roles of the flow reversed', async () => {
  const all = await datagrams();
  const run = (swap: boolean): SslRecord => {
    const ctx = fakeContext({ proto: 'udp', resp_p: 44330 });
    const a = createDtlsSpec().create(ctx);
    for (const d of all) a.data(d.fromClient !== swap, d.data, d.ts);
    a.end(2e9);
    assert.deepEqual(ctx.anomalies, []);
    return sslOf(ctx)[0]!;
  };
  const straight = run(false);
  const reversed = run(true);
  for (const f of ['server_name', 'cipher', 'version', 'ssl_history', 'ja4', 'established'] as const) assert.deepEqual(reversed[f], straight[f], f);
});

/** The capture's datagrams through one DTLS analyzer, in the given order of frame numbers (1-based). */
async function sslInOrder(frames: number[]): Promise<{ record: SslRecord | undefined; anomalies: string[] }> {
  const all = await datagrams();
  const ctx = fakeContext({ proto: 'udp', resp_p: 44330 });
  const a = createDtlsSpec().create(ctx);
  for (const n of frames) a.data(all[n - 1]!.fromClient, all[n - 1]!.data, all[n - 1]!.ts);
  a.end(2e9);
  return { record: sslOf(ctx)[0], anomalies: ctx.anomalies };
}

test('a server flight whose datagrams arrive in reverse order is read as sent', async () => {
  const frames = Array.from({ length: 12 }, (_, i) => i + 1);
  // Frames 4-7: ServerHello, the certificate in three fragments, ServerKeyExchange, ServerHelloDone.
  const reversed = [1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11, 12];
  const straight = await sslInOrder(frames);
  const shuffled = await sslInOrder(reversed);
  assert.deepEqual(shuffled.anomalies, []);
  assert.ok(straight.record !== undefined && shuffled.record !== undefined);
  for (const f of ['server_name', 'cipher', 'curve', 'version', 'ssl_history', 'cert_chain_fps', 'established'] as const) {
    assert.deepEqual(shuffled.record[f], straight.record[f], f);
  }
  assert.equal(shuffled.record.cert_chain_fps?.length, 1, 'the certificate put together from fragments of three datagrams');
});

test('a datagram the sensor missed: the messages behind the gap are read when the flight ends', async () => {
  // Without frame 4 (ServerHello and the certificate's first fragment) the certificate never
  // completes; ServerKeyExchange, ServerHelloDone and the ticket wait behind it until the server's CCS.
  const { record, anomalies } = await sslInOrder([1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(anomalies, []);
  assert.ok(record !== undefined);
  assert.equal(record.ssl_history, 'CvCGIknti', 'the client\'s second flight, then at the server\'s CCS its held messages (no s, no x)');
  assert.equal(record.cert_chain_fps, undefined, 'no certificate: its first fragment was lost');
});

/** What a DTLS reader passes on: "type@seq-order" per handshake message, and anomalies. */
function recordingHandler(): { handler: TlsRecordHandler; seen: string[] } {
  const seen: string[] = [];
  const handler: TlsRecordHandler = {
    wantsBody: () => false,
    handshake: (_c, type, _b, ts) => { seen.push(`${type}@${ts}`); },
    changeCipherSpec: (_c, ts) => { seen.push(`ccs@${ts}`); },
    alert: () => {},
    heartbeat: () => {},
    ciphertext: () => {},
    anomaly: (code) => { seen.push(code); },
  };
  return { handler, seen };
}

test('a message that never completes is skipped once eight later ones wait behind it, not before', () => {
  const { handler, seen } = recordingHandler();
  const r = new DtlsRecordReader(false, handler);
  const empty = new Uint8Array(0);
  r.feed(dtlsRecord(fragment(2, 1, new Uint8Array(40), 0, 20)), 1); // message 1: half of it
  for (let seq = 2; seq <= 8; seq++) r.feed(dtlsRecord(fragment(seq + 10, seq, empty, 0, 0)), seq);
  assert.deepEqual(seen, [], 'seven complete messages wait behind the gap');
  r.feed(dtlsRecord(fragment(19, 9, empty, 0, 0)), 9);
  assert.deepEqual(seen, ['12@9', '13@9', '14@9', '15@9', '16@9', '17@9', '18@9', '19@9'], 'the eighth gives the gap up');
  r.feed(dtlsRecord(fragment(2, 1, new Uint8Array(40), 20, 20)), 10);
  assert.equal(seen.length, 8, 'the rest of the skipped message comes too late');
});

test('a CCS passes on what waited behind a gap; a fragment contradicting a held message is an anomaly', () => {
  const { handler, seen } = recordingHandler();
  const r = new DtlsRecordReader(true, handler);
  r.feed(dtlsRecord(fragment(1, 0, new Uint8Array(30), 0, 10)), 1);
  r.feed(dtlsRecord(fragment(16, 1, new Uint8Array(8), 0, 8)), 2);
  r.feed(dtlsRecord(fragment(16, 1, new Uint8Array(9), 0, 9)), 3); // same sequence number, another length
  assert.deepEqual(seen, [TlsAnomaly.DTLS_BAD_FRAGMENT]);
  r.feed(bytes([20, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 2], u16(1), [1]), 4);
  assert.deepEqual(seen, [TlsAnomaly.DTLS_BAD_FRAGMENT, '16@4', 'ccs@4']);
});

/** DTLS records of epoch 0 carrying the given handshake fragments. */
function dtlsRecord(...fragments: Uint8Array[]): Uint8Array {
  const body = bytes(...fragments);
  return bytes([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1], u16(body.length), body);
}

function fragment(type: number, seq: number, message: Uint8Array, offset: number, length: number): Uint8Array {
  const u24 = (v: number): number[] => [v >> 16, (v >> 8) & 0xff, v & 0xff];
  return bytes([type], u24(message.length), u16(seq), u24(offset), u24(length), message.subarray(offset, offset + length));
}

/** A DTLS ClientHello body: TLS's with an empty cookie after the session id. */
function dtlsClientHello(name: string): Uint8Array {
  const tls = clientHelloBody({ version: 0xfefd, ciphers: [0xc02b, 0xc02f], extensions: [sni(name)] });
  const cookieAt = 2 + 32 + 1 + tls[34]!;
  return bytes(tls.subarray(0, cookieAt), [3, 9, 9, 9], tls.subarray(cookieAt));
}

test('a ClientHello in three fragments, reordered and repeated, is read once', () => {
  const ch = dtlsClientHello('frag.example');
  const parts = [fragment(1, 0, ch, 0, 20), fragment(1, 0, ch, 20, 30), fragment(1, 0, ch, 50, ch.length - 50)];
  const ctx = fakeContext({ proto: 'udp', resp_p: 5684 });
  const a = createDtlsSpec().create(ctx);
  a.data(true, dtlsRecord(parts[2]!), 1);
  a.data(true, dtlsRecord(parts[0]!, parts[0]!), 1.1);
  a.data(true, dtlsRecord(parts[1]!, parts[2]!), 1.2);
  a.data(true, dtlsRecord(parts[0]!, parts[1]!, parts[2]!), 1.3); // the whole flight resent
  a.end(2);
  const s = sslOf(ctx);
  assert.equal(s.length, 1);
  assert.equal(s[0]!.server_name, 'frag.example');
  assert.equal(s[0]!.ssl_history, 'C');
  assert.equal(s[0]!.ts, 1.2, 'when the last missing fragment came');
  assert.match(String(s[0]!.ja4), /^dd2d0201/, 'DTLS 1.2, SNI, 2 ciphers, 1 extension');
  assert.deepEqual(ctx.anomalies, []);
});

test('the cookie is cut out of a DTLS ClientHello so the TLS parser reads it', () => {
  const ch = dtlsClientHello('cookie.example');
  const tls = withoutCookie(ch)!;
  assert.equal(tls.length, ch.length - 4);
  assert.equal(withoutCookie(ch.subarray(0, 35)), null);
});

test('DTLS on UDP 443 goes to the DTLS analyzer, not QUIC', async () => {
  const s = new UdpSession({ serverPort: 443 });
  for (const d of await datagrams()) s.send(d.fromClient, d.data);
  const events = runConversations(s);
  assert.equal(logRecords(events, 'conn')[0]!.service, 'dtls');
  assert.equal(logRecords(events, 'ssl')[0]!.server_name, 'dtls.example');
  assert.equal(logRecords(events, 'quic').length, 0);
});

test('probe: DTLS handshakes in, TLS records and junk out', async () => {
  const d = await datagrams();
  assert.equal(probeDtls(d[0]!.data, true), true);
  assert.equal(probeDtls(d[1]!.data, false), true, 'HelloVerifyRequest from the responder');
  assert.equal(probeDtls(d[1]!.data, true), false);
  assert.equal(probeDtls(bytes([22, 3, 3, 0, 5], [1, 0, 0, 1, 0]), true), false, 'TLS, not DTLS');
  assert.equal(probeDtls(new Uint8Array(64), true), false);
  assert.equal(HandshakeType.HELLO_VERIFY_REQUEST, 3);
});

test('datagrams that are not DTLS: counted, and reading stops', () => {
  const ctx = fakeContext({ proto: 'udp', resp_p: 5684 });
  const a = createDtlsSpec().create(ctx);
  let fed = 0;
  for (let i = 0; i < 50 && a.wants!(true); i++, fed++) a.data(true, bytes([22, 0xfe, 0xfd], new Uint8Array(8), [0xff, 0xff], new Uint8Array(10)), i);
  a.end(100);
  assert.ok(fed <= 8, `stopped after ${fed}`);
  assert.ok(ctx.anomalies.every((c) => c === TlsAnomaly.DTLS_TRUNCATED_RECORD));
  assert.equal(sslOf(ctx).length, 0);
});
