/**
 * ARP (RFC 826) for Ethernet hardware and IPv4 protocol addresses: opcode,
 * sender and target MAC/IP. Other hardware or protocol types are well-formed
 * but not decoded (counted as unsupported); an Ethernet/IPv4 ARP whose
 * address lengths are not 6 and 4 is corrupt (Zeek's "corrupt-arp-header")
 * and counted as malformed.
 */
import { L3, type DecodedPacket } from './decoded.js';
import type { Counters } from './counters.js';
import { readMac, u16, u32 } from './bytes.js';

/** Fixed part: hardware type, protocol type, two lengths, opcode. */
const ARP_FIXED_LEN = 8;
/** Whole Ethernet/IPv4 ARP message: fixed part + 2 * (6 + 4). */
export const ARP_ETH_IPV4_LEN = 28;
const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;

/** Decodes an ARP message at `off`; false when unusable (counted). */
export function decodeArp(buf: Uint8Array, off: number, end: number, out: DecodedPacket, c: Counters): boolean {
  if (end - off < ARP_FIXED_LEN) {
    c.malformed.add('arp_truncated');
    return false;
  }
  const htype = u16(buf, off);
  if (htype !== HTYPE_ETHERNET) {
    c.unsupported.addCoded('arp_htype', htype, false);
    return false;
  }
  const ptype = u16(buf, off + 2);
  if (ptype !== PTYPE_IPV4) {
    c.unsupported.addCoded('arp_ptype', ptype, true);
    return false;
  }
  if (buf[off + 4] !== 6) {
    c.malformed.add('arp_bad_hln');
    return false;
  }
  if (buf[off + 5] !== 4) {
    c.malformed.add('arp_bad_pln');
    return false;
  }
  if (end - off < ARP_ETH_IPV4_LEN) {
    c.malformed.add('arp_truncated');
    return false;
  }
  out.l3 = L3.ARP;
  out.l3Offset = off;
  out.arpOp = u16(buf, off + 6);
  out.arpSha = readMac(buf, off + 8);
  out.arpSpa = u32(buf, off + 14);
  out.arpTha = readMac(buf, off + 18);
  out.arpTpa = u32(buf, off + 24);
  return true;
}
