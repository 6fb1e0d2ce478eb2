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
  B_PROTO,
  B_TUNNEL,
  B_CARRIER,
  F_BYTES,
  F_IP_BYTES,
  F_LAST_TS,
  F_MAC,
  F_MISSED,
  F_PKTS,
  F_START_TS,
  F_TUNNEL_ID,
  FL_LOCAL_A,
  FL_LOCAL_B,
  FL_LOCAL_SET,
  FL_ORIG_IS_B,
  FL_V6,
  RECORD_BYTES,
  REC_F64,
  REC_U32,
  U_INNER_VLAN,
  U_TUNNEL_PARENT,
  U_VLAN,
  type FlowStore,
} from './flow-store.js';
import { KEY_ADDR_A, KEY_META, KEY_PORTS } from './flow-table.js';
import { ipv4ToString, ipv6ToString, macToString } from '../decode/decoder.js';
import { tcpConnState, tcpSize } from './tcp.js';
import { TUNNEL_NAMES } from '../decode/tunnel.js';
import { tunnelUidSeed } from './tunnels.js';
import { makeUid } from './uid.js';
import { elapsedSeconds } from '../util/elapsed.js';

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
  const flags = s.flags(f);
  const v6 = (flags & FL_V6) !== 0;
  const os = flags & FL_ORIG_IS_B;
  const rs = os ^ 1;
  const d = f * REC_F64;
  const id: ConnId = {
    uid,
    orig_h: keyAddr(words, off, v6, os),
    orig_p: keyPort(words, off, os),
    resp_h: keyAddr(words, off, v6, rs),
    resp_p: keyPort(words, off, rs),
    proto: protoName(s.u8[f * RECORD_BYTES + B_PROTO]!),
  };
  const om = s.f64[d + F_MAC + os]!;
  const rm = s.f64[d + F_MAC + rs]!;
  if (om > 0) id.orig_mac = macToString(om);
  if (rm > 0) id.resp_mac = macToString(rm);
  const vlan = s.i32[f * REC_U32 + U_VLAN]!;
  if (vlan >= 0) id.vlan = vlan;
  return id;
}

/** Zeek's conn_state for UDP (and OTH for ICMP): which sides sent anything. */
function datagramConnState(proto: number, origActive: boolean, respActive: boolean): string {
  if (proto !== UDP) return 'OTH';
  if (origActive) return respActive ? 'SF' : 'S0';
  return respActive ? 'SHR' : 'OTH';
}

export function buildConnRecord(s: FlowStore, words: Uint32Array, off: number, f: number, uid: string, uidSeed: number): ConnRecord {
  const flags = s.flags(f);
  const v6 = (flags & FL_V6) !== 0;
  const proto = s.u8[f * RECORD_BYTES + B_PROTO]!;
  const os = flags & FL_ORIG_IS_B;
  const rs = os ^ 1;
  const f64 = s.f64;
  const d = f * REC_F64;
  const history = s.historyString(f);
  const duration = elapsedSeconds(f64[d + F_START_TS]!, f64[d + F_LAST_TS]!);

  let origBytes: number;
  let respBytes: number;
  let state: string;
  if (proto === TCP) {
    origBytes = tcpSize(s, f, os);
    respBytes = tcpSize(s, f, rs);
    state = tcpConnState(s, f, origBytes, respBytes, history);
  } else {
    origBytes = f64[d + F_BYTES + os]!;
    respBytes = f64[d + F_BYTES + rs]!;
    state = datagramConnState(proto, f64[d + F_PKTS + os]! > 0, f64[d + F_PKTS + rs]! > 0);
  }

  const om = f64[d + F_MAC + os]!;
  const rm = f64[d + F_MAC + rs]!;
  const vlan = s.i32[f * REC_U32 + U_VLAN]!;
  const innerVlan = s.i32[f * REC_U32 + U_INNER_VLAN]!;
  const tunnel = s.u8[f * RECORD_BYTES + B_TUNNEL]!;
  const ports = words[off + KEY_PORTS]!;
  // A tunnel's own connection is named after the tunnel; the flag travels with the record (conn-log-thread.ts).
  const carrier = s.u8[f * RECORD_BYTES + B_CARRIER]!;
  const service = carrier !== 0 ? TUNNEL_NAMES[carrier] : s.services[f];

  // A flow an analyzer read already has its ConnId (with the current roles:
  // a role flip drops it), so its address and MAC text is reused.
  const id = s.connIds[f];

  // Built field by field in Zeek's column order, which is also the JSON key order.
  const r = {
    ts: f64[d + F_START_TS]!,
    uid,
    'id.orig_h': id !== undefined ? id.orig_h : keyAddr(words, off, v6, os),
    'id.orig_p': keyPort(words, off, os),
    'id.resp_h': id !== undefined ? id.resp_h : keyAddr(words, off, v6, rs),
    'id.resp_p': keyPort(words, off, rs),
    proto: protoName(proto),
  } as ConnRecord;
  if (service !== undefined) r.service = service;
  if (duration > 0) {
    r.duration = duration;
    r.orig_bytes = origBytes;
    r.resp_bytes = respBytes;
  }
  r.conn_state = state;
  if ((flags & FL_LOCAL_SET) !== 0) {
    r.local_orig = (flags & (os === 0 ? FL_LOCAL_A : FL_LOCAL_B)) !== 0;
    r.local_resp = (flags & (rs === 0 ? FL_LOCAL_A : FL_LOCAL_B)) !== 0;
  }
  r.missed_bytes = f64[d + F_MISSED]!;
  r.history = history;
  r.orig_pkts = f64[d + F_PKTS + os]!;
  r.orig_ip_bytes = f64[d + F_IP_BYTES + os]!;
  r.resp_pkts = f64[d + F_PKTS + rs]!;
  r.resp_ip_bytes = f64[d + F_IP_BYTES + rs]!;
  if (tunnel !== 0) {
    const parent = s.u32[f * REC_U32 + U_TUNNEL_PARENT]!;
    if (parent > 0) r.tunnel_parents = [makeUid(tunnelUidSeed(uidSeed), parent - 1)];
  }
  r.ip_proto = proto;
  if (om > 0) r.orig_l2_addr = id?.orig_mac ?? macToString(om);
  if (rm > 0) r.resp_l2_addr = id?.resp_mac ?? macToString(rm);
  if (vlan >= 0) r.vlan = vlan;
  if (innerVlan >= 0) r.inner_vlan = innerVlan;
  if (tunnel !== 0) {
    r.tunnel = TUNNEL_NAMES[tunnel]!;
    const tunnelId = f64[d + F_TUNNEL_ID]!;
    if (tunnelId >= 0) r.tunnel_id = tunnelId;
  }
  r.community_id = communityIdFromKey(
    COMMUNITY_ID_SEED,
    v6,
    words[off + KEY_META]! & 0xff,
    words,
    off + KEY_ADDR_A,
    ports >>> 16,
    ports & 0xffff,
  );
  return r;
}
