/**
 * Initial packet protection against the sample packets of RFC 9001
 * appendix A (version 1) and the key values of RFC 9369 appendix A
 * (version 2), and the test-side packet builder against the same samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUIC_V1, QUIC_V2, versionProfile, versionName } from '../../../src/protocols/quic/consts.js';
import { decodePacketNumber, deriveInitialKeys, openLongHeaderPacket } from '../../../src/protocols/quic/initial-protection.js';
import { readLongHeader } from '../../../src/protocols/quic/packet.js';
import { padded, protectLongPacket } from './protect.js';
import { RFC_CLIENT_CRYPTO, RFC_DCID, RFC_SERVER_INITIAL, RFC_SERVER_PAYLOAD, rfcClientInitial } from './rfc-samples.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('Initial keys for version 1 equal RFC 9001 A.1', () => {
  const k = deriveInitialKeys(versionProfile(QUIC_V1)!, RFC_DCID);
  assert.equal(toHex(k.client.key), '1f369613dd76d5467730efcbe3b1a22d');
  assert.equal(toHex(k.client.iv), 'fa044b2f42a3fd3b46fb255c');
  assert.equal(toHex(k.client.hp), '9f50449e04a0e810283a1e9933adedd2');
  assert.equal(toHex(k.server.key), 'cf3a5331653c364c88f0f379b6067e37');
  assert.equal(toHex(k.server.iv), '0ac1493ca1905853b0bba03e');
  assert.equal(toHex(k.server.hp), 'c206b8d9b9f0f37644430b490eeaa314');
});

test('Initial keys for version 2 equal RFC 9369 appendix A', () => {
  const k = deriveInitialKeys(versionProfile(QUIC_V2)!, RFC_DCID);
  assert.equal(toHex(k.client.key), '8b1a0bc121284290a29e0971b5cd045d');
  assert.equal(toHex(k.client.iv), '91f73e2351d8fa91660e909f');
  assert.equal(toHex(k.client.hp), '45b95e15235d6f45a6b19cbcb0294ba9');
  assert.equal(toHex(k.server.key), '82db637861d55e1d011f19ea71d5d2a7');
  assert.equal(toHex(k.server.iv), 'dd13c276499c0249d3310652');
  assert.equal(toHex(k.server.hp), 'edf6d05c83121201b436e16877593c3a');
});

test('a version 2 client Initial built from the same frames starts as in RFC 9369 A.2, and opens', () => {
  const profile = versionProfile(QUIC_V2)!;
  const keys = deriveInitialKeys(profile, RFC_DCID);
  const p = protectLongPacket({
    typeBits: profile.types[0],
    version: QUIC_V2,
    dcid: RFC_DCID,
    scid: new Uint8Array(0),
    packetNumber: 2,
    pnLength: 4,
    payload: padded(1162, RFC_CLIENT_CRYPTO),
    keys: keys.client,
    lengthSize: 2,
  });
  assert.equal(toHex(p.subarray(0, 28)), 'd76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb');
  const h = readLongHeader(p, 0, profile)!;
  assert.equal(h.kind, 0);
  const opened = openLongHeaderPacket(p, 0, h.pnOffset, h.end, keys.client, -1);
  assert.ok(opened !== null);
  assert.equal(opened.packetNumber, 2);
});

test('packet numbers are recovered from their truncated encoding (RFC 9000 A.3)', () => {
  assert.equal(decodePacketNumber(0xa82f30ea, 0x9b32, 16), 0xa82f9b32);
  assert.equal(decodePacketNumber(-1, 0, 8), 0);
  assert.equal(decodePacketNumber(-1, 2, 32), 2);
  assert.equal(decodePacketNumber(254, 0x01, 8), 257);
});

test('the test packet builder reproduces RFC 9001 A.2 (header, sample, tag)', () => {
  const p = rfcClientInitial();
  assert.equal(p.length, 1200);
  assert.equal(toHex(p.subarray(0, 22)), 'c000000001088394c8f03e5157080000449e7b9aec34');
  assert.equal(toHex(p.subarray(22, 38)), 'd1b1c98dd7689fb8ec11d242b123dc9b');
  assert.equal(toHex(p.subarray(1184)), 'e221af44860018ab0856972e194cd934');
});

test('the client Initial of RFC 9001 A.2 opens to its CRYPTO frame', () => {
  const p = rfcClientInitial();
  const h = readLongHeader(p, 0, versionProfile(QUIC_V1));
  assert.ok(h !== null);
  assert.equal(toHex(h.dcid), '8394c8f03e515708');
  assert.equal(h.end, 1200);
  const keys = deriveInitialKeys(versionProfile(QUIC_V1)!, h.dcid);
  const opened = openLongHeaderPacket(p, 0, h.pnOffset, h.end, keys.client, -1);
  assert.ok(opened !== null);
  assert.equal(opened.packetNumber, 2);
  assert.equal(opened.payload.length, 1162);
  assert.deepEqual(new Uint8Array(opened.payload.subarray(0, RFC_CLIENT_CRYPTO.length)), RFC_CLIENT_CRYPTO);
});

test('the server Initial of RFC 9001 A.3 opens to its ACK and ServerHello', () => {
  const h = readLongHeader(RFC_SERVER_INITIAL, 0, versionProfile(QUIC_V1));
  assert.ok(h !== null);
  assert.equal(toHex(h.scid), 'f067a5502a4262b5');
  assert.equal(h.dcid.length, 0);
  assert.equal(h.end, RFC_SERVER_INITIAL.length);
  const keys = deriveInitialKeys(versionProfile(QUIC_V1)!, RFC_DCID);
  const opened = openLongHeaderPacket(RFC_SERVER_INITIAL, 0, h.pnOffset, h.end, keys.server, -1);
  assert.ok(opened !== null);
  assert.equal(opened.packetNumber, 1);
  assert.equal(toHex(opened.payload), RFC_SERVER_PAYLOAD);
});

test('a packet with one byte changed, or opened with the other side keys, does not open', () => {
  const h = readLongHeader(RFC_SERVER_INITIAL, 0, versionProfile(QUIC_V1))!;
  const keys = deriveInitialKeys(versionProfile(QUIC_V1)!, RFC_DCID);
  assert.equal(openLongHeaderPacket(RFC_SERVER_INITIAL, 0, h.pnOffset, h.end, keys.client, -1), null);
  const bent = RFC_SERVER_INITIAL.slice();
  bent[60] = bent[60]! ^ 1;
  assert.equal(openLongHeaderPacket(bent, 0, h.pnOffset, h.end, keys.server, -1), null);
  // Too short to hold a sample and a tag.
  assert.equal(openLongHeaderPacket(RFC_SERVER_INITIAL, 0, h.pnOffset, h.pnOffset + 10, keys.server, -1), null);
});

test('version names: IETF versions, drafts, Google QUIC and the rest', () => {
  assert.equal(versionName(QUIC_V1), '1');
  assert.equal(versionName(QUIC_V2), 'quicv2');
  assert.equal(versionName(0xff00001d), 'draft-29');
  assert.equal(versionName(0xff000014), 'draft-20');
  assert.equal(versionName(0x51303530), 'Q050');
  assert.equal(versionName(0x54303531), 'T051');
  assert.equal(versionName(0xfaceb002), 'unknown-faceb002');
  assert.equal(versionProfile(0xff000014), undefined);
});
