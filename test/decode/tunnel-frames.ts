/**
 * Tunnel headers built byte by byte (each per its RFC, 3GPP TS 29.281,
 * Cisco's ERSPAN or the AYIYA and VXLAN-GPE drafts) around frames, for the
 * tunnel tests and for the captures of test/fixtures/tunnels that no
 * kernel here could record (make-wrapped.ts writes them from vxlan.pcap's
 * inner frames). Checksums are zero: neither Picket nor tshark checks them
 * by default.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { LinkType } from '../../src/capture/packet.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { concat } from './packets.js';

export const TUNNEL_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'tunnels');
export const VXLAN_CAPTURE = path.join(TUNNEL_FIXTURES, 'vxlan.pcap');

export interface Frame { ts: number; bytes: Uint8Array }

export async function readFrames(file: string): Promise<Frame[]> {
  const out: Frame[] = [];
  await openCaptureFiles([file]).run((p) => out.push({ ts: p.ts, bytes: p.data.slice(p.offset, p.offset + p.caplen) }));
  return out;
}

/** The inner Ethernet frames of the VXLAN capture (outer Ethernet, IPv4 without options, UDP, VXLAN). */
export function innerFrames(frames: Frame[]): Frame[] {
  return frames.map((f) => ({ ts: f.ts, bytes: f.bytes.subarray(14 + 20 + 8 + 8) }));
}

export const be16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
export const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const be24 = (v: number): number[] => [(v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const OUTER_A = [10, 200, 0, 1];
const OUTER_B = [10, 200, 0, 2];
const MAC_A = [2, 0, 0, 0, 0, 0xa];
const MAC_B = [2, 0, 0, 0, 0, 0xb];

export const IPV4_TYPE = 0x0800;
export const IPV6_TYPE = 0x86dd;
export const etherTypeOf = (frame: Uint8Array): number => (frame[12]! << 8) | frame[13]!;
/** The IP packet of an Ethernet frame, or null for anything else (ARP). */
export const ipOnly = (frame: Uint8Array): Uint8Array | null => {
  const t = etherTypeOf(frame);
  return t === IPV4_TYPE || t === IPV6_TYPE ? frame.subarray(14) : null;
};

/** Outer Ethernet from the 10.200.0.1 side's MAC (02:..:0a) to the other's, or back when `back`. */
export function ethernet(type: number, payload: Uint8Array, back = false): Uint8Array {
  return concat(back ? MAC_A : MAC_B, back ? MAC_B : MAC_A, be16(type), payload);
}
/** Outer IPv4 from 10.200.0.1 to 10.200.0.2, or back when `back`. */
export function ipv4(proto: number, payload: Uint8Array, back = false): Uint8Array {
  return concat([0x45, 0, ...be16(20 + payload.length), 0, 1, 0x40, 0, 64, proto, 0, 0], back ? OUTER_B : OUTER_A, back ? OUTER_A : OUTER_B, payload);
}
export function ipv6(next: number, payload: Uint8Array): Uint8Array {
  const a = [0x20, 0x01, 0x0d, 0xb8, 0xff, ...new Array<number>(10).fill(0), 1];
  const b = [...a.slice(0, 15), 2];
  return concat(new Uint8Array([0x60, 0, 0, 0, ...be16(payload.length), next, 64, ...a, ...b]), payload);
}
export function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array([...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0]), payload);
}
export function gre(proto: number, payload: Uint8Array, opts: { key?: number; seq?: number } = {}): Uint8Array {
  const flags = (opts.key !== undefined ? 0x20 : 0) | (opts.seq !== undefined ? 0x10 : 0);
  return concat(new Uint8Array([
    flags, 0, ...be16(proto),
    ...(opts.key !== undefined ? be32(opts.key) : []),
    ...(opts.seq !== undefined ? be32(opts.seq) : []),
  ]), payload);
}
/** ERSPAN type II header: version 1, VLAN 0, COS 0, En 0, T 0, session id, index 0. */
export function erspan2(session: number, frame: Uint8Array): Uint8Array {
  return concat(new Uint8Array([0x10, 0, ...be16(session & 0x3ff), 0, 0, 0, 0]), frame);
}
/** ERSPAN type III header: version 2, session id, a timestamp, frame type 0, and the 8-byte platform subheader when `sub`. */
export function erspan3(session: number, frame: Uint8Array, sub: boolean): Uint8Array {
  const hwFlags = sub ? 1 : 0;
  return concat(new Uint8Array([0x20, 0, ...be16(session & 0x3ff), ...be32(0x01020304), 0, 0, 0, hwFlags, ...(sub ? [0x0c, 0, 0, 0, 0, 0, 0, 0] : [])]), frame);
}
export function vxlan(vni: number, frame: Uint8Array): Uint8Array {
  return concat([0x08, 0, 0, 0, ...be24(vni), 0], frame);
}
/** Geneve with one 8-byte option (class 0x0102, type 3, 4 bytes of data). */
export function geneve(vni: number, proto: number, inner: Uint8Array): Uint8Array {
  return concat([0x02, 0, ...be16(proto), ...be24(vni), 0, 0x01, 0x02, 3, 1, 9, 9, 9, 9], inner);
}

