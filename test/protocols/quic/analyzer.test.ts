/**
 * The QUIC analyzer on real traffic (Chromium's first flight, recorded on
 * loopback: see test/fixtures/quic/record-chrome-initial.sh) and on
 * handshakes built from RFC 9001's sample packets: quic.log and ssl.log
 * records, conn.log's service, Retry, CONNECTION_CLOSE, coalesced packets,
 * version 2, versions Picket cannot read, non-QUIC traffic on UDP 443 and
 * the bounds on CRYPTO data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { openCaptureFiles } from '../../../src/capture/file-source.js';
import type { ConnId } from '../../../src/events/conn-id.js';
import { QuicAnalyzer } from '../../../src/protocols/quic/analyzer.js';
import { QUIC_V1, QUIC_V2, QuicAnomaly, versionProfile } from '../../../src/protocols/quic/consts.js';
import { probeQuic } from '../../../src/protocols/quic/index.js';
import { deriveInitialKeys } from '../../../src/protocols/quic/initial-protection.js';
import { collectingContext, ofType } from '../../helpers/analyzer-context.js';
import { hex, rng } from '../../helpers/bytes.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { replayEvents } from '../../helpers/replay.js';
import { UdpSession, logRecords, runConversations } from '../../helpers/session.js';
import { RFC_CLIENT_CRYPTO, RFC_DCID, RFC_SERVER_INITIAL, rfcClientInitial } from './rfc-samples.js';
import { closeFrame, cryptoFrame, join, longHeader, padded, protectLongPacket, varint } from './protect.js';

const CHROME = path.join(REPO_ROOT, 'test', 'fixtures', 'quic', 'chrome-initial.pcap');
const SERVER_CID = hex('f067a5502a4262b5');
const NO_CID = new Uint8Array(0);
const V1 = versionProfile(QUIC_V1)!;
const rfcKeys = deriveInitialKeys(V1, RFC_DCID);

const CONN: ConnId = { uid: 'CQuic1', orig_h: '10.0.0.1', orig_p: 49152, resp_h: '10.0.0.2', resp_p: 443, proto: 'udp' };

/** UDP payloads of a capture (Ethernet, IPv4, UDP). */
async function udpPayloads(file: string): Promise<{ ts: number; data: Uint8Array }[]> {
  const out: { ts: number; data: Uint8Array }[] = [];
  await openCaptureFiles([file]).run((pkt) => {
    const frame = pkt.data.subarray(pkt.offset, pkt.offset + pkt.caplen);
    out.push({ ts: pkt.ts, data: frame.slice(14 + 20 + 8) });
  });
  return out;
}

/** A 1-RTT packet: short header, the given Destination Connection ID, then ciphertext-like bytes. */
function shortPacket(dcid: Uint8Array, seed: number): Uint8Array {
  const r = rng(seed);
  const body = new Uint8Array(40);
  for (let i = 0; i < body.length; i++) body[i] = Math.floor(r() * 256);
  return join(Uint8Array.of(0x41), dcid, body);
}

/** A server Handshake packet (its contents are never read, so any keys do). */
function serverHandshake(): Uint8Array {
  return protectLongPacket({ typeBits: 2, version: QUIC_V1, dcid: NO_CID, scid: SERVER_CID, packetNumber: 0, pnLength: 1, payload: padded(60), keys: rfcKeys.server, initial: false });
}

