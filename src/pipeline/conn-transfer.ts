/**
 * flow.end events packed for the trip from a pipeline worker to the main
 * thread. They are most of the events a detector-running replay moves
 * (one per connection), and structured cloning an object costs a key name
 * and a tag per field on both sides: measured about 10 µs a record. Packed,
 * the numbers of many records travel as one Float64Array and their strings
 * as one array; the main thread rebuilds each record, field by field in
 * Zeek's column order, when it emits it.
 *
 * Only the ConnRecord fields travel (nothing else is ever set on a record
 * inside a worker: enrichment runs on the main thread).
 */
import type { ConnRecord } from '../flows/conn-record.js';
import type { FlowEndEvent } from '../events/types.js';

/** Numbers per record. */
const NUMS = 22;
const N_EVENT_TS = 0;
const N_REASON = 1;
const N_TS = 2;
const N_ORIG_P = 3;
const N_RESP_P = 4;
const N_DURATION = 5;
const N_ORIG_BYTES = 6;
const N_RESP_BYTES = 7;
const N_LOCAL_ORIG = 8;
const N_LOCAL_RESP = 9;
const N_MISSED = 10;
const N_ORIG_PKTS = 11;
const N_ORIG_IP_BYTES = 12;
const N_RESP_PKTS = 13;
const N_RESP_IP_BYTES = 14;
const N_IP_PROTO = 15;
const N_VLAN = 16;
const N_INNER_VLAN = 17;
const N_ORIG_ASN = 18;
const N_RESP_ASN = 19;
/** Bit set of the optional numeric fields present. */
const N_PRESENT = 20;
const N_TUNNEL_ID = 21;

const P_DURATION = 1;
const P_ORIG_BYTES = 2;
const P_RESP_BYTES = 4;
const P_LOCAL_ORIG = 8;
const P_LOCAL_RESP = 16;
const P_VLAN = 32;
const P_INNER_VLAN = 64;
const P_ORIG_ASN = 128;
const P_RESP_ASN = 256;
const P_TUNNEL_ID = 512;

/** Strings per record (null when the field is absent). */
const STRS = 16;
const S_UID = 0;
const S_ORIG_H = 1;
const S_RESP_H = 2;
const S_PROTO = 3;
const S_SERVICE = 4;
const S_CONN_STATE = 5;
const S_HISTORY = 6;
const S_ORIG_L2 = 7;
const S_RESP_L2 = 8;
const S_COMMUNITY_ID = 9;
const S_ORIG_AS_ORG = 10;
const S_ORIG_CC = 11;
const S_RESP_AS_ORG = 12;
const S_RESP_CC = 13;
const S_TUNNEL = 14;
/** The tunnel parents' uids, joined by commas (uids hold none). */
const S_TUNNEL_PARENTS = 15;

const REASONS: readonly FlowEndEvent['reason'][] = ['closed', 'timeout', 'evicted', 'capture_end'];
/** Added to the reason index when the event says whether the first packet carried ACK (openedWithAck), */
const R_ACK_KNOWN = 8;
/** and this as well when it did. */
const R_ACK = 16;

/** Packed flow.end events: what crosses between threads. */
export interface PackedConns {
  count: number;
  nums: Float64Array;
  strs: (string | null)[];
}

const INITIAL_RECORDS = 1024;

/** Packs flow.end events in order; `take()` hands over what was packed and starts afresh. */
export class ConnPacker {
  #nums = new Float64Array(INITIAL_RECORDS * NUMS);
  #strs: (string | null)[] = [];
  #count = 0;

  get count(): number {
    return this.#count;
  }

