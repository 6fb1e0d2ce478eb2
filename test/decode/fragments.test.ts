/**
 * IP fragment reassembly through the decoder: in order, out of order,
 * overlaps (first arrival wins), duplicates, inconsistent ends, oversize
 * datagrams, the time/byte/datagram bounds, IPv6 with an unfragmentable part,
 * and the ipLen rule (the completing packet's own IP length).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder, type DecoderOptions } from '../../src/decode/decoder.js';
import { DecodedPacket } from '../../src/decode/decoded.js';
import { LinkType } from '../../src/capture/packet.js';
import { concat, eth, ipv4, ipv6, ext8, frag6, tcp, udp, seqBytes, hex, raw } from './packets.js';

/** UDP datagram (header + `n` counting bytes) to be cut into IPv4 fragments. */
function udpDatagram(n: number): Uint8Array {
  return udp(seqBytes(n), { sport: 4000, dport: 5000 });
}

/** IPv4 fragment of `datagram` covering [from, to), Ethernet-framed. */
function v4frag(datagram: Uint8Array, from: number, to: number, more: boolean, o: { id?: number; proto?: number; df?: boolean; src?: number } = {}): Uint8Array {
  return concat(
    eth(0x0800),
    ipv4(datagram.subarray(from, to), { id: o.id ?? 77, proto: o.proto ?? 17, fragOffset: from, mf: more, df: o.df ?? false, src: o.src }),
  );
}

class Harness {
  readonly d: PacketDecoder;
  readonly out = new DecodedPacket();
  constructor(opts?: DecoderOptions) {
    this.d = new PacketDecoder(opts);
  }
  feed(bytes: Uint8Array, ts = 1000, linkType: number = LinkType.ETHERNET, caplen?: number): boolean {
    return this.d.decode(raw(bytes, linkType, ts, caplen), this.out);
  }
}

test('IPv4: three fragments in order', () => {
  const dg = udpDatagram(200); // 208 bytes of IP payload
  const h = new Harness();
  assert.equal(h.feed(v4frag(dg, 0, 80, true)), false);
  assert.equal(h.out.fragment, true);
  assert.equal(h.out.ipLen, 100);
  assert.equal(h.out.proto, 17);
  assert.equal(h.feed(v4frag(dg, 80, 160, true)), false);
  assert.equal(h.d.stats.fragments.pending, 1);
  assert.equal(h.feed(v4frag(dg, 160, 208, false)), true);
  const o = h.out;
  assert.equal(o.reassembled, true);
  assert.equal(o.fragment, false);
  assert.equal(o.ipLen, 20 + 48); // the completing packet's own IP length
  assert.equal(o.srcPort, 4000);
  assert.equal(o.dstPort, 5000);
  assert.equal(o.payloadWireLen, 200);
  assert.equal(o.payloadLen, 200);
  assert.equal(o.l3Offset, 0);
  assert.deepEqual(o.buf.subarray(o.payloadOffset, o.payloadOffset + 200), seqBytes(200));
  // The reassembled buffer is a clean datagram: total length and no fragment bits.
  assert.equal((o.buf[2]! << 8) | o.buf[3]!, 228);
  assert.equal(o.buf[6]! & 0x3f, 0);
  assert.equal(o.buf[7], 0);
  assert.deepEqual(h.d.stats.fragments, { seen: 3, reassembled: 1, pending: 0, expired: 0, dropped: 0 });
  assert.equal(h.d.stats.decoded, 1);
  assert.deepEqual(h.d.stats.malformed, {});
});

test('IPv4: out of order (last first), TCP payload length from the whole datagram', () => {
  const seg = tcp(seqBytes(100, 7), { sport: 2222, dport: 23, flags: 0x18 }); // 120 bytes
  const h = new Harness();
  const f = (a: number, b: number, m: boolean) => concat(eth(0x0800), ipv4(seg.subarray(a, b), { id: 9, proto: 6, fragOffset: a, mf: m }));
  assert.equal(h.feed(f(96, 120, false)), false);
  assert.equal(h.feed(f(48, 96, true)), false);
  assert.equal(h.feed(f(0, 48, true)), true);
  assert.equal(h.out.srcPort, 2222);
  assert.equal(h.out.tcpFlags, 0x18);
  assert.equal(h.out.payloadWireLen, 100);
  assert.equal(h.out.ipLen, 20 + 48);
  assert.deepEqual(h.out.buf.subarray(h.out.payloadOffset, h.out.payloadOffset + 100), seqBytes(100, 7));
});

