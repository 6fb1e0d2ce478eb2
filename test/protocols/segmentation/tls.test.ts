/**
 * TLS through the whole pipeline, cut the way real stacks cut it: a
 * post-quantum ClientHello larger than one segment, a hello fragmented over
 * several records, the server's first flight in one segment,
 * retransmitted and reordered segments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpSession, logRecords, runConversations } from '../../helpers/session.js';
import { concat } from '../../helpers/bytes.js';
import {
  alpn, bytes, clientHelloBody, clientVersions, ext, groups, handshake, pointFormats, record, serverHelloBody,
  serverVersion, sigAlgs, sni, u16, vec,
} from '../tls/build.js';

const X25519MLKEM768 = 0x11ec;

/** A Chrome 131-like ClientHello with an X25519MLKEM768 key share: about 1.8 KB. */
function pqHello(): Uint8Array {
  const keyShares = bytes(u16(X25519MLKEM768), vec(2, new Uint8Array(1216).fill(0xab)), u16(29), vec(2, new Uint8Array(32).fill(0xcd)));
  return handshake(1, clientHelloBody({
    sessionId: new Uint8Array(32).fill(7),
    ciphers: [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030],
    extensions: [
      sni('www.example.com'),
      ext(23, []),
      groups(X25519MLKEM768, 29, 23, 24),
      pointFormats(0),
      sigAlgs(0x0403, 0x0804, 0x0401),
      alpn('h2', 'http/1.1'),
      clientVersions(0x0304, 0x0303),
      ext(45, [1, 1]),
      ext(51, vec(2, keyShares)),
      ext(21, new Uint8Array(200)), // padding
    ],
  }));
}

function serverFlight(): Uint8Array {
  const sh = handshake(2, serverHelloBody({
    version: 0x0303,
    sessionId: new Uint8Array(32).fill(7),
    cipher: 0x1301,
    extensions: [serverVersion(0x0304), ext(51, bytes(u16(X25519MLKEM768), vec(2, new Uint8Array(1120))))],
  }));
  return concat(record(22, sh), record(20, Uint8Array.of(1)), record(23, new Uint8Array(3000)));
}

function clientFinish(): Uint8Array {
  return concat(record(20, Uint8Array.of(1)), record(23, new Uint8Array(53)));
}

function check(rec: Record<string, unknown> | undefined): void {
  assert.ok(rec !== undefined, 'an ssl record');
  assert.equal(rec.server_name, 'www.example.com');
  assert.deepEqual(rec.client_alpn, ['h2', 'http/1.1']);
  assert.equal(rec.version, 'TLSv13');
  assert.equal(rec.curve, 'X25519MLKEM768');
  assert.equal(typeof rec.ja3, 'string');
  assert.match(String(rec.ja4), /^t13d0710h2_/);
  assert.equal(rec.established, true);
}

test('a 1.8 KB post-quantum ClientHello over two segments, on 443 and on another port', () => {
  const hello = record(22, pqHello());
  assert.ok(hello.length > 1460);
  for (const port of [443, 8444]) {
    const s = new TcpSession({ serverPort: port }).handshake();
    s.sendMss(true, hello, 1448).sendMss(false, serverFlight(), 1448).send(true, clientFinish()).close();
    const recs = logRecords(runConversations(s), 'ssl');
    assert.equal(recs.length, 1, `port ${port}`);
    check(recs[0]);
    // Zeek stamps the record when the hello is complete: the second segment (after SYN, SYN-ACK, ACK, first half).
    assert.equal(recs[0]!.ts, s.packets[4]!.ts);
  }
});

test('a ClientHello fragmented over several records, each in its own segment', () => {
  const hs = pqHello();
  const recs = [record(22, hs.subarray(0, 3)), record(22, hs.subarray(3, 700)), record(22, hs.subarray(700))];
  // On another port the first record (3 bytes of handshake header) is too short for the probe:
  // the ServerHello chooses the analyzer, and the client's records seen before are replayed to it.
  for (const port of [443, 8444]) {
    const s = new TcpSession({ serverPort: port }).handshake();
    s.send(true, ...recs).sendMss(false, serverFlight(), 1448).send(true, clientFinish()).close();
    const out = logRecords(runConversations(s), 'ssl');
    assert.equal(out.length, 1, `port ${port}`);
    check(out[0]);
  }
});

test('retransmitted and reordered ClientHello segments are delivered once, in order', () => {
  const hello = record(22, pqHello());
  const a = hello.subarray(0, 1000);
  const b = hello.subarray(1000);
  const s = new TcpSession({ serverPort: 8443 }).handshake();
  const isn = s.clientSeq;
  s.raw(true, isn + 1000, b); // second half first
  s.raw(true, isn, a);
  s.raw(true, isn, a); // retransmission
  s.raw(true, isn + 500, hello.subarray(500, 1200)); // overlapping retransmission
  s.clientSeq = (isn + hello.length) >>> 0;
  s.sendMss(false, serverFlight(), 1448).send(true, clientFinish()).close();
  const out = logRecords(runConversations(s), 'ssl');
  assert.equal(out.length, 1);
  check(out[0]);
});

test('out-of-order second segment first on a port with no registered analyzer', () => {
  const hello = record(22, pqHello());
  const s = new TcpSession({ serverPort: 9999 }).handshake();
  const isn = s.clientSeq;
  s.raw(true, isn + 1448, hello.subarray(1448));
  s.raw(true, isn, hello.subarray(0, 1448));
  s.clientSeq = (isn + hello.length) >>> 0;
  s.sendMss(false, serverFlight(), 1448).send(true, clientFinish()).close();
  const out = logRecords(runConversations(s), 'ssl');
  assert.equal(out.length, 1);
  check(out[0]);
});
