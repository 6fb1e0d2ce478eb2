/**
 * Tunnel headers: what lies between an outer IP packet and the packet it
 * carries. Recognised, as Zeek and Wireshark know them:
 *
 * - IP in IP (IPv4 or IPv6 inside IPv4 or IPv6: protocols 4 and 41);
 * - GRE (RFC 2784/2890, version 0) carrying IP, MPLS or Ethernet (0x6558),
 *   and the mirrored frames of ERSPAN type I, II (0x88BE) and III (0x22EB),
 *   what a switch's remote SPAN session sends;
 * - PPTP's enhanced GRE (RFC 2637, version 1: protocol 0x880B, the call id
 *   in the key, optional sequence and acknowledgement numbers) carrying a
 *   PPP frame (optional address and control 0xFF03, a 1- or 2-byte
 *   protocol): IPv4 (0x0021) and IPv6 (0x0057) are taken out; LCP, CCP,
 *   MPPE-compressed or encrypted data (0x00FD, what most PPTP carries) and
 *   acknowledgements without payload stay GRE packets. Its kind is `pptp`,
 *   not `gre`: a remote-access VPN the `net.tunnel` rule can report apart
 *   from routers' GRE, and its id is the call id of the receiving peer
 *   (each side puts the other's in its packets), not a key both directions
 *   share;
 * - VXLAN (RFC 7348, UDP 4789) and Geneve (RFC 8926, UDP 6081), what cloud
 *   traffic mirroring sends, and VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe, UDP
 *   4790: version 0 with the VNI and next-protocol flags) carrying IPv4 (1),
 *   IPv6 (2) or Ethernet (3); NSH and other next protocols stay UDP;
 * - GTPv1-U (3GPP TS 29.281, UDP 2152 as destination): version 1, protocol
 *   type GTP, the G-PDU message (0xFF) only (echo, error indication and end
 *   marker stay UDP); the sequence, N-PDU and next-extension fields when any
 *   of E, S or PN is set, then the chain of extension headers (each's length
 *   in 4-byte units, its last byte the next type; at most
 *   MAX_GTP_EXTENSIONS); the user packet is IPv4 or IPv6 by its version
 *   nibble; the id is the TEID (32 bits);
 * - Teredo (RFC 4380, UDP 3544), checked strictly: the IPv6 header must
 *   account for exactly the bytes that follow it;
 * - AYIYA (draft-massar-v6ops-ayiya, UDP 5072 either way): identity
 *   (2^IDLen bytes) and signature (SigLen × 4 bytes) after the 8-byte
 *   header, opcode 1 (forward) only, next header 41 (IPv6) or 4 (IPv4)
 *   matching the inner version.
 *
 * `readTunnel` looks at the transport payload of an already decoded packet
 * and says where the inner packet starts and what it is; the decoder then
 * decodes that in place of the outer one. A payload that does not parse as
 * its tunnel is left alone: the outer packet stays what it was. When a
 * header says it is that tunnel (a GRE or ERSPAN header, VXLAN's I flag,
 * Geneve version 0, a GTP G-PDU, an AYIYA forward, PPTP's GRE) but its
 * lengths do not fit the packet, `bad` names the anomaly the decoder counts
 * (`gre_bad_header`, `vxlan_bad_header`, ...); for GRE, ERSPAN, VXLAN and
 * Geneve only when the header runs past the bytes on the wire, not when a
 * snap length cut the capture.
 */
import type { DecodedPacket } from './decoded.js';
import { u16, u24, u32 } from './bytes.js';
import { EtherType } from './ethertype.js';

/** `DecodedPacket.tunnel` values; the names are what conn.jsonl's `tunnel` says. */
export const TunnelKind = {
  NONE: 0,
  IP: 1,
  GRE: 2,
  ERSPAN: 3,
  VXLAN: 4,
  GENEVE: 5,
  TEREDO: 6,
  GTPV1: 7,
  AYIYA: 8,
  PPTP: 9,
  VXLAN_GPE: 10,
} as const;
export const TUNNEL_NAMES: readonly string[] = ['', 'ip', 'gre', 'erspan', 'vxlan', 'geneve', 'teredo', 'gtpv1', 'ayiya', 'pptp', 'vxlan_gpe'];

export const GTPV1_U_PORT = 2152;
export const TEREDO_PORT = 3544;
export const VXLAN_PORT = 4789;
export const VXLAN_GPE_PORT = 4790;
export const AYIYA_PORT = 5072;
export const GENEVE_PORT = 6081;
/** Extension headers followed in one GTP-U header before it is taken as malformed. */
export const MAX_GTP_EXTENSIONS = 16;
/** Tunnels inside tunnels decapsulated before the rest is taken as it is (and counted). */
export const MAX_TUNNEL_DEPTH = 4;

