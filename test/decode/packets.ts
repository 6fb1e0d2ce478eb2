/**
 * Packet-building helpers for the decoder tests: hex literals with comments,
 * and small builders for the headers the fragment and edge-case tests need
 * many variations of. Checksums are left zero: the decoder does not check them.
 */
import { RawPacket, LinkType } from '../../src/capture/packet.js';
import { concat, hex } from '../helpers/bytes.js';

export { concat, hex };


/** A RawPacket over `bytes` (placed at a non-zero offset, to catch offset bugs). */
export function raw(bytes: Uint8Array, linkType: number = LinkType.ETHERNET, ts = 1000, caplen = bytes.length): RawPacket {
  const pad = 3;
  const data = new Uint8Array(bytes.length + pad + 2);
  data.fill(0xee);
  data.set(bytes, pad);
  const p = new RawPacket();
  p.data = data;
  p.offset = pad;
  p.caplen = caplen;
  p.origLen = bytes.length;
  p.ts = ts;
  p.tsSec = Math.floor(ts);
  p.linkType = linkType;
  return p;
}

/** Ethernet header 00:00:00:00:00:02 <- 00:00:00:00:00:01 unless given. */
export function eth(type: number, dst = '000000000002', src = '000000000001'): Uint8Array {
  return concat(hex(dst), hex(src), new Uint8Array([type >>> 8, type & 0xff]));
}

export interface V4Opts {
  src?: number;
  dst?: number;
  proto?: number;
  id?: number;
  ttl?: number;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  mf?: boolean;
  df?: boolean;
  /** Options bytes (padded by the caller to a multiple of 4). */
  options?: Uint8Array;
  /** Override the total length field. */
  totalLen?: number;
}

export function ipv4(payload: Uint8Array, o: V4Opts = {}): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const hl = 20 + opts.length;
  const h = new Uint8Array(hl);
  const total = o.totalLen ?? hl + payload.length;
  h[0] = 0x40 | (hl >>> 2);
  h[2] = total >>> 8;
  h[3] = total & 0xff;
  const id = o.id ?? 0x1234;
  h[4] = id >>> 8;
  h[5] = id & 0xff;
  const ff = ((o.fragOffset ?? 0) >>> 3) | (o.mf ? 0x2000 : 0) | (o.df ? 0x4000 : 0);
  h[6] = ff >>> 8;
  h[7] = ff & 0xff;
  h[8] = o.ttl ?? 64;
  h[9] = o.proto ?? 6;
  const src = o.src ?? 0x0a000001; // 10.0.0.1
  const dst = o.dst ?? 0x0a000002; // 10.0.0.2
  h[12] = src >>> 24;
  h[13] = (src >>> 16) & 0xff;
  h[14] = (src >>> 8) & 0xff;
  h[15] = src & 0xff;
  h[16] = dst >>> 24;
  h[17] = (dst >>> 16) & 0xff;
  h[18] = (dst >>> 8) & 0xff;
  h[19] = dst & 0xff;
  h.set(opts, 20);
  return concat(h, payload);
}

export const V6_SRC = hex('20010db8000000000000000000000001'); // 2001:db8::1
export const V6_DST = hex('20010db8000000000000000000000002'); // 2001:db8::2

/** IPv6 header + `rest` (extension headers and payload); `next` is the first next-header value. */
export function ipv6(next: number, rest: Uint8Array, o: { plen?: number; hlim?: number; src?: Uint8Array; dst?: Uint8Array } = {}): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60;
  const plen = o.plen ?? rest.length;
  h[4] = plen >>> 8;
  h[5] = plen & 0xff;
  h[6] = next;
  h[7] = o.hlim ?? 64;
  h.set(o.src ?? V6_SRC, 8);
  h.set(o.dst ?? V6_DST, 24);
  return concat(h, rest);
}

/** IPv6 fragment header. */
export function frag6(next: number, fragOffset: number, more: boolean, id: number): Uint8Array {
  const v = fragOffset | (more ? 1 : 0);
  return new Uint8Array([next, 0, v >>> 8, v & 0xff, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
}

/** Generic 8-byte extension header (hop-by-hop, routing, destination options) with PadN. */
export function ext8(next: number): Uint8Array {
  return new Uint8Array([next, 0, 1, 4, 0, 0, 0, 0]);
}

export function tcp(payload: Uint8Array, o: { sport?: number; dport?: number; flags?: number; seq?: number; ack?: number; win?: number; options?: Uint8Array } = {}): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const hl = 20 + opts.length;
  const h = new Uint8Array(hl);
  const sport = o.sport ?? 1234;
  const dport = o.dport ?? 80;
  h[0] = sport >>> 8;
  h[1] = sport & 0xff;
  h[2] = dport >>> 8;
  h[3] = dport & 0xff;
  const seq = o.seq ?? 1;
  const ack = o.ack ?? 0;
  h[4] = seq >>> 24;
  h[5] = (seq >>> 16) & 0xff;
  h[6] = (seq >>> 8) & 0xff;
  h[7] = seq & 0xff;
  h[8] = ack >>> 24;
  h[9] = (ack >>> 16) & 0xff;
  h[10] = (ack >>> 8) & 0xff;
  h[11] = ack & 0xff;
  h[12] = (hl >>> 2) << 4;
  h[13] = o.flags ?? 0x02;
  const win = o.win ?? 65535;
  h[14] = win >>> 8;
  h[15] = win & 0xff;
  h.set(opts, 20);
  return concat(h, payload);
}

export function udp(payload: Uint8Array, o: { sport?: number; dport?: number; len?: number } = {}): Uint8Array {
  const h = new Uint8Array(8);
  const sport = o.sport ?? 5353;
  const dport = o.dport ?? 53;
  const len = o.len ?? 8 + payload.length;
  h[0] = sport >>> 8;
  h[1] = sport & 0xff;
  h[2] = dport >>> 8;
  h[3] = dport & 0xff;
  h[4] = len >>> 8;
  h[5] = len & 0xff;
  return concat(h, payload);
}

/** `n` bytes counting up from `start` (mod 256), so reassembled data can be checked byte by byte. */
export function seqBytes(n: number, start = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (start + i) & 0xff;
  return out;
}