test('Chromium first flight: SNI, ALPN, JA4 over QUIC, and conn.log service quic,ssl', async () => {
  const events = await replayEvents([CHROME]);
  const quic = logRecords(events, 'quic');
  assert.equal(quic.length, 1);
  const q = quic[0]!;
  assert.equal(q.version, '1');
  assert.match(String(q.client_initial_dcid), /^[0-9a-f]{16}$/);
  assert.equal(q.client_scid, undefined, 'Chromium sends an empty Source Connection ID');
  assert.equal(q.server_scid, undefined, 'nothing answered');
  assert.equal(q.server_name, 'quic.example.test');
  assert.equal(q.client_protocol, 'h3');
  // Its ClientHello fills two Initial packets; then retransmissions, and a close when it gives up.
  assert.match(String(q.history), /^IIS(I)+C$/);
  const ssl = logRecords(events, 'ssl');
  assert.equal(ssl.length, 1);
  const s = ssl[0]!;
  assert.equal(s.server_name, 'quic.example.test');
  assert.deepEqual(s.client_alpn, ['h3']);
  assert.equal(s.established, false);
  assert.equal(s.ssl_history, 'C');
  assert.equal(s.version, undefined, 'no ServerHello');
  // JA4 sorts extensions, so Chromium's shuffled order gives the same value every time.
  assert.equal(s.ja4, 'q13d0311h3_55b375c5d22e_653d80c3fe9d');
  assert.match(String(s.ja3), /^[0-9a-f]{32}$/);
  const conn = logRecords(events, 'conn');
  assert.equal(conn.length, 1);
  assert.equal(conn[0]!.service, 'quic,ssl');
  assert.equal(conn[0]!['id.resp_p'], 4433, 'recognised by content, not port');
});

