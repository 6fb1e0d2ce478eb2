/**
 * IPv4 header rules: options, padding vs. snap length, the zero-length
 * (segmentation offload) case and every malformed reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder, ipv4ToString } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import { LinkType } from '../../src/capture/packet.js';
import { hex, raw, concat, eth, ipv4, tcp, udp } from './packets.js';

function run(bytes: Uint8Array, caplen?: number) {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const ok = d.decode(raw(bytes, LinkType.ETHERNET, 1000, caplen), out);
  return { ok, out, d };
}

test('hand-written IPv4/UDP header: fields land where they should', () => {
  const pkt = concat(
    eth(0x0800),
    hex(`
      45 00 0021        # v4, IHL 5, total length 33
      abcd 0000         # id, no fragmentation
      3f 11 0000        # TTL 63, UDP, checksum (unchecked)
      c0a80101          # 192.168.1.1
      08080808          # 8.8.8.8
      d431 0035 000d 0000  # 54321 -> 53, length 13
      6869212121        # "hi!!!"
    `),
  );
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.l3, L3.IPV4);
  assert.equal(out.ipLen, 33);
  assert.equal(out.ttl, 63);
  assert.equal(out.proto, 17);
  assert.equal(ipv4ToString(out.src[0]!), '192.168.1.1');
  assert.equal(ipv4ToString(out.dst[0]!), '8.8.8.8');
  assert.equal(out.srcPort, 54321);
  assert.equal(out.dstPort, 53);
  assert.equal(out.payloadLen, 5);
  assert.equal(out.payloadWireLen, 5);
  assert.equal(out.buf[out.payloadOffset], 0x68);
  assert.equal(out.fragment, false);
});

test('IPv4 options are skipped via IHL', () => {
  // Record-route option (7), length 7, pointer 4, one empty slot, then EOL.
  const opts = hex('07 07 04 00000000 00');
  const pkt = concat(eth(0x0800), ipv4(tcp(new Uint8Array(3), { sport: 7, dport: 9 }), { options: opts }));
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.l4Offset - out.l3Offset, 28);
  assert.equal(out.srcPort, 7);
  assert.equal(out.dstPort, 9);
  assert.equal(out.payloadLen, 3);
  assert.equal(out.ipLen, 28 + 20 + 3);
});

test('Ethernet padding: total length shorter than capture is trusted', () => {
  // A 40-byte IP/TCP packet padded to the 60-byte Ethernet minimum.
  const pkt = concat(eth(0x0800), ipv4(tcp(new Uint8Array(0))), new Uint8Array(6).fill(0xaa));
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.ipLen, 40);
  assert.equal(out.payloadLen, 0);
  assert.equal(out.payloadWireLen, 0);
});

test('snap length: decode what was captured, keep ipLen and wire payload length from headers', () => {
  const pkt = concat(eth(0x0800), ipv4(tcp(new Uint8Array(1000))));
  const { ok, out, d } = run(pkt, 14 + 20 + 20 + 100);
  assert.equal(ok, true);
  assert.equal(out.ipLen, 1040);
  assert.equal(out.payloadWireLen, 1000);
  assert.equal(out.payloadLen, 100);
  assert.deepEqual(d.stats.malformed, {});
  // Cut by the snap length: not an anomaly.
  assert.deepEqual(d.stats.anomalies, {});
});

test('IP length past the captured frame, without a snap length, is noted as ip_truncated', () => {
  const full = concat(eth(0x0800), ipv4(tcp(new Uint8Array(100))));
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const p = raw(full.subarray(0, full.length - 30));
  assert.equal(d.decode(p, out), true);
  assert.equal(out.payloadLen, 70);
  assert.equal(out.payloadWireLen, 100);
  assert.deepEqual(d.stats.anomalies, { ip_truncated: 1 });
});

test('total length 0 (segmentation offload) falls back to the captured length, noted', () => {
  const pkt = concat(eth(0x0800), ipv4(tcp(new Uint8Array(10)), { totalLen: 0 }));
  const { ok, out, d } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.ipLen, 50);
  assert.equal(out.payloadWireLen, 10);
  assert.deepEqual(d.stats.anomalies, { ipv4_len_zero: 1 });
});

test('other IP protocols decode with proto set and no ports', () => {
  // ESP: SPI and sequence number (GRE, the other example, is now taken apart as a tunnel: tunnel.test.ts).
  const esp = concat(eth(0x0800), ipv4(hex('00001234 00000001'), { proto: 50 }));
  const { ok, out } = run(esp);
  assert.equal(ok, true);
  assert.equal(out.proto, 50);
  assert.equal(out.srcPort, 0);
  assert.equal(out.dstPort, 0);
  assert.equal(out.payloadWireLen, 8);
});

test('malformed IPv4 headers are counted by reason', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['ipv4_truncated_header', hex('45000028 12340000 4006')],
    ['ipv4_bad_version', hex('55000028 12340000 40060000 0a000001 0a000002')],
    ['ipv4_bad_ihl', hex('44000028 12340000 40060000 0a000001 0a000002')],
    // IHL 6 promises 24 bytes of header; only 20 captured.
    ['ipv4_truncated_header', hex('46000028 12340000 40060000 0a000001 0a000002')],
    ['ipv4_bad_total_length', hex('45000013 12340000 40060000 0a000001 0a000002')],
  ];
  for (const [reason, ip] of cases) {
    const { ok, d } = run(concat(eth(0x0800), ip));
    assert.equal(ok, false, reason);
    assert.deepEqual(d.stats.malformed, { [reason]: 1 }, reason);
    assert.equal(d.stats.decoded, 0);
  }
});

test('UDP over IPv4 with padding keeps the UDP payload inside the datagram', () => {
  const pkt = concat(eth(0x0800), ipv4(udp(hex('01020304')), { proto: 17 }), new Uint8Array(14));
  const { ok, out } = run(pkt);
  assert.equal(ok, true);
  assert.equal(out.payloadLen, 4);
});