test('IPv4: overlapping fragments, first arrival wins', () => {
  const dg = udpDatagram(40); // 48 bytes
  const evil = dg.slice();
  evil.fill(0xff, 16);
  const h = new Harness();
  assert.equal(h.feed(v4frag(dg, 0, 32, true)), false);
  // Rewrites bytes 16..31 and adds 32..47; only the new part may be used.
  assert.equal(h.feed(v4frag(evil, 16, 48, false)), true);
  const o = h.out;
  const got = o.buf.subarray(o.payloadOffset, o.payloadOffset + 40);
  const want = dg.slice(8);
  want.fill(0xff, 24); // bytes 32..47 of the datagram came only from the second fragment
  assert.deepEqual(got, want);
  assert.equal(h.d.stats.anomalies['frag_overlap'], 1);
  assert.equal(h.d.stats.anomalies['frag_overlap_conflict'], 1);
});

test('IPv4: a duplicate fragment counts as an overlap and changes nothing', () => {
  const dg = udpDatagram(40);
  const h = new Harness();
  h.feed(v4frag(dg, 0, 24, true));
  h.feed(v4frag(dg, 0, 24, true));
  assert.equal(h.feed(v4frag(dg, 24, 48, false)), true);
  assert.equal(h.d.stats.anomalies['frag_overlap'], 1);
  assert.equal(h.d.stats.anomalies['frag_overlap_conflict'], undefined);
  assert.equal(h.d.stats.fragments.reassembled, 1);
});

test('IPv4: fragments contradicting the known end are malformed and dropped', () => {
  const dg = udpDatagram(100);
  const h = new Harness();
  h.feed(v4frag(dg, 64, 108, false)); // end 108
  assert.equal(h.feed(v4frag(dg, 8, 72, false)), false); // second "last" fragment, end 72
  assert.equal(h.feed(concat(eth(0x0800), ipv4(new Uint8Array(64), { id: 77, proto: 17, fragOffset: 104, mf: true }))), false); // past the end
  assert.equal(h.d.stats.malformed['frag_inconsistent'], 2);
  // The datagram still completes with consistent data.
  assert.equal(h.feed(v4frag(dg, 0, 64, true)), true);
  assert.equal(h.out.payloadWireLen, 100);
});

test('IPv4: a datagram past 65535 bytes is refused (ping of death)', () => {
  const h = new Harness();
  const p = concat(eth(0x0800), ipv4(new Uint8Array(64), { id: 1, proto: 1, fragOffset: 65528, mf: false }));
  assert.equal(h.feed(p), false);
  assert.deepEqual(h.d.stats.malformed, { frag_too_big: 1 });
});

test('IPv4: fragment key includes the protocol; DF on a fragment is noted; small fragments noted', () => {
  const dg = udpDatagram(40);
  const h = new Harness();
  h.feed(v4frag(dg, 0, 24, true, { proto: 17 }));
  h.feed(v4frag(dg, 24, 48, false, { proto: 6 })); // same id, other protocol: another datagram
  assert.equal(h.d.stats.fragments.pending, 2);
  assert.equal(h.d.stats.fragments.reassembled, 0);
  h.feed(v4frag(dg, 24, 48, false, { proto: 17, df: true }));
  assert.equal(h.d.stats.fragments.reassembled, 1);
  assert.equal(h.d.stats.anomalies['frag_with_df'], 1);
  assert.equal(h.d.stats.anomalies['frag_small'], 1);
});

