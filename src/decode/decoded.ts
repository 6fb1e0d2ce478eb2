/**
 * The decoder's output: one reused, flat record of every layer of the current
 * packet. Fields are numbers and offsets only (no strings, no sub-arrays), so
 * decoding allocates nothing per packet. `buf` is the buffer the layer offsets
 * point into: the capture buffer, or a reassembly buffer after IP fragments
 * were joined. Like `RawPacket`, it is valid only until the next packet.
 */

/** Values of `DecodedPacket.l3`. */
export const L3 = { NONE: 0, IPV4: 4, IPV6: 6, ARP: 1 } as const;

/** IP protocol numbers the pipeline tracks (`DecodedPacket.proto`). */
export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** ICMPv6 type of a Neighbor Solicitation (RFC 4861), in `DecodedPacket.srcPort` as ICMP types are. */
export const ICMP6_NEIGHBOR_SOLICIT = 135;
/** ICMPv6 type of a Neighbor Advertisement (RFC 4861). */
export const ICMP6_NEIGHBOR_ADVERT = 136;
/** ICMPv6 type of a Router Advertisement (RFC 4861). */
export const ICMP6_ROUTER_ADVERT = 134;

/** TCP flag bits as on the wire (`DecodedPacket.tcpFlags`). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

export class DecodedPacket {
  /** Buffer that all offsets below point into. */
  buf: Uint8Array = new Uint8Array(0);
  /** Packet timestamp (float seconds). */
  ts = 0;

  // ---- link layer ----
  /** Source MAC as a 48-bit integer (exact in a double); -1 when the link has none. */
  srcMac = -1;
  /** Destination MAC as a 48-bit integer; -1 when the link has none. */
  dstMac = -1;
  /** Outer 802.1Q/802.1ad VLAN id, or -1. */
  vlan = -1;
  /** Inner VLAN id of a QinQ stack, or -1. */
  innerVlan = -1;
  /** Number of MPLS labels skipped. */
  mplsLabels = 0;
  /** EtherType of the network layer (after VLAN/MPLS), 0 when unknown. */
  etherType = 0;

  // ---- tunnel (the fields above and below describe the innermost packet) ----
  /** TunnelKind (tunnel.ts) of the innermost tunnel the packet came out of; 0 when none. */
  tunnel = 0;
  /** That tunnel's VNI, GRE key, ERSPAN session id, GTP TEID (up to 2^32 - 1) or PPTP call id; -1 when none. */
  tunnelId = -1;
  /**
   * The endpoints of that tunnel: the IP header that carried it (same
   * layout as `src`/`dst`; IPv6 when `tunnelV6`), and for UDP tunnels its
   * ports. Valid only when `tunnel` is set (not reset between packets).
   */
  readonly tunnelSrc = new Uint32Array(4);
  readonly tunnelDst = new Uint32Array(4);
  tunnelV6 = false;
  tunnelSrcPort = 0;
  tunnelDstPort = 0;
  /** Number of the tunnel in the pipeline's tunnel table (flows/tunnels.ts), set by the pipeline before tracking; valid with `tunnel`. */
  tunnelParent = -1;
  /**
   * For a packet that came out of a UDP tunnel (VXLAN, Geneve, GTP-U, Teredo, ...): the
   * outermost UDP datagram that carried it, as decoded before it was taken
   * off, so that the tunnel's own connection is tracked as well (Zeek logs
   * it, with the tunnel's name as service). Null when there is none or the
   * decoder's `tunnelConns` is off. Valid only with `tunnel` (not reset
   * between packets); it is the decoder's, reused for the next packet.
   */
  carrier: DecodedPacket | null = null;
  /** TunnelKind that `carrier`'s payload was (its connection's service). */
  carrierKind = 0;

  // ---- network layer ----
  /** L3.NONE, L3.IPV4, L3.IPV6 or L3.ARP. */
  l3 = 0;
  /** Offset of the IP (or ARP) header in `buf`. */
  l3Offset = 0;
  /**
   * Bytes of the IP datagram as Zeek counts them for `*_ip_bytes`: the IPv4
   * total length, or 40 + the IPv6 payload length, of the packet as seen on
   * the wire (before reassembly, so every fragment counts its own length).
   */
  ipLen = 0;
  ttl = 0;
  /** Source address: word 0 only for IPv4, words 0..3 (network order) for IPv6. */
  readonly src = new Uint32Array(4);
  /** Destination address, same layout as `src`. */
  readonly dst = new Uint32Array(4);
  /** Transport protocol number (IpProto.*), 0 when none. */
  proto = 0;
  /** True when this packet is an IP fragment that did not (yet) complete a datagram. */
  fragment = false;
  /** True when the transport header below comes from a reassembled datagram. */
  reassembled = false;

  // ---- transport layer ----
  /** TCP/UDP ports; for ICMP/ICMPv6, srcPort = type and dstPort = code. */
  srcPort = 0;
  dstPort = 0;
  /** Offset of the transport header in `buf`. */
  l4Offset = 0;
  tcpFlags = 0;
  /** TCP sequence and acknowledgement numbers (unsigned 32-bit). */
  seq = 0;
  ack = 0;
  /** TCP window (unscaled). */
  window = 0;
  /** Offset and length of the transport payload in `buf` (as captured: may be cut by the snap length). */
  payloadOffset = 0;
  payloadLen = 0;
  /** Payload length the headers claim (TCP: IP length - headers; UDP: UDP length - 8). */
  payloadWireLen = 0;

  // ---- ARP (l3 === L3.ARP) ----
  arpOp = 0;
  /** Sender/target hardware addresses as 48-bit integers. */
  arpSha = 0;
  arpTha = 0;
  /** Sender/target protocol (IPv4) addresses as unsigned 32-bit integers. */
  arpSpa = 0;
  arpTpa = 0;

  /** Makes this a copy of `p`'s fields (not its `carrier`), pointing into the same buffer. */
  copyFrom(p: DecodedPacket): void {
    this.buf = p.buf;
    this.ts = p.ts;
    this.srcMac = p.srcMac;
    this.dstMac = p.dstMac;
    this.vlan = p.vlan;
    this.innerVlan = p.innerVlan;
    this.mplsLabels = p.mplsLabels;
    this.etherType = p.etherType;
    this.tunnel = p.tunnel;
    this.tunnelId = p.tunnelId;
    this.tunnelSrc.set(p.tunnelSrc);
    this.tunnelDst.set(p.tunnelDst);
    this.tunnelV6 = p.tunnelV6;
    this.tunnelSrcPort = p.tunnelSrcPort;
    this.tunnelDstPort = p.tunnelDstPort;
    this.tunnelParent = p.tunnelParent;
    this.l3 = p.l3;
    this.l3Offset = p.l3Offset;
    this.ipLen = p.ipLen;
    this.ttl = p.ttl;
    this.src.set(p.src);
    this.dst.set(p.dst);
    this.proto = p.proto;
    this.fragment = p.fragment;
    this.reassembled = p.reassembled;
    this.srcPort = p.srcPort;
    this.dstPort = p.dstPort;
    this.l4Offset = p.l4Offset;
    this.tcpFlags = p.tcpFlags;
    this.seq = p.seq;
    this.ack = p.ack;
    this.window = p.window;
    this.payloadOffset = p.payloadOffset;
    this.payloadLen = p.payloadLen;
    this.payloadWireLen = p.payloadWireLen;
    this.arpOp = p.arpOp;
    this.arpSha = p.arpSha;
    this.arpTha = p.arpTha;
    this.arpSpa = p.arpSpa;
    this.arpTpa = p.arpTpa;
  }

  /** Reset every field before a new packet is decoded (one flat run of stores: it is inlined into every decode). */
  reset(): void {
    this.srcMac = -1;
    this.dstMac = -1;
    this.vlan = -1;
    this.innerVlan = -1;
    this.mplsLabels = 0;
    this.etherType = 0;
    this.tunnel = 0;
    this.tunnelId = -1;
    this.l3 = 0;
    this.l3Offset = 0;
    this.ipLen = 0;
    this.ttl = 0;
    this.src[0] = this.src[1] = this.src[2] = this.src[3] = 0;
    this.dst[0] = this.dst[1] = this.dst[2] = this.dst[3] = 0;
    this.proto = 0;
    this.fragment = false;
    this.reassembled = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.l4Offset = 0;
    this.tcpFlags = 0;
    this.seq = 0;
    this.ack = 0;
    this.window = 0;
    this.payloadOffset = 0;
    this.payloadLen = 0;
    this.payloadWireLen = 0;
    this.arpOp = 0;
    this.arpSha = 0;
    this.arpTha = 0;
    this.arpSpa = 0;
    this.arpTpa = 0;
  }
}
