/**
 * Unit tests of the TLS analyzer and its parts: ClientHello parsing, JA3 /
 * JA4 against the published examples, full TLS 1.2 and TLS 1.3 handshakes
 * cut at every byte, handshake messages spanning records, resumption,
 * alerts, version and cipher names, and the content probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';
import { tlsSpec } from '../../../src/protocols/tls/index.js';
import { parseClientHello, parseServerHello, type ClientHello } from '../../../src/protocols/tls/parser.js';
import { ja3, ja3String, ja4, ja4Alpn, ja4CipherHash, ja4ExtensionHash, md5Hex } from '../../../src/protocols/tls/fingerprint.js';
import { cipherName, groupName, isGrease, versionName } from '../../../src/protocols/tls/consts.js';
import type { SslRecord } from '../../../src/protocols/tls/events.js';
import { fakeContext, pieces, type FakeContext } from '../http/fake-ctx.js';
import { retainedBytes } from '../../helpers/heap.js';
import {
  alpn, bytes, clientHelloBody, clientVersions, ext, groups, handshake, pointFormats, record, serverHelloBody,
  serverKeyShare, serverVersion, sigAlgs, sni, u16, vec,
} from './build.js';

function ssl(ctx: FakeContext): SslRecord[] {
  const out: SslRecord[] = [];
  for (const e of ctx.events) if (e.type === 'ssl') out.push(e.record);
  return out;
}

/** A Chrome-like TLS 1.3 ClientHello with GREASE in ciphers, extensions, groups and versions. */
function chromeLikeHello(): Uint8Array {
  return clientHelloBody({
    sessionId: new Uint8Array(32).fill(7),
    ciphers: [0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f],
    extensions: [
      ext(0x2a2a, []), // GREASE extension
      sni('example.org'),
      ext(23, []), // extended_master_secret
      groups(0x3a3a, 29, 23, 24),
      pointFormats(0),
      sigAlgs(0x0403, 0x0804, 0x0401),
      alpn('h2', 'http/1.1'),
      clientVersions(0x4a4a, 0x0304, 0x0303),
      ext(45, [1, 1]), // psk_key_exchange_modes
    ],
  });
}

test('ClientHello fields are parsed and GREASE stays out of JA3', () => {
  const h = parseClientHello(chromeLikeHello()) as ClientHello;
  assert.equal(typeof h, 'object');
  assert.equal(h.serverName, 'example.org');
  assert.deepEqual(h.alpn, ['h2', 'http/1.1']);
  assert.deepEqual(h.supportedVersions, [0x4a4a, 0x0304, 0x0303]);
  assert.deepEqual(h.groups, [0x3a3a, 29, 23, 24]);
  assert.deepEqual(h.pointFormats, [0]);
  assert.deepEqual(h.signatureAlgorithms, [0x0403, 0x0804, 0x0401]);
  assert.equal(ja3String(h), '771,4865-4866-4867-49195-49199,0-23-10-11-13-16-43-45,29-23-24,0');
  assert.equal(ja3(h).hash, md5Hex('771,4865-4866-4867-49195-49199,0-23-10-11-13-16-43-45,29-23-24,0'));
  // t, TLS 1.3 (highest non-GREASE supported version), SNI, 5 ciphers, 8 extensions, h2.
  assert.match(ja4(h), /^t13d0508h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
});

test('JA3 matches the example in the JA3 README', () => {
  assert.equal(
    md5Hex('769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0'),
    'ada70206e40642a3e4461f35503241d5',
  );
});

test('JA4 parts match the worked examples of the JA4 specification', () => {
  assert.equal(
    ja4CipherHash([0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]),
    '8daaf6152771',
  );
  const exts = [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015];
  const sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
  assert.equal(ja4ExtensionHash(exts, sigs), 'e5627efa2ab1');
  assert.equal(ja4ExtensionHash(exts, []), '6d807ffa2a79');
  assert.equal(ja4CipherHash([]), '000000000000');
  assert.equal(ja4ExtensionHash([0x0000, 0x0010], sigs), '000000000000');
  // ALPN characters: alphanumeric ends as is, otherwise first/last hex digit.
  assert.equal(ja4Alpn(new Uint8Array(Buffer.from('http/1.1'))), 'h1');
  assert.equal(ja4Alpn(new Uint8Array([0xab])), 'ab');
  assert.equal(ja4Alpn(new Uint8Array([0xab, 0xcd])), 'ad');
  assert.equal(ja4Alpn(new Uint8Array([0x30, 0xab])), '3b');
  assert.equal(ja4Alpn(new Uint8Array([0x30, 0x31, 0xab, 0xcd])), '3d');
  assert.equal(ja4Alpn(undefined), '00');
});

test('JA4 header: no SNI is "i", counts cap at 99, no supported_versions uses the hello version', () => {
  const many: number[] = [];
  for (let i = 1; i <= 120; i++) many.push(i);
  const h = parseClientHello(clientHelloBody({ version: 0x0301, ciphers: many, extensions: [ext(23, [])] })) as ClientHello;
  assert.equal(ja4(h).slice(0, 10), 't10i990100');
});

/** A real certificate (test/fixtures/x509), DER. */
function leafCertificate(): Uint8Array {
  const pem = fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'x509', 'leaf.pem'), 'utf8');
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
}