const IP_IN_IP = 4;
const IPV6_IN_IP = 41;
const IP_GRE = 47;
const IP_UDP = 17;
const IP_TCP = 6;

const GRE_TEB = 0x6558;
const GRE_ERSPAN_2 = 0x88be;
const GRE_ERSPAN_3 = 0x22eb;
const GRE_BASE_LEN = 4;
const ERSPAN_2_LEN = 8;
const ERSPAN_3_LEN = 12;
const ERSPAN_3_SUBHEADER_LEN = 8;
const VXLAN_LEN = 8;
const GENEVE_BASE_LEN = 8;
const IPV6_HEADER_LEN = 40;
const TEREDO_ORIGIN_LEN = 8;
const TEREDO_AUTH_BASE_LEN = 13;

const PPTP_PPP = 0x880b;
/** Flags, version, protocol, payload length and call id. */
const PPTP_GRE_BASE_LEN = 8;
const PPP_ADDRESS = 0xff;
const PPP_CONTROL = 0x03;
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
const GTP_BASE_LEN = 8;
/** Sequence number, N-PDU number and next extension type, present when E, S or PN is set. */
const GTP_OPTIONAL_LEN = 4;
const GTP_G_PDU = 0xff;
const AYIYA_BASE_LEN = 8;
const AYIYA_FORWARD = 1;
const GPE_NEXT_IPV4 = 1;
const GPE_NEXT_IPV6 = 2;
const GPE_NEXT_ETHERNET = 3;

/** Where a tunnel's inner packet is: filled by `readTunnel`. */
export class TunnelHeader {
  kind = 0;
  /** VXLAN/Geneve/VXLAN-GPE VNI, GRE key, ERSPAN session id, GTP TEID or PPTP call id; -1 when the tunnel has none. */
  id = -1;
  /** Offset of the inner packet in the outer packet's buffer. */
  offset = 0;
  /** True when the inner packet is an Ethernet frame; else `etherType` says what it is. */
  ethernet = false;
  etherType = 0;
  /** When `readTunnel` said no: the anomaly to count (a header that names its tunnel but does not fit), else ''. */
  bad = '';
}

/**
 * A header that runs past the captured bytes: never a tunnel here, and an
 * anomaly (`bad`) when it also runs past the bytes on the wire (the header
 * lies), not when the capture's snap length cut it. Always false.
 */
function cutHeader(needEnd: number, wireEnd: number, bad: string, h: TunnelHeader): false {
  if (needEnd > wireEnd) h.bad = bad;
  return false;
}

/** Cheap test on the decoded outer packet: could its payload be a tunnel? */
export function mayBeTunnel(p: DecodedPacket): boolean {
  const proto = p.proto;
  if (proto === IP_TCP) return false; // most packets: one comparison
  if (proto === IP_UDP) {
    const d = p.dstPort;
    // Every tunnel port lies in 2152..6081: DNS, ephemeral ports and most other UDP fail the range test.
    if (d >= GTPV1_U_PORT && d <= GENEVE_PORT) {
      if (d === VXLAN_PORT || d === GENEVE_PORT || d === TEREDO_PORT || d === GTPV1_U_PORT || d === VXLAN_GPE_PORT || d === AYIYA_PORT) return true;
    }
    const s = p.srcPort;
    return s === TEREDO_PORT || s === AYIYA_PORT;
  }
  return proto === IP_GRE || proto === IP_IN_IP || proto === IPV6_IN_IP;
}

/**
 * Reads the tunnel header of `p`'s payload (captured bytes up to `end`)
 * into `h`. False when the payload is not a tunnel this code decapsulates.
 */
