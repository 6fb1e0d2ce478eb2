/**
 * One IPv6 Neighbor Advertisement (ICMPv6 type 136, RFC 4861 §4.4): IPv6's
 * ARP reply, saying that `target` is at a link address (the Target
 * Link-Layer Address option, else the frame's source). Rare enough to carry
 * strings.
 */
export interface NeighborAdvertEvent {
  type: 'nd.advert';
  ts: number;
  /** Ethernet source of the frame ("" without a link layer). */
  src_mac: string;
  /** IPv6 source and destination (ff02::1 for an unsolicited announcement to every node). */
  src: string;
  dst: string;
  /** The address advertised. */
  target: string;
  /** The Target Link-Layer Address option ("" when absent). */
  tlla: string;
  vlan?: number;
}
