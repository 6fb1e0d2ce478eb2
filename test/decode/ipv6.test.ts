/**
 * IPv6 header and extension-header chains: hop-by-hop, routing, destination
 * options, AH, atomic fragments, ESP/no-next-header, and the malformed reasons
 * (truncation, loops past the header bound).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder, ipv6ToString } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import { LinkType } from '../../src/capture/packet.js';
import { MAX_IPV6_EXT_HEADERS } from '../../src/decode/ipv6.js';
import { hex, raw, concat, ipv6, ext8, frag6, tcp, udp } from './packets.js';

function run(bytes: Uint8Array, caplen?: number) {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const ok = d.decode(raw(bytes, LinkType.RAW, 1000, caplen), out);
  return { ok, out, d };
}

test('hand-written IPv6/ICMPv6 echo request', () => {
  const pkt = hex(`
    60000000 0010 3a 40               # v6, payload 16, ICMPv6, hop limit 64
    fe800000000000008c3606fffe44acaf  # fe80::8c36:6ff:fe44:acaf
    ff020000000000000000000000000001  # ff02::1
    80 00 0000 0001 0002              # echo request, id 1, seq 2
    6162636465666768                  # 8 bytes data
  `);
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.l3, L3.IPV6);
  assert.equal(out.ipLen, 56);
  assert.equal(out.ttl, 64);
  assert.equal(out.proto, 58);
  assert.equal(ipv6ToString(out.src), 'fe80::8c36:6ff:fe44:acaf');
  assert.equal(ipv6ToString(out.dst), 'ff02::1');
  assert.equal(out.srcPort, 128);
  assert.equal(out.dstPort, 0);
  assert.equal(out.payloadWireLen, 8);
});

test('extension chain: hop-by-hop -> routing -> destination options -> TCP', () => {
  const pkt = ipv6(0, concat(ext8(43), ext8(60), ext8(6), tcp(new Uint8Array(5), { sport: 443, dport: 5555 })));
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.proto, 6);
  assert.equal(out.l4Offset - out.l3Offset, 40 + 24);
  assert.equal(out.srcPort, 443);
  assert.equal(out.payloadWireLen, 5);
  assert.equal(out.ipLen, 40 + 24 + 25);
});

test('longer extension header (hdr ext len 1 = 16 bytes) and AH length in 4-byte units', () => {
  // AH: next 60, payload len 4 -> (4 + 2) * 4 = 24 bytes (RFC 4302).
  const ah = hex('3c 04 0000 00000001 00000001 0000000000000000 00000000');
  const dst8 = hex('3c 00 0104 00000000'); // next 60, 8 bytes
  const dst16 = hex('11 01 010c 000000000000000000000000'); // next UDP, (1 + 1) * 8 = 16 bytes, PadN 12
  const r = run(ipv6(51, concat(ah, dst8, dst16, udp(hex('aabb')))));
  assert.equal(r.ok, true);
  assert.equal(r.out.proto, 17);
  assert.equal(r.out.l4Offset - r.out.l3Offset, 40 + 24 + 8 + 16);
  assert.equal(r.out.payloadLen, 2);
});

test('atomic fragment (offset 0, M=0) decodes straight away', () => {
  const pkt = ipv6(44, concat(frag6(6, 0, false, 0xdeadbeef), tcp(new Uint8Array(0))));
  const { ok, out, d } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.fragment, false);
  assert.equal(out.reassembled, false);
  assert.equal(out.proto, 6);
  assert.equal(out.dstPort, 80);
  assert.equal(d.stats.fragments.seen, 0);
});

test('ESP and no-next-header end the walk with proto set and no ports', () => {
  const esp = run(ipv6(0, concat(ext8(50), hex('00001000 00000001 ffffffff'))));
  assert.equal(esp.ok, true);
  assert.equal(esp.out.proto, 50);
  assert.equal(esp.out.srcPort, 0);
  assert.equal(esp.out.payloadWireLen, 12);
  const none = run(ipv6(59, new Uint8Array(0)));
  assert.equal(none.ok, true);
  assert.equal(none.out.proto, 59);
  assert.equal(none.out.ipLen, 40);
});

test('a chain longer than the bound is malformed ipv6_ext_loop', () => {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < MAX_IPV6_EXT_HEADERS; i++) parts.push(ext8(60));
  parts.push(ext8(17), udp(new Uint8Array(0)));
  const r = run(ipv6(60, concat(...parts)));
  assert.equal(r.ok, false);
  assert.deepEqual(r.d.stats.malformed, { ipv6_ext_loop: 1 });
  // Exactly the bound is fine.
  parts.splice(0, 1);
  assert.equal(run(ipv6(60, concat(...parts))).ok, true);
});

test('extension header running past the payload length or the capture is malformed', () => {
  // Destination options claims 24 bytes; the payload length holds only 16.
  const long = run(ipv6(60, hex('11 02 0104 00000000 00000000 00000000')));
  assert.equal(long.ok, false);
  assert.deepEqual(long.d.stats.malformed, { ipv6_truncated_ext: 1 });
  // Not even the two bytes (next header, length) are there.
  const noRoom = run(ipv6(0, hex('11')));
  assert.deepEqual(noRoom.d.stats.malformed, { ipv6_truncated_ext: 1 });
  // The header fits the payload length but the snap length cut it.
  const full = ipv6(0, concat(hex('11 01 0104 00000000 00000000 00000000'), udp(new Uint8Array(0))));
  const snapped = run(full, 40 + 10);
  assert.deepEqual(snapped.d.stats.malformed, { ipv6_truncated_ext: 1 });
});

test('malformed IPv6 headers: truncated, wrong version', () => {
  assert.deepEqual(run(hex('60000000 0000 3b 40 0000')).d.stats.malformed, { ipv6_truncated_header: 1 });
  // Version 7 behind an IPv6 EtherType reaches the IPv6 decoder, which refuses it.
  const b = ipv6(59, new Uint8Array(0));
  b[0] = 0x70;
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  assert.equal(d.decode(raw(concat(hex('000000000002 000000000001 86dd'), b), LinkType.ETHERNET), out), false);
  assert.deepEqual(d.stats.malformed, { ipv6_bad_version: 1 });
});

test('payload length 0 with a next header (jumbogram / offload) uses the capture, noted', () => {
  const pkt = ipv6(17, udp(hex('0102')), { plen: 0 });
  const { ok, out, d } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.ipLen, 50);
  assert.equal(out.payloadLen, 2);
  assert.equal(d.stats.anomalies['ipv6_len_zero'], 1);
});

test('IPv6 padding after the payload length is ignored', () => {
  const pkt = concat(ipv6(17, udp(hex('0102'))), new Uint8Array(6));
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.payloadLen, 2);
  assert.equal(out.ipLen, 50);
});