export function readTunnel(p: DecodedPacket, end: number, h: TunnelHeader): boolean {
  const buf = p.buf;
  const off = p.payloadOffset;
  h.id = -1;
  h.ethernet = false;
  h.etherType = 0;
  h.bad = '';
  switch (p.proto) {
    case IP_IN_IP:
    case IPV6_IN_IP: {
      if (end - off < 1) return false;
      const version = buf[off]! >>> 4;
      if (version !== (p.proto === IP_IN_IP ? 4 : 6)) return false;
      h.kind = TunnelKind.IP;
      h.offset = off;
      h.etherType = version === 4 ? EtherType.IPV4 : EtherType.IPV6;
      return true;
    }
    case IP_GRE:
      return readGre(buf, off, end, p.payloadWireLen, h);
    case IP_UDP: {
      const d = p.dstPort;
      if (d === VXLAN_PORT) return readVxlan(buf, off, end, p.payloadWireLen, h);
      if (d === GENEVE_PORT) return readGeneve(buf, off, end, p.payloadWireLen, h);
      if (d === GTPV1_U_PORT) return readGtpv1(buf, off, end, p.payloadWireLen, h);
      if (d === VXLAN_GPE_PORT) return readVxlanGpe(buf, off, end, h);
      if (d === TEREDO_PORT) return readTeredo(buf, off, end, p.payloadWireLen, h);
      if (d === AYIYA_PORT || p.srcPort === AYIYA_PORT) return readAyiya(buf, off, end, p.payloadWireLen, h);
      return readTeredo(buf, off, end, p.payloadWireLen, h);
    }
    default:
      return false;
  }
}

/** GRE; `wireLen` is the GRE packet's length on the wire. */
function readGre(buf: Uint8Array, off: number, end: number, wireLen: number, h: TunnelHeader): boolean {
  if (end - off < GRE_BASE_LEN) return false;
  const flags = buf[off]!;
  const version = buf[off + 1]! & 0x07;
  if (version === 1) return readPptp(buf, off, end, wireLen, h);
  // Version 0 otherwise; no source routing.
  if (version !== 0 || (flags & 0x40) !== 0) return false;
  const proto = u16(buf, off + 2);
  const wireEnd = off + wireLen;
  let o = off + GRE_BASE_LEN;
  if ((flags & 0x80) !== 0) o += 4; // checksum and reserved
  if ((flags & 0x20) !== 0) {
    if (end - o < 4) return cutHeader(o + 4, wireEnd, 'gre_bad_header', h);
    h.id = u32(buf, o);
    o += 4;
  }
  const hasSequence = (flags & 0x10) !== 0;
  if (hasSequence) o += 4;
  if (o > end) return cutHeader(o, wireEnd, 'gre_bad_header', h);
  h.kind = TunnelKind.GRE;
  switch (proto) {
    case EtherType.IPV4:
    case EtherType.IPV6:
    case EtherType.MPLS_UNICAST:
    case EtherType.MPLS_MULTICAST:
      h.offset = o;
      h.etherType = proto;
      return true;
    case GRE_TEB:
      h.offset = o;
      h.ethernet = true;
      return true;
    case GRE_ERSPAN_2:
      // Type II has the sequence number and an 8-byte header; type I neither.
      h.kind = TunnelKind.ERSPAN;
      if (hasSequence) {
        if (end - o < ERSPAN_2_LEN) return cutHeader(o + ERSPAN_2_LEN, wireEnd, 'erspan_bad_header', h);
        if (buf[o]! >>> 4 !== 1) return false;
        h.id = u16(buf, o + 2) & 0x3ff;
        o += ERSPAN_2_LEN;
      }
      h.offset = o;
      h.ethernet = true;
      return true;
    case GRE_ERSPAN_3: {
      if (end - o < ERSPAN_3_LEN) return cutHeader(o + ERSPAN_3_LEN, wireEnd, 'erspan_bad_header', h);
      if (buf[o]! >>> 4 !== 2) return false;
      const last = u16(buf, o + 10);
      // Frame type 0 is Ethernet (2 would be bare IP, not sent by the switches we know).
      if (((last >>> 10) & 0x1f) !== 0) return false;
      h.kind = TunnelKind.ERSPAN;
      h.id = u16(buf, o + 2) & 0x3ff;
      o += ERSPAN_3_LEN + ((last & 1) !== 0 ? ERSPAN_3_SUBHEADER_LEN : 0);
      if (o > end) return cutHeader(o, wireEnd, 'erspan_bad_header', h);
      h.offset = o;
      h.ethernet = true;
      return true;
    }
    default:
      return false;
  }
}

/** VXLAN; `wireLen` is the UDP payload's length on the wire. */
function readVxlan(buf: Uint8Array, off: number, end: number, wireLen: number, h: TunnelHeader): boolean {
  // The I flag says the VNI is valid; without it this is not VXLAN as RFC 7348 sends it.
  if (end - off < 1 || (buf[off]! & 0x08) === 0) return false;
  if (end - off < VXLAN_LEN) return cutHeader(off + VXLAN_LEN, off + wireLen, 'vxlan_bad_header', h);
  h.kind = TunnelKind.VXLAN;
  h.id = u24(buf, off + 4);
  h.offset = off + VXLAN_LEN;
  h.ethernet = true;
  return true;
}

