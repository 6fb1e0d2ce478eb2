/**
 * IPv6 header and extension-header decoding (RFC 8200). Walks hop-by-hop,
 * routing, destination options, AH and the other RFC 6564 uniform-format
 * headers to the upper-layer protocol, with a bound on how many it follows.
 * A fragment header either is atomic (offset 0, M = 0: RFC 6946 says process
 * it as a whole datagram, so the walk goes on) or marks a real fragment, whose
 * position and fields are kept for reassembly. ESP (50) and no-next-header
 * (59) end the walk with the protocol set and nothing further to decode.
 */
import { L3, type DecodedPacket } from './decoded.js';
import type { Counters } from './counters.js';
import { u16, u32 } from './bytes.js';

export const IPV6_HEADER_LEN = 40;
/**
 * Extension headers followed before giving up. RFC 8200 4.1 allows each at
 * most once (destination options twice), about eight in all; more is a
 * crafted chain meant to exhaust parsers or hide the transport header.
 */
export const MAX_IPV6_EXT_HEADERS = 12;
export const IPV6_FRAG_HEADER_LEN = 8;
/** Largest payload without a jumbogram: the payload-length field is 16 bits. */
export const IPV6_MAX_PAYLOAD = 65535;

/** IPv6 next-header values the walk treats specially. */
export const Ipv6Next = {
  HOP_BY_HOP: 0,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  NO_NEXT: 59,
  DEST_OPTS: 60,
  MOBILITY: 135, // RFC 6275, uniform format
  HIP: 139, // RFC 7401, uniform format
  SHIM6: 140, // RFC 5533, uniform format
} as const;

export class Ipv6Decoder {
  /** Offset of the upper-layer header (valid when `isFragment` is false). */
  payloadOffset = 0;
  /** Offset one past the datagram's last captured byte. */
  datagramEnd = 0;
  /** Upper-layer bytes according to the payload length. */
  payloadWireLen = 0;
  /** True for a real (non-atomic) fragment; the fields below then describe it. */
  isFragment = false;
  /** Offset of the fragment header; the unfragmentable part is everything before it. */
  fragHdrOffset = 0;
  /** Fragment offset in bytes. */
  fragOffset = 0;
  moreFragments = false;
  fragId = 0;

  /** Decodes the header and walks the extension chain; false when malformed (counted). */
  decode(buf: Uint8Array, off: number, end: number, out: DecodedPacket, c: Counters): boolean {
    const avail = end - off;
    if (avail < IPV6_HEADER_LEN) {
      c.malformed.add('ipv6_truncated_header');
      return false;
    }
    if (buf[off] >>> 4 !== 6) {
      c.malformed.add('ipv6_bad_version');
      return false;
    }
    let next = buf[off + 6];
    let total = IPV6_HEADER_LEN + u16(buf, off + 4);
    if (total === IPV6_HEADER_LEN && next !== Ipv6Next.NO_NEXT) {
      // Zero payload length with something after the header: a jumbogram
      // (RFC 2675) or a segmentation-offload super-packet. Use what was captured.
      c.anomalies.add('ipv6_len_zero');
      total = avail;
    }
    const wireEnd = off + total;
    const dEnd = total < avail ? wireEnd : end;
    this.datagramEnd = dEnd;
    this.isFragment = false;
    out.l3 = L3.IPV6;
    out.l3Offset = off;
    out.ipLen = total;
    out.ttl = buf[off + 7];
    out.src[0] = u32(buf, off + 8);
    out.src[1] = u32(buf, off + 12);
    out.src[2] = u32(buf, off + 16);
    out.src[3] = u32(buf, off + 20);
    out.dst[0] = u32(buf, off + 24);
    out.dst[1] = u32(buf, off + 28);
    out.dst[2] = u32(buf, off + 32);
    out.dst[3] = u32(buf, off + 36);

    let p = off + IPV6_HEADER_LEN;
    for (let n = 0; ; n++) {
      if (
        next === Ipv6Next.HOP_BY_HOP ||
        next === Ipv6Next.ROUTING ||
        next === Ipv6Next.DEST_OPTS ||
        next === Ipv6Next.AH ||
        next === Ipv6Next.MOBILITY ||
        next === Ipv6Next.HIP ||
        next === Ipv6Next.SHIM6 ||
        next === Ipv6Next.FRAGMENT
      ) {
        if (n >= MAX_IPV6_EXT_HEADERS) {
          c.malformed.add('ipv6_ext_loop');
          return false;
        }
        // An extension header must lie inside both the capture and the
        // payload length; a snapped capture that cuts the chain cannot be
        // walked either.
        if (p + 2 > dEnd) {
          c.malformed.add('ipv6_truncated_ext');
          return false;
        }
        let len: number;
        if (next === Ipv6Next.FRAGMENT) len = IPV6_FRAG_HEADER_LEN;
        else if (next === Ipv6Next.AH) len = (buf[p + 1] + 2) << 2; // RFC 4302: 4-octet units, minus 2
        else len = (buf[p + 1] + 1) << 3; // 8-octet units, not counting the first 8
        if (p + len > dEnd) {
          c.malformed.add('ipv6_truncated_ext');
          return false;
        }
        if (next === Ipv6Next.FRAGMENT) {
          const fo = u16(buf, p + 2);
          const fragOffset = fo & 0xfff8;
          const more = (fo & 1) !== 0;
          if (fragOffset !== 0 || more) {
            this.isFragment = true;
            this.fragHdrOffset = p;
            this.fragOffset = fragOffset;
            this.moreFragments = more;
            this.fragId = u32(buf, p + 4);
            out.proto = buf[p];
            this.payloadOffset = p + len;
            this.payloadWireLen = wireEnd - (p + len);
            return true;
          }
        }
        next = buf[p];
        p += len;
        continue;
      }
      // Upper layer (including ESP and no-next-header, which end the walk).
      out.proto = next;
      this.payloadOffset = p;
      this.payloadWireLen = wireEnd - p;
      return true;
    }
  }
}

/**
 * Turns a reassembly buffer (unfragmentable part + fragment header of the
 * first fragment, then all data) into a datagram with an atomic fragment
 * header: payload length set, offset and M cleared. Decoding it again then
 * walks straight through to the upper layer.
 */
export function finishReassembledIpv6(buf: Uint8Array, fragHdrOffset: number): void {
  const plen = buf.length - IPV6_HEADER_LEN;
  buf[4] = plen >>> 8;
  buf[5] = plen & 0xff;
  buf[fragHdrOffset + 2] = 0;
  buf[fragHdrOffset + 3] = 0;
}
