/**
 * Per-flow state as columns: one typed array per field, indexed by flow
 * number (the public "slot"), or by endpoint number `slot * 2 + side` for
 * per-endpoint fields. Side 0 is endpoint A of the flow key and side 1 is
 * endpoint B (see flow-table.ts); which side is the originator is a flag,
 * so Zeek's role flips are one bit, not a copy. Columns keep the packet
 * path free of objects and let V8 keep every access monomorphic; Float64
 * holds times and counters that can pass 2^32, Uint32 holds TCP sequence
 * numbers (their arithmetic is mod 2^32 anyway).
 */
import type { ConnId } from '../events/conn-id.js';

/**
 * History letters kept per flow. Zeek's history is unbounded, but its
 * repeat rules keep real connections far below this; past it letters are
 * dropped and the flow is counted in `historyTruncated`.
 */
export const HISTORY_MAX = 32;

/** Scaled-history counters per endpoint: (count, next threshold) for 'T', 'W', 'G'. */
export const SCALED_PER_ENDPOINT = 6;
export const SCALED_RXMIT = 0;
export const SCALED_WIN0 = 2;
export const SCALED_GAP = 4;

/** `flags` bits. */
export const FL_ORIG_IS_B = 1; // the originator is endpoint B of the key
export const FL_V6 = 2;
export const FL_ONE_WAY = 4; // one-way ICMP message: the key is directional
export const FL_LOCAL_A = 8;
export const FL_LOCAL_B = 16;
export const FL_LOCAL_SET = 32; // local_orig/local_resp were evaluated
export const FL_HIST_FULL = 64;

export class FlowStore {
  capacity = 0;
  // ---- per flow ----
  live = new Uint8Array(0);
  proto = new Uint8Array(0);
  flags = new Uint8Array(0);
  histLen = new Uint8Array(0);
  history = new Uint8Array(0);
  /** Zeek's hist_seen bits (TCP: originator bits low 16, responder high 16; UDP: 1 = D, 2 = d). */
  histSeen = new Uint32Array(0);
  startTs = new Float64Array(0);
  /** Zeek's connection last_time (for TCP it stops moving once both sides closed). */
  lastTs = new Float64Array(0);
  /** Current inactivity timeout (seconds). */
  inact = new Float64Array(0);
  /** Zeek analyzer timers (Infinity = not armed) and their minimum. */
  attemptAt = new Float64Array(0);
  closeAt = new Float64Array(0);
  partialAt = new Float64Array(0);
  hardAt = new Float64Array(0);
  /** Flow number used to derive the uid. */
  uidNum = new Float64Array(0);
  missed = new Float64Array(0);
  vlan = new Int32Array(0);
  innerVlan = new Int32Array(0);
  // ---- per endpoint (slot * 2 + side) ----
  mac = new Float64Array(0);
  pkts = new Float64Array(0);
  ipBytes = new Float64Array(0);
  /** UDP/ICMP payload bytes (TCP sizes come from sequence numbers). */
  bytes = new Float64Array(0);
  state = new Uint8Array(0);
  prevState = new Uint8Array(0);
  didClose = new Uint8Array(0);
  startSeq = new Uint32Array(0);
  lastSeq = new Uint32Array(0);
  ackSeq = new Uint32Array(0);
  seqWraps = new Uint32Array(0);
  ackWraps = new Uint32Array(0);
  finCnt = new Uint32Array(0);
  histSyn = new Uint32Array(0);
  histFin = new Uint32Array(0);
  histRst = new Uint32Array(0);
  scaled = new Uint32Array(0);
  // ---- rare, per flow (strings only at flow start/end) ----
  services: (string | undefined)[] = [];
  connIds: (ConnId | undefined)[] = [];

  constructor(capacity: number) {
    this.grow(capacity);
  }

  /** Enlarges every column to `capacity` flows, keeping contents. */
  grow(capacity: number): void {
    const n = capacity;
    const e = capacity * 2;
    this.live = extendU8(this.live, n);
    this.proto = extendU8(this.proto, n);
    this.flags = extendU8(this.flags, n);
    this.histLen = extendU8(this.histLen, n);
    this.history = extendU8(this.history, n * HISTORY_MAX);
    this.histSeen = extendU32(this.histSeen, n);
    this.startTs = extendF64(this.startTs, n);
    this.lastTs = extendF64(this.lastTs, n);
    this.inact = extendF64(this.inact, n);
    this.attemptAt = extendF64(this.attemptAt, n);
    this.closeAt = extendF64(this.closeAt, n);
    this.partialAt = extendF64(this.partialAt, n);
    this.hardAt = extendF64(this.hardAt, n);
    this.uidNum = extendF64(this.uidNum, n);
    this.missed = extendF64(this.missed, n);
    this.vlan = extendI32(this.vlan, n);
    this.innerVlan = extendI32(this.innerVlan, n);
    this.mac = extendF64(this.mac, e);
    this.pkts = extendF64(this.pkts, e);
    this.ipBytes = extendF64(this.ipBytes, e);
    this.bytes = extendF64(this.bytes, e);
    this.state = extendU8(this.state, e);
    this.prevState = extendU8(this.prevState, e);
    this.didClose = extendU8(this.didClose, e);
    this.startSeq = extendU32(this.startSeq, e);
    this.lastSeq = extendU32(this.lastSeq, e);
    this.ackSeq = extendU32(this.ackSeq, e);
    this.seqWraps = extendU32(this.seqWraps, e);
    this.ackWraps = extendU32(this.ackWraps, e);
    this.finCnt = extendU32(this.finCnt, e);
    this.histSyn = extendU32(this.histSyn, e);
    this.histFin = extendU32(this.histFin, e);
    this.histRst = extendU32(this.histRst, e);
    this.scaled = extendU32(this.scaled, e * SCALED_PER_ENDPOINT);
    for (let i = this.services.length; i < n; i++) {
      this.services.push(undefined);
      this.connIds.push(undefined);
    }
    this.capacity = capacity;
  }

