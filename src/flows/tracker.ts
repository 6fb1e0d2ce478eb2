/**
 * Connection tracking with Zeek's conn.log semantics. `track()` maps each
 * decoded IP packet to its flow (both directions to one flow), creating
 * flows as needed, and keeps the per-flow numbers conn.log reports: packet
 * and byte counts per direction, TCP state and history, timers. A flow ends
 * when Zeek would end it (inactivity, attempt/close/reset delays, a new
 * connection reusing the tuple), when the table is full (the least recently
 * active of a small sample is evicted), or at the end of the capture; its
 * ConnRecord is built then and handed to `onEnd`.
 *
 * Speed: keys live in one open-addressing Uint32Array (flow-table.ts),
 * state in typed-array columns (flow-store.ts); an existing flow's packet
 * allocates nothing. Strings are made only for a flow's ConnId (on demand)
 * and its record (at the end). Expiry is a lazy timer wheel.
 */
import { L3, TcpFlag, type DecodedPacket } from '../decode/decoded.js';
import type { ConnId } from '../events/conn-id.js';
import { PicketError } from '../util/errors.js';
import { CidrSet } from '../config/cidr.js';
import { addrToString } from '../decode/addr.js';
import type { ConnRecord } from './conn-record.js';
import {
  B_DID_CLOSE,
  B_FLAGS,
  B_LIVE,
  B_LONG_STEP,
  B_PROTO,
  B_STATE,
  B_TUNNEL,
  B_CARRIER,
  F_ATTEMPT_AT,
  F_BYTES,
  F_CLOSE_AT,
  F_HARD_AT,
  F_INACT,
  F_IP_BYTES,
  F_LAST_TS,
  F_MAC,
  F_MISSED,
  F_PARTIAL_AT,
  F_PKTS,
  F_SCHED_AT,
  F_START_TS,
  F_TUNNEL_ID,
  F_UID_NUM,
  FL_FIRST_ACK,
  FL_HIST_FULL,
  FL_LOCAL_A,
  FL_LOCAL_B,
  FL_LOCAL_SET,
  FL_ONE_WAY,
  FL_ORIG_IS_B,
  FL_V6,
  FlowStore,
  RECORD_BYTES,
  REC_F64,
  REC_U32,
  U_INNER_VLAN,
  U_START_SEQ,
  U_TUNNEL_PARENT,
  U_VLAN,
} from './flow-store.js';
import { FlowTable, KEY_META_V6, KEY_WORDS } from './flow-table.js';
import { icmp4Counterpart, icmp6Counterpart } from './icmp.js';
import { buildConnId, buildConnRecord } from './record.js';
import { LIKELY_SERVER_TCP, LIKELY_SERVER_UDP } from './server-ports.js';
import { tcpAttemptPending, tcpGap, tcpPacket, tcpPartialClosePending, tcpRearm } from './tcp.js';
import { TimerWheel } from './timer-wheel.js';
import { resolveTimeouts, type FlowTimeouts } from './timeouts.js';
import { makeUid } from './uid.js';

export type { FlowTimeouts } from './timeouts.js';
export { DEFAULT_TIMEOUTS } from './timeouts.js';

export interface FlowTrackerOptions {
  /** Most flows tracked at once (default 1,000,000); past it the least recently active are evicted. */
  maxFlows?: number;
  /** Overrides of Zeek's default timeouts (seconds of packet time). */
  timeouts?: Partial<FlowTimeouts>;
  /**
   * Seed for uids: the same seed gives the same uids for the same input.
   * Default: random, as in Zeek, so logs of different runs never share uids.
   */
  uidSeed?: number;
  /**
   * Flow numbers (which uids derive from) start at `first` and go up by
   * `step` (default 0 and 1). The workers of one multi-threaded pipeline
   * take disjoint sequences, so their uids never collide.
   */
  flowNumbers?: { first: number; step: number };
  /**
   * CIDRs of the site's networks (Zeek's Site::local_nets, from the
   * `networks:` of picket.yaml): when any is given, conn.log's local_orig and
   * local_resp say whether each side is in one. A plain list, so it crosses
   * to pipeline threads with the other options.
   */
  localNets?: readonly string[];
}

