/**
 * The one packet record that flows from a capture source into the decoder.
 *
 * A source owns a single `RawPacket` and overwrites it for every packet it
 * reads, then calls the consumer synchronously. `data` is a view into the
 * source's own read buffer and is valid only during that call: a consumer
 * that keeps bytes must copy them. This is what keeps the fast path free of
 * per-packet allocation.
 */

/** libpcap LINKTYPE_* values that Picket decodes (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0, // BSD loopback: 4-byte address family in host byte order
  ETHERNET: 1,
  RAW: 101, // raw IPv4 or IPv6, version from the first nibble
  // Raw IP as OpenBSD's libpcap writes it (DLT_RAW is 12 there, and its pcap
  // files carry that value); tcpdump and Wireshark read it as RAW.
  RAW_OPENBSD: 12,
  LOOP: 108, // OpenBSD loopback: 4-byte address family in network byte order
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type LinkTypeValue = (typeof LinkType)[keyof typeof LinkType];

export class RawPacket {
  /** Bytes of the packet as captured (`caplen` of them, starting at `offset`). */
  data: Uint8Array = new Uint8Array(0);
  /** Start of the packet inside `data`. */
  offset = 0;
  /** Bytes captured (may be less than `origLen` when the snap length cut it). */
  caplen = 0;
  /** Length of the packet on the wire. */
  origLen = 0;
  /** Timestamp: whole seconds since the epoch. */
  tsSec = 0;
  /** Timestamp: nanoseconds within the second. */
  tsNsec = 0;
  /** Timestamp as float seconds (tsSec + tsNsec / 1e9); what all time logic uses. */
  ts = 0;
  /** LINKTYPE_* of the interface the packet came from. */
  linkType = 0;
  /** Interface index (pcapng IDB order; always 0 for pcap). */
  interfaceId = 0;
  /** Byte offset of this packet's record in its capture stream (for error messages). */
  streamOffset = 0;
}

/** Called once per packet, synchronously; `pkt` is reused after the call returns. */
export type PacketHandler = (pkt: RawPacket) => void;
