/**
 * DHCPv6 messages built byte by byte as RFC 8415 lays them out (options as
 * code, length, value), carried in Ethernet/IPv6/UDP frames and written to
 * a pcap file with the project's pcap writer, so tests replay them through
 * the real pipeline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PcapWriter } from '../../../src/capture/pcap-writer.js';
import { LinkType } from '../../../src/capture/packet.js';
import { parseIp } from '../../../src/decode/addr.js';
import { ascii, be32, concat } from '../../helpers/bytes.js';

export function u16(v: number): Uint8Array {
  return new Uint8Array([(v >> 8) & 0xff, v & 0xff]);
}

/** 16 bytes of an IPv6 address. */
export function v6(text: string): Uint8Array {
  const p = parseIp(text);
  if (p === null || p.v !== 6) throw new Error(`not an IPv6 address: ${text}`);
  return concat(be32(p.words[0]!), be32(p.words[1]!), be32(p.words[2]!), be32(p.words[3]!));
}

export function mac(text: string): Uint8Array {
  return new Uint8Array(text.split(':').map((h) => parseInt(h, 16)));
}

/** One option: code, length, value. */
export function opt(code: number, ...value: Uint8Array[]): Uint8Array {
  const v = concat(...value);
  return concat(u16(code), u16(v.length), v);
}

/** DUID-LLT (type 1) over Ethernet. */
export function duidLlt(m: string, time = 0x2b3c4d5e): Uint8Array {
  return concat(u16(1), u16(1), be32(time), mac(m));
}

/** DUID-LL (type 3) over Ethernet. */
export function duidLl(m: string): Uint8Array {
  return concat(u16(3), u16(1), mac(m));
}

export const clientId = (duid: Uint8Array): Uint8Array => opt(1, duid);
export const serverId = (duid: Uint8Array): Uint8Array => opt(2, duid);
export const elapsed = (cs: number): Uint8Array => opt(8, u16(cs));

export function iaAddr(addr: string, preferred: number, valid: number, ...sub: Uint8Array[]): Uint8Array {
  return opt(5, v6(addr), be32(preferred), be32(valid), ...sub);
}

export function iaNa(iaid: number, t1: number, t2: number, ...sub: Uint8Array[]): Uint8Array {
  return opt(3, be32(iaid), be32(t1), be32(t2), ...sub);
}

export function iaPrefix(prefix: string, len: number, preferred: number, valid: number): Uint8Array {
  return opt(26, be32(preferred), be32(valid), new Uint8Array([len]), v6(prefix));
}

export function iaPd(iaid: number, t1: number, t2: number, ...sub: Uint8Array[]): Uint8Array {
  return opt(25, be32(iaid), be32(t1), be32(t2), ...sub);
}

export const dnsServers = (...addrs: string[]): Uint8Array => opt(23, ...addrs.map(v6));

/** A DNS wire-format name (labels, then the zero label unless `partial`). */
export function wireName(name: string, partial = false): Uint8Array {
  const parts = name.split('.').filter((l) => l !== '').map((l) => concat([l.length], ascii(l)));
  return partial ? concat(...parts) : concat(...parts, [0]);
}

export const domainList = (...names: string[]): Uint8Array => opt(24, ...names.map((n) => wireName(n)));
export const clientFqdn = (flags: number, name: string, partial = false): Uint8Array => opt(39, new Uint8Array([flags]), wireName(name, partial));

/** Vendor Class (16): enterprise number and data items. */
export function vendorClass(enterprise: number, ...items: string[]): Uint8Array {
  return opt(16, be32(enterprise), ...items.map((i) => concat(u16(i.length), ascii(i))));
}

export const status = (code: number, text = ''): Uint8Array => opt(13, u16(code), ascii(text));

/** A client or server message: type, 24-bit transaction id, options. */
export function message(type: number, transId: number, ...options: Uint8Array[]): Uint8Array {
  return concat([type, (transId >> 16) & 0xff, (transId >> 8) & 0xff, transId & 0xff], ...options);
}

/** RELAY-FORW (12) or RELAY-REPL (13) around `inner`. */
export function relay(type: 12 | 13, hops: number, link: string, peer: string, inner: Uint8Array, ...options: Uint8Array[]): Uint8Array {
  return concat([type, hops], v6(link), v6(peer), ...options, opt(9, inner));
}

export interface Frame {
  ts: number;
  srcMac: string;
  dstMac: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Uint8Array;
}

/** The Ethernet multicast MAC of an IPv6 group address (RFC 2464 §7). */
export function groupMac(addr: string): string {
  const b = v6(addr);
  return ['33', '33', ...[...b.subarray(12)].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** Ethernet + IPv6 + UDP frame (UDP checksum 0: the decoder does not verify it). */
export function frame(f: Frame): Uint8Array {
  const udpLen = 8 + f.payload.length;
  return concat(
    mac(f.dstMac), mac(f.srcMac), [0x86, 0xdd],
    [0x60, 0, 0, 0], u16(udpLen), [17, 1], v6(f.src), v6(f.dst),
    u16(f.sport), u16(f.dport), u16(udpLen), [0, 0],
    f.payload,
  );
}

/** Writes the frames to `<dir>/<name>.pcap` and returns its path. */
export async function writeCapture(dir: string, name: string, frames: readonly Frame[]): Promise<string> {
  const file = path.join(dir, `${name}.pcap`);
  const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.ETHERNET);
  for (const f of frames) w.write(f.ts, frame(f));
  await w.close();
  return file;
}

/** A client and a server on one link. */
export interface Host {
  mac: string;
  ll: string;
}

export const ALL_SERVERS = 'ff02::1:2';

/** A client's message to All_DHCP_Relay_Agents_and_Servers. */
export function fromClient(ts: number, c: Host, payload: Uint8Array): Frame {
  return { ts, srcMac: c.mac, dstMac: groupMac(ALL_SERVERS), src: c.ll, dst: ALL_SERVERS, sport: 546, dport: 547, payload };
}

/** A server's (or relay's) answer to a client on the link. */
export function toClient(ts: number, s: Host, c: Host, payload: Uint8Array): Frame {
  return { ts, srcMac: s.mac, dstMac: c.mac, src: s.ll, dst: c.ll, sport: 547, dport: 546, payload };
}