export type FlowEndReason = 'closed' | 'timeout' | 'evicted' | 'capture_end';

export interface FlowHandlers {
  /** A new flow took `slot` (its first packet is being tracked). */
  onStart(slot: number, ts: number): void;
  /**
   * The flow in `slot` is ending, at `endTs` (its last packet): what the
   * flow still owes its record (content gaps found when reassembly is
   * flushed, through addMissedBytes) goes in now, before the record is built.
   */
  onEnding?(slot: number, endTs: number): void;
  /** The flow in `slot` ended; called before the slot is freed or reused. */
  onEnd(slot: number, record: ConnRecord, reason: FlowEndReason): void;
}

export interface FlowTrackerStats {
  live: number;
  maxLive: number;
  created: number;
  ended: number;
  evicted: number;
  /** Packets not tracked, all reasons (see `untrackedBy`). */
  untracked: number;
}

/** Why packets were not tracked. */
export interface UntrackedReasons {
  /** No IP layer (ARP, unknown EtherType, ...). */
  no_ip: number;
  /** IP, but not TCP, UDP, ICMP or ICMPv6. */
  other_protocol: number;
  /** An IP fragment that did not complete a datagram. */
  fragment: number;
}

export const DEFAULT_MAX_FLOWS = 1_000_000;
/**
 * Ages (seconds of packet time) at which a live connection is reported as
 * long-lived (`reportLong`), as Zeek's conn-long policy does; past the last,
 * once a day.
 */
export const LONG_CONN_AGES: readonly number[] = [600, 3600, 21600, 86400];
const LONG_CONN_REPEAT = 86400;

/** Age at which a flow reported `step` times is due again. */
function longConnAge(step: number): number {
  const n = LONG_CONN_AGES.length;
  return step < n ? LONG_CONN_AGES[step]! : LONG_CONN_AGES[n - 1]! + (step - n + 1) * LONG_CONN_REPEAT;
}
/** Columns start this big and double as flows arrive (up to maxFlows), so small runs stay small. */
const INITIAL_CAPACITY = 4096;
/** Flows compared when one must be evicted: enough to usually find an idle one, cheap enough per new flow. */
const EVICT_SAMPLE = 8;

const IP_TCP = 6;
const IP_UDP = 17;
const IP_ICMP = 1;
const IP_ICMPV6 = 58;
const KEY_V6 = KEY_META_V6;
const KEY_ONE_WAY = 0x200;
const IPV4_BROADCAST = 0xffffffff;
const CH_D = 68;
const CH_d = 100;
const CH_CARET = 94;

const TCP_INACTIVE = 0;
const TCP_SYN_ACK_SENT = 2;
const WHY_TIMEOUT = 0;
const WHY_CLOSED = 1;
const REASONS: readonly FlowEndReason[] = ['timeout', 'closed'];

export class FlowTracker {
  /** True when the last tracked packet went originator -> responder. */
  lastFromOrig = false;
  /** True when the last tracked packet started a new flow. */
  lastIsNew = false;
  readonly stats: FlowTrackerStats = { live: 0, maxLive: 0, created: 0, ended: 0, evicted: 0, untracked: 0 };
  readonly untrackedBy: UntrackedReasons = { no_ip: 0, other_protocol: 0, fragment: 0 };
  /** Flows whose history hit the per-flow letter limit (letters past it were dropped). */
  historyTruncated = 0;

