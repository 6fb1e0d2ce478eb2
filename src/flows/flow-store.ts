/**
 * Per-flow state, one fixed-size record per flow number (the public
 * "slot") in ONE ArrayBuffer, read through Float64/Uint32/Int32/Uint8
 * views. A packet of an existing flow touches two or three consecutive
 * cache lines of its record (plus its table entry): a column-per-field
 * layout measured 0.4 Mpkt/s at 200k flows because each field was its own
 * cache miss. Fields used by every packet sit in the first two lines.
 *
 * Per-endpoint fields come in pairs: side 0 is endpoint A of the flow key,
 * side 1 endpoint B (see flow-table.ts). Which side is the originator is a
 * flag bit, so Zeek's role flips never move data. Float64 holds times and
 * counters that can pass 2^32; Uint32 holds TCP sequence numbers (their
 * arithmetic is mod 2^32 anyway).
 */
import type { ConnId } from '../events/conn-id.js';

/** Bytes per flow record: five 64-byte cache lines. */
export const RECORD_BYTES = 320;
export const REC_F64 = RECORD_BYTES / 8;
export const REC_U32 = RECORD_BYTES / 4;

// ---- Float64 slots (index within a record of REC_F64) ----
// line 1: read or written by every packet
/** Zeek's connection last_time (for TCP it stops moving once both sides closed). */
export const F_LAST_TS = 0;
/** Current inactivity timeout, seconds. */
export const F_INACT = 1;
/** Earliest armed TCP timer (min of attempt/close/partial), Infinity if none. */
export const F_HARD_AT = 2;
/** Time the flow is filed for in the timer wheel. */
export const F_SCHED_AT = 3;
export const F_PKTS = 4; // +side
export const F_IP_BYTES = 6; // +side
// line 2 is mostly Uint32/Uint8 (below), except:
/**
 * UDP/ICMP payload bytes. TCP sizes come from sequence numbers, so these
 * two slots share their bytes with the TCP start/last sequence words
 * (U_START_SEQ, U_LAST_SEQ): a datagram then touches one line less.
 */
export const F_BYTES = 8; // +side
// line 3
export const F_START_TS = 18;
export const F_ATTEMPT_AT = 19;
export const F_CLOSE_AT = 20;
export const F_PARTIAL_AT = 21;
/** Flow number the uid derives from. */
export const F_UID_NUM = 22;
export const F_MISSED = 23;
// line 4
export const F_MAC = 24; // +side; -1 = none

// ---- Uint32 slots (index within a record of REC_U32) ----
// line 2: TCP sequence state
export const U_START_SEQ = 16; // +side
export const U_LAST_SEQ = 18; // +side
export const U_ACK_SEQ = 20; // +side
export const U_SEQ_WRAPS = 22; // +side
export const U_ACK_WRAPS = 24; // +side
/** Zeek's hist_seen bits (TCP: originator bits low 16, responder high 16; UDP: 1 = D, 2 = d). */
export const U_HIST_SEEN = 26;
export const U_FIN_CNT = 27; // +side
// line 4
export const U_VLAN = 52; // read through the Int32 view; -1 = none
export const U_INNER_VLAN = 53;
export const U_HIST_SYN = 54; // +side
export const U_HIST_FIN = 56; // +side
export const U_HIST_RST = 58; // +side
// line 5: scaled-history counters, side * 3 + which
export const U_SCALED = 64;

// ---- Uint8 slots (byte offset within a record) ----
// line 2
export const B_STATE = 116; // +side
export const B_PREV_STATE = 118; // +side
export const B_DID_CLOSE = 120; // +side
export const B_FLAGS = 122;
export const B_PROTO = 123;
export const B_HIST_LEN = 124;
// line 4
export const B_LIVE = 240;
/** How many long-connection ages (tracker.ts LONG_CONN_AGES) the flow was reported at. */
export const B_LONG_STEP = 241;
/** TunnelKind (decode/tunnel.ts) of the flow's first packet; 0 when it came in no tunnel. */
export const B_TUNNEL = 242;
/** For a UDP tunnel's own connection (DecodedPacket.carrier): the TunnelKind it carries, its conn.log service; else 0. */
export const B_CARRIER = 243;
/** That tunnel's VNI, GRE key, ERSPAN session, GTP TEID or PPTP call id (-1 when none; a double holds 32 bits); read only when B_TUNNEL is set. */
export const F_TUNNEL_ID = 31;
/** Number (plus one; 0 = none) of the tunnel in the pipeline's tunnel table, for conn.jsonl's tunnel_parents. */
export const U_TUNNEL_PARENT = 61;
// line 5: power-of-ten exponent of each scaled counter's next threshold
export const B_SCALED_EXP = 280;
export const B_HISTORY = 288;

