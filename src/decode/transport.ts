/**
 * Transport headers: TCP, UDP, ICMP and ICMPv6, plus the "anything else"
 * case (protocol set, no ports). Works on the IP payload `[off, end)` as
 * captured together with its length on the wire (`wireLen`, from the IP
 * header), so a snapped capture still yields the true payload size in
 * `payloadWireLen` while `payloadLen` says how much of it is in `buf`.
 * ICMP errors quote the offending packet; that quote stays payload and is
 * never decoded as a flow of its own.
 */
import { IpProto, type DecodedPacket } from './decoded.js';
import type { Counters } from './counters.js';
import { u16, u32 } from './bytes.js';

export const TCP_MIN_HEADER_LEN = 20;
export const UDP_HEADER_LEN = 8;
/** ICMP/ICMPv6 type, code and checksum: what must be present to have a type and code. */
export const ICMP_MIN_HEADER_LEN = 4;
/** The ICMP header Zeek (and RFC 792/4443) count before the payload: type, code, checksum, 4 bytes rest. */
export const ICMP_HEADER_LEN = 8;

/**
 * Decodes the transport header of protocol `proto` at `off`. Returns false
 * when malformed (counted); other protocols always succeed without ports.
 * A small dispatcher over one function per protocol, so the common case
 * stays small enough to be inlined.
 */
export function decodeTransport(
  proto: number,
  buf: Uint8Array,
  off: number,
  end: number,
  wireLen: number,
  out: DecodedPacket,
  c: Counters,
): boolean {
  out.l4Offset = off;
  if (proto === IpProto.TCP) return decodeTcp(buf, off, end, wireLen, out, c);
  if (proto === IpProto.UDP) return decodeUdp(buf, off, end, wireLen, out, c);
  if (proto === IpProto.ICMP || proto === IpProto.ICMPV6) return decodeIcmp(proto, buf, off, end, wireLen, out, c);
  // Another IP protocol (GRE, ESP, SCTP, OSPF, ...): no ports.
  const avail = end - off;
  out.payloadOffset = off;
  out.payloadWireLen = wireLen;
  out.payloadLen = avail < wireLen ? avail : wireLen;
  return true;
}

function decodeTcp(buf: Uint8Array, off: number, end: number, wireLen: number, out: DecodedPacket, c: Counters): boolean {
  const avail = end - off;
  if (wireLen < TCP_MIN_HEADER_LEN || avail < TCP_MIN_HEADER_LEN) {
    c.malformed.add('tcp_truncated_header');
    return false;
  }
  const doff = (buf[off + 12] >>> 4) << 2;
  if (doff < TCP_MIN_HEADER_LEN || doff > wireLen) {
    c.malformed.add('tcp_bad_data_offset');
    return false;
  }
  if (avail < doff) {
    c.malformed.add('tcp_truncated_header');
    return false;
  }
  out.srcPort = u16(buf, off);
  out.dstPort = u16(buf, off + 2);
  out.seq = u32(buf, off + 4);
  out.ack = u32(buf, off + 8);
  out.tcpFlags = buf[off + 13];
  out.window = u16(buf, off + 14);
  const pw = wireLen - doff;
  const pc = avail - doff;
  out.payloadOffset = off + doff;
  out.payloadWireLen = pw;
  out.payloadLen = pc < pw ? pc : pw;
  return true;
}

function decodeUdp(buf: Uint8Array, off: number, end: number, wireLen: number, out: DecodedPacket, c: Counters): boolean {
  const avail = end - off;
  if (wireLen < UDP_HEADER_LEN || avail < UDP_HEADER_LEN) {
    c.malformed.add('udp_truncated_header');
    return false;
  }
  const ulen = u16(buf, off + 4);
  if (ulen < UDP_HEADER_LEN) {
    c.malformed.add('udp_bad_length');
    return false;
  }
  // The UDP length should equal the IP payload length. When they differ,
  // believe the smaller one (as Zeek does) and note it.
  let dlen = ulen;
  if (ulen !== wireLen) {
    c.anomalies.add('udp_length_mismatch');
    if (wireLen < dlen) dlen = wireLen;
  }
  out.srcPort = u16(buf, off);
  out.dstPort = u16(buf, off + 2);
  const pw = dlen - UDP_HEADER_LEN;
  const pc = avail - UDP_HEADER_LEN;
  out.payloadOffset = off + UDP_HEADER_LEN;
  out.payloadWireLen = pw;
  out.payloadLen = pc < pw ? pc : pw;
  return true;
}

function decodeIcmp(proto: number, buf: Uint8Array, off: number, end: number, wireLen: number, out: DecodedPacket, c: Counters): boolean {
  const avail = end - off;
  if (wireLen < ICMP_MIN_HEADER_LEN || avail < ICMP_MIN_HEADER_LEN) {
    c.malformed.add(proto === IpProto.ICMP ? 'icmp_truncated_header' : 'icmp6_truncated_header');
    return false;
  }
  out.srcPort = buf[off];
  out.dstPort = buf[off + 1];
  const hl = wireLen < ICMP_HEADER_LEN ? wireLen : ICMP_HEADER_LEN;
  const pw = wireLen - hl;
  const pc = avail - hl;
  out.payloadOffset = off + hl;
  out.payloadWireLen = pw;
  out.payloadLen = pc < 0 ? 0 : pc < pw ? pc : pw;
  return true;
}
