/**
 * One IPv6 Router Advertisement (ICMPv6 type 134, RFC 4861 §4.2): a host
 * announcing itself as a router of the link, with the prefixes hosts are to
 * configure addresses from and, often, DNS servers (RFC 8106). Rare enough
 * to carry strings.
 */
export interface RouterAdvertEvent {
  type: 'nd.router_advert';
  ts: number;
  /** Ethernet source of the frame ("" without a link layer). */
  src_mac: string;
  /** IPv6 source (the router's link-local address) and destination (ff02::1, or the host that solicited). */
  src: string;
  dst: string;
  /** The Source Link-Layer Address option ("" when absent). */
  slla: string;
  /** Prefix Information options, as "prefix/length". */
  prefixes: string[];
  /** Recursive DNS Server options' addresses. */
  dns_servers: string[];
  vlan?: number;
}