/**
 * History letters kept per flow. Zeek's history is unbounded, but its
 * repeat rules keep real connections far below this; past it letters are
 * dropped and the flow is counted as truncated.
 */
export const HISTORY_MAX = 32;

/** Which scaled-history counter (Zeek's 'T', 'W' and 'G' letters). */
export const SCALED_RXMIT = 0;
export const SCALED_WIN0 = 1;
export const SCALED_GAP = 2;
/** 10^9 is the largest power of ten below 2^32; past it Zeek's threshold stops growing. */
const MAX_EXP = 9;
const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** `B_FLAGS` bits. */
export const FL_ORIG_IS_B = 1; // the originator is endpoint B of the key
export const FL_V6 = 2;
export const FL_ONE_WAY = 4; // one-way ICMP message: the key is directional
export const FL_LOCAL_A = 8;
export const FL_LOCAL_B = 16;
export const FL_LOCAL_SET = 32; // local_orig/local_resp were evaluated
export const FL_HIST_FULL = 64;
/**
 * TCP: the flow's first packet carried ACK. History letters cannot tell a
 * FIN|ACK (an established connection closing after the tracker forgot it)
 * from a bare FIN (a FIN or Xmas scan probe); this bit can.
 */
export const FL_FIRST_ACK = 128;

/**
 * Most records a store reserves address space for up front (1.25 GiB).
 * Past it, growing copies the records into a larger buffer.
 */
const MAX_RESERVED_RECORDS = 1 << 22;

export class FlowStore {
  /** Records in use: slots 0..capacity-1 are valid flow numbers. */
  capacity = 0;
  f64: Float64Array = new Float64Array(0);
  u32: Uint32Array = new Uint32Array(0);
  i32: Int32Array = new Int32Array(0);
  u8: Uint8Array = new Uint8Array(0);
  /** Rare per-flow strings, by slot (made only at flow start/end). */
  services: (string | undefined)[] = [];
  connIds: (ConnId | undefined)[] = [];

  /**
   * `reserve` (default: `capacity`) is the capacity the store may grow to
   * without moving: the buffer is allocated that large at once and the
   * system backs it with memory only as records are first written. On this
   * kind of machine a first write to a page costs about 10 µs, so growing
   * by copying into a fresh buffer paid for every record twice (the copy,
   * then the use) and was about 5 % of a connection-log replay.
   */
  constructor(capacity: number, reserve = capacity) {
    const records = Math.min(Math.max(capacity, reserve), MAX_RESERVED_RECORDS);
    if (records > capacity) {
      try {
        this.#setBuffer(new ArrayBuffer(records * RECORD_BYTES));
      } catch {
        // No address space for the reservation: grow by copying instead.
      }
    }
    this.grow(capacity);
  }

  /**
   * A store over `capacity` records that already sit in `buffer` at
   * `byteOffset` (copies of another store's records, e.g. in shared memory
   * on another thread), read in place.
   */
  static over(buffer: ArrayBufferLike, byteOffset: number, capacity: number): FlowStore {
    const s = new FlowStore(0);
    s.u8 = new Uint8Array(buffer, byteOffset, capacity * RECORD_BYTES);
    s.f64 = new Float64Array(buffer, byteOffset, capacity * REC_F64);
    s.u32 = new Uint32Array(buffer, byteOffset, capacity * REC_U32);
    s.i32 = new Int32Array(buffer, byteOffset, capacity * REC_U32);
    s.services = new Array<string | undefined>(capacity).fill(undefined);
    s.connIds = new Array<ConnId | undefined>(capacity).fill(undefined);
    s.capacity = capacity;
    return s;
  }

