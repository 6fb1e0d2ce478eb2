/**
 * The EtherType chain between the link header and the network layer: VLAN
 * tags (802.1Q, 802.1ad and the old 0x9100 QinQ), MPLS label stacks (with
 * IPv4/IPv6 guessed from the version nibble, or an Ethernet pseudowire behind
 * a control word) and PPPoE sessions. Each step consumes its header and
 * yields the next EtherType until one that is not an encapsulation remains.
 * Loops end because every step consumes at least four bytes of a bounded
 * packet.
 */
import type { DecodedPacket } from './decoded.js';
import type { Counters } from './counters.js';
import { readMac, u16 } from './bytes.js';

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  IPV6: 0x86dd,
  VLAN: 0x8100, // 802.1Q
  QINQ: 0x88a8, // 802.1ad service tag
  QINQ_OLD: 0x9100, // pre-standard QinQ outer tag
  MPLS_UNICAST: 0x8847,
  MPLS_MULTICAST: 0x8848,
  PPPOE_SESSION: 0x8864,
} as const;

/** Values below this are 802.3 lengths, not EtherTypes (IEEE 802.3 clause 3.2.6). */
export const ETHERTYPE_MIN = 0x0600;
const VLAN_TAG_LEN = 4;
const MPLS_LABEL_LEN = 4;
/** RFC 4385 pseudowire control word, first nibble 0. */
const PW_CONTROL_WORD_LEN = 4;
const ETHERNET_HEADER_LEN = 14;
/** PPPoE header (RFC 2516): ver/type, code, session id, length; then the 2-byte PPP protocol. */
const PPPOE_HEADER_LEN = 6;
const PPP_PROTO_LEN = 2;
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/**
 * Walks encapsulations starting with EtherType `type` at `off`. Returns the
 * network-layer offset with `out.etherType` set, or -1 (counted).
 */
export function decodeEtherChain(buf: Uint8Array, off: number, end: number, type: number, out: DecodedPacket, c: Counters): number {
  for (;;) {
    if (type === EtherType.VLAN || type === EtherType.QINQ || type === EtherType.QINQ_OLD) {
      if (end - off < VLAN_TAG_LEN) {
        c.malformed.add('vlan_truncated');
        return -1;
      }
      const vid = u16(buf, off) & 0x0fff;
      // Outer tag -> vlan, next -> innerVlan; deeper tags are skipped.
      if (out.vlan < 0) out.vlan = vid;
      else if (out.innerVlan < 0) out.innerVlan = vid;
      type = u16(buf, off + 2);
      off += VLAN_TAG_LEN;
      continue;
    }
    if (type === EtherType.MPLS_UNICAST || type === EtherType.MPLS_MULTICAST) {
      // Pop labels up to the bottom-of-stack bit.
      for (;;) {
        if (end - off < MPLS_LABEL_LEN) {
          c.malformed.add('mpls_truncated');
          return -1;
        }
        const bos = buf[off + 2] & 1;
        off += MPLS_LABEL_LEN;
        out.mplsLabels++;
        if (bos !== 0) break;
      }
      if (end - off < 1) {
        c.malformed.add('mpls_truncated');
        return -1;
      }
      // MPLS does not say what it carries; the payload's first nibble is the
      // usual guess (4/6 = IP, 0 = pseudowire control word).
      const nibble = buf[off] >>> 4;
      if (nibble === 4) {
        out.etherType = EtherType.IPV4;
        return off;
      }
      if (nibble === 6) {
        out.etherType = EtherType.IPV6;
        return off;
      }
      if (nibble === 0) {
        // Ethernet pseudowire (RFC 4448) with a control word: the customer's
        // frame follows; its MACs are the ones that name the hosts.
        off += PW_CONTROL_WORD_LEN;
        if (end - off < ETHERNET_HEADER_LEN) {
          c.malformed.add('mpls_truncated');
          return -1;
        }
        out.dstMac = readMac(buf, off);
        out.srcMac = readMac(buf, off + 6);
        type = u16(buf, off + 12);
        off += ETHERNET_HEADER_LEN;
        continue;
      }
      c.unsupported.addCoded('mpls_payload', nibble, false);
      return -1;
    }
    if (type === EtherType.PPPOE_SESSION) {
      if (end - off < PPPOE_HEADER_LEN + PPP_PROTO_LEN) {
        c.malformed.add('pppoe_truncated');
        return -1;
      }
      // The PPPoE length covers the PPP protocol and payload. Only sanity-check
      // it: the IP header's own length already copes with Ethernet padding.
      const len = u16(buf, off + 4);
      if (len < PPP_PROTO_LEN) {
        c.malformed.add('pppoe_bad_length');
        return -1;
      }
      const proto = u16(buf, off + 6);
      off += PPPOE_HEADER_LEN + PPP_PROTO_LEN;
      if (proto === PPP_IPV4) {
        out.etherType = EtherType.IPV4;
        return off;
      }
      if (proto === PPP_IPV6) {
        out.etherType = EtherType.IPV6;
        return off;
      }
      c.unsupported.addCoded('ppp_proto', proto, true);
      return -1;
    }
    out.etherType = type;
    return off;
  }
}
