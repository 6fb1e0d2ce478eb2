/**
 * Hand-built packets for flow-tracker tests: a DecodedPacket with only the
 * fields the tracker reads, from readable arguments ("10.0.0.1", "SA" for
 * SYN+ACK, ...), plus a recorder that collects ended flows.
 */
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import { parseIp } from '../../src/decode/decoder.js';
import type { ConnRecord } from '../../src/flows/conn-record.js';
import { FlowTracker, type FlowEndReason, type FlowTrackerOptions } from '../../src/flows/tracker.js';

export interface PktSpec {
  src: string;
  dst: string;
  sp?: number;
  dp?: number;
  /** 6, 17, 1 or 58 (default 6). */
  proto?: number;
  /** TCP flags as letters: S SYN, A ACK, F FIN, R RST, P PSH, U URG. */
  flags?: string;
  seq?: number;
  ack?: number;
  /** Payload length (wire). */
  len?: number;
  win?: number;
  ts: number;
  srcMac?: number;
  dstMac?: number;
  vlan?: number;
  innerVlan?: number;
  /** Override of the IP length (default: headers + len). */
  ipLen?: number;
}

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20 };

export function pkt(spec: PktSpec): DecodedPacket {
  const p = new DecodedPacket();
  const s = parseIp(spec.src);
  const d = parseIp(spec.dst);
  if (s === null || d === null || s.v !== d.v) throw new Error(`bad test addresses ${spec.src} ${spec.dst}`);
  p.l3 = s.v === 4 ? L3.IPV4 : L3.IPV6;
  p.src.set(s.words);
  p.dst.set(d.words);
  const proto = spec.proto ?? 6;
  p.proto = proto;
  p.srcPort = spec.sp ?? 0;
  p.dstPort = spec.dp ?? 0;
  let flags = 0;
  for (const ch of spec.flags ?? '') flags |= FLAG_BITS[ch] ?? 0;
  p.tcpFlags = flags;
  p.seq = (spec.seq ?? 0) >>> 0;
  p.ack = (spec.ack ?? 0) >>> 0;
  p.window = spec.win ?? 65535;
  const len = spec.len ?? 0;
  p.payloadLen = len;
  p.payloadWireLen = len;
  const ipHdr = s.v === 4 ? 20 : 40;
  const l4Hdr = proto === 6 ? 20 : 8;
  p.ipLen = spec.ipLen ?? ipHdr + l4Hdr + len;
  p.ts = spec.ts;
  p.srcMac = spec.srcMac ?? -1;
  p.dstMac = spec.dstMac ?? -1;
  p.vlan = spec.vlan ?? -1;
  p.innerVlan = spec.innerVlan ?? -1;
  return p;
}

export interface Ended {
  slot: number;
  record: ConnRecord;
  reason: FlowEndReason;
}

/** A tracker (uidSeed 1) that records every start and end. */
export function recordingTracker(opts: FlowTrackerOptions = {}): {
  tracker: FlowTracker;
  ended: Ended[];
  started: number[];
} {
  const ended: Ended[] = [];
  const started: number[] = [];
  const tracker = new FlowTracker(
    { uidSeed: 1, ...opts },
    {
      onStart: (slot) => started.push(slot),
      onEnd: (slot, record, reason) => ended.push({ slot, record, reason }),
    },
  );
  return { tracker, ended, started };
}

/** Client 10.0.0.1:40000 <-> server 10.0.0.2:80 shorthand. */
export const C = '10.0.0.1';
export const S = '10.0.0.2';
export const CP = 40000;
export const SP = 80;

/** A client -> server TCP packet. */
export function c2s(ts: number, flags: string, seq: number, ack = 0, len = 0, extra: Partial<PktSpec> = {}): DecodedPacket {
  return pkt({ src: C, dst: S, sp: CP, dp: SP, ts, flags, seq, ack, len, ...extra });
}

/** A server -> client TCP packet. */
export function s2c(ts: number, flags: string, seq: number, ack = 0, len = 0, extra: Partial<PktSpec> = {}): DecodedPacket {
  return pkt({ src: S, dst: C, sp: SP, dp: CP, ts, flags, seq, ack, len, ...extra });
}

/** Tracks all packets, flushes, and returns the single ended record (asserting there is one). */
export function runOne(packets: DecodedPacket[], opts: FlowTrackerOptions = {}): Ended {
  const { tracker, ended } = recordingTracker(opts);
  for (const p of packets) tracker.track(p);
  tracker.flushAll();
  if (ended.length !== 1) throw new Error(`expected one flow, got ${ended.length}: ${JSON.stringify(ended)}`);
  return ended[0]!;
}
