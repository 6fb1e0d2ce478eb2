/**
 * Link layers and the EtherType chain: every supported LINKTYPE, VLAN stacks,
 * MPLS, PPPoE, and the unsupported/malformed reasons they count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder, macToString, ipv4ToString } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import { LinkType } from '../../src/capture/packet.js';
import { hex, raw, concat, eth, ipv4, ipv6, tcp, udp } from './packets.js';

// 10.0.0.1:1234 -> 10.0.0.2:80 SYN, 20-byte IPv4 + 20-byte TCP.
const IP_TCP = ipv4(tcp(new Uint8Array(0)));
const IP6_UDP = ipv6(17, udp(new Uint8Array([1, 2, 3, 4])));

function decodeOne(bytes: Uint8Array, linkType: number = LinkType.ETHERNET): { ok: boolean; out: DecodedPacket; d: PacketDecoder } {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const ok = d.decode(raw(bytes, linkType), out);
  return { ok, out, d };
}

test('plain Ethernet II carrying IPv4/TCP', () => {
  const pkt = concat(
    hex(`
      f8eda5c0a4f1   # dst MAC
      7831c1c63fc2   # src MAC
      0800           # IPv4
    `),
    IP_TCP,
  );
  const { ok, out, d } = decodeOne(pkt);
  assert.equal(ok, true);
  assert.equal(macToString(out.dstMac), 'f8:ed:a5:c0:a4:f1');
  assert.equal(macToString(out.srcMac), '78:31:c1:c6:3f:c2');
  assert.equal(out.etherType, 0x0800);
  assert.equal(out.vlan, -1);
  assert.equal(out.innerVlan, -1);
  assert.equal(out.l3, L3.IPV4);
  assert.equal(out.l3Offset, 3 + 14); // raw() places the packet at offset 3
  assert.equal(ipv4ToString(out.src[0]!), '10.0.0.1');
  assert.equal(out.srcPort, 1234);
  assert.equal(out.dstPort, 80);
  assert.deepEqual(d.stats.malformed, {});
  assert.equal(d.stats.decoded, 1);
});

test('802.1Q single tag sets vlan only', () => {
  const pkt = concat(
    hex(`000000000002 000000000001
         8100 a064   # 802.1Q, PCP 5, VID 100
         0800`),
    IP_TCP,
  );
  const { ok, out } = decodeOne(pkt);
  assert.equal(ok, true);
  assert.equal(out.vlan, 100);
  assert.equal(out.innerVlan, -1);
  assert.equal(out.etherType, 0x0800);
});

test('VLAN id 0 (priority tag) is reported as vlan 0', () => {
  const pkt = concat(hex('000000000002 000000000001 8100 6000 0800'), IP_TCP);
  const { ok, out } = decodeOne(pkt);
  assert.equal(ok, true);
  assert.equal(out.vlan, 0);
});

test('802.1ad QinQ: outer -> vlan, inner -> innerVlan', () => {
  const pkt = concat(
    hex(`000000000002 000000000001
         88a8 00c8   # S-tag VID 200
         8100 0fff   # C-tag VID 4095
         86dd`),
    IP6_UDP,
  );
  const { ok, out } = decodeOne(pkt);
  assert.equal(ok, true);
  assert.equal(out.vlan, 200);
  assert.equal(out.innerVlan, 4095);
  assert.equal(out.l3, L3.IPV6);
  assert.equal(out.proto, 17);
});

test('0x9100 outer tag and a third tag: the third is skipped', () => {
  const pkt = concat(
    hex(`000000000002 000000000001
         9100 000a   # VID 10
         8100 0014   # VID 20
         8100 001e   # VID 30 (skipped)
         0800`),
    IP_TCP,
  );
  const { ok, out } = decodeOne(pkt);
  assert.equal(ok, true);
  assert.equal(out.vlan, 10);
  assert.equal(out.innerVlan, 20);
  assert.equal(out.srcPort, 1234);
});

test('VLAN tag cut short is malformed vlan_truncated', () => {
  const { ok, d } = decodeOne(hex('000000000002 000000000001 8100 00'));
  assert.equal(ok, false);
  assert.deepEqual(d.stats.malformed, { vlan_truncated: 1 });
});

test('MPLS: one label, IPv4 guessed from the version nibble', () => {
  const pkt = concat(
    hex(`000000000002 000000000001 8847
         0001ddff     # label 29, TC 6, S=1, TTL 255
    `),
    IP_TCP,
  );
  const { ok, out } = decodeOne(pkt);
  assert.equal(ok, true);
  assert.equal(out.mplsLabels, 1);
  assert.equal(out.etherType, 0x0800);
  assert.equal(out.dstPort, 80);
});

test('MPLS: two labels (multicast EtherType), IPv6 payload', () => {
  const pkt = concat(
    hex(`000000000002 000000000001 8848
         00010040   # label 16, S=0
         00011140   # label 17, S=1
    `),
    IP6_UDP,
  );
  const { ok, out } = decodeOne(pkt);
  assert.equal(ok, true);
  assert.equal(out.mplsLabels, 2);
  assert.equal(out.l3, L3.IPV6);
});

test('MPLS: Ethernet pseudowire with control word, inner VLAN frame', () => {
  const pkt = concat(
    hex(`000000000002 000000000001 8847
         00011140                 # label 17, S=1
         00000000                 # RFC 4385 control word
         aabbccddeeff 112233445566 # customer frame: dst, src
         8100 0007 0800           # VLAN 7, IPv4
    `),
    IP_TCP,
  );
  const { ok, out } = decodeOne(pkt);
  assert.equal(ok, true);
  assert.equal(out.mplsLabels, 1);
  assert.equal(macToString(out.srcMac), '11:22:33:44:55:66');
  assert.equal(macToString(out.dstMac), 'aa:bb:cc:dd:ee:ff');
  assert.equal(out.vlan, 7);
  assert.equal(out.srcPort, 1234);
});

test('MPLS: label stack without bottom-of-stack is malformed, unknown payload nibble unsupported', () => {
  let r = decodeOne(hex('000000000002 000000000001 8847 00010040 00011040'));
  assert.equal(r.ok, false);
  assert.deepEqual(r.d.stats.malformed, { mpls_truncated: 1 });
  r = decodeOne(hex('000000000002 000000000001 8847 00011140 5000000000'));
  assert.equal(r.ok, false);
  assert.deepEqual(r.d.stats.unsupported, { mpls_payload_5: 1 });
});

test('PPPoE session carrying IPv4 and an unsupported PPP protocol', () => {
  const pkt = concat(
    hex(`000000000002 000000000001 8864
         11 00 0001   # ver 1 type 1, code 0 (session data), session 1
         002a         # length: 2 + 40
         0021         # PPP: IPv4
    `),
    IP_TCP,
  );
  const r = decodeOne(pkt);
  assert.equal(r.ok, true);
  assert.equal(r.out.srcPort, 1234);
  const lcp = decodeOne(hex('000000000002 000000000001 8864 1100 0001 0006 c021 01010004'));
  assert.equal(lcp.ok, false);
  assert.deepEqual(lcp.d.stats.unsupported, { ppp_proto_0xc021: 1 });
  const shortLen = decodeOne(hex('000000000002 000000000001 8864 1100 0001 0001 0021'));
  assert.deepEqual(shortLen.d.stats.malformed, { pppoe_bad_length: 1 });
  const cut = decodeOne(hex('000000000002 000000000001 8864 1100 0001'));
  assert.deepEqual(cut.d.stats.malformed, { pppoe_truncated: 1 });
});

test('unknown EtherType and 802.3/LLC frames are unsupported, short frames malformed', () => {
  const lldp = decodeOne(hex('0180c200000e 000000000001 88cc 0207040000000000'));
  assert.equal(lldp.ok, false);
  assert.deepEqual(lldp.d.stats.unsupported, { ethertype_0x88cc: 1 });
  const stp = decodeOne(hex('0180c2000000 000000000001 0026 424203000000'));
  assert.deepEqual(stp.d.stats.unsupported, { llc: 1 });
  const short = decodeOne(hex('0180c2000000 000000000001 08'));
  assert.deepEqual(short.d.stats.malformed, { ethernet_truncated: 1 });
});

test('Linux cooked v1 (SLL): protocol at 14, 6-byte address -> srcMac', () => {
  const pkt = concat(
    hex(`0000        # packet type: to us
         0001        # ARPHRD_ETHER
         0006        # address length
         0050568bcffa 0000 # address (6 bytes used) + 2 pad
         0800        # protocol`),
    IP_TCP,
  );
  const { ok, out } = decodeOne(pkt, LinkType.LINUX_SLL);
  assert.equal(ok, true);
  assert.equal(macToString(out.srcMac), '00:50:56:8b:cf:fa');
  assert.equal(out.dstMac, -1);
  assert.equal(out.l3Offset, 3 + 16);
  assert.equal(out.dstPort, 80);
});

test('SLL with a non-6-byte address leaves srcMac unset; truncated header is malformed', () => {
  const pkt = concat(hex('0000 0304 0000 0000000000000000 0800'), IP_TCP); // ARPHRD_LOOPBACK, no address
  const r = decodeOne(pkt, LinkType.LINUX_SLL);
  assert.equal(r.ok, true);
  assert.equal(r.out.srcMac, -1);
  const cut = decodeOne(hex('0000 0001 0006 0050568b'), LinkType.LINUX_SLL);
  assert.deepEqual(cut.d.stats.malformed, { sll_truncated: 1 });
});

test('Linux cooked v2 (SLL2): protocol at 0, address length at 11, address at 12', () => {
  const pkt = concat(
    hex(`86dd        # protocol
         0000        # reserved
         00000002    # interface index
         0001        # ARPHRD_ETHER
         04          # packet type: outgoing
         06          # address length
         8e360644acaf0000 # address`),
    IP6_UDP,
  );
  const { ok, out } = decodeOne(pkt, LinkType.LINUX_SLL2);
  assert.equal(ok, true);
  assert.equal(macToString(out.srcMac), '8e:36:06:44:ac:af');
  assert.equal(out.l3, L3.IPV6);
  assert.equal(out.l3Offset, 3 + 20);
  const cut = decodeOne(hex('86dd 0000 00000002 0001 04 06 8e36'), LinkType.LINUX_SLL2);
  assert.deepEqual(cut.d.stats.malformed, { sll2_truncated: 1 });
});

test('RAW, IPV4 and IPV6 link types: version nibble picks the layer', () => {
  assert.equal(decodeOne(IP_TCP, LinkType.RAW).out.l3, L3.IPV4);
  assert.equal(decodeOne(IP6_UDP, LinkType.RAW).out.l3, L3.IPV6);
  assert.equal(decodeOne(IP_TCP, LinkType.IPV4).ok, true);
  assert.equal(decodeOne(IP6_UDP, LinkType.IPV6).ok, true);
  const bad = decodeOne(hex('50000000'), LinkType.RAW);
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.d.stats.malformed, { raw_bad_version: 1 });
  const empty = decodeOne(new Uint8Array(0), LinkType.RAW);
  assert.deepEqual(empty.d.stats.malformed, { raw_truncated: 1 });
  // LINKTYPE_IPV4 promising IPv4 but carrying IPv6 is decoded by what it is.
  assert.equal(decodeOne(IP6_UDP, LinkType.IPV4).out.l3, L3.IPV6);
});

test('NULL: family in either byte order; every AF_INET6 value', () => {
  assert.equal(decodeOne(concat(hex('02000000'), IP_TCP), LinkType.NULL).out.l3, L3.IPV4); // little-endian host
  assert.equal(decodeOne(concat(hex('00000002'), IP_TCP), LinkType.NULL).out.l3, L3.IPV4); // big-endian host
  for (const fam of ['18000000', '1c000000', '1e000000', '0000001e']) {
    const r = decodeOne(concat(hex(fam), IP6_UDP), LinkType.NULL);
    assert.equal(r.ok, true, fam);
    assert.equal(r.out.l3, L3.IPV6, fam);
  }
  const other = decodeOne(concat(hex('07000000'), IP_TCP), LinkType.NULL);
  assert.equal(other.ok, false);
  assert.deepEqual(other.d.stats.unsupported, { null_family_7: 1 });
  assert.deepEqual(decodeOne(hex('0200'), LinkType.NULL).d.stats.malformed, { null_truncated: 1 });
});

test('LOOP: family in network order', () => {
  const r = decodeOne(concat(hex('00000018'), IP6_UDP), LinkType.LOOP);
  assert.equal(r.ok, true);
  assert.equal(r.out.l3, L3.IPV6);
  assert.equal(r.out.srcMac, -1);
});

test('unknown link type is unsupported linktype_N', () => {
  const r = decodeOne(IP_TCP, 147);
  assert.equal(r.ok, false);
  assert.deepEqual(r.d.stats.unsupported, { linktype_147: 1 });
  assert.equal(r.d.stats.packets, 1);
  assert.equal(r.d.stats.decoded, 0);
});

test('numbered reason names are capped per prefix', () => {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  for (let t = 0; t < 300; t++) d.decode(raw(IP_TCP, 1000 + t), out);
  const keys = Object.keys(d.stats.unsupported);
  assert.equal(keys.length, 257);
  assert.equal(d.stats.unsupported['linktype_other'], 300 - 256);
});

test('caplen past the end of the buffer is counted, not thrown', () => {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const p = raw(concat(eth(0x0800), IP_TCP));
  p.caplen = 10_000;
  assert.equal(d.decode(p, out), true);
  assert.equal(d.stats.malformed['caplen_exceeds_buffer'], 1);
  p.offset = 1_000_000;
  assert.equal(d.decode(p, out), false);
});
