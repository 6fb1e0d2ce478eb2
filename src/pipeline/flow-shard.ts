/**
 * Which pipeline worker a packet goes to when the pipeline runs on several
 * threads. Every packet of a flow must reach the same worker, and so must
 * the fragments of a datagram (they carry no ports) and everything one
 * analyzer correlates across flows. So the choice hashes the pair of IP
 * addresses, direction-free (XOR of both sides), read straight from the
 * packet's bytes behind its link layer (VLAN, MPLS, PPPoE and cooked
 * headers included, by the decoder's own link code):
 *
 * - IPv4/IPv6: the address pair's hash, modulo the worker count;
 * - DHCP (UDP 67/68) and DHCPv6 (UDP 546/547 directly after the IPv6
 *   header): worker 0, since a transaction spans the client's broadcast or
 *   multicast and the server's reply, two different address pairs;
 * - everything else (ARP, malformed or unknown frames): worker 0, whose
 *   decoder then counts it as the single pipeline would.
 */
import { LinkType, type RawPacket } from '../capture/packet.js';
import { DecodedPacket } from '../decode/decoded.js';
import { newDecodeStats, ReasonCounter, type Counters } from '../decode/counters.js';
import { EtherType } from '../decode/ethertype.js';
import { u16, u32 } from '../decode/bytes.js';
import { decodeLink, ETHERNET_HEADER_LEN } from '../decode/link.js';
import { fmix32 } from '../flows/uid.js';

const IPV4_MIN_HEADER = 20;
const IPV6_HEADER = 40;
const IP_UDP = 17;
const DHCP_SERVER_PORT = 67;
const DHCP_CLIENT_PORT = 68;
const DHCP6_CLIENT_PORT = 546;
const DHCP6_SERVER_PORT = 547;

export class FlowSharder {
  readonly shards: number;
  /** Scratch for the link-layer walk; its fields are never read here. */
  readonly #link = new DecodedPacket();
  /** Counts of the link walk go nowhere: the worker's decoder counts every packet for real. */
  readonly #counters: Counters;

  constructor(shards: number) {
    this.shards = shards;
    const scratch = newDecodeStats();
    this.#counters = {
      malformed: new ReasonCounter(scratch.malformed),
      unsupported: new ReasonCounter(scratch.unsupported),
      anomalies: new ReasonCounter(scratch.anomalies),
    };
  }

  /** Worker index (0 .. shards-1) for `pkt`. */
  shardOf(pkt: RawPacket): number {
    if (this.shards === 1) return 0;
    const b = pkt.data;
    const end = pkt.offset + pkt.caplen;
    let off: number;
    let etherType: number;
    const start = pkt.offset;
    // Untagged Ethernet (nearly all traffic) is read here; the rest takes the decoder's link walk.
    if (pkt.linkType === LinkType.ETHERNET && end - start >= ETHERNET_HEADER_LEN && (b[start + 12] === 0x08 || b[start + 12] === 0x86)) {
      off = start + ETHERNET_HEADER_LEN;
      etherType = u16(b, start + 12);
    } else {
      const link = this.#link;
      link.vlan = -1;
      link.innerVlan = -1;
      link.mplsLabels = 0;
      off = decodeLink(pkt.linkType, b, start, end, link, this.#counters);
      if (off < 0) return 0;
      etherType = link.etherType;
    }
    let pair: number;
    if (etherType === EtherType.IPV4) {
      if (end - off < IPV4_MIN_HEADER || b[off]! >>> 4 !== 4) return 0;
      pair = u32(b, off + 12) ^ u32(b, off + 16);
      // Ports of an unfragmented UDP datagram: DHCP stays on worker 0.
      const ihl = (b[off]! & 15) * 4;
      const fragField = ((b[off + 6]! << 8) | b[off + 7]!) & 0x3fff;
      if (b[off + 9] === IP_UDP && fragField === 0 && end - off >= ihl + 4) {
        const sp = u16(b, off + ihl);
        const dp = u16(b, off + ihl + 2);
        if (sp === DHCP_SERVER_PORT || sp === DHCP_CLIENT_PORT || dp === DHCP_SERVER_PORT || dp === DHCP_CLIENT_PORT) return 0;
      }
    } else if (etherType === EtherType.IPV6) {
      if (end - off < IPV6_HEADER || b[off]! >>> 4 !== 6) return 0;
      // DHCPv6 stays on worker 0 (a UDP header right after the fixed header).
      if (b[off + 6] === IP_UDP && end - off >= IPV6_HEADER + 4) {
        const sp = u16(b, off + IPV6_HEADER);
        const dp = u16(b, off + IPV6_HEADER + 2);
        if (sp === DHCP6_SERVER_PORT || sp === DHCP6_CLIENT_PORT || dp === DHCP6_SERVER_PORT || dp === DHCP6_CLIENT_PORT) return 0;
      }
      pair = 0;
      for (let i = 8; i < 40; i += 4) pair ^= u32(b, off + i);
    } else {
      return 0;
    }
    // 31 bits keep the remainder in integer arithmetic: the remainder of a
    // number at or above 2^31 is a floating-point call, half this function's time.
    return (fmix32(pair) & 0x7fffffff) % this.shards;
  }
}
