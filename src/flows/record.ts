/**
 * Turns a flow's numeric state into text, once: its ConnId (at flow start,
 * when someone asks) and its conn.log record (at flow end). Field values
 * follow Zeek's Conn::Info rules: duration, orig_bytes and resp_bytes only
 * when the duration is positive; sizes from sequence numbers for TCP;
 * conn_state from the endpoint states; MACs omitted when absent or zero.
 */
import type { ConnId } from '../events/conn-id.js';
import type { ConnRecord } from './conn-record.js';
import { communityIdFromKey } from './community-id.js';
import {
  FL_LOCAL_A,
  FL_LOCAL_B,
  FL_LOCAL_SET,
  FL_ORIG_IS_B,
  FL_V6,
  type FlowStore,
} from './flow-store.js';
import { KEY_ADDR_A, KEY_META, KEY_PORTS } from './flow-table.js';
import { ipv4ToString, ipv6ToString, macToString } from '../decode/decoder.js';
import { tcpConnState, tcpSize } from './tcp.js';

const TCP = 6;
const UDP = 17;
/** Community ID seed: 0, the spec's default, so IDs match other tools' out of the box. */
const COMMUNITY_ID_SEED = 0;

export function protoName(proto: number): 'tcp' | 'udp' | 'icmp' {
  return proto === TCP ? 'tcp' : proto === UDP ? 'udp' : 'icmp';
}

/** Address text of side 0 (A) or 1 (B) of the key at word offset `off`. */
export function keyAddr(words: Uint32Array, off: number, v6: boolean, side: number): string {
  const at = off + KEY_ADDR_A + side * 4;
  return v6 ? ipv6ToString(words.subarray(at, at + 4)) : ipv4ToString(words[at]!);
}

/** Port of side 0 (A) or 1 (B) of the key at word offset `off`. */
export function keyPort(words: Uint32Array, off: number, side: number): number {
  const ports = words[off + KEY_PORTS]!;
  return side === 0 ? ports >>> 16 : ports & 0xffff;
}

export function buildConnId(s: FlowStore, words: Uint32Array, off: number, f: number, uid: string): ConnId {
  const v6 = (s.flags[f]! & FL_V6) !== 0;
  const os = s.flags[f]! & FL_ORIG_IS_B;
  const rs = os ^ 1;
  const id: ConnId = {
    uid,
    orig_h: keyAddr(words, off, v6, os),
    orig_p: keyPort(words, off, os),
    resp_h: keyAddr(words, off, v6, rs),
    resp_p: keyPort(words, off, rs),
    proto: protoName(s.proto[f]!),
  };
  const om = s.mac[f * 2 + os]!;
  const rm = s.mac[f * 2 + rs]!;
  if (om > 0) id.orig_mac = macToString(om);
  if (rm > 0) id.resp_mac = macToString(rm);
  if (s.vlan[f]! >= 0) id.vlan = s.vlan[f]!;
  return id;
}

/** Zeek's conn_state for UDP (and OTH for ICMP): which sides sent anything. */
function datagramConnState(proto: number, origActive: boolean, respActive: boolean): string {
  if (proto !== UDP) return 'OTH';
  if (origActive) return respActive ? 'SF' : 'S0';
  return respActive ? 'SHR' : 'OTH';
}

export function buildConnRecord(s: FlowStore, words: Uint32Array, off: number, f: number, uid: string): ConnRecord {
  const flags = s.flags[f]!;
  const v6 = (flags & FL_V6) !== 0;
  const proto = s.proto[f]!;
  const os = flags & FL_ORIG_IS_B;
  const rs = os ^ 1;
  const oe = f * 2 + os;
  const re = f * 2 + rs;
  const history = s.historyString(f);
  // Nanosecond rounding removes float noise from the subtraction (capture clocks are at best ns).
  const duration = Math.round((s.lastTs[f]! - s.startTs[f]!) * 1e9) / 1e9;

  let origBytes: number;
  let respBytes: number;
  let state: string;
  if (proto === TCP) {
    origBytes = tcpSize(s, oe);
    respBytes = tcpSize(s, re);
    state = tcpConnState(s, f, origBytes, respBytes, history);
  } else {
    origBytes = s.bytes[oe]!;
    respBytes = s.bytes[re]!;
    state = datagramConnState(proto, s.pkts[oe]! > 0, s.pkts[re]! > 0);
  }

  // Built in Zeek's column order, which is also the JSON key order.
  const r: ConnRecord = {
    ts: s.startTs[f]!,
    uid,
    'id.orig_h': keyAddr(words, off, v6, os),
    'id.orig_p': keyPort(words, off, os),
    'id.resp_h': keyAddr(words, off, v6, rs),
    'id.resp_p': keyPort(words, off, rs),
    proto: protoName(proto),
    conn_state: state,
    missed_bytes: s.missed[f]!,
    history,
    orig_pkts: s.pkts[oe]!,
    orig_ip_bytes: s.ipBytes[oe]!,
    resp_pkts: s.pkts[re]!,
    resp_ip_bytes: s.ipBytes[re]!,
    ip_proto: proto,
    community_id: '',
  };
  const service = s.services[f];
  if (service !== undefined) r.service = service;
  if (duration > 0) {
    r.duration = duration;
    r.orig_bytes = origBytes;
    r.resp_bytes = respBytes;
  }
  if ((flags & FL_LOCAL_SET) !== 0) {
    r.local_orig = (flags & (os === 0 ? FL_LOCAL_A : FL_LOCAL_B)) !== 0;
    r.local_resp = (flags & (rs === 0 ? FL_LOCAL_A : FL_LOCAL_B)) !== 0;
  }
  const om = s.mac[oe]!;
  const rm = s.mac[re]!;
  if (om > 0) r.orig_l2_addr = macToString(om);
  if (rm > 0) r.resp_l2_addr = macToString(rm);
  if (s.vlan[f]! >= 0) r.vlan = s.vlan[f]!;
  if (s.innerVlan[f]! >= 0) r.inner_vlan = s.innerVlan[f]!;
  const ports = words[off + KEY_PORTS]!;
  r.community_id = communityIdFromKey(
    COMMUNITY_ID_SEED,
    v6,
    words[off + KEY_META]! & 0xff,
    words,
    off + KEY_ADDR_A,
    ports >>> 16,
    ports & 0xffff,
  );
  return reorder(r);
}

/** Zeek's column order for the keys that were added conditionally. */
const ORDER: readonly (keyof ConnRecord)[] = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'service',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'local_orig',
  'local_resp',
  'missed_bytes',
  'history',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
  'ip_proto',
  'orig_l2_addr',
  'resp_l2_addr',
  'vlan',
  'inner_vlan',
  'community_id',
];

function reorder(r: ConnRecord): ConnRecord {
  const out: Record<string, unknown> = {};
  const src = r as unknown as Record<string, unknown>;
  for (let i = 0; i < ORDER.length; i++) {
    const k = ORDER[i]!;
    const v = src[k];
    if (v !== undefined) out[k] = v;
  }
  return out as unknown as ConnRecord;
}