  /** Enlarges the store to `capacity` flows, keeping contents (in place while the reservation lasts). */
  grow(capacity: number): void {
    if (capacity * RECORD_BYTES > this.u8.length) {
      const buf = new ArrayBuffer(capacity * RECORD_BYTES);
      new Uint8Array(buf).set(this.u8);
      this.#setBuffer(buf);
    }
    for (let i = this.services.length; i < capacity; i++) {
      this.services.push(undefined);
      this.connIds.push(undefined);
    }
    this.capacity = capacity;
  }

  #setBuffer(buf: ArrayBuffer): void {
    this.u8 = new Uint8Array(buf);
    this.f64 = new Float64Array(buf);
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
  }

  /** Resets flow `f` to a fresh state (called when the slot is taken). */
  clear(f: number): void {
    const d = f * REC_F64;
    const f64 = this.f64;
    // Zeroed a word at a time: TypedArray.fill over a sub-range goes through
    // a runtime call that cost more than the whole rest of a flow's start.
    for (let i = 0; i < REC_F64; i++) f64[d + i] = 0;
    f64[d + F_INACT] = Infinity;
    f64[d + F_HARD_AT] = Infinity;
    f64[d + F_SCHED_AT] = Infinity;
    f64[d + F_ATTEMPT_AT] = Infinity;
    f64[d + F_CLOSE_AT] = Infinity;
    f64[d + F_PARTIAL_AT] = Infinity;
    f64[d + F_MAC] = -1;
    f64[d + F_MAC + 1] = -1;
    const w = f * REC_U32;
    this.i32[w + U_VLAN] = -1;
    this.i32[w + U_INNER_VLAN] = -1;
    this.services[f] = undefined;
    this.connIds[f] = undefined;
  }

  isLive(f: number): boolean {
    return f >= 0 && f < this.capacity && this.u8[f * RECORD_BYTES + B_LIVE] === 1;
  }

  flags(f: number): number {
    return this.u8[f * RECORD_BYTES + B_FLAGS]!;
  }

  /** Side (0 = A, 1 = B) of the originator. */
  origSide(f: number): number {
    return this.u8[f * RECORD_BYTES + B_FLAGS]! & FL_ORIG_IS_B;
  }

  /** Appends a history letter (a character code). */
  addHistory(f: number, code: number): void {
    const b = f * RECORD_BYTES;
    const len = this.u8[b + B_HIST_LEN]!;
    if (len >= HISTORY_MAX) {
      this.u8[b + B_FLAGS] = this.u8[b + B_FLAGS]! | FL_HIST_FULL;
      return;
    }
    this.u8[b + B_HISTORY + len] = code;
    this.u8[b + B_HIST_LEN] = len + 1;
  }

  /**
   * Zeek's Connection::CheckHistory: records `code` the first time `mask`
   * is seen; returns true when it had been seen before.
   */
  checkHistory(f: number, mask: number, code: number): boolean {
    const i = f * REC_U32 + U_HIST_SEEN;
    const seen = this.u32[i]!;
    if ((seen & mask) === 0) {
      this.u32[i] = (seen | mask) >>> 0;
      this.addHistory(f, code);
      return false;
    }
    return true;
  }

  /**
   * Zeek's ScaledHistoryEntry: counts an event of `side` and records `code`
   * at the 1st, 10th, 100th, ... occurrence.
   */
  scaledHistory(f: number, side: number, which: number, code: number): void {
    const k = side * 3 + which;
    const ci = f * REC_U32 + U_SCALED + k;
    const ei = f * RECORD_BYTES + B_SCALED_EXP + k;
    const count = this.u32[ci]! + 1;
    this.u32[ci] = count;
    const exp = this.u8[ei]!;
    if (count === POW10[exp]) {
      this.addHistory(f, code);
      // Past 10^9 keep the threshold and restart the count, as Zeek does on wrap-around.
      if (exp < MAX_EXP) this.u8[ei] = exp + 1;
      else this.u32[ci] = 0;
    }
  }

  historyString(f: number): string {
    const b = f * RECORD_BYTES;
    const len = this.u8[b + B_HIST_LEN]!;
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(this.u8[b + B_HISTORY + i]!);
    return s;
  }

  /** Bytes of the records in use (a reservation's untouched rest costs no memory). */
  get byteLength(): number {
    return this.capacity * RECORD_BYTES;
  }
}