test('IPv4: a fragment cut by the snap length cannot be placed', () => {
  const dg = udpDatagram(200);
  const h = new Harness();
  assert.equal(h.feed(v4frag(dg, 0, 104, true), 1000, LinkType.ETHERNET, 14 + 20 + 50), false);
  assert.deepEqual(h.d.stats.malformed, { frag_truncated: 1 });
  assert.equal(h.d.stats.fragments.pending, 0);
});

test('timeout: packet time, not wall clock; any packet triggers expiry', () => {
  const dg = udpDatagram(100);
  const h = new Harness({ fragmentTimeout: 30 });
  h.feed(v4frag(dg, 0, 56, true), 100);
  h.feed(concat(eth(0x0800), ipv4(tcp(new Uint8Array(0)))), 129.9); // unrelated packet, not yet 30 s
  assert.equal(h.d.stats.fragments.pending, 1);
  h.feed(concat(eth(0x0800), ipv4(tcp(new Uint8Array(0)))), 130);
  assert.equal(h.d.stats.fragments.pending, 0);
  assert.equal(h.d.stats.fragments.expired, 1);
  // The rest arriving late starts a new datagram that cannot complete.
  assert.equal(h.feed(v4frag(dg, 56, 108, false), 131), false);
  assert.equal(h.d.stats.fragments.pending, 1);
  assert.equal(h.d.stats.fragments.reassembled, 0);
});

test('memory bound: oldest datagrams are dropped to make room, counted', () => {
  // Each datagram holds a 1000-byte buffer + header + bookkeeping (~1150 bytes).
  const h = new Harness({ fragmentMaxBytes: 3000 });
  for (let id = 1; id <= 4; id++) {
    const dg = udpDatagram(1992);
    h.feed(v4frag(dg, 0, 1000, true, { id }), 1000 + id);
  }
  assert.equal(h.d.stats.fragments.pending, 2);
  assert.equal(h.d.stats.fragments.dropped, 2);
  // The two newest survive: completing id 4 works, id 1 is gone.
  const dg = udpDatagram(1992);
  assert.equal(h.feed(v4frag(dg, 1000, 2000, false, { id: 4 }), 1010), true);
  assert.equal(h.feed(v4frag(dg, 1000, 2000, false, { id: 1 }), 1011), false);
});

test('memory bound smaller than one datagram drops that datagram', () => {
  const h = new Harness({ fragmentMaxBytes: 500 });
  const dg = udpDatagram(1992);
  assert.equal(h.feed(v4frag(dg, 0, 1000, true)), false);
  assert.equal(h.d.stats.fragments.dropped, 1);
  assert.equal(h.d.stats.fragments.pending, 0);
});

test('datagram-count bound evicts the oldest', () => {
  const h = new Harness({ fragmentMaxDatagrams: 2 });
  const dg = udpDatagram(100);
  for (let id = 1; id <= 3; id++) h.feed(v4frag(dg, 0, 56, true, { id }), 1000 + id);
  assert.equal(h.d.stats.fragments.pending, 2);
  assert.equal(h.d.stats.fragments.dropped, 1);
  assert.equal(h.feed(v4frag(dg, 56, 108, false, { id: 1 })), false);
  assert.equal(h.feed(v4frag(dg, 56, 108, false, { id: 3 })), true);
});

test('too many disjoint pieces drops the datagram', () => {
  const h = new Harness();
  // 8-byte pieces at every other 8-byte slot never merge.
  for (let i = 0; i < 300; i++) {
    h.feed(concat(eth(0x0800), ipv4(new Uint8Array(8), { id: 5, proto: 17, fragOffset: i * 16 + 16, mf: true })));
  }
  assert.ok(h.d.stats.fragments.dropped >= 1);
});

