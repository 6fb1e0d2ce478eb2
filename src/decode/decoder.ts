/**
 * The packet decoder: ties the layer decoders together (link -> EtherType
 * chain -> IPv4/IPv6/ARP -> fragments -> transport) and keeps the counts of
 * everything it could not use. One PacketDecoder decodes one stream of
 * packets into one reused DecodedPacket; the only allocation on its path is
 * fragment reassembly. It never throws on packet content.
 *
 * Byte accounting for fragments (what the flow tracker sees): a fragment that
 * does not complete its datagram makes decode() return false, so the tracker
 * never counts it; the packet that completes a datagram returns the whole
 * reassembled transport layer with `ipLen` = that packet's own IP length.
 * So a flow's *_ip_bytes include only the completing fragment of each
 * datagram, and its packet count one packet per datagram, which is what Zeek
 * reports too (its connections only ever see reassembled datagrams). Pending
 * or dropped fragments are visible in `stats.fragments`, not in flows.
 *
 * Tunnels (tunnel.ts: IP in IP, GRE, ERSPAN, PPTP, VXLAN, VXLAN-GPE, Geneve, GTPv1-U, Teredo, AYIYA) are
 * taken off: the packet is decoded as the one inside, with `tunnel` and
 * `tunnelId` saying what carried it, and counted in `stats.tunnels`. An L2
 * tunnel's inner frame brings its own MACs and VLANs; an L3 tunnel's inner
 * packet keeps the outer frame's. The outermost datagram of a UDP tunnel is
 * handed out beside it as `carrier`, for the tunnel's own connection.
 */
import type { RawPacket } from '../capture/packet.js';
import { DecodedPacket, IpProto, L3 } from './decoded.js';
import { newDecodeStats, ReasonCounter, type Counters, type DecodeStats } from './counters.js';
import { decodeLink } from './link.js';
import { decodeEtherChain, EtherType, ETHERTYPE_MIN } from './ethertype.js';
import { finishReassembledIpv4, IPV4_MAX_DATAGRAM, Ipv4Decoder } from './ipv4.js';
import { finishReassembledIpv6, IPV6_FRAG_HEADER_LEN, IPV6_HEADER_LEN, IPV6_MAX_PAYLOAD, Ipv6Decoder } from './ipv6.js';
import { decodeArp } from './arp.js';
import { decodeTransport } from './transport.js';
import { MAX_TUNNEL_DEPTH, mayBeTunnel, readTunnel, TUNNEL_NAMES, TunnelHeader } from './tunnel.js';
import { LinkType } from '../capture/packet.js';
import {
  DEFAULT_FRAGMENT_MAX_BYTES,
  DEFAULT_FRAGMENT_MAX_DATAGRAMS,
  DEFAULT_FRAGMENT_TIMEOUT,
  FragmentReassembler,
} from './fragments.js';

export type { DecodeStats, FragmentStats } from './counters.js';
export { addrToString, ipv4ToString, ipv6ToString, macToString, parseIp } from './addr.js';

export interface DecoderOptions {
  /** Seconds of packet time before an incomplete datagram is dropped (default 30, as Linux ipfrag_time). */
  fragmentTimeout?: number;
  /** Bound on bytes held in all pending datagrams (default 16 MiB); the oldest are dropped past it, counted. */
  fragmentMaxBytes?: number;
  /** Bound on pending datagrams (default 4096). */
  fragmentMaxDatagrams?: number;
  /** Decode the packets inside tunnels instead of the tunnels (default true). */
  tunnels?: boolean;
  /**
   * With `tunnels`: also hand out the outermost UDP datagram of a UDP tunnel
   * (VXLAN, Geneve, GTP-U, Teredo, ...) as `DecodedPacket.carrier`, so the tunnel's own
   * connection is tracked (default true). Off for a mirror session whose
   * outer flows are of no interest.
   */
  tunnelConns?: boolean;
}

export class PacketDecoder {
  readonly stats: DecodeStats;
  readonly #c: Counters;
  readonly #ip4 = new Ipv4Decoder();
  readonly #ip6 = new Ipv6Decoder();
  readonly #frags: FragmentReassembler;
  /** True when the current packet was cut by the snap length (caplen < origLen). */
  #snapped = false;
  readonly #tunnels: boolean;
  readonly #tunnelConns: boolean;
  readonly #carrier = new DecodedPacket();
  readonly #tunnel = new TunnelHeader();