/** Client and server flights of a full TLS 1.2 ECDHE handshake. */
function tls12Flights(): { client1: Uint8Array; server1: Uint8Array; client2: Uint8Array; server2: Uint8Array } {
  const ch = handshake(1, clientHelloBody({ ciphers: [0xc02f, 0x009c], extensions: [sni('shop.example'), groups(23, 29), pointFormats(0)] }));
  const sh = handshake(2, serverHelloBody({ cipher: 0xc02f, extensions: [alpn('http/1.1'), ext(0xff01, [0])] }));
  const cert = handshake(11, vec(3, vec(3, leafCertificate())));
  const ske = handshake(12, bytes([3], u16(23), vec(1, new Uint8Array(65).fill(4)), u16(0x0401), vec(2, new Uint8Array(64))));
  const shd = handshake(14, new Uint8Array(0));
  return {
    client1: record(22, ch, 0x0301),
    // ServerHello and Certificate share a record; ServerKeyExchange is split across two records.
    server1: bytes(
      record(22, bytes(sh, cert)),
      record(22, ske.subarray(0, 10)),
      record(22, bytes(ske.subarray(10), shd)),
    ),
    client2: bytes(record(22, handshake(16, vec(1, new Uint8Array(65)))), record(20, new Uint8Array([1])), record(22, new Uint8Array(40))),
    server2: bytes(record(22, handshake(4, new Uint8Array(20))), record(20, new Uint8Array([1])), record(22, new Uint8Array(40))),
  };
}