  readonly #handlers: FlowHandlers;
  readonly #timeouts: FlowTimeouts;
  readonly #maxFlows: number;
  readonly #uidSeed: number;
  /**
   * When set, an ended flow's state goes here instead of becoming a
   * ConnRecord for `onEnd` (conn-log-thread.ts builds the records on another
   * thread): the store, the flow table's words and the word offset of the
   * flow's key, and its slot. Only for runs where nothing but the conn log
   * reads flow ends and no analyzer adds to them.
   */
  endedRecords: ((s: FlowStore, words: Uint32Array, keyOffset: number, f: number) => void) | null = null;

  /** How this tracker numbers its flows (FlowTrackerOptions.flowNumbers, or the default): other tables owned by its pipeline number alike. */
  readonly flowNumbers: { readonly first: number; readonly step: number };

  /** Seed of the flows' uids (makeUid). */
  get uidSeed(): number {
    return this.#uidSeed;
  }
  readonly #store: FlowStore;
  readonly #table: FlowTable;
  readonly #wheel: TimerWheel;
  #free: Int32Array;
  #freeTop = 0;
  readonly #key = new Uint32Array(KEY_WORDS);
  #flowNumber = 0;
  readonly #flowNumberStep: number;
  /** Newest packet time seen. */
  #now = -Infinity;
  #expireNow = 0;
  #evictHand = 0;
  #why = WHY_TIMEOUT;
  #localTest: ((p: DecodedPacket, which: 'src' | 'dst') => boolean) | null = null;
  readonly #visit: (f: number) => void;

  constructor(opts: FlowTrackerOptions, handlers: FlowHandlers) {
    const maxFlows = opts.maxFlows ?? DEFAULT_MAX_FLOWS;
    if (!Number.isInteger(maxFlows) || maxFlows < 1) {
      throw new PicketError('PKT_ERR_FLOWS_BAD_MAX_FLOWS', `maxFlows must be a positive integer, got ${String(maxFlows)}`);
    }
    this.#maxFlows = maxFlows;
    this.#timeouts = resolveTimeouts(opts.timeouts);
    this.#uidSeed = opts.uidSeed ?? Math.floor(Math.random() * 4294967296);
    if (opts.localNets !== undefined && opts.localNets.length > 0) {
      const nets = CidrSet.of(opts.localNets);
      this.setLocalNets((p, which) => nets.has(addrToString(p, which)));
    }
    const numbers = opts.flowNumbers ?? { first: 0, step: 1 };
    if (!Number.isSafeInteger(numbers.first) || numbers.first < 0 || !Number.isSafeInteger(numbers.step) || numbers.step < 1) {
      throw new PicketError('PKT_ERR_FLOWS_BAD_NUMBERING', `flowNumbers needs a non-negative first and a positive step, got ${JSON.stringify(numbers)}`);
    }
    this.#flowNumber = numbers.first;
    this.#flowNumberStep = numbers.step;
    this.flowNumbers = { first: numbers.first, step: numbers.step };
    this.#handlers = handlers;
    const cap = Math.min(maxFlows, INITIAL_CAPACITY);
    this.#store = new FlowStore(cap, maxFlows);
    this.#table = new FlowTable(cap, Math.floor(Math.random() * 4294967296));
    this.#wheel = new TimerWheel(cap);
    this.#free = new Int32Array(cap);
    this.#pushFree(0, cap);
    this.#visit = (f: number): void => this.#onWheel(f);
  }

  /** The timeouts in force (defaults merged with the options). */
  get timeouts(): Readonly<FlowTimeouts> {
    return this.#timeouts;
  }

