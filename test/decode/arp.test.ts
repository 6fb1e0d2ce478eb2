/**
 * ARP over Ethernet and Linux cooked captures: request/reply fields, and the
 * unsupported/malformed reasons (other hardware types, corrupt lengths as in
 * Zeek's arp-leak trace, truncation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder, macToString, ipv4ToString, addrToString } from '../../src/decode/decoder.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import { LinkType } from '../../src/capture/packet.js';
import { hex, raw, concat } from './packets.js';

function run(bytes: Uint8Array, linkType: number = LinkType.ETHERNET) {
  const d = new PacketDecoder();
  const out = new DecodedPacket();
  const ok = d.decode(raw(bytes, linkType), out);
  return { ok, out, d };
}

// The request from Zeek's arp-who-has trace, written out by hand.
const WHO_HAS = hex(`
  ffffffffffff 7831c1c63fc2 0806   # broadcast <- 78:31:c1:c6:3f:c2, ARP
  0001 0800 06 04 0001             # Ethernet, IPv4, hlen 6, plen 4, request
  7831c1c63fc2 0a000002            # sender 78:31:c1:c6:3f:c2 10.0.0.2
  000000000000 0a000001            # target ?                 10.0.0.1
  000000000000000000000000000000000000  # Ethernet padding
`);

test('ARP request over Ethernet', () => {
  const { ok, out } = run(WHO_HAS);
  assert.equal(ok, true);
  assert.equal(out.l3, L3.ARP);
  assert.equal(out.etherType, 0x0806);
  assert.equal(out.arpOp, 1);
  assert.equal(macToString(out.arpSha), '78:31:c1:c6:3f:c2');
  assert.equal(ipv4ToString(out.arpSpa), '10.0.0.2');
  assert.equal(macToString(out.arpTha), '00:00:00:00:00:00');
  assert.equal(ipv4ToString(out.arpTpa), '10.0.0.1');
  assert.equal(macToString(out.dstMac), 'ff:ff:ff:ff:ff:ff');
  assert.equal(addrToString(out, 'src'), '10.0.0.2');
  assert.equal(addrToString(out, 'dst'), '10.0.0.1');
  assert.equal(out.proto, 0);
});

test('ARP reply over a VLAN and over Linux cooked v1', () => {
  const body = hex('0001 0800 06 04 0002 f8eda5c0a4f1 0a000001 7831c1c63fc2 0a000002');
  const vlan = run(concat(hex('7831c1c63fc2 f8eda5c0a4f1 8100 0005 0806'), body));
  assert.equal(vlan.ok, true);
  assert.equal(vlan.out.vlan, 5);
  assert.equal(vlan.out.arpOp, 2);
  const sll = run(concat(hex('0000 0001 0006 f8eda5c0a4f1 0000 0806'), body), LinkType.LINUX_SLL);
  assert.equal(sll.ok, true);
  assert.equal(macToString(sll.out.srcMac), 'f8:ed:a5:c0:a4:f1');
  assert.equal(macToString(sll.out.arpTha), '78:31:c1:c6:3f:c2');
});

test('ARP for other hardware or protocol types is unsupported', () => {
  const ieee802 = run(hex('ffffffffffff 000000000001 0806 0006 0800 06 04 0001 000000000001 0a000001 000000000000 0a000002'));
  assert.equal(ieee802.ok, false);
  assert.deepEqual(ieee802.d.stats.unsupported, { arp_htype_6: 1 });
  const ipx = run(hex('ffffffffffff 000000000001 0806 0001 8137 06 04 0001 000000000001 0a000001 000000000000 0a000002'));
  assert.deepEqual(ipx.d.stats.unsupported, { arp_ptype_0x8137: 1 });
});

test('corrupt lengths and truncation are malformed', () => {
  const hln = run(hex('ffffffffffff 000000000001 0806 0001 0800 ff 04 0001 000000000001 0a000001 000000000000 0a000002'));
  assert.deepEqual(hln.d.stats.malformed, { arp_bad_hln: 1 });
  const pln = run(hex('ffffffffffff 000000000001 0806 0001 0800 06 ff 0001 000000000001 0a000001 000000000000 0a000002'));
  assert.deepEqual(pln.d.stats.malformed, { arp_bad_pln: 1 });
  const cut = run(hex('ffffffffffff 000000000001 0806 0001 0800 06 04 0001 000000000001 0a00'));
  assert.deepEqual(cut.d.stats.malformed, { arp_truncated: 1 });
  const cutFixed = run(hex('ffffffffffff 000000000001 0806 0001 08'));
  assert.deepEqual(cutFixed.d.stats.malformed, { arp_truncated: 1 });
});