  add(e: FlowEndEvent): void {
    if ((this.#count + 1) * NUMS > this.#nums.length) {
      const grown = new Float64Array(this.#nums.length * 2);
      grown.set(this.#nums);
      this.#nums = grown;
    }
    const r = e.record;
    const n = this.#nums;
    const o = this.#count * NUMS;
    let present = 0;
    n[o + N_EVENT_TS] = e.ts;
    n[o + N_REASON] = REASONS.indexOf(e.reason) + (e.openedWithAck === undefined ? 0 : R_ACK_KNOWN + (e.openedWithAck ? R_ACK : 0));
    n[o + N_TS] = r.ts;
    n[o + N_ORIG_P] = r['id.orig_p'];
    n[o + N_RESP_P] = r['id.resp_p'];
    if (r.duration !== undefined) {
      present |= P_DURATION;
      n[o + N_DURATION] = r.duration;
    }
    if (r.orig_bytes !== undefined) {
      present |= P_ORIG_BYTES;
      n[o + N_ORIG_BYTES] = r.orig_bytes;
    }
    if (r.resp_bytes !== undefined) {
      present |= P_RESP_BYTES;
      n[o + N_RESP_BYTES] = r.resp_bytes;
    }
    if (r.local_orig !== undefined) {
      present |= P_LOCAL_ORIG;
      n[o + N_LOCAL_ORIG] = r.local_orig ? 1 : 0;
    }
    if (r.local_resp !== undefined) {
      present |= P_LOCAL_RESP;
      n[o + N_LOCAL_RESP] = r.local_resp ? 1 : 0;
    }
    n[o + N_MISSED] = r.missed_bytes;
    n[o + N_ORIG_PKTS] = r.orig_pkts;
    n[o + N_ORIG_IP_BYTES] = r.orig_ip_bytes;
    n[o + N_RESP_PKTS] = r.resp_pkts;
    n[o + N_RESP_IP_BYTES] = r.resp_ip_bytes;
    n[o + N_IP_PROTO] = r.ip_proto;
    if (r.vlan !== undefined) {
      present |= P_VLAN;
      n[o + N_VLAN] = r.vlan;
    }
    if (r.inner_vlan !== undefined) {
      present |= P_INNER_VLAN;
      n[o + N_INNER_VLAN] = r.inner_vlan;
    }
    if (r.tunnel_id !== undefined) {
      present |= P_TUNNEL_ID;
      n[o + N_TUNNEL_ID] = r.tunnel_id;
    }
    if (r.orig_asn !== undefined) {
      present |= P_ORIG_ASN;
      n[o + N_ORIG_ASN] = r.orig_asn;
    }
    if (r.resp_asn !== undefined) {
      present |= P_RESP_ASN;
      n[o + N_RESP_ASN] = r.resp_asn;
    }
    n[o + N_PRESENT] = present;
    this.#strs.push(
      r.uid,
      r['id.orig_h'],
      r['id.resp_h'],
      r.proto,
      r.service ?? null,
      r.conn_state,
      r.history,
      r.orig_l2_addr ?? null,
      r.resp_l2_addr ?? null,
      r.community_id,
      r.orig_as_org ?? null,
      r.orig_cc ?? null,
      r.resp_as_org ?? null,
      r.resp_cc ?? null,
      r.tunnel ?? null,
      r.tunnel_parents?.join(',') ?? null,
    );
    this.#count++;
  }

  take(): PackedConns {
    const packed: PackedConns = { count: this.#count, nums: this.#nums.slice(0, this.#count * NUMS), strs: this.#strs };
    this.#strs = [];
    this.#count = 0;
    return packed;
  }
}

/** Rebuilds packed record `i` as the flow.end event it was. */
export function unpackConn(p: PackedConns, i: number): FlowEndEvent {
  const n = p.nums;
  const o = i * NUMS;
  const s = p.strs;
  const so = i * STRS;
  const present = n[o + N_PRESENT]!;
  const r = {
    ts: n[o + N_TS]!,
    uid: s[so + S_UID]!,
    'id.orig_h': s[so + S_ORIG_H]!,
    'id.orig_p': n[o + N_ORIG_P]!,
    'id.resp_h': s[so + S_RESP_H]!,
    'id.resp_p': n[o + N_RESP_P]!,
    proto: s[so + S_PROTO] as ConnRecord['proto'],
  } as ConnRecord;
  const service = s[so + S_SERVICE];
  if (service !== null && service !== undefined) r.service = service;
  if ((present & P_DURATION) !== 0) r.duration = n[o + N_DURATION]!;
  if ((present & P_ORIG_BYTES) !== 0) r.orig_bytes = n[o + N_ORIG_BYTES]!;
  if ((present & P_RESP_BYTES) !== 0) r.resp_bytes = n[o + N_RESP_BYTES]!;
  r.conn_state = s[so + S_CONN_STATE]!;
  if ((present & P_LOCAL_ORIG) !== 0) r.local_orig = n[o + N_LOCAL_ORIG] === 1;
  if ((present & P_LOCAL_RESP) !== 0) r.local_resp = n[o + N_LOCAL_RESP] === 1;
  r.missed_bytes = n[o + N_MISSED]!;
  r.history = s[so + S_HISTORY]!;
  r.orig_pkts = n[o + N_ORIG_PKTS]!;
  r.orig_ip_bytes = n[o + N_ORIG_IP_BYTES]!;
  r.resp_pkts = n[o + N_RESP_PKTS]!;
  r.resp_ip_bytes = n[o + N_RESP_IP_BYTES]!;
  const parents = s[so + S_TUNNEL_PARENTS];
  if (parents !== null && parents !== undefined) r.tunnel_parents = parents.split(',');
  r.ip_proto = n[o + N_IP_PROTO]!;
  const origL2 = s[so + S_ORIG_L2];
  if (origL2 !== null && origL2 !== undefined) r.orig_l2_addr = origL2;
  const respL2 = s[so + S_RESP_L2];
  if (respL2 !== null && respL2 !== undefined) r.resp_l2_addr = respL2;
  if ((present & P_VLAN) !== 0) r.vlan = n[o + N_VLAN]!;
  if ((present & P_INNER_VLAN) !== 0) r.inner_vlan = n[o + N_INNER_VLAN]!;
  const tunnel = s[so + S_TUNNEL];
  if (tunnel !== null && tunnel !== undefined) r.tunnel = tunnel;
  if ((present & P_TUNNEL_ID) !== 0) r.tunnel_id = n[o + N_TUNNEL_ID]!;
  r.community_id = s[so + S_COMMUNITY_ID]!;
  if ((present & P_ORIG_ASN) !== 0) r.orig_asn = n[o + N_ORIG_ASN]!;
  const origAsOrg = s[so + S_ORIG_AS_ORG];
  if (origAsOrg !== null && origAsOrg !== undefined) r.orig_as_org = origAsOrg;
  const origCc = s[so + S_ORIG_CC];
  if (origCc !== null && origCc !== undefined) r.orig_cc = origCc;
  if ((present & P_RESP_ASN) !== 0) r.resp_asn = n[o + N_RESP_ASN]!;
  const respAsOrg = s[so + S_RESP_AS_ORG];
  if (respAsOrg !== null && respAsOrg !== undefined) r.resp_as_org = respAsOrg;
  const respCc = s[so + S_RESP_CC];
  if (respCc !== null && respCc !== undefined) r.resp_cc = respCc;
  const why = n[o + N_REASON]!;
  const e: FlowEndEvent = { type: 'flow.end', ts: n[o + N_EVENT_TS]!, log: 'conn', record: r, reason: REASONS[why & (R_ACK_KNOWN - 1)]! };
  if ((why & R_ACK_KNOWN) !== 0) e.openedWithAck = (why & R_ACK) !== 0;
  return e;
}
