/**
 * IPv4 header decoding (RFC 791). Checks version, header length and total
 * length, fills the network fields of the DecodedPacket and keeps the facts
 * the decoder needs next (header length, where the datagram's captured bytes
 * end, fragment fields) in reused numeric fields. Two length rules matter:
 * a total length shorter than the capture is Ethernet padding (trust the
 * header), and a capture shorter than the total length is the snap length
 * (decode what is there, keep `ipLen` from the header). The header checksum
 * is not verified: offloading NICs leave it wrong in most captures.
 */
import { L3, type DecodedPacket } from './decoded.js';
import type { Counters } from './counters.js';
import { u16, u32 } from './bytes.js';

export const IPV4_MIN_HEADER_LEN = 20;
/** Largest IPv4 datagram: the total-length field is 16 bits. */
export const IPV4_MAX_DATAGRAM = 65535;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff;

export class Ipv4Decoder {
  /** Header length in bytes (IHL * 4). */
  hdrLen = 0;
  /** Offset one past the datagram's last captured byte (min of capture end and total length). */
  datagramEnd = 0;
  /** Bytes after the header according to the total length. */
  payloadWireLen = 0;
  /** Identification field (fragment key). */
  id = 0;
  /** Fragment offset in bytes. */
  fragOffset = 0;
  moreFragments = false;
  dontFragment = false;

  /** Decodes the header at `off`; false when malformed (counted). */
  decode(buf: Uint8Array, off: number, end: number, out: DecodedPacket, c: Counters): boolean {
    const avail = end - off;
    if (avail < IPV4_MIN_HEADER_LEN) {
      c.malformed.add('ipv4_truncated_header');
      return false;
    }
    const vihl = buf[off];
    if (vihl >>> 4 !== 4) {
      c.malformed.add('ipv4_bad_version');
      return false;
    }
    const hdrLen = (vihl & 15) << 2;
    if (hdrLen < IPV4_MIN_HEADER_LEN) {
      c.malformed.add('ipv4_bad_ihl');
      return false;
    }
    if (avail < hdrLen) {
      c.malformed.add('ipv4_truncated_header');
      return false;
    }
    let total = u16(buf, off + 2);
    if (total === 0) {
      // TCP segmentation offload hands the capture a super-packet whose
      // length field is still zero; the captured length is the best guess.
      c.anomalies.add('ipv4_len_zero');
      total = avail > IPV4_MAX_DATAGRAM ? IPV4_MAX_DATAGRAM : avail;
    }
    if (total < hdrLen) {
      c.malformed.add('ipv4_bad_total_length');
      return false;
    }
    const ff = u16(buf, off + 6);
    this.hdrLen = hdrLen;
    this.datagramEnd = total < avail ? off + total : end;
    this.payloadWireLen = total - hdrLen;
    this.id = u16(buf, off + 4);
    this.fragOffset = (ff & OFFSET_MASK) << 3;
    this.moreFragments = (ff & FLAG_MF) !== 0;
    this.dontFragment = (ff & FLAG_DF) !== 0;
    out.l3 = L3.IPV4;
    out.l3Offset = off;
    out.ipLen = total;
    out.ttl = buf[off + 8];
    out.proto = buf[off + 9];
    out.src[0] = u32(buf, off + 12);
    out.dst[0] = u32(buf, off + 16);
    return true;
  }
}

/**
 * Turns a reassembly buffer (first fragment's header + all data) into a plain
 * datagram: total length set, MF and offset cleared (DF kept). The header
 * checksum is left stale; nothing downstream checks it.
 */
export function finishReassembledIpv4(buf: Uint8Array): void {
  const total = buf.length;
  buf[2] = total >>> 8;
  buf[3] = total & 0xff;
  buf[6] &= FLAG_DF >>> 8;
  buf[7] = 0;
}