  constructor(opts: DecoderOptions = {}) {
    this.stats = newDecodeStats();
    this.#tunnels = opts.tunnels ?? true;
    this.#tunnelConns = opts.tunnelConns ?? true;
    this.#c = {
      malformed: new ReasonCounter(this.stats.malformed),
      unsupported: new ReasonCounter(this.stats.unsupported),
      anomalies: new ReasonCounter(this.stats.anomalies),
    };
    this.#frags = new FragmentReassembler(
      {
        timeout: positiveOr(opts.fragmentTimeout, DEFAULT_FRAGMENT_TIMEOUT),
        maxBytes: positiveOr(opts.fragmentMaxBytes, DEFAULT_FRAGMENT_MAX_BYTES),
        maxDatagrams: positiveOr(opts.fragmentMaxDatagrams, DEFAULT_FRAGMENT_MAX_DATAGRAMS),
      },
      this.stats.fragments,
      this.#c,
    );
  }

  /**
   * Decodes pkt into out (calls out.reset() first). True when out has IP with
   * a transport header (TCP/UDP/ICMP/ICMPv6, or another IP protocol with
   * proto set and no ports) or ARP. False for malformed/unsupported packets
   * (counted) and for fragments that did not complete a datagram yet
   * (out.fragment = true, not counted as malformed). Never throws.
   */
  decode(pkt: RawPacket, out: DecodedPacket): boolean {
    out.reset();
    const stats = this.stats;
    stats.packets++;
    const buf = pkt.data;
    const off = pkt.offset;
    let end = off + pkt.caplen;
    if (end > buf.length || off < 0 || pkt.caplen < 0) {
      // A source bug rather than a network one, but still never fatal.
      this.#c.malformed.add('caplen_exceeds_buffer');
      if (off < 0 || off > buf.length) return false;
      end = buf.length;
    }
    out.buf = buf;
    out.ts = pkt.ts;
    this.#snapped = pkt.caplen < pkt.origLen;
    if (this.#frags.hasPending) this.#frags.expire(pkt.ts);
    const l3 = decodeLink(pkt.linkType, buf, off, end, out, this.#c);
    if (l3 < 0) return false;
    let ok = this.#network(buf, l3, end, out);
    // ARP has no protocol number, so it is never taken for a tunnel.
    if (ok && mayBeTunnel(out) && this.#tunnels) ok = this.#decapsulate(out);
    if (ok) stats.decoded++;
    return ok;
  }

  /**
   * Replaces the decoded outer packet by the one its tunnel carries, tunnel
   * after tunnel up to MAX_TUNNEL_DEPTH. A payload that is not a tunnel
   * after all leaves the packet as it is. Rare path, kept out of decode().
   */
  #decapsulate(out: DecodedPacket): boolean {
    const h = this.#tunnel;
    out.carrier = null;
    for (let depth = 0; depth < MAX_TUNNEL_DEPTH; depth++) {
      const buf = out.buf;
      const end = out.payloadOffset + out.payloadLen;
      if (!readTunnel(out, end, h)) {
        // A header that says it is its tunnel but does not fit: counted, the packet left as it is.
        if (h.bad !== '') this.#c.anomalies.add(h.bad);
        return true;
      }
      if (out.proto === IpProto.UDP && out.carrier === null && this.#tunnelConns) {
        const c = this.#carrier;
        c.copyFrom(out);
        out.carrier = c;
        out.carrierKind = h.kind;
      }
      const name = TUNNEL_NAMES[h.kind]!;
      this.stats.tunnels[name] = (this.stats.tunnels[name] ?? 0) + 1;
      const reassembled = out.reassembled;
      out.tunnelSrc.set(out.src);
      out.tunnelDst.set(out.dst);
      out.tunnelV6 = out.l3 === L3.IPV6;
      out.tunnelSrcPort = out.srcPort;
      out.tunnelDstPort = out.dstPort;
      // An IP tunnel's packet keeps the outer frame's link fields; an L2 tunnel's frame brings its own.
      const { srcMac, dstMac, vlan, innerVlan, mplsLabels } = out;
      out.reset();
      out.tunnel = h.kind;
      out.tunnelId = h.id;
      let l3: number;
      if (h.ethernet) {
        l3 = decodeLink(LinkType.ETHERNET, buf, h.offset, end, out, this.#c);
      } else {
        out.srcMac = srcMac;
        out.dstMac = dstMac;
        out.vlan = vlan;
        out.innerVlan = innerVlan;
        out.mplsLabels = mplsLabels;
        if (h.etherType === EtherType.IPV4 || h.etherType === EtherType.IPV6) {
          out.etherType = h.etherType;
          l3 = h.offset;
        } else {
          // MPLS inside GRE: the same label walk as behind Ethernet.
          l3 = decodeEtherChain(buf, h.offset, end, h.etherType, out, this.#c);
        }
      }
      if (l3 < 0) return false;
      const ok = this.#network(buf, l3, end, out);
      if (reassembled) out.reassembled = true;
      if (!ok || out.l3 === L3.ARP || !mayBeTunnel(out)) return ok;
    }
    this.#c.anomalies.add('tunnel_too_deep');
    return true;
  }

  #network(buf: Uint8Array, off: number, end: number, out: DecodedPacket): boolean {
    const et = out.etherType;
    if (et === EtherType.IPV4) return this.#ipv4(buf, off, end, out);
    if (et === EtherType.IPV6) return this.#ipv6(buf, off, end, out);
    if (et === EtherType.ARP) return decodeArp(buf, off, end, out, this.#c);
    if (et < ETHERTYPE_MIN) this.#c.unsupported.add('llc');
    else this.#c.unsupported.addCoded('ethertype', et, true);
    return false;
  }

  #ipv4(buf: Uint8Array, off: number, end: number, out: DecodedPacket): boolean {
    const ip = this.#ip4;
    if (!ip.decode(buf, off, end, out, this.#c)) return false;
    if (out.ipLen > end - off && !this.#snapped) this.#c.anomalies.add('ip_truncated');
    if (!ip.moreFragments && ip.fragOffset === 0) {
      return decodeTransport(out.proto, buf, off + ip.hdrLen, ip.datagramEnd, ip.payloadWireLen, out, this.#c);
    }
    return this.#ipv4Fragment(buf, off, out);
  }

  /** Rare path, kept out of #ipv4 so the common case stays small enough to inline. */
  #ipv4Fragment(buf: Uint8Array, off: number, out: DecodedPacket): boolean {
    const ip = this.#ip4;
    out.fragment = true;
    this.stats.fragments.seen++;
    if (ip.dontFragment) this.#c.anomalies.add('frag_with_df');
    const dataOff = off + ip.hdrLen;
    if (ip.datagramEnd - dataOff < ip.payloadWireLen) {
      // The snap length cut this fragment: its data cannot be placed.
      this.#c.malformed.add('frag_truncated');
      return false;
    }
    const whole = this.#frags.add(4, out.src, out.dst, out.proto, ip.id, ip.fragOffset, ip.moreFragments, buf, off, ip.hdrLen, dataOff, ip.payloadWireLen, out.ts);
    if (whole === null) return false;
    if (whole.length > IPV4_MAX_DATAGRAM) {
      // The first fragment's header plus the data passed the 16-bit total length.
      this.#c.malformed.add('frag_too_big');
      return false;
    }
    finishReassembledIpv4(whole);
    if (!this.#decodeReassembled(ip, whole, out)) return false;
    return decodeTransport(out.proto, whole, ip.hdrLen, whole.length, ip.payloadWireLen, out, this.#c);
  }

  #ipv6(buf: Uint8Array, off: number, end: number, out: DecodedPacket): boolean {
    const ip = this.#ip6;
    if (!ip.decode(buf, off, end, out, this.#c)) return false;
    if (out.ipLen > end - off && !this.#snapped) this.#c.anomalies.add('ip_truncated');
    if (!ip.isFragment) {
      return decodeTransport(out.proto, buf, ip.payloadOffset, ip.datagramEnd, ip.payloadWireLen, out, this.#c);
    }
    return this.#ipv6Fragment(buf, off, out);
  }

  #ipv6Fragment(buf: Uint8Array, off: number, out: DecodedPacket): boolean {
    const ip = this.#ip6;
    out.fragment = true;
    this.stats.fragments.seen++;
    const dataOff = ip.payloadOffset;
    const dataLen = ip.payloadWireLen;
    if (ip.datagramEnd - dataOff < dataLen) {
      this.#c.malformed.add('frag_truncated');
      return false;
    }
    if (ip.moreFragments && (dataLen & 7) !== 0) {
      // RFC 8200 4.5: a non-last fragment's length must be a multiple of 8.
      this.#c.malformed.add('ipv6_frag_bad_length');
      return false;
    }
    const hdrLen = dataOff - off;
    const whole = this.#frags.add(6, out.src, out.dst, 0, ip.fragId, ip.fragOffset, ip.moreFragments, buf, off, hdrLen, dataOff, dataLen, out.ts);
    if (whole === null) return false;
    if (whole.length - IPV6_HEADER_LEN > IPV6_MAX_PAYLOAD) {
      // A long unfragmentable part plus the data passed the 16-bit payload length.
      this.#c.malformed.add('frag_too_big');
      return false;
    }
    const firstHdrLen = this.#frags.lastHdrLen;
    // The fragment header is the last 8 bytes of the stored unfragmentable part.
    finishReassembledIpv6(whole, firstHdrLen - IPV6_FRAG_HEADER_LEN);
    if (!this.#decodeReassembled(ip, whole, out)) return false;
    if (ip.isFragment) {
      // Cannot happen: the stored fragment header was made atomic above.
      this.#c.malformed.add('frag_inconsistent');
      return false;
    }
    return decodeTransport(out.proto, whole, ip.payloadOffset, whole.length, ip.payloadWireLen, out, this.#c);
  }

  /**
   * Points `out` at a reassembled datagram and decodes its IP header with
   * `ip` (fragment path only). The completing fragment's own IP length and
   * TTL are kept: they are what that packet carried on the wire. False when
   * the rebuilt header is malformed (counted by the decoder).
   */
  #decodeReassembled(ip: Ipv4Decoder | Ipv6Decoder, whole: Uint8Array, out: DecodedPacket): boolean {
    const ipLen = out.ipLen;
    const ttl = out.ttl;
    out.buf = whole;
    if (!ip.decode(whole, 0, whole.length, out, this.#c)) return false;
    out.ipLen = ipLen;
    out.ttl = ttl;
    out.fragment = false;
    out.reassembled = true;
    return true;
  }
}

function positiveOr(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : dflt;
}