  /**
   * Accounts the packet to its flow (creating it when new). Returns the
   * flow's slot, or -1 when the packet is not tracked (counted in
   * `untrackedBy`). Sets `lastFromOrig` and `lastIsNew`.
   */
  track(p: DecodedPacket): number {
    const l3 = p.l3;
    if (l3 !== L3.IPV4 && l3 !== L3.IPV6) {
      this.stats.untracked++;
      this.untrackedBy.no_ip++;
      return -1;
    }
    if (p.fragment) {
      this.stats.untracked++;
      this.untrackedBy.fragment++;
      return -1;
    }
    const proto = p.proto;
    let sp: number;
    let dp: number;
    let oneWay = false;
    if (proto === IP_TCP || proto === IP_UDP) {
      sp = p.srcPort;
      dp = p.dstPort;
    } else if (proto === IP_ICMP || proto === IP_ICMPV6) {
      // Zeek's ICMP "ports": type, and the counterpart type or (one-way) the code.
      sp = p.srcPort;
      const counter = proto === IP_ICMP ? icmp4Counterpart(sp) : icmp6Counterpart(sp);
      if (counter < 0) {
        dp = p.dstPort;
        oneWay = true;
      } else {
        dp = counter;
      }
    } else {
      this.stats.untracked++;
      this.untrackedBy.other_protocol++;
      return -1;
    }

    // Normalise: the smaller (address, port) endpoint is A, unless the
    // message is one-way (then the sender is A and the key is directional).
    const v6 = l3 === L3.IPV6;
    const src = p.src;
    const dst = p.dst;
    let swap = false;
    if (!oneWay) {
      if (v6) {
        let c = 0;
        for (let i = 0; i < 4 && c === 0; i++) {
          const a = src[i]!;
          const b = dst[i]!;
          if (a !== b) c = a < b ? -1 : 1;
        }
        swap = c > 0 || (c === 0 && sp > dp);
      } else {
        const a = src[0]!;
        const b = dst[0]!;
        swap = a > b || (a === b && sp > dp);
      }
    }
    const k = this.#key;
    k[0] = proto | (v6 ? KEY_V6 : 0) | (oneWay ? KEY_ONE_WAY : 0);
    const A = swap ? dst : src;
    const B = swap ? src : dst;
    k[1] = swap ? ((dp << 16) | sp) >>> 0 : ((sp << 16) | dp) >>> 0;
    if (v6) {
      k[2] = A[0]!;
      k[3] = A[1]!;
      k[4] = A[2]!;
      k[5] = A[3]!;
      k[6] = B[0]!;
      k[7] = B[1]!;
      k[8] = B[2]!;
      k[9] = B[3]!;
    } else {
      k[2] = A[0]!;
      k[3] = k[4] = k[5] = 0;
      k[6] = B[0]!;
      k[7] = k[8] = k[9] = 0;
    }
    const side = swap ? 1 : 0;

    const table = this.#table;
    const hash = table.hash(k);
    let f = table.find(k, hash);
    const ts = p.ts;
    if (ts > this.#now) this.#now = ts;
    const s = this.#store;

    if (f >= 0) {
      const f64 = s.f64;
      const d = f * REC_F64;
      // A flow whose time is up ends before this packet, which then starts a new one.
      if ((ts >= f64[d + F_LAST_TS]! + f64[d + F_INACT]! || ts >= f64[d + F_HARD_AT]!) && this.#isDue(f, ts)) {
        this.#end(f, REASONS[this.#why]!);
        f = -1;
      } else if (proto === IP_TCP && (p.tcpFlags & TcpFlag.SYN) !== 0 && this.#isReuse(f, p)) {
        // A new connection on the same tuple (Zeek's connection reuse).
        this.#end(f, 'closed');
        f = -1;
      } else {
        this.#account(f, side, p);
        // Deadlines only move later on most packets; re-file only when a timer moved one earlier.
        const hard = f64[d + F_HARD_AT]!;
        if (hard < f64[d + F_SCHED_AT]!) this.#schedule(f, hard);
        this.lastIsNew = false;
        return f;
      }
      table.find(k, hash); // the table changed: find the insert position again
    }

    f = this.#create(k, hash, p, side, v6);
    this.#account(f, side, p);
    this.#wheel.start(ts);
    this.#schedule(f, this.#nextCheck(f));
    this.lastIsNew = true;
    return f;
  }

  /** Ends flows whose timeout has passed at packet time `now`; call as packet time advances. */
  expire(now: number): void {
    this.#expireNow = now;
    this.#wheel.advance(now, this.#visit);
  }

  /**
   * Ends every live flow (end of capture): 'capture_end', or the timer's
   * reason if one already ran out by `at` (default: the newest packet this
   * tracker saw; a caller whose clock also saw packets tracked elsewhere,
   * such as one thread of several, passes its own).
   */
  flushAll(at = -Infinity): void {
    const s = this.#store;
    const now = Math.max(this.#now, at);
    for (let f = 0; f < s.capacity; f++) {
      if (!s.isLive(f)) continue;
      this.#end(f, this.#isDue(f, now) ? REASONS[this.#why]! : 'capture_end');
    }
  }

  /**
   * Calls `visit` with a snapshot record of every live flow that reached its
   * next long-connection age (LONG_CONN_AGES) by packet time `now`; each age
   * is reported once per flow (ages passed together count once). The flow
   * goes on: its conn record comes with its end as usual. Walks the whole
   * table, so callers run it seldom (the pipeline: once a minute of packet time).
   */
  reportLong(now: number, visit: (slot: number, record: ConnRecord) => void): void {
    const s = this.#store;
    const u8 = s.u8;
    const f64 = s.f64;
    for (let f = 0; f < s.capacity; f++) {
      const b = f * RECORD_BYTES;
      if (u8[b + B_LIVE] !== 1) continue;
      const age = now - f64[f * REC_F64 + F_START_TS]!;
      let step = u8[b + B_LONG_STEP]!;
      if (age < longConnAge(step)) continue;
      while (step < 255 && age >= longConnAge(step)) step++;
      u8[b + B_LONG_STEP] = step;
      visit(f, buildConnRecord(s, this.#table.words, this.#table.entryOffset(f), f, this.#uid(f), this.#uidSeed));
    }
  }

  /** TCP: whether the flow's first packet carried ACK (valid while the flow lives, onEnd included). */
  openedWithAck(slot: number): boolean {
    return (this.#store.flags(slot) & FL_FIRST_ACK) !== 0;
  }

  /** The flow's identity (built on first request, cached until the flow ends). */
  connId(slot: number): ConnId {
    const s = this.#store;
    this.#checkSlot(slot);
    let id = s.connIds[slot];
    if (id === undefined) {
      const uid = this.#uid(slot);
      id = buildConnId(s, this.#table.words, this.#table.entryOffset(slot), slot, uid);
      s.connIds[slot] = id;
    }
    return id;
  }

  /**
   * Marks the flow as a UDP tunnel's own connection (DecodedPacket.carrier):
   * its conn.log service is the tunnel's name (`kind`, a TunnelKind). Kept
   * in the flow's record, so it travels wherever the record does.
   */
  markCarrier(slot: number, kind: number): void {
    this.#checkSlot(slot);
    this.#store.u8[slot * RECORD_BYTES + B_CARRIER] = kind;
  }

  /** Adds an analyzer name to conn.log `service` (comma-joined, first confirmed first, no repeats). */
  addService(slot: number, name: string): void {
    this.#checkSlot(slot);
    const s = this.#store;
    const cur = s.services[slot];
    if (cur === undefined) s.services[slot] = name;
    else if (!cur.split(',').includes(name)) s.services[slot] = cur + ',' + name;
  }

  /**
   * Bytes TCP reassembly found missing (content gaps), for conn.log
   * `missed_bytes`. With `fromOrig` the gap also enters the history ('G'/'g').
   */
  addMissedBytes(slot: number, n: number, fromOrig?: boolean): void {
    this.#checkSlot(slot);
    if (!(n > 0)) return;
    const s = this.#store;
    s.f64[slot * REC_F64 + F_MISSED] += n;
    if (fromOrig !== undefined && s.u8[slot * RECORD_BYTES + B_PROTO] === IP_TCP) tcpGap(s, slot, fromOrig);
  }

  /**
   * Local-network test for conn.log local_orig/local_resp (evaluated on each
   * flow's first packet); null turns the fields off, as Zeek does without
   * Site::local_nets.
   */
  setLocalNets(test: ((p: DecodedPacket, which: 'src' | 'dst') => boolean) | null): void {
    this.#localTest = test;
  }

  /** Bytes held by the tracker's tables (for memory reports). */
  get byteLength(): number {
    return this.#store.byteLength + this.#table.byteLength + this.#wheel.byteLength + this.#free.byteLength;
  }

  // ---- internals ----

  #checkSlot(slot: number): void {
    if (!this.#store.isLive(slot)) {
      throw new PicketError('PKT_ERR_FLOWS_NO_SUCH_SLOT', `no live flow in slot ${String(slot)}`);
    }
  }

  /** The flow's uid: its ConnId's when one was built, else made from its flow number. */
  #uid(f: number): string {
    const s = this.#store;
    return s.connIds[f]?.uid ?? makeUid(this.#uidSeed, s.f64[f * REC_F64 + F_UID_NUM]!);
  }

  #pushFree(from: number, to: number): void {
    // Pushed in reverse so slots are handed out in ascending order (deterministic output order).
    for (let i = to - 1; i >= from; i--) this.#free[this.#freeTop++] = i;
  }

  #create(k: Uint32Array, hash: number, p: DecodedPacket, side: number, v6: boolean): number {
    const table = this.#table;
    if (this.stats.live >= this.#maxFlows) {
      this.#evict();
      table.find(k, hash);
    } else if (this.stats.live >= this.#store.capacity) {
      this.#grow();
      table.find(k, hash);
    }
    const f = this.#free[--this.#freeTop]!;
    table.insertAt(table.lastPos, k, hash, f);

    const s = this.#store;
    const t = this.#timeouts;
    s.clear(f);
    const d = f * REC_F64;
    const b = f * RECORD_BYTES;
    const w = f * REC_U32;
    const f64 = s.f64;
    s.u8[b + B_LIVE] = 1;
    const proto = p.proto;
    s.u8[b + B_PROTO] = proto;
    let flags = (v6 ? FL_V6 : 0) | ((k[0]! & KEY_ONE_WAY) !== 0 ? FL_ONE_WAY : 0);
    f64[d + F_START_TS] = p.ts;
    f64[d + F_LAST_TS] = p.ts;
    // Zeek gives TCP the UDP timeout until the handshake is over.
    f64[d + F_INACT] = proto === IP_TCP || proto === IP_UDP ? t.udpInactivity : t.icmpInactivity;
    f64[d + F_UID_NUM] = this.#flowNumber;
    this.#flowNumber += this.#flowNumberStep;
    // Zeek takes both link addresses from the first packet.
    f64[d + F_MAC + side] = p.srcMac;
    f64[d + F_MAC + (side ^ 1)] = p.dstMac;
    s.i32[w + U_VLAN] = p.vlan;
    s.i32[w + U_INNER_VLAN] = p.innerVlan;
    if (p.tunnel !== 0) {
      s.u8[b + B_TUNNEL] = p.tunnel;
      f64[d + F_TUNNEL_ID] = p.tunnelId;
      s.u32[w + U_TUNNEL_PARENT] = p.tunnelParent + 1;
    }
    const local = this.#localTest;
    if (local !== null) {
      flags |= FL_LOCAL_SET;
      if (local(p, 'src')) flags |= side === 0 ? FL_LOCAL_A : FL_LOCAL_B;
      if (local(p, 'dst')) flags |= side === 0 ? FL_LOCAL_B : FL_LOCAL_A;
    }

    // Zeek's role guess: a first packet *from* a likely server port (UDP, or
    // TCP not starting with a plain SYN) makes its receiver the originator,
    // except towards the IPv4 broadcast address.
    let flip = false;
    if (proto === IP_UDP) {
      flip = LIKELY_SERVER_UDP[p.srcPort] === 1 && LIKELY_SERVER_UDP[p.dstPort] !== 1;
    } else if (proto === IP_TCP) {
      const tf = p.tcpFlags;
      const syn = (tf & TcpFlag.SYN) !== 0;
      if ((tf & TcpFlag.ACK) !== 0) flags |= FL_FIRST_ACK;
      if ((!syn || (tf & TcpFlag.ACK) !== 0) && LIKELY_SERVER_TCP[p.srcPort] === 1) {
        // Both plausible: flip only a non-SYN towards the higher port.
        flip = LIKELY_SERVER_TCP[p.dstPort] === 1 ? !syn && p.srcPort < p.dstPort : true;
      }
    }
    if (flip && !v6 && p.dst[0] === IPV4_BROADCAST) flip = false;
    const origSide = flip ? side ^ 1 : side;
    if (origSide === 1) flags |= FL_ORIG_IS_B;
    s.u8[b + B_FLAGS] = flags;
    if (flip) s.addHistory(f, CH_CARET);

    const st = this.stats;
    st.created++;
    st.live++;
    if (st.live > st.maxLive) st.maxLive = st.live;
    this.#handlers.onStart(f, p.ts);
    return f;
  }

  /** Counts the packet and runs the protocol's state logic. */
  #account(f: number, side: number, p: DecodedPacket): void {
    const s = this.#store;
    const f64 = s.f64;
    const d = f * REC_F64;
    const b = f * RECORD_BYTES;
    f64[d + F_PKTS + side] += 1;
    f64[d + F_IP_BYTES + side] += p.ipLen;
    const proto = s.u8[b + B_PROTO]!;
    if (proto === IP_TCP) {
      tcpPacket(s, f, side, p, this.#timeouts);
    } else {
      f64[d + F_LAST_TS] = p.ts;
      const len = p.payloadWireLen;
      if (len > 0) f64[d + F_BYTES + side] += len;
      if (proto === IP_UDP) {
        if ((s.u8[b + B_FLAGS]! & FL_ORIG_IS_B) === side) s.checkHistory(f, 1, CH_D);
        else s.checkHistory(f, 2, CH_d);
      }
    }
    this.lastFromOrig = (s.u8[b + B_FLAGS]! & FL_ORIG_IS_B) === side;
  }

  /**
   * Whether one of the flow's timers has run out at `now` (reason in
   * #why). Timers whose condition no longer holds are disarmed, as Zeek's
   * timer callbacks do when they find nothing to do.
   */
  #isDue(f: number, now: number): boolean {
    const s = this.#store;
    const f64 = s.f64;
    const d = f * REC_F64;
    if (f64[d + F_ATTEMPT_AT]! <= now) {
      if (tcpAttemptPending(s, f)) {
        this.#why = WHY_TIMEOUT;
        return true;
      }
      f64[d + F_ATTEMPT_AT] = Infinity;
      tcpRearm(s, f);
    }
    if (f64[d + F_PARTIAL_AT]! <= now) {
      if (tcpPartialClosePending(s, f)) {
        this.#why = WHY_CLOSED;
        return true;
      }
      f64[d + F_PARTIAL_AT] = Infinity;
      tcpRearm(s, f);
    }
    if (f64[d + F_CLOSE_AT]! <= now) {
      this.#why = WHY_CLOSED;
      return true;
    }
    if (f64[d + F_LAST_TS]! + f64[d + F_INACT]! <= now) {
      this.#why = WHY_TIMEOUT;
      return true;
    }
    return false;
  }

  /** Earliest time the flow may need ending. */
  #nextCheck(f: number): number {
    const f64 = this.#store.f64;
    const d = f * REC_F64;
    const idle = f64[d + F_LAST_TS]! + f64[d + F_INACT]!;
    const hard = f64[d + F_HARD_AT]!;
    return hard < idle ? hard : idle;
  }

  #schedule(f: number, t: number): void {
    this.#store.f64[f * REC_F64 + F_SCHED_AT] = t;
    this.#wheel.schedule(f, t);
  }

