/**
 * Tunnel headers: what lies between an outer IP packet and the packet it
 * carries. Recognised, as Zeek does by default:
 *
 * - IP in IP (IPv4 or IPv6 inside IPv4 or IPv6: protocols 4 and 41);
 * - GRE (RFC 2784/2890, version 0) carrying IP, MPLS or Ethernet (0x6558),
 *   and the mirrored frames of ERSPAN type I, II (0x88BE) and III (0x22EB),
 *   what a switch's remote SPAN session sends;
 * - VXLAN (RFC 7348, UDP 4789) and Geneve (RFC 8926, UDP 6081), what cloud
 *   traffic mirroring sends;
 * - Teredo (RFC 4380, UDP 3544), checked strictly: the IPv6 header must
 *   account for exactly the bytes that follow it.
 *
 * `readTunnel` looks at the transport payload of an already decoded packet
 * and says where the inner packet starts and what it is; the decoder then
 * decodes that in place of the outer one. A payload that does not parse as
 * its tunnel is left alone: the outer packet stays what it was.
 */
import type { DecodedPacket } from './decoded.js';
import { u16, u24, u32 } from './bytes.js';
import { EtherType } from './ethertype.js';

/** `DecodedPacket.tunnel` values; the names are what conn.jsonl's `tunnel` says. */
export const TunnelKind = { NONE: 0, IP: 1, GRE: 2, ERSPAN: 3, VXLAN: 4, GENEVE: 5, TEREDO: 6 } as const;
export const TUNNEL_NAMES: readonly string[] = ['', 'ip', 'gre', 'erspan', 'vxlan', 'geneve', 'teredo'];

export const VXLAN_PORT = 4789;
export const GENEVE_PORT = 6081;
export const TEREDO_PORT = 3544;
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

/** Where a tunnel's inner packet is: filled by `readTunnel`. */
export class TunnelHeader {
  kind = 0;
  /** VXLAN/Geneve VNI, GRE key or ERSPAN session id; -1 when the tunnel has none. */
  id = -1;
  /** Offset of the inner packet in the outer packet's buffer. */
  offset = 0;
  /** True when the inner packet is an Ethernet frame; else `etherType` says what it is. */
  ethernet = false;
  etherType = 0;
}

/** Cheap test on the decoded outer packet: could its payload be a tunnel? */
export function mayBeTunnel(p: DecodedPacket): boolean {
  const proto = p.proto;
  if (proto === IP_TCP) return false; // most packets: one comparison
  if (proto === IP_UDP) {
    const d = p.dstPort;
    return d === VXLAN_PORT || d === GENEVE_PORT || d === TEREDO_PORT || p.srcPort === TEREDO_PORT;
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
      return readGre(buf, off, end, h);
    case IP_UDP: {
      const d = p.dstPort;
      if (d === VXLAN_PORT) return readVxlan(buf, off, end, h);
      if (d === GENEVE_PORT) return readGeneve(buf, off, end, h);
      return readTeredo(buf, off, end, p.payloadWireLen, h);
    }
    default:
      return false;
  }
}

function readGre(buf: Uint8Array, off: number, end: number, h: TunnelHeader): boolean {
  if (end - off < GRE_BASE_LEN) return false;
  const flags = buf[off]!;
  // Version 0 only (version 1 is PPTP's enhanced GRE, carrying PPP); no source routing.
  if ((buf[off + 1]! & 0x07) !== 0 || (flags & 0x40) !== 0) return false;
  const proto = u16(buf, off + 2);
  let o = off + GRE_BASE_LEN;
  if ((flags & 0x80) !== 0) o += 4; // checksum and reserved
  if ((flags & 0x20) !== 0) {
    if (end - o < 4) return false;
    h.id = u32(buf, o);
    o += 4;
  }
  const hasSequence = (flags & 0x10) !== 0;
  if (hasSequence) o += 4;
  if (o > end) return false;
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
        if (end - o < ERSPAN_2_LEN || buf[o]! >>> 4 !== 1) return false;
        h.id = u16(buf, o + 2) & 0x3ff;
        o += ERSPAN_2_LEN;
      }
      h.offset = o;
      h.ethernet = true;
      return true;
    case GRE_ERSPAN_3: {
      if (end - o < ERSPAN_3_LEN || buf[o]! >>> 4 !== 2) return false;
      const last = u16(buf, o + 10);
      // Frame type 0 is Ethernet (2 would be bare IP, not sent by the switches we know).
      if (((last >>> 10) & 0x1f) !== 0) return false;
      h.kind = TunnelKind.ERSPAN;
      h.id = u16(buf, o + 2) & 0x3ff;
      o += ERSPAN_3_LEN + ((last & 1) !== 0 ? ERSPAN_3_SUBHEADER_LEN : 0);
      h.offset = o;
      h.ethernet = true;
      return o <= end;
    }
    default:
      return false;
  }
}

function readVxlan(buf: Uint8Array, off: number, end: number, h: TunnelHeader): boolean {
  // The I flag says the VNI is valid; without it this is not VXLAN as RFC 7348 sends it.
  if (end - off < VXLAN_LEN || (buf[off]! & 0x08) === 0) return false;
  h.kind = TunnelKind.VXLAN;
  h.id = u24(buf, off + 4);
  h.offset = off + VXLAN_LEN;
  h.ethernet = true;
  return true;
}

function readGeneve(buf: Uint8Array, off: number, end: number, h: TunnelHeader): boolean {
  if (end - off < GENEVE_BASE_LEN || buf[off]! >>> 6 !== 0) return false;
  const o = off + GENEVE_BASE_LEN + (buf[off]! & 0x3f) * 4;
  if (o > end) return false;
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