/** Geneve; `wireLen` is the UDP payload's length on the wire. */
function readGeneve(buf: Uint8Array, off: number, end: number, wireLen: number, h: TunnelHeader): boolean {
  if (end - off < 1 || buf[off]! >>> 6 !== 0) return false;
  if (end - off < GENEVE_BASE_LEN) return cutHeader(off + GENEVE_BASE_LEN, off + wireLen, 'geneve_bad_header', h);
  const o = off + GENEVE_BASE_LEN + (buf[off]! & 0x3f) * 4;
  if (o > end) return cutHeader(o, off + wireLen, 'geneve_bad_header', h);
  const proto = u16(buf, off + 2);
  h.kind = TunnelKind.GENEVE;
  h.id = u24(buf, off + 4);
  h.offset = o;
  if (proto === GRE_TEB) h.ethernet = true;
  else if (proto === EtherType.IPV4 || proto === EtherType.IPV6) h.etherType = proto;
  else return false;
  return true;
}

/**
 * Teredo: optional authentication and origin indicators, then an IPv6
 * packet whose header accounts for exactly the rest of the datagram.
 * `wireLen` is the UDP payload's length on the wire.
 */
function readTeredo(buf: Uint8Array, off: number, end: number, wireLen: number, h: TunnelHeader): boolean {
  const wireEnd = off + wireLen;
  let o = off;
  if (end - o >= 2 && buf[o] === 0 && buf[o + 1] === 1) {
    if (end - o < TEREDO_AUTH_BASE_LEN) return false;
    o += TEREDO_AUTH_BASE_LEN + buf[o + 2]! + buf[o + 3]!;
  }
  if (end - o >= 2 && buf[o] === 0 && buf[o + 1] === 0) o += TEREDO_ORIGIN_LEN;
  if (end - o < IPV6_HEADER_LEN || buf[o]! >>> 4 !== 6) return false;
  if (o + IPV6_HEADER_LEN + u16(buf, o + 4) !== wireEnd) return false;
  h.kind = TunnelKind.TEREDO;
  h.offset = o;
  h.etherType = EtherType.IPV6;
  return true;
}

/**
 * PPTP's enhanced GRE (RFC 2637 4.1): key present (payload length, call
 * id), no checksum, routing or recursion; sequence and acknowledgement
 * numbers when flagged. Then a PPP frame of `payload length` bytes. `wireLen`
 * is the GRE packet's length on the wire.
 */
function readPptp(buf: Uint8Array, off: number, end: number, wireLen: number, h: TunnelHeader): boolean {
  const flags = buf[off]!;
  const flagsVersion = buf[off + 1]!;
  // K alone (S aside) in the first byte, no flags beside A in the second, and PPP: else not PPTP.
  if ((flags & 0xef) !== 0x20 || (flagsVersion & 0x78) !== 0 || u16(buf, off + 2) !== PPTP_PPP) return false;
  if (end - off < PPTP_GRE_BASE_LEN) {
    h.bad = 'pptp_bad_header';
    return false;
  }
  const payloadLen = u16(buf, off + 4);
  let o = off + PPTP_GRE_BASE_LEN;
  if ((flags & 0x10) !== 0) o += 4; // sequence number
  if ((flagsVersion & 0x80) !== 0) o += 4; // acknowledgement number
  const pppEnd = o + payloadLen;
  if (pppEnd > off + wireLen || o > end) {
    h.bad = 'pptp_bad_header';
    return false;
  }
  // An acknowledgement alone carries no PPP frame.
  if (payloadLen === 0) return false;
  const limit = pppEnd < end ? pppEnd : end;
  if (limit - o >= 2 && buf[o] === PPP_ADDRESS && buf[o + 1] === PPP_CONTROL) o += 2;
  if (limit - o < 1) {
    h.bad = 'pptp_bad_header';
    return false;
  }
  // Protocol-field compression: an odd first byte is the whole protocol.
  let proto = buf[o]!;
  if ((proto & 1) !== 0) o += 1;
  else {
    if (limit - o < 2) {
      h.bad = 'pptp_bad_header';
      return false;
    }
    proto = u16(buf, o);
    o += 2;
  }
  if (proto === PPP_IPV4) h.etherType = EtherType.IPV4;
  else if (proto === PPP_IPV6) h.etherType = EtherType.IPV6;
  else return false; // LCP, CCP, MPPE data, ...: the GRE packet stays what it is
  h.kind = TunnelKind.PPTP;
  h.id = u16(buf, off + 6);
  h.offset = o;
  return true;
}