  #onWheel(f: number): void {
    this.#store.f64[f * REC_F64 + F_SCHED_AT] = Infinity;
    if (this.#isDue(f, this.#expireNow)) this.#end(f, REASONS[this.#why]!);
    else this.#schedule(f, this.#nextCheck(f));
  }

  /** Zeek's TCPSessionAdapter::IsReuse for a SYN arriving on an existing connection. */
  #isReuse(f: number, p: DecodedPacket): boolean {
    const s = this.#store;
    const u8 = s.u8;
    const u32 = s.u32;
    const b = f * RECORD_BYTES;
    const w = f * REC_U32;
    const os = u8[b + B_FLAGS]! & FL_ORIG_IS_B;
    const rs = os ^ 1;
    let connOrig = os;
    const hasAck = (p.tcpFlags & TcpFlag.ACK) !== 0;
    if (hasAck) {
      // A SYN-ACK can only start a new connection on a half-open one.
      if (u8[b + B_STATE + os] !== TCP_INACTIVE) return false;
      connOrig = rs;
    }
    if (u8[b + B_DID_CLOSE + os] === 0 && u8[b + B_DID_CLOSE + rs] === 0) {
      const seq = p.seq >>> 0;
      if (seq === u32[w + U_START_SEQ + connOrig]) return false; // a retransmitted SYN
      // SYN and SYN-ACK seen in reverse order: not a reuse.
      if (
        !hasAck &&
        u8[b + B_STATE + connOrig] === TCP_SYN_ACK_SENT &&
        u8[b + B_STATE + rs] === TCP_INACTIVE &&
        seq === u32[w + U_START_SEQ + rs]
      ) {
        return false;
      }
    }
    return true;
  }

  #end(f: number, reason: FlowEndReason): void {
    const s = this.#store;
    const table = this.#table;
    try {
      this.#handlers.onEnding?.(f, s.f64[f * REC_F64 + F_LAST_TS]!);
      if ((s.flags(f) & FL_HIST_FULL) !== 0) this.historyTruncated++;
      const sink = this.endedRecords;
      if (sink !== null) {
        sink(s, table.words, table.entryOffset(f), f);
      } else {
        this.#handlers.onEnd(f, buildConnRecord(s, table.words, table.entryOffset(f), f, this.#uid(f), this.#uidSeed), reason);
      }
    } finally {
      // Free the slot even when a handler throws, so the table stays consistent.
      table.remove(f);
      this.#wheel.unlink(f);
      s.u8[f * RECORD_BYTES + B_LIVE] = 0;
      s.services[f] = undefined;
      s.connIds[f] = undefined;
      this.#free[this.#freeTop++] = f;
      this.stats.live--;
      this.stats.ended++;
    }
  }

  /** Ends the least recently active of a few flows (the table is full). */
  #evict(): void {
    const s = this.#store;
    const cap = s.capacity;
    let best = -1;
    let bestTs = Infinity;
    let seen = 0;
    let i = this.#evictHand;
    for (let steps = 0; steps < cap && seen < EVICT_SAMPLE; steps++) {
      if (s.isLive(i)) {
        seen++;
        const t = s.f64[i * REC_F64 + F_LAST_TS]!;
        if (t < bestTs) {
          bestTs = t;
          best = i;
        }
      }
      i = i + 1 === cap ? 0 : i + 1;
    }
    this.#evictHand = i;
    if (best < 0) return;
    this.stats.evicted++;
    this.#end(best, 'evicted');
  }

  #grow(): void {
    const old = this.#store.capacity;
    const cap = Math.min(this.#maxFlows, old * 2);
    this.#store.grow(cap);
    this.#table.grow(cap);
    this.#wheel.grow(cap);
    const free = new Int32Array(cap);
    free.set(this.#free.subarray(0, this.#freeTop));
    this.#free = free;
    this.#pushFree(old, cap);
  }
}