test('a TLS 1.2 handshake cut at every byte gives the same ssl record', () => {
  const f = tls12Flights();
  for (const size of [1, 2, 3, 5, 7, 64, 100000]) {
    const ctx = fakeContext({ resp_p: 443 });
    const a = tlsSpec.create(ctx);
    for (const p of pieces(f.client1, size)) a.data(true, p, 1);
    for (const p of pieces(f.server1, size)) a.data(false, p, 2);
    for (const p of pieces(f.client2, size)) a.data(true, p, 3);
    assert.equal(ssl(ctx).length, 0, 'not established before the server finishes');
    for (const p of pieces(f.server2, size)) a.data(false, p, 4);
    const r = ssl(ctx);
    assert.equal(r.length, 1, `split ${size}`);
    const rec = r[0]!;
    assert.equal(rec.ts, 1);
    assert.equal(rec.version, 'TLSv12');
    assert.equal(rec.cipher, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(rec.curve, 'secp256r1');
    assert.equal(rec.server_name, 'shop.example');
    assert.equal(rec.next_protocol, 'http/1.1');
    assert.equal(rec.resumed, false);
    assert.equal(rec.established, true);
    assert.equal(rec.ssl_history, 'CsxknGIti');
    assert.equal(rec.ja3_string, '769,49199-156,0-10-11,23-29,0'.replace('769', '771'));
    assert.equal(a.wants!(true), false);
    assert.equal(a.wants!(false), false);
    assert.deepEqual(ctx.services, ['ssl']);
    assert.deepEqual(ctx.anomalies, []);
    a.end(5);
    assert.equal(ssl(ctx).length, 1, 'logged once');
  }
});

test('heartbeats in clear: type and payload length however the record is cut; a record too short to say; none counted after ChangeCipherSpec', () => {
  const f = tls12Flights();
  const beat = (type: number, announced: number, rest: number): Uint8Array => record(24, bytes([type], u16(announced), new Uint8Array(rest)));
  for (const size of [1, 2, 4, 100000]) {
    const ctx = fakeContext({ resp_p: 443 });
    const a = tlsSpec.create(ctx);
    for (const p of pieces(f.client1, size)) a.data(true, p, 1);
    for (const p of pieces(f.server1, size)) a.data(false, p, 2);
    for (const p of pieces(bytes(beat(1, 0x4000, 2), record(24, new Uint8Array([1, 0]))), size)) a.data(true, p, 3);
    for (const p of pieces(beat(2, 0x4000, 0x4000 + 16), size)) a.data(false, p, 4);
    for (const p of pieces(f.client2, size)) a.data(true, p, 5);
    // After the client's ChangeCipherSpec its records are ciphertext: a heartbeat there is not read.
    for (const p of pieces(beat(1, 0x4000, 2), size)) a.data(true, p, 6);
    for (const p of pieces(f.server2, size)) a.data(false, p, 7);
    const e = ctx.events.find((x) => x.type === 'ssl');
    assert.ok(e !== undefined && e.type === 'ssl', `split ${size}`);
    assert.deepEqual(e.heartbeats, [
      { ts: 3, from_client: true, record_length: 5, message_type: 1, payload_length: 0x4000 },
      { ts: 3, from_client: true, record_length: 2, message_type: -1, payload_length: -1 },
      { ts: 4, from_client: false, record_length: 0x4000 + 19, message_type: 2, payload_length: 0x4000 },
    ], `split ${size}`);
    assert.equal(e.record.ssl_history, 'CsxknBBbGIti');
    assert.deepEqual(ctx.anomalies, []);
  }
  // A handshake without heartbeats has none on its event.
  const ctx = fakeContext({ resp_p: 443 });
  const a = tlsSpec.create(ctx);
  for (const [fromClient, d] of [[true, f.client1], [false, f.server1], [true, f.client2], [false, f.server2]] as const) a.data(fromClient, d, 1);
  const plain = ctx.events.find((x) => x.type === 'ssl');
  assert.ok(plain !== undefined && plain.type === 'ssl' && plain.heartbeats === undefined);
});

test('TLS 1.3: version from supported_versions, curve from key_share, established after both CCS', () => {
  const ctx = fakeContext({ resp_p: 443 });
  const a = tlsSpec.create(ctx);
  a.data(true, record(22, handshake(1, chromeLikeHello()), 0x0301), 1);
  const sh = handshake(2, serverHelloBody({ cipher: 0x1302, sessionId: new Uint8Array(32).fill(7), extensions: [serverVersion(0x0304), serverKeyShare(29)] }));
  a.data(false, bytes(record(22, sh), record(20, new Uint8Array([1])), record(23, new Uint8Array(100))), 2);
  a.data(true, bytes(record(20, new Uint8Array([1])), record(23, new Uint8Array(53))), 3);
  const r = ssl(ctx);
  assert.equal(r.length, 1);
  assert.equal(r[0]!.version, 'TLSv13');
  assert.equal(r[0]!.cipher, 'TLS_AES_256_GCM_SHA384');
  assert.equal(r[0]!.curve, 'x25519');
  assert.equal(r[0]!.ssl_history, 'CsiI');
  assert.equal(r[0]!.established, true);
  // The echoed session id is middlebox compatibility in TLS 1.3, not resumption.
  assert.equal(r[0]!.resumed, false);
  assert.deepEqual(r[0]!.client_alpn, ['h2', 'http/1.1']);
});

test('TLS 1.3 resumption (pre_shared_key accepted) and TLS 1.2 session-id resumption', () => {
  const ctx = fakeContext();
  const a = tlsSpec.create(ctx);
  a.data(true, record(22, handshake(1, chromeLikeHello())), 1);
  a.data(false, record(22, handshake(2, serverHelloBody({ cipher: 0x1301, extensions: [serverVersion(0x0304), serverKeyShare(29), ext(41, u16(0))] }))), 2);
  a.end(3);
  assert.equal(ssl(ctx)[0]!.resumed, true);
  assert.equal(ssl(ctx)[0]!.established, false);

  const sid = new Uint8Array(32).fill(9);
  const ctx2 = fakeContext();
  const b = tlsSpec.create(ctx2);
  b.data(true, record(22, handshake(1, clientHelloBody({ sessionId: sid, ciphers: [0xc02f] }))), 1);
  b.data(false, bytes(record(22, handshake(2, serverHelloBody({ cipher: 0xc02f, sessionId: sid }))), record(20, new Uint8Array([1])), record(22, new Uint8Array(40))), 2);
  b.data(true, bytes(record(20, new Uint8Array([1])), record(22, new Uint8Array(40))), 3);
  const r = ssl(ctx2)[0]!;
  assert.equal(r.resumed, true);
  assert.equal(r.established, true);
  assert.equal(r.ssl_history, 'CsiI');
});

test('an alert in clear is last_alert; an unfinished handshake is logged at end', () => {
  const ctx = fakeContext();
  const a = tlsSpec.create(ctx);
  a.data(true, record(22, handshake(1, clientHelloBody({ ciphers: [0x002f], extensions: [sni('old.example')] }))), 1);
  a.data(false, record(21, new Uint8Array([2, 40])), 2);
  assert.equal(ssl(ctx).length, 0);
  a.end(3);
  const r = ssl(ctx)[0]!;
  assert.equal(r.last_alert, 'handshake_failure');
  assert.equal(r.established, false);
  assert.equal(r.ssl_history, 'Cl');
  assert.equal(r.version, undefined);
});

test('HelloRetryRequest: the retry and the second ClientHello do not replace the first fingerprints', () => {
  const hrrRandom = new Uint8Array(Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'));
  const ctx = fakeContext();
  const a = tlsSpec.create(ctx);
  a.data(true, record(22, handshake(1, chromeLikeHello())), 1);
  a.data(false, record(22, handshake(2, serverHelloBody({ cipher: 0x1301, random: hrrRandom, extensions: [serverVersion(0x0304), ext(51, u16(23))] }))), 2);
  a.data(true, record(22, handshake(1, clientHelloBody({ ciphers: [0x1301], extensions: [sni('second.example')] }))), 3);
  a.data(false, record(22, handshake(2, serverHelloBody({ cipher: 0x1301, extensions: [serverVersion(0x0304), serverKeyShare(23)] }))), 4);
  a.end(5);
  const r = ssl(ctx)[0]!;
  assert.equal(r.server_name, 'example.org');
  assert.equal(r.curve, 'secp256r1');
  assert.equal(r.ssl_history, 'CsCs');
});

test('names: Zeek version strings, IANA ciphers, groups, unknown fallbacks, GREASE', () => {
  assert.equal(versionName(0x0303), 'TLSv12');
  assert.equal(versionName(0x0300), 'SSLv3');
  assert.equal(versionName(0x7f17), 'TLSv13-draft23');
  assert.equal(versionName(0x1234), 'unknown-4660');
  assert.equal(cipherName(0x1301), 'TLS_AES_128_GCM_SHA256');
  assert.equal(cipherName(0xc011), 'TLS_ECDHE_RSA_WITH_RC4_128_SHA');
  assert.equal(cipherName(0xabcd), 'unknown-abcd');
  assert.equal(groupName(29), 'x25519');
  assert.equal(groupName(4588), 'X25519MLKEM768');
  assert.equal(groupName(9999), 'unknown-9999');
  assert.equal(isGrease(0x0a0a), true);
  assert.equal(isGrease(0xfafa), true);
  assert.equal(isGrease(0x0a1a), false);
});

test('malformed hellos are anomalies, never exceptions', () => {
  assert.equal(parseClientHello(new Uint8Array([3, 3])), 'tls_malformed_client_hello');
  const good = clientHelloBody({ ciphers: [0x1301], extensions: [sni('x')] });
  // Extension block length claims more than present.
  const lying = new Uint8Array(good);
  lying[lying.length - 12] = 0xff; // high byte of the extensions block length
  assert.equal(typeof parseClientHello(lying), 'string');
  assert.equal(typeof parseServerHello(new Uint8Array(10)), 'string');
  const ctx = fakeContext();
  const a = tlsSpec.create(ctx);
  a.data(true, record(22, handshake(1, new Uint8Array([3, 3, 0]))), 1);
  a.end(2);
  assert.ok(ctx.anomalies.includes('tls_malformed_client_hello'));
  assert.equal(ssl(ctx).length, 0);
});

test('non-TLS bytes stop the reader with an anomaly; oversized records too', () => {
  const ctx = fakeContext();
  const a = tlsSpec.create(ctx);
  a.data(true, new Uint8Array(Buffer.from('GET / HTTP/1.1\r\n')), 1);
  assert.ok(ctx.anomalies.includes('tls_unknown_content_type'));
  assert.equal(a.wants!(true), false);
  const ctx2 = fakeContext();
  const b = tlsSpec.create(ctx2);
  b.data(true, new Uint8Array([22, 3, 1, 0xff, 0xff]), 1);
  assert.ok(ctx2.anomalies.includes('tls_record_too_long'));
});

test('an SSLv2-format ClientHello is flagged, not parsed', () => {
  const ctx = fakeContext();
  const a = tlsSpec.create(ctx);
  // 0x80 0x2e: two-byte SSLv2 header (length 46); 0x01: CLIENT-HELLO; 0x0301: version.
  a.data(true, new Uint8Array([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15]), 1);
  assert.deepEqual(ctx.anomalies, ['tls_sslv2_not_analyzed']);
  assert.equal(a.wants!(true), false);
});

test('encrypted records with no hello (capture began mid-connection) are not logged', () => {
  const ctx = fakeContext();
  const a = tlsSpec.create(ctx);
  a.data(true, record(23, new Uint8Array(50)), 1);
  a.data(false, record(23, new Uint8Array(50)), 2);
  assert.equal(a.wants!(true), false);
  a.end(3);
  assert.equal(ssl(ctx).length, 0);
});

test('probe: ClientHello record from the client, ServerHello from the server', () => {
  const ch = record(22, handshake(1, clientHelloBody({ ciphers: [0x1301] })), 0x0301);
  assert.equal(tlsSpec.probe!(ch, true, 'tcp'), true);
  assert.equal(tlsSpec.probe!(ch, false, 'tcp'), false);
  assert.equal(tlsSpec.probe!(ch, true, 'udp'), false);
  assert.equal(tlsSpec.probe!(new Uint8Array(Buffer.from('SSH-2.0-x\r\n')), true, 'tcp'), false);
  assert.equal(tlsSpec.probe!(ch.subarray(0, 5), true, 'tcp'), false);
});

test('a handshake header alone does not allocate the length it announces', () => {
  const kept = retainedBytes(() => {
    const flows: unknown[] = [];
    for (let i = 0; i < 1000; i++) {
      const a = tlsSpec.create(fakeContext({ resp_p: 443 }));
      // A record header, then a ClientHello (and a ServerHello) header announcing 65,535 bytes.
      a.data(true, Uint8Array.from([22, 3, 1, 0x40, 0, 1, 0, 0xff, 0xff]), 1);
      a.data(false, Uint8Array.from([22, 3, 3, 0x40, 0, 2, 0, 0xff, 0xff]), 1);
      flows.push(a);
    }
    return flows;
  });
  // Allocating the announced 64 KiB per direction kept 128 MB for these 1,000 flows.
  assert.ok(kept < 16 * 1024 * 1024, `${kept} bytes kept`);
});
