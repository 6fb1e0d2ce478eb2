/**
 * One IPv6 Neighbor Solicitation (ICMPv6 type 135, RFC 4861 §4.3): IPv6's
 * ARP request, asking for the link address of `target`. Rare enough to carry
 * strings.
 */
export interface NeighborSolicitEvent {
  type: 'nd.solicit';
  ts: number;
  /** Ethernet source of the frame ("" without a link layer). */
  src_mac: string;
  /** IPv6 source; "::" while the sender checks its own new address (duplicate address detection). */
  src: string;
  /** The address whose link address is asked for. */
  target: string;
  vlan?: number;
}