// ---- the four kinds built for the wrapped captures ----

export interface GtpOptions {
  /** Message type (default 0xFF, G-PDU). */
  type?: number;
  /** Sequence number: sets S and the 4 optional bytes. */
  seq?: number;
  /** Extension headers, each [type, content] with content of 4n + 2 bytes: sets E. */
  exts?: [number, number[]][];
}

/** GTPv1-U header (TS 29.281 5.1): version 1, PT 1, E/S/PN, message type, length, TEID, then the optional fields and extension headers. */
export function gtpv1(teid: number, pdu: Uint8Array, opts: GtpOptions = {}): Uint8Array {
  const exts = opts.exts ?? [];
  const e = exts.length > 0;
  const s = opts.seq !== undefined;
  const optional: number[] = [];
  if (e || s) {
    optional.push(...be16(opts.seq ?? 0), 0, e ? exts[0]![0] : 0);
    for (let i = 0; i < exts.length; i++) {
      const content = exts[i]![1];
      optional.push((content.length + 2) / 4, ...content, i + 1 < exts.length ? exts[i + 1]![0] : 0);
    }
  }
  const flags = 0x30 | (e ? 0x04 : 0) | (s ? 0x02 : 0);
  return concat([flags, opts.type ?? 0xff, ...be16(optional.length + pdu.length), ...be32(teid)], optional, pdu);
}

/** GTP-U extension headers: PDCP PDU Number (0xC0, 42) then PDU Session Container (0x85, UL PDU session information, QFI 9). */
export const GTP_EXTS: [number, number[]][] = [[0xc0, [0x00, 0x2a]], [0x85, [0x10, 0x09]]];

/** AYIYA header: 16-byte identity (IDLen 4, type 1), 20-byte signature (SigLen 5, SHA-1), authentication 1, opcode `opcode`, `next`, epoch. */
export function ayiya(next: number, inner: Uint8Array, opcode = 1): Uint8Array {
  const identity = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];
  return concat([0x41, 0x52, 0x10 | opcode, next, ...be32(0x5f5e1000)], identity, new Array<number>(20).fill(0x5a), inner);
}

/** A PPP frame: address and control 0xFF03 unless `acfc`, the protocol in one byte when `pfc` allows it. */
export function ppp(proto: number, info: Uint8Array, opts: { acfc?: boolean; pfc?: boolean } = {}): Uint8Array {
  const head = opts.acfc === true ? [] : [0xff, 0x03];
  const field = opts.pfc === true && proto < 0x100 ? [proto] : be16(proto);
  return concat(head, field, info);
}

/** PPTP's enhanced GRE (RFC 2637 4.1): version 1, key (payload length, call id), optional sequence and acknowledgement. */
export function pptpGre(callId: number, pppFrame: Uint8Array, opts: { seq?: number; ack?: number } = {}): Uint8Array {
  const s = opts.seq !== undefined;
  const a = opts.ack !== undefined;
  return concat(
    [0x20 | (s ? 0x10 : 0), (a ? 0x80 : 0) | 1, 0x88, 0x0b, ...be16(pppFrame.length), ...be16(callId)],
    s ? be32(opts.seq!) : [],
    a ? be32(opts.ack!) : [],
    pppFrame,
  );
}

