/**
 * Link layers: turns a capture's LINKTYPE into the offset and EtherType of
 * the network layer. Ethernet goes on through the EtherType chain (VLAN,
 * MPLS, PPPoE in ethertype.ts); Linux cooked captures (SLL, SLL2) give a
 * protocol number and the sender's link address; raw IP, NULL and LOOP give
 * only an IP version. Everything here reads bytes by index and writes
 * numbers into the reused DecodedPacket; nothing allocates.
 */
import { LinkType } from '../capture/packet.js';
import type { DecodedPacket } from './decoded.js';
import type { Counters } from './counters.js';
import { decodeEtherChain, EtherType } from './ethertype.js';
import { readMac, u16, u32 } from './bytes.js';

/** Ethernet II header: destination MAC, source MAC, EtherType. */
export const ETHERNET_HEADER_LEN = 14;
/** Linux cooked v1: type, ARPHRD, address length, 8 address bytes, protocol (pcap-linktype(7)). */
export const SLL_HEADER_LEN = 16;
/** Linux cooked v2: protocol, reserved, ifindex, ARPHRD, type, address length, 8 address bytes. */
export const SLL2_HEADER_LEN = 20;
/** BSD NULL and OpenBSD LOOP: a 4-byte address family. */
export const NULL_HEADER_LEN = 4;

/** Address-family values seen in NULL/LOOP headers: AF_INET is 2 everywhere; AF_INET6 differs by OS. */
const AF_INET = 2;
const AF_INET6_BSD = 24; // NetBSD, OpenBSD
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/** EtherType for an IP version nibble, or 0. */
function etherTypeForVersion(nibble: number): number {
  return nibble === 4 ? EtherType.IPV4 : nibble === 6 ? EtherType.IPV6 : 0;
}

/**
 * Decodes the link layer of `buf[off, end)`. Returns the offset of the network
 * layer with `out.etherType` set, or -1 when the packet is unusable (counted).
 */
export function decodeLink(linkType: number, buf: Uint8Array, off: number, end: number, out: DecodedPacket, c: Counters): number {
  // Untagged Ethernet carrying IP or ARP is nearly all traffic: keep it
  // short enough for the compiler to inline into the caller.
  if (linkType === LinkType.ETHERNET && end - off >= ETHERNET_HEADER_LEN) {
    out.dstMac = readMac(buf, off);
    out.srcMac = readMac(buf, off + 6);
    const type = u16(buf, off + 12);
    if (type === EtherType.IPV4 || type === EtherType.IPV6 || type === EtherType.ARP) {
      out.etherType = type;
      return off + ETHERNET_HEADER_LEN;
    }
    return decodeEtherChain(buf, off + ETHERNET_HEADER_LEN, end, type, out, c);
  }
  return decodeOtherLink(linkType, buf, off, end, out, c);
}

/** Every link type and case the fast path above does not take. */
function decodeOtherLink(linkType: number, buf: Uint8Array, off: number, end: number, out: DecodedPacket, c: Counters): number {
  switch (linkType) {
    case LinkType.ETHERNET: {
      // Only reached when the frame is shorter than the Ethernet header.
      c.malformed.add('ethernet_truncated');
      return -1;
    }
    case LinkType.LINUX_SLL: {
      if (end - off < SLL_HEADER_LEN) {
        c.malformed.add('sll_truncated');
        return -1;
      }
      // Address length at 4..5, address at 6..13; only a 6-byte address is a MAC.
      if (buf[off + 4] === 0 && buf[off + 5] === 6) out.srcMac = readMac(buf, off + 6);
      return decodeEtherChain(buf, off + SLL_HEADER_LEN, end, u16(buf, off + 14), out, c);
    }
    case LinkType.LINUX_SLL2: {
      if (end - off < SLL2_HEADER_LEN) {
        c.malformed.add('sll2_truncated');
        return -1;
      }
      if (buf[off + 11] === 6) out.srcMac = readMac(buf, off + 12);
      return decodeEtherChain(buf, off + SLL2_HEADER_LEN, end, u16(buf, off), out, c);
    }
    case LinkType.RAW:
    case LinkType.RAW_OPENBSD:
    case LinkType.IPV4:
    case LinkType.IPV6: {
      if (end - off < 1) {
        c.malformed.add('raw_truncated');
        return -1;
      }
      // LINKTYPE_IPV4/IPV6 promise a version; trust the header's own nibble
      // anyway and let the IP decoder reject a mismatch.
      const et = etherTypeForVersion(buf[off] >>> 4);
      if (et === 0) {
        c.malformed.add('raw_bad_version');
        return -1;
      }
      out.etherType = et;
      return off;
    }
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (end - off < NULL_HEADER_LEN) {
        c.malformed.add('null_truncated');
        return -1;
      }
      const be = u32(buf, off);
      // NULL is in the capturing host's byte order, which the file does not
      // record; family values are small, so whichever reading is small wins.
      // LOOP is specified as network order, but the same rule costs nothing.
      const le = ((buf[off + 3] << 24) | (buf[off + 2] << 16) | (buf[off + 1] << 8) | buf[off]) >>> 0;
      const family = be <= 0xffff ? be : le;
      let et = 0;
      if (family === AF_INET) et = EtherType.IPV4;
      else if (family === AF_INET6_BSD || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN) et = EtherType.IPV6;
      if (et === 0) {
        c.unsupported.addCoded('null_family', family, false);
        return -1;
      }
      out.etherType = et;
      return off + NULL_HEADER_LEN;
    }
    default:
      c.unsupported.addCoded('linktype', linkType, false);
      return -1;
  }
}
