/**
 * Transport headers: TCP fields, options and payload clamping, UDP length
 * checks, ICMP/ICMPv6 type/code as ports (errors included: the quoted packet
 * is payload), and the malformed reasons.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from '../../src/decode/decoder.js';
import { DecodedPacket, TcpFlag } from '../../src/decode/decoded.js';
import { LinkType } from '../../src/capture/packet.js';
import { hex, raw, concat, eth, ipv4, ipv6, tcp, udp } from './packets.js';

function run(bytes: Uint8Array, caplen?: number) {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const ok = d.decode(raw(bytes, LinkType.ETHERNET, 1000, caplen), out);
  return { ok, out, d };
}

test('hand-written TCP header with options', () => {
  const pkt = concat(
    eth(0x0800),
    ipv4(
      hex(`
        dd9a 0050          # 56730 -> 80
        5a252149           # seq 1512382793
        fffffffe           # ack 4294967294 (unsigned)
        a0 92 16d0         # data offset 10 (40 bytes), flags CWR|ACK|SYN, window 5840
        0000 0000          # checksum, urgent
        020405b4 0402 080a 69a8d2e2 00000000 01 030302  # mss, sackOK, TS, nop, wscale
        474554             # "GET"
      `),
    ),
  );
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.srcPort, 56730);
  assert.equal(out.dstPort, 80);
  assert.equal(out.seq, 1512382793);
  assert.equal(out.ack, 4294967294);
  assert.equal(out.tcpFlags, TcpFlag.CWR | TcpFlag.ACK | TcpFlag.SYN);
  assert.equal(out.window, 5840);
  assert.equal(out.payloadOffset - out.l4Offset, 40);
  assert.equal(out.payloadLen, 3);
  assert.equal(out.payloadWireLen, 3);
  assert.equal(String.fromCharCode(...out.buf.subarray(out.payloadOffset, out.payloadOffset + out.payloadLen)), 'GET');
});

test('TCP payload clamped to the capture, wire length from the IP header', () => {
  const pkt = concat(eth(0x0800), ipv4(tcp(new Uint8Array(500), { flags: TcpFlag.ACK | TcpFlag.PSH })));
  const { ok, out } = run(pkt, 14 + 40 + 60);
  assert.equal(ok, true);
  assert.equal(out.payloadLen, 60);
  assert.equal(out.payloadWireLen, 500);
});

test('TCP malformed reasons', () => {
  // Fewer than 20 bytes in the datagram.
  let r = run(concat(eth(0x0800), ipv4(hex('00500050 00000001'))));
  assert.deepEqual(r.d.stats.malformed, { tcp_truncated_header: 1 });
  // Data offset 4 (< 5).
  const small = tcp(new Uint8Array(0));
  small[12] = 0x40;
  r = run(concat(eth(0x0800), ipv4(small)));
  assert.deepEqual(r.d.stats.malformed, { tcp_bad_data_offset: 1 });
  // Data offset 15 (60 bytes) in a 20-byte segment.
  const big = tcp(new Uint8Array(0));
  big[12] = 0xf0;
  r = run(concat(eth(0x0800), ipv4(big)));
  assert.deepEqual(r.d.stats.malformed, { tcp_bad_data_offset: 1 });
  // Header with options cut by the snap length.
  r = run(concat(eth(0x0800), ipv4(tcp(new Uint8Array(0), { options: hex('020405b4 01010402') }))), 14 + 20 + 24);
  assert.deepEqual(r.d.stats.malformed, { tcp_truncated_header: 1 });
  assert.equal(r.ok, false);
});

test('UDP: length checked against the IP payload', () => {
  const good = run(concat(eth(0x0800), ipv4(udp(hex('0102030405')), { proto: 17 })));
  assert.equal(good.ok, true);
  assert.equal(good.out.payloadWireLen, 5);
  assert.deepEqual(good.d.stats.anomalies, {});
  // UDP says 10 bytes, IP carries 13: trust the smaller, note it.
  const shorter = run(concat(eth(0x0800), ipv4(udp(hex('0102030405'), { len: 10 }), { proto: 17 })));
  assert.equal(shorter.ok, true);
  assert.equal(shorter.out.payloadWireLen, 2);
  assert.equal(shorter.out.payloadLen, 2);
  assert.deepEqual(shorter.d.stats.anomalies, { udp_length_mismatch: 1 });
  // UDP says 100 bytes, IP carries 13.
  const longer = run(concat(eth(0x0800), ipv4(udp(hex('0102030405'), { len: 100 }), { proto: 17 })));
  assert.equal(longer.ok, true);
  assert.equal(longer.out.payloadWireLen, 5);
  // Length below the header size.
  const bad = run(concat(eth(0x0800), ipv4(udp(hex('0102'), { len: 4 }), { proto: 17 })));
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.d.stats.malformed, { udp_bad_length: 1 });
  const cut = run(concat(eth(0x0800), ipv4(hex('0035 0035 00'), { proto: 17 })));
  assert.deepEqual(cut.d.stats.malformed, { udp_truncated_header: 1 });
});

test('ICMP echo: type/code as ports, 8-byte header before the payload', () => {
  const pkt = concat(eth(0x0800), ipv4(hex('08 00 f7ff 0001 0001 ' + '61'.repeat(56)), { proto: 1 }));
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.proto, 1);
  assert.equal(out.srcPort, 8);
  assert.equal(out.dstPort, 0);
  assert.equal(out.payloadWireLen, 56);
});

test('ICMP error: the quoted packet stays payload, ports are type/code', () => {
  // Destination unreachable (3), port unreachable (3), quoting a UDP packet 10.0.0.2:53 -> 10.0.0.1:5353.
  const quoted = ipv4(udp(new Uint8Array(0), { sport: 53, dport: 5353 }), { proto: 17, src: 0x0a000002, dst: 0x0a000001 });
  const pkt = concat(eth(0x0800), ipv4(concat(hex('03 03 0000 00000000'), quoted), { proto: 1 }));
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.proto, 1);
  assert.equal(out.srcPort, 3);
  assert.equal(out.dstPort, 3);
  assert.equal(out.src[0], 0x0a000001);
  assert.equal(out.payloadWireLen, 28);
});

test('ICMPv6 and truncated ICMP headers', () => {
  const ns = run(concat(eth(0x86dd), ipv6(58, hex('87 00 0000 00000000 fe800000000000000000000000000001'))));
  assert.equal(ns.ok, true);
  assert.equal(ns.out.srcPort, 135);
  assert.equal(ns.out.dstPort, 0);
  assert.equal(ns.out.payloadWireLen, 16);
  const short4 = run(concat(eth(0x0800), ipv4(hex('0800'), { proto: 1 })));
  assert.deepEqual(short4.d.stats.malformed, { icmp_truncated_header: 1 });
  const short6 = run(concat(eth(0x86dd), ipv6(58, hex('80'))));
  assert.deepEqual(short6.d.stats.malformed, { icmp6_truncated_header: 1 });
  // 4..7 bytes: type and code are there; no payload.
  const tiny = run(concat(eth(0x0800), ipv4(hex('0b00 0000'), { proto: 1 })));
  assert.equal(tiny.ok, true);
  assert.equal(tiny.out.srcPort, 11);
  assert.equal(tiny.out.payloadWireLen, 0);
  assert.equal(tiny.out.payloadLen, 0);
});