/** VXLAN-GPE header: version 0, I and P flags, next protocol, VNI. */
export function vxlanGpe(vni: number, next: number, inner: Uint8Array): Uint8Array {
  return concat([0x0c, 0, 0, next, ...be24(vni), 0], inner);
}

export const GTP_TEID_UP = 0x9abcdef0; // above 2^31
export const GTP_TEID_DOWN = 0x00c0ffee;
/** PPTP call ids: the 10.200.0.2 side's (in packets to it) and the 10.200.0.1 side's. */
export const PPTP_CALL_B = 0x4001;
export const PPTP_CALL_A = 0x8001;
export const VXLAN_GPE_VNI = 0x00abcd;
export const GTP_PORT = 2152;
export const AYIYA_PORT = 5072;
export const VXLAN_GPE_PORT = 4790;

/**
 * An inner frame wrapped for a capture: `fromA` when it goes the way of the
 * capture's first frame (outer 10.200.0.1 to .2), `i` its index. Null when
 * the tunnel cannot carry it (ARP in an IP tunnel).
 */
export type Wrap = (frame: Uint8Array, fromA: boolean, i: number) => Uint8Array | null;

/** The captures of test/fixtures/tunnels built around vxlan.pcap's inner frames. */
export const WRAPPED: Record<string, Wrap> = {
  // Uplink and downlink TEIDs; plain headers, a sequence number, and two extension headers in turn.
  'gtpv1.pcap': (f, fromA, i) => {
    const ip = ipOnly(f);
    if (ip === null) return null;
    const opts: GtpOptions = i % 3 === 1 ? { seq: i } : i % 3 === 2 ? { seq: i, exts: GTP_EXTS } : {};
    return ethernet(IPV4_TYPE, ipv4(17, udp(GTP_PORT, GTP_PORT, gtpv1(fromA ? GTP_TEID_UP : GTP_TEID_DOWN, ip, opts)), !fromA), !fromA);
  },
  // Client (10.200.0.1) to the server's port 5072 and back.
  'ayiya.pcap': (f, fromA) => {
    const ip = ipOnly(f);
    if (ip === null) return null;
    const body = ayiya(etherTypeOf(f) === IPV4_TYPE ? 4 : 41, ip);
    return ethernet(IPV4_TYPE, ipv4(17, fromA ? udp(40001, AYIYA_PORT, body) : udp(AYIYA_PORT, 40001, body), !fromA), !fromA);
  },
  // Each side puts the other's call id; sequence numbers, acknowledgements on every other packet,
  // and PPP with and without address/control and protocol-field compression.
  'pptp.pcap': (f, fromA, i) => {
    const ip = ipOnly(f);
    if (ip === null) return null;
    const frame = ppp(etherTypeOf(f) === IPV4_TYPE ? 0x21 : 0x57, ip, { acfc: i % 2 === 1, pfc: i % 4 >= 2 });
    const gre = pptpGre(fromA ? PPTP_CALL_B : PPTP_CALL_A, frame, { seq: i, ...(i % 2 === 0 ? { ack: i } : {}) });
    return ethernet(IPV4_TYPE, ipv4(47, gre, !fromA), !fromA);
  },
  // Ethernet (next protocol 3): the whole frames, ARP included.
  'vxlan-gpe.pcap': (f) => ethernet(IPV4_TYPE, ipv4(17, udp(45000, VXLAN_GPE_PORT, vxlanGpe(VXLAN_GPE_VNI, 3, f)))),
};

/** Writes `frames` wrapped by `wrap` to `file`; the number of packets written. */
export async function writeWrapped(file: string, frames: Frame[], wrap: Wrap): Promise<number> {
  const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.ETHERNET);
  const firstSrc = frames[0]!.bytes.subarray(6, 12).join(',');
  let written = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    const wrapped = wrap(f.bytes, f.bytes.subarray(6, 12).join(',') === firstSrc, i);
    if (wrapped === null) continue;
    w.write(f.ts, wrapped);
    written++;
  }
  await w.close();
  return written;
}

/** Writes every WRAPPED capture into `dir`. */
export async function writeWrappedCaptures(dir: string): Promise<void> {
  const frames = innerFrames(await readFrames(VXLAN_CAPTURE));
  for (const [name, wrap] of Object.entries(WRAPPED)) await writeWrapped(path.join(dir, name), frames, wrap);
}