  /** Resets flow `f` to a fresh state (called when the slot is taken). */
  clear(f: number): void {
    this.proto[f] = 0;
    this.flags[f] = 0;
    this.histLen[f] = 0;
    this.histSeen[f] = 0;
    this.startTs[f] = 0;
    this.lastTs[f] = 0;
    this.inact[f] = Infinity;
    this.attemptAt[f] = Infinity;
    this.closeAt[f] = Infinity;
    this.partialAt[f] = Infinity;
    this.hardAt[f] = Infinity;
    this.missed[f] = 0;
    this.vlan[f] = -1;
    this.innerVlan[f] = -1;
    for (let side = 0; side < 2; side++) {
      const e = f * 2 + side;
      this.mac[e] = -1;
      this.pkts[e] = 0;
      this.ipBytes[e] = 0;
      this.bytes[e] = 0;
      this.state[e] = 0;
      this.prevState[e] = 0;
      this.didClose[e] = 0;
      this.startSeq[e] = 0;
      this.lastSeq[e] = 0;
      this.ackSeq[e] = 0;
      this.seqWraps[e] = 0;
      this.ackWraps[e] = 0;
      this.finCnt[e] = 0;
      this.histSyn[e] = 0;
      this.histFin[e] = 0;
      this.histRst[e] = 0;
      const s = e * SCALED_PER_ENDPOINT;
      // Each scaled letter is first recorded at its 1st occurrence, then at 10, 100, ...
      this.scaled[s] = 0;
      this.scaled[s + 1] = 1;
      this.scaled[s + 2] = 0;
      this.scaled[s + 3] = 1;
      this.scaled[s + 4] = 0;
      this.scaled[s + 5] = 1;
    }
    this.services[f] = undefined;
    this.connIds[f] = undefined;
  }

  /** Side (0 = A, 1 = B) of the originator. */
  origSide(f: number): number {
    return this.flags[f]! & FL_ORIG_IS_B;
  }

  /** Appends a history letter (a character code). */
  addHistory(f: number, code: number): void {
    const len = this.histLen[f]!;
    if (len >= HISTORY_MAX) {
      this.flags[f] = this.flags[f]! | FL_HIST_FULL;
      return;
    }
    this.history[f * HISTORY_MAX + len] = code;
    this.histLen[f] = len + 1;
  }

  /**
   * Zeek's Connection::CheckHistory: records `code` the first time `mask`
   * is seen; returns true when it had been seen before.
   */
  checkHistory(f: number, mask: number, code: number): boolean {
    const seen = this.histSeen[f]!;
    if ((seen & mask) === 0) {
      this.histSeen[f] = (seen | mask) >>> 0;
      this.addHistory(f, code);
      return false;
    }
    return true;
  }

  /**
   * Zeek's ScaledHistoryEntry: counts an event of endpoint `e` and records
   * `code` at the 1st, 10th, 100th, ... occurrence.
   */
  scaledHistory(f: number, e: number, which: number, code: number): void {
    const i = e * SCALED_PER_ENDPOINT + which;
    const count = this.scaled[i]! + 1;
    this.scaled[i] = count;
    const threshold = this.scaled[i + 1]!;
    if (count === threshold) {
      this.addHistory(f, code);
      const next = threshold * 10;
      // Past 32 bits keep the threshold and restart the count, as Zeek does on wrap-around.
      if (next > 0xffffffff) this.scaled[i] = 0;
      else this.scaled[i + 1] = next;
    }
  }

  historyString(f: number): string {
    const len = this.histLen[f]!;
    const base = f * HISTORY_MAX;
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(this.history[base + i]!);
    return s;
  }

  /** Approximate bytes held by the columns. */
  get byteLength(): number {
    let total = 0;
    for (const v of Object.values(this)) {
      if (ArrayBuffer.isView(v)) total += v.byteLength;
    }
    return total;
  }
}

function extendU8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(a.length <= n ? a : a.subarray(0, n));
  return b;
}
function extendU32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a.length <= n ? a : a.subarray(0, n));
  return b;
}
function extendI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a.length <= n ? a : a.subarray(0, n));
  return b;
}
function extendF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a.length <= n ? a : a.subarray(0, n));
  return b;
}