test('Chromium first flight: the ClientHello read equals what tshark reads from the same packets', async (t) => {
  let out: string;
  try {
    out = execFileSync('tshark', ['-r', CHROME, '-Y', 'tls.handshake.type == 1', '-T', 'fields', '-e', 'tls.handshake.extensions_server_name', '-e', 'tls.handshake.ciphersuite', '-e', 'tls.handshake.extension.type'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    t.skip('tshark is not installed');
    return;
  }
  const [sni, ciphers, extensions] = out.trim().split('\n')[0]!.split('\t');
  const s = logRecords(await replayEvents([CHROME]), 'ssl')[0]!;
  assert.equal(s.server_name, sni);
  // ja3_string: version, ciphers, extensions, groups, point formats (decimal, '-' separated).
  const [, ja3Ciphers, ja3Extensions] = String(s.ja3_string).split(',');
  assert.equal(ja3Ciphers, ciphers!.split(',').map((c) => String(Number(c))).join('-'));
  assert.equal(ja3Extensions, extensions!.split(',').join('-'));
});

test('a handshake from RFC 9001 packets: both hellos, server ID, TLS parameters, then 1-RTT', () => {
  const s = new UdpSession({ serverPort: 443 });
  s.send(true, rfcClientInitial());
  s.send(false, join(RFC_SERVER_INITIAL, serverHandshake()));
  for (let i = 0; i < 12; i++) {
    s.send(true, shortPacket(SERVER_CID, i));
    s.send(false, shortPacket(NO_CID, 100 + i));
  }
  const events = runConversations(s);
  const q = logRecords(events, 'quic');
  assert.equal(q.length, 1);
  assert.equal(q[0]!.client_initial_dcid, '8394c8f03e515708');
  assert.equal(q[0]!.server_scid, 'f067a5502a4262b5');
  assert.equal(q[0]!.server_name, 'example.com');
  assert.equal(q[0]!.client_protocol, 'alpn', "the RFC's sample offers ALPN \"alpn\"");
  // 1-RTT packets are marked at the 1st, 2nd, 4th and 8th each way; reading stops after that.
  assert.equal(q[0]!.history, 'ISishOoOoOoOo');
  const ssl = logRecords(events, 'ssl');
  assert.equal(ssl.length, 1);
  assert.equal(ssl[0]!.version, 'TLSv13');
  assert.equal(ssl[0]!.cipher, 'TLS_AES_128_GCM_SHA256');
  assert.equal(ssl[0]!.curve, 'x25519');
  assert.equal(ssl[0]!.server_name, 'example.com');
  assert.equal(ssl[0]!.established, true);
  assert.equal(ssl[0]!.ssl_history, 'Cs');
  assert.match(String(ssl[0]!.ja4), /^q13d/);
  assert.match(String(ssl[0]!.ja3s), /^[0-9a-f]{32}$/);
  assert.equal(logRecords(events, 'conn')[0]!.service, 'quic,ssl');
});

test('the ssl record goes out when both sides send 1-RTT packets, not at the end of the flow', () => {
  const ctx = collectingContext(CONN);
  const a = new QuicAnalyzer(ctx);
  a.data(true, rfcClientInitial(), 1);
  a.data(false, RFC_SERVER_INITIAL, 1.01);
  assert.equal(ofType(ctx.events, 'ssl').length, 0);
  a.data(true, shortPacket(SERVER_CID, 1), 1.02);
  assert.equal(ofType(ctx.events, 'ssl').length, 0);
  a.data(false, shortPacket(NO_CID, 2), 1.03);
  assert.equal(ofType(ctx.events, 'ssl').length, 1);
  assert.equal(ofType(ctx.events, 'quic').length, 0, 'quic.log is written when the flow ends');
  a.end(5);
  assert.equal(ofType(ctx.events, 'ssl').length, 1);
  assert.equal(ofType(ctx.events, 'quic').length, 1);
  assert.deepEqual([...new Set(ctx.services)], ['quic', 'ssl']);
  assert.deepEqual(ctx.anomalies, []);
});

test('Retry logs the first attempt; the client comes back with a token and new keys', () => {
  const retry = hex('ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba');
  const second = protectLongPacket({
    typeBits: 0,
    version: QUIC_V1,
    dcid: SERVER_CID,
    scid: NO_CID,
    token: hex('746f6b656e'),
    packetNumber: 3,
    pnLength: 2,
    payload: padded(1100, RFC_CLIENT_CRYPTO),
    keys: deriveInitialKeys(V1, SERVER_CID).client,
  });
  const ctx = collectingContext(CONN);
  const a = new QuicAnalyzer(ctx);
  a.data(true, rfcClientInitial(), 1);
  a.data(false, retry, 1.01);
  a.data(true, second, 1.02);
  a.end(2);
  const q = ofType(ctx.events, 'quic').map((e) => e.record);
  assert.equal(q.length, 2);
  assert.equal(q[0]!.history, 'ISr');
  assert.equal(q[0]!.client_initial_dcid, '8394c8f03e515708');
  assert.equal(q[0]!.server_scid, 'f067a5502a4262b5');
  assert.equal(q[1]!.history, 'IS');
  assert.equal(q[1]!.client_initial_dcid, 'f067a5502a4262b5');
  assert.equal(q[1]!.server_name, 'example.com');
  assert.equal(ofType(ctx.events, 'ssl').length, 2);
  assert.deepEqual(ctx.anomalies, []);
});

test('a CONNECTION_CLOSE in an Initial packet ends the record, with the TLS alert it carries', () => {
  const close = protectLongPacket({
    typeBits: 0,
    version: QUIC_V1,
    dcid: NO_CID,
    scid: SERVER_CID,
    packetNumber: 1,
    pnLength: 2,
    payload: padded(40, closeFrame(0x0128, 'no application protocol')),
    keys: rfcKeys.server,
  });
  const ctx = collectingContext(CONN);
  const a = new QuicAnalyzer(ctx);
  a.data(true, rfcClientInitial(), 1);
  a.data(false, close, 1.01);
  assert.equal(ofType(ctx.events, 'quic').length, 1, 'logged at the close');
  assert.equal(ofType(ctx.events, 'quic')[0]!.record.history, 'ISic');
  const ssl = ofType(ctx.events, 'ssl');
  assert.equal(ssl.length, 1);
  assert.equal(ssl[0]!.record.last_alert, 'handshake_failure');
  a.end(2);
  assert.equal(ofType(ctx.events, 'quic').length, 1);
});

test('version 2 Initial packets are read with version 2 keys and packet types', () => {
  const v2 = versionProfile(QUIC_V2)!;
  const p = protectLongPacket({
    typeBits: v2.types[0],
    version: QUIC_V2,
    dcid: RFC_DCID,
    scid: hex('0102'),
    packetNumber: 0,
    pnLength: 1,
    payload: padded(1180, RFC_CLIENT_CRYPTO),
    keys: deriveInitialKeys(v2, RFC_DCID).client,
  });
  assert.ok(probeQuic(p, true));
  const ctx = collectingContext(CONN);
  const a = new QuicAnalyzer(ctx);
  a.data(true, p, 1);
  a.end(2);
  const q = ofType(ctx.events, 'quic')[0]!.record;
  assert.equal(q.version, 'quicv2');
  assert.equal(q.client_scid, '0102');
  assert.equal(q.server_name, 'example.com');
  assert.equal(q.history, 'IS');
});

test('a version Picket cannot read is logged once, marked U, and the flow is left alone', () => {
  const gquic = join(Uint8Array.of(0xc3, 0x51, 0x30, 0x35, 0x30, 8), RFC_DCID, Uint8Array.of(0), new Uint8Array(1200));
  const ctx = collectingContext(CONN);
  const a = new QuicAnalyzer(ctx);
  a.data(true, gquic, 1);
  assert.equal(a.wants(true), false);
  assert.equal(a.wants(false), false);
  a.end(2);
  const q = ofType(ctx.events, 'quic');
  assert.equal(q.length, 1);
  assert.equal(q[0]!.record.version, 'Q050');
  assert.equal(q[0]!.record.history, 'U');
  assert.deepEqual(ctx.services, []);
});

test('traffic on UDP 443 that is not QUIC: no record, few anomalies, and reading stops', () => {
  const r = rng(7);
  const ctx = collectingContext(CONN);
  const a = new QuicAnalyzer(ctx);
  let fed = 0;
  for (let i = 0; i < 200 && (a.wants(true) || a.wants(false)); i++) {
    const d = new Uint8Array(100 + Math.floor(r() * 1200));
    for (let k = 0; k < d.length; k++) d[k] = Math.floor(r() * 256);
    a.data(i % 2 === 0, d, i);
    fed++;
  }
  a.end(300);
  assert.ok(fed < 40, `stopped after ${fed} datagrams`);
  assert.equal(ofType(ctx.events, 'ssl').length, 0);
  assert.deepEqual(ctx.services, []);
  assert.ok(ctx.anomalies.length <= 20, `${ctx.anomalies.length} anomalies`);
});

test('CRYPTO data scattered into too many pieces is dropped with an anomaly, the packets still logged', () => {
  // 70 one-byte CRYPTO frames at every other offset: more separate pieces than kept.
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 70; i++) frames.push(cryptoFrame(2 * i + 10, Uint8Array.of(i)));
  const p = protectLongPacket({ typeBits: 0, version: QUIC_V1, dcid: RFC_DCID, scid: NO_CID, packetNumber: 0, pnLength: 1, payload: padded(1180, ...frames), keys: rfcKeys.client });
  const ctx = collectingContext(CONN);
  const a = new QuicAnalyzer(ctx);
  a.data(true, p, 1);
  a.end(2);
  assert.ok(ctx.anomalies.includes(QuicAnomaly.CRYPTO_LIMIT));
  const q = ofType(ctx.events, 'quic')[0]!.record;
  assert.equal(q.history, 'I');
  assert.equal(q.server_name, undefined);
});

test('CRYPTO data past the stream bound is refused; a Handshake-level message in the Initial stream is flagged', () => {
  const far = protectLongPacket({ typeBits: 0, version: QUIC_V1, dcid: RFC_DCID, scid: NO_CID, packetNumber: 0, pnLength: 1, payload: padded(1180, cryptoFrame(70000, Uint8Array.of(1, 2, 3))), keys: rfcKeys.client });
  const ctx = collectingContext(CONN);
  new QuicAnalyzer(ctx).data(true, far, 1);
  assert.deepEqual(ctx.anomalies, [QuicAnomaly.CRYPTO_LIMIT]);
  // A Finished message (type 20) where a ClientHello belongs.
  const odd = protectLongPacket({ typeBits: 0, version: QUIC_V1, dcid: RFC_DCID, scid: NO_CID, packetNumber: 0, pnLength: 1, payload: padded(1180, cryptoFrame(0, Uint8Array.of(20, 0, 0, 4, 1, 2, 3, 4))), keys: rfcKeys.client });
  const ctx2 = collectingContext(CONN);
  new QuicAnalyzer(ctx2).data(true, odd, 1);
  assert.deepEqual(ctx2.anomalies, [QuicAnomaly.UNEXPECTED_HANDSHAKE]);
});

test('the content probe takes a client Initial datagram and nothing shorter or stranger', async () => {
  const chrome = await udpPayloads(CHROME);
  assert.ok(chrome.length >= 2);
  assert.ok(probeQuic(chrome[0]!.data, true));
  assert.equal(probeQuic(chrome[0]!.data, false), false, 'only from the originator');
  assert.equal(probeQuic(chrome[0]!.data.subarray(0, 1199), true), false, 'client Initial datagrams are at least 1200 bytes');
  const shortDcid = rfcClientInitial().slice();
  shortDcid[5] = 4;
  assert.equal(probeQuic(shortDcid, true), false, "a client's first DCID has at least 8 bytes");
  const handshakeType = rfcClientInitial().slice();
  handshakeType[0] = 0xe0;
  assert.equal(probeQuic(handshakeType, true), false);
  assert.equal(probeQuic(join(Uint8Array.of(0xc0, 0, 0, 0, 9), new Uint8Array(1200)), true), false, 'unknown version');
});

test('mutated Chromium datagrams never make the analyzer throw', async () => {
  const seeds = (await udpPayloads(CHROME)).map((p) => p.data);
  seeds.push(rfcClientInitial(), RFC_SERVER_INITIAL, join(RFC_SERVER_INITIAL, serverHandshake()));
  const r = rng(12345);
  let ctx = collectingContext(CONN);
  let a = new QuicAnalyzer(ctx);
  for (let i = 0; i < 3000; i++) {
    if (i % 20 === 0) {
      a.end(i);
      ctx = collectingContext(CONN);
      a = new QuicAnalyzer(ctx);
    }
    const d = seeds[Math.floor(r() * seeds.length)]!.slice();
    const kind = Math.floor(r() * 4);
    if (kind === 0) for (let k = 0; k < 1 + Math.floor(r() * 6); k++) d[Math.floor(r() * d.length)] = d[Math.floor(r() * d.length)]! ^ (1 << Math.floor(r() * 8));
    const n = kind === 1 ? Math.floor(r() * d.length) : d.length;
    if (kind === 2) d[6 + Math.floor(r() * 24)] = Math.floor(r() * 256); // lengths and IDs in the header
    if (kind === 3) d.set(varint(Math.floor(r() * 5000), 2), 20 + Math.floor(r() * 10));
    a.data(r() < 0.7, d.subarray(0, n), i);
  }
  a.end(3001);
});

test('a datagram of coalesced packets and trailing zero padding counts each packet once', () => {
  const ctx = collectingContext(CONN);
  const a = new QuicAnalyzer(ctx);
  a.data(true, rfcClientInitial(), 1);
  a.data(false, join(RFC_SERVER_INITIAL, serverHandshake(), serverHandshake(), new Uint8Array(30)), 1.01);
  a.end(2);
  assert.equal(ofType(ctx.events, 'quic')[0]!.record.history, 'ISishh');
  assert.deepEqual(ctx.anomalies, []);
});

test('a Handshake packet header with its Length field cut short is counted, not read past', () => {
  const hs = serverHandshake();
  const ctx = collectingContext(CONN);
  const a = new QuicAnalyzer(ctx);
  a.data(true, rfcClientInitial(), 1);
  a.data(false, join(RFC_SERVER_INITIAL, hs.subarray(0, 20)), 1.01);
  assert.deepEqual(ctx.anomalies, [QuicAnomaly.TRUNCATED_PACKET]);
  const h = longHeader({ typeBits: 2, version: QUIC_V1, dcid: NO_CID, scid: SERVER_CID, packetNumber: 0, pnLength: 1, payload: new Uint8Array(10), keys: rfcKeys.server, initial: false });
  assert.ok(h.length > 0);
});