test('IPv6: hop-by-hop before the fragment header, out of order, reassembled and decoded', () => {
  const dg = udp(seqBytes(2000), { sport: 53, dport: 51851 }); // 2008 bytes
  const h = new Harness();
  const f = (a: number, b: number, m: boolean) => concat(eth(0x86dd), ipv6(0, concat(ext8(44), frag6(17, a, m, 0x00000002), dg.subarray(a, b))));
  assert.equal(h.feed(f(1432, 2008, false)), false);
  assert.equal(h.out.fragment, true);
  assert.equal(h.out.ipLen, 40 + 8 + 8 + 576);
  assert.equal(h.feed(f(0, 1432, true)), true);
  const o = h.out;
  assert.equal(o.reassembled, true);
  assert.equal(o.proto, 17);
  assert.equal(o.srcPort, 53);
  assert.equal(o.dstPort, 51851);
  assert.equal(o.payloadWireLen, 2000);
  assert.equal(o.ipLen, 40 + 16 + 1432);
  assert.deepEqual(o.buf.subarray(o.payloadOffset, o.payloadOffset + 2000), seqBytes(2000));
  assert.equal(h.d.stats.fragments.reassembled, 1);
});

test('IPv6: key is (src, dst, id); a non-last fragment must be a multiple of 8', () => {
  const h = new Harness();
  const bad = concat(eth(0x86dd), ipv6(44, concat(frag6(17, 0, true, 1), new Uint8Array(13))));
  assert.equal(h.feed(bad), false);
  assert.deepEqual(h.d.stats.malformed, { ipv6_frag_bad_length: 1 });
  const a = concat(eth(0x86dd), ipv6(44, concat(frag6(17, 0, true, 7), udp(new Uint8Array(8)))));
  const b = concat(eth(0x86dd), ipv6(44, concat(frag6(17, 16, false, 7), new Uint8Array(8)), { src: hex('20010db8000000000000000000000009') }));
  h.feed(a);
  assert.equal(h.feed(b), false); // other source: another datagram
  assert.equal(h.d.stats.fragments.pending, 2);
});

test('ICMP over reassembled IPv4: big echo request', () => {
  const icmp = concat(hex('08 00 0000 0001 0001'), seqBytes(3000));
  const h = new Harness();
  const f = (a: number, b: number, m: boolean) => concat(eth(0x0800), ipv4(icmp.subarray(a, b), { id: 3, proto: 1, fragOffset: a, mf: m }));
  h.feed(f(0, 1480, true));
  h.feed(f(1480, 2960, true));
  assert.equal(h.feed(f(2960, 3008, false)), true);
  assert.equal(h.out.srcPort, 8);
  assert.equal(h.out.payloadWireLen, 3000);
});

test('IPv4: first fragment header + data past 65535 bytes is refused at completion', () => {
  const h = new Harness();
  const opts = new Uint8Array(40).fill(1); // 40 bytes of NOP options: IHL 15
  const first = concat(eth(0x0800), ipv4(new Uint8Array(65000), { id: 8, proto: 17, fragOffset: 0, mf: true, options: opts }));
  const last = concat(eth(0x0800), ipv4(new Uint8Array(520), { id: 8, proto: 17, fragOffset: 65000, mf: false }));
  assert.equal(h.feed(first), false);
  assert.equal(h.feed(last), false);
  assert.deepEqual(h.d.stats.malformed, { frag_too_big: 1 });
  assert.equal(h.d.stats.decoded, 0);
});

test('IPv6: a fragment cut by the snap length is malformed; headers after the fragment header are walked', () => {
  const h = new Harness();
  const cut = concat(eth(0x86dd), ipv6(44, concat(frag6(17, 0, true, 4), new Uint8Array(64))));
  assert.equal(h.feed(cut, 1000, LinkType.ETHERNET, 14 + 48 + 10), false);
  assert.deepEqual(h.d.stats.malformed, { frag_truncated: 1 });
  // Destination options inside the fragmentable part, in front of UDP.
  const dg = concat(ext8(17), udp(seqBytes(100), { sport: 1, dport: 2 })); // 116 bytes
  const f = (a: number, b: number, m: boolean) => concat(eth(0x86dd), ipv6(44, concat(frag6(60, a, m, 5), dg.subarray(a, b))));
  assert.equal(h.feed(f(0, 64, true)), false);
  assert.equal(h.feed(f(64, 116, false)), true);
  assert.equal(h.out.proto, 17);
  assert.equal(h.out.dstPort, 2);
  assert.equal(h.out.payloadWireLen, 100);
});