/**
 * GTPv1-U (3GPP TS 29.281 5.1, 5.2): a G-PDU's user packet, after the
 * optional fields and the extension header chain. `wireLen` is the UDP
 * payload's length on the wire; the GTP length (the bytes after the 8-byte
 * header) must fit in it.
 */
function readGtpv1(buf: Uint8Array, off: number, end: number, wireLen: number, h: TunnelHeader): boolean {
  // Version 1 and protocol type 1 (GTP, not GTP'), the spare bit ignored; only a G-PDU carries a user packet.
  if (end - off < GTP_BASE_LEN || (buf[off]! & 0xf0) !== 0x30 || buf[off + 1] !== GTP_G_PDU) return false;
  const flags = buf[off]!;
  const gtpEnd = off + GTP_BASE_LEN + u16(buf, off + 2);
  let o = off + GTP_BASE_LEN;
  if ((flags & 0x07) !== 0) {
    if (end - o < GTP_OPTIONAL_LEN) {
      h.bad = 'gtpv1_bad_header';
      return false;
    }
    // The next extension type counts only with E.
    let next = (flags & 0x04) !== 0 ? buf[o + 3]! : 0;
    o += GTP_OPTIONAL_LEN;
    for (let n = 0; next !== 0; n++) {
      // Each extension: its length in 4-byte units (never 0), its content, the next type in its last byte.
      const len = end - o >= 1 ? buf[o]! * 4 : 0;
      if (n === MAX_GTP_EXTENSIONS || len === 0 || end - o < len) {
        h.bad = 'gtpv1_bad_header';
        return false;
      }
      next = buf[o + len - 1]!;
      o += len;
    }
  }
  if (gtpEnd > off + wireLen || o >= gtpEnd || o >= end) {
    h.bad = 'gtpv1_bad_header';
    return false;
  }
  const version = buf[o]! >>> 4;
  if (version === 4) h.etherType = EtherType.IPV4;
  else if (version === 6) h.etherType = EtherType.IPV6;
  else return false; // not IP (a PPP or Ethernet PDU session): left as UDP
  h.kind = TunnelKind.GTPV1;
  h.id = u32(buf, off + 4);
  h.offset = o;
  return true;
}

/**
 * VXLAN-GPE: the VXLAN header with a version (0), the P flag saying the
 * last byte of the first word is the next protocol, and the I flag for the
 * VNI (Linux's vxlan-gpe devices send both and take nothing else).
 */
function readVxlanGpe(buf: Uint8Array, off: number, end: number, h: TunnelHeader): boolean {
  if (end - off < VXLAN_LEN || (buf[off]! & 0x3c) !== 0x0c) return false;
  const next = buf[off + 3]!;
  if (next === GPE_NEXT_ETHERNET) h.ethernet = true;
  else if (next === GPE_NEXT_IPV4) h.etherType = EtherType.IPV4;
  else if (next === GPE_NEXT_IPV6) h.etherType = EtherType.IPV6;
  else return false; // NSH, MPLS, ...: left as UDP
  h.kind = TunnelKind.VXLAN_GPE;
  h.id = u24(buf, off + 4);
  h.offset = off + VXLAN_LEN;
  return true;
}

/**
 * AYIYA: 8 bytes (identity length and type, signature length and hash,
 * authentication method and opcode, next header, epoch), the identity and
 * the signature, then the packet. Only a forward (opcode 1) carries one.
 */
function readAyiya(buf: Uint8Array, off: number, end: number, wireLen: number, h: TunnelHeader): boolean {
  if (end - off < AYIYA_BASE_LEN || (buf[off + 2]! & 0x0f) !== AYIYA_FORWARD) return false;
  const next = buf[off + 3];
  if (next !== IPV6_IN_IP && next !== IP_IN_IP) return false;
  const o = off + AYIYA_BASE_LEN + (1 << (buf[off]! >>> 4)) + (buf[off + 1]! >>> 4) * 4;
  if (o >= end || o >= off + wireLen) {
    h.bad = 'ayiya_bad_header';
    return false;
  }
  if (buf[o]! >>> 4 !== (next === IP_IN_IP ? 4 : 6)) {
    h.bad = 'ayiya_bad_header';
    return false;
  }
  h.kind = TunnelKind.AYIYA;
  h.offset = o;
  h.etherType = next === IP_IN_IP ? EtherType.IPV4 : EtherType.IPV6;
  return true;
}
