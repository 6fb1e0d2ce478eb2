/**
 * Zeek's TCP connection model, per packet: endpoint states, relative
 * sequence numbers with 32-bit wrap-around, the history letters and the
 * close logic that decide conn.log's conn_state, history, orig/resp_bytes
 * and when a connection ends. It follows Zeek's TCPSessionAdapter and
 * TCP_Endpoint behaviour (src/packet_analysis/protocol/tcp/) step by step,
 * minus what only feeds Zeek events ("weirds", window-recision checks).
 *
 * Everything works on a flow's record in the FlowStore (see the offsets
 * there), endpoint by side (0 = key endpoint A, 1 = B); nothing allocates.
 */
import type { DecodedPacket } from '../decode/decoded.js';
import {
  B_DID_CLOSE,
  B_FLAGS,
  B_PREV_STATE,
  B_STATE,
  F_ATTEMPT_AT,
  F_CLOSE_AT,
  F_HARD_AT,
  F_INACT,
  F_LAST_TS,
  F_PARTIAL_AT,
  FL_ORIG_IS_B,
  RECORD_BYTES,
  REC_F64,
  REC_U32,
  SCALED_GAP,
  SCALED_RXMIT,
  SCALED_WIN0,
  U_ACK_SEQ,
  U_ACK_WRAPS,
  U_FIN_CNT,
  U_HIST_FIN,
  U_HIST_RST,
  U_HIST_SYN,
  U_LAST_SEQ,
  U_SEQ_WRAPS,
  U_START_SEQ,
  type FlowStore,
} from './flow-store.js';
import { TCP_CONNECTION_LINGER, type FlowTimeouts } from './timeouts.js';

/** Zeek's TCP endpoint states (the values of TCP_INACTIVE .. TCP_RESET). */
export const TcpState = {
  INACTIVE: 0,
  SYN_SENT: 1,
  SYN_ACK_SENT: 2,
  PARTIAL: 3,
  ESTABLISHED: 4,
  CLOSED: 5,
  RESET: 6,
} as const;

const INACTIVE = 0;
const SYN_SENT = 1;
const SYN_ACK_SENT = 2;
const PARTIAL = 3;
const ESTABLISHED = 4;
const CLOSED = 5;
const RESET = 6;

const F_FIN = 0x01;
const F_SYN = 0x02;
const F_RST = 0x04;
const F_ACK = 0x10;

/** Zeek's hist_seen bits per endpoint (shifted left 16 for the responder). */
const HIST_SYN_PKT = 0x1;
const HIST_FIN_PKT = 0x2;
const HIST_RST_PKT = 0x4;
const HIST_FIN_RST_PKT = 0x8;
const HIST_DATA_PKT = 0x10;
const HIST_ACK_PKT = 0x20;
const HIST_MULTI_FLAG_PKT = 0x40;

/**
 * Zeek's TOO_LARGE_SEQ_DELTA (1 MiB): a SYN or RST whose sequence number
 * jumps further than this from what was seen is not trusted to move
 * last_seq, and an ack of 0 jumping further is taken as broken.
 */
const TOO_LARGE_SEQ_DELTA = 1048576;
const TWO_32 = 4294967296;

const CH_A = 65;
const CH_D = 68;
const CH_F = 70;
const CH_G = 71;
const CH_H = 72;
const CH_I = 73;
const CH_Q = 81;
const CH_R = 82;
const CH_S = 83;
const CH_T = 84;
const CH_W = 87;
const CH_CARET = 94; // '^'
const LOWER = 32;

/** Signed 32-bit difference of two sequence numbers (Zeek's seq_delta). */
function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

function isHandshake(state: number): boolean {
  return state === INACTIVE || state === SYN_SENT || state === SYN_ACK_SENT;
}

/** Sets the state of `side` (byte base `b`), remembering the previous one. */
function setState(s: FlowStore, b: number, side: number, state: number): void {
  const u8 = s.u8;
  const cur = u8[b + B_STATE + side]!;
  if (cur !== state) {
    u8[b + B_PREV_STATE + side] = cur;
    u8[b + B_STATE + side] = state;
  }
}

/** True when `side` currently plays the originator. */
function isOrigSide(s: FlowStore, b: number, side: number): boolean {
  return side === (s.u8[b + B_FLAGS]! & FL_ORIG_IS_B);
}

/** Zeek's TCP_Endpoint::CheckHistory: responder letters are lower case with the mask shifted. */
function epCheckHistory(s: FlowStore, f: number, b: number, side: number, mask: number, code: number): boolean {
  return isOrigSide(s, b, side) ? s.checkHistory(f, mask, code) : s.checkHistory(f, (mask << 16) >>> 0, code + LOWER);
}

function epAddHistory(s: FlowStore, f: number, b: number, side: number, code: number): void {
  s.addHistory(f, isOrigSide(s, b, side) ? code : code + LOWER);
}

/**
 * Zeek's get_relative_seq: `cur` relative to the endpoint's start, in the
 * 64-bit space implied by `wraps`; negative means it lies before the start
 * (Zeek's "underflow").
 */
function relativeSeq(start: number, cur: number, last: number, wraps: number): number {
  const c = cur >>> 0;
  const delta = seqDelta(c, last);
  let w = wraps;
  if (delta < 0) {
    if (w > 0 && c > last) w--;
  } else if (delta > 0) {
    if (c < last) w++;
  }
  if (w === 0) return seqDelta(c, start);
  return w * TWO_32 + c - start;
}

function initEndpoint(s: FlowStore, w: number, b: number, side: number, syn: boolean, seq: number, seqEnd: number): void {
  const u32 = s.u32;
  const st = s.u8[b + B_STATE + side]!;
  if (st === INACTIVE) {
    if (syn) {
      u32[w + U_ACK_SEQ + side] = seq;
      u32[w + U_START_SEQ + side] = seq;
      u32[w + U_LAST_SEQ + side] = seqEnd;
    } else {
      // A partial connection: number as though a SYN had preceded, but do
      // not let the first packet look like a duplicate.
      u32[w + U_ACK_SEQ + side] = seq - 1;
      u32[w + U_START_SEQ + side] = seq - 1;
      u32[w + U_LAST_SEQ + side] = seq;
    }
  } else if (syn) {
    let reinit = false;
    if (st === SYN_SENT || st === SYN_ACK_SENT) reinit = seq >>> 0 !== u32[w + U_START_SEQ + side];
    else if (st === ESTABLISHED || st === PARTIAL) reinit = true;
    else if (st === RESET) reinit = s.u8[b + B_PREV_STATE + side] === INACTIVE;
    if (reinit) {
      u32[w + U_START_SEQ + side] = seq;
      u32[w + U_ACK_SEQ + side] = seq;
      u32[w + U_LAST_SEQ + side] = seqEnd;
    }
  }
}

function updateHistory(
  s: FlowStore,
  f: number,
  w: number,
  b: number,
  side: number,
  flags: number,
  relSeq: number,
  len: number,
): void {
  const syn = (flags & F_SYN) !== 0;
  const fin = (flags & F_FIN) !== 0;
  const rst = (flags & F_RST) !== 0;
  const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (bits === 0) {
    if (len > 0) epCheckHistory(s, f, b, side, HIST_DATA_PKT, CH_D);
    else if ((flags & F_ACK) !== 0) epCheckHistory(s, f, b, side, HIST_ACK_PKT, CH_A);
    return;
  }
  if (bits > 1) {
    if (fin && rst) epCheckHistory(s, f, b, side, HIST_FIN_RST_PKT, CH_I);
    else epCheckHistory(s, f, b, side, HIST_MULTI_FLAG_PKT, CH_Q);
    return;
  }
  // S/H/F/R repeat only when their sequence number differs from the last one of that kind.
  const u32 = s.u32;
  const rel = relSeq >>> 0;
  if (syn) {
    const code = (flags & F_ACK) !== 0 ? CH_H : CH_S;
    const i = w + U_HIST_SYN + side;
    if (epCheckHistory(s, f, b, side, HIST_SYN_PKT, code) && rel !== u32[i]) epAddHistory(s, f, b, side, code);
    u32[i] = rel;
  } else if (fin) {
    // A FIN's sequence number is the one after its data.
    const relEnd = (relSeq + len) >>> 0;
    const i = w + U_HIST_FIN + side;
    if (epCheckHistory(s, f, b, side, HIST_FIN_PKT, CH_F) && relEnd !== u32[i]) epAddHistory(s, f, b, side, CH_F);
    u32[i] = relEnd;
  } else {
    const i = w + U_HIST_RST + side;
    if (epCheckHistory(s, f, b, side, HIST_RST_PKT, CH_R) && rel !== u32[i]) epAddHistory(s, f, b, side, CH_R);
    u32[i] = rel;
  }
}

function updateLastSeqValue(s: FlowStore, w: number, side: number, seq: number): void {
  const u32 = s.u32;
  if (seq >>> 0 < u32[w + U_LAST_SEQ + side]!) u32[w + U_SEQ_WRAPS + side] = u32[w + U_SEQ_WRAPS + side]! + 1;
  u32[w + U_LAST_SEQ + side] = seq;
}

/** Zeek's update_last_seq; flags a retransmission ('T') when data does not advance the sequence. */
function updateLastSeq(
  s: FlowStore,
  f: number,
  w: number,
  b: number,
  side: number,
  seqEnd: number,
  flags: number,
  len: number,
): void {
  const last = s.u32[w + U_LAST_SEQ + side]!;
  const delta = seqDelta(seqEnd, last);
  if ((flags & (F_SYN | F_RST)) !== 0 && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA)) {
    // An implausible jump in a SYN or RST: do not trust it.
  } else if ((flags & F_FIN) !== 0 && last === ((s.u32[w + U_START_SEQ + side]! + 1) >>> 0)) {
    // Only SYN and FIN seen: take the FIN's sequence even when it looks
    // backwards (connections over 2 GiB).
    updateLastSeqValue(s, w, side, seqEnd);
  } else if (s.u8[b + B_STATE + side] === RESET) {
    // Sequence numbers after a RST are not trusted.
  } else if (delta > 0) {
    updateLastSeqValue(s, w, side, seqEnd);
  } else if (len > 0) {
    s.scaledHistory(f, side, SCALED_RXMIT, isOrigSide(s, b, side) ? CH_T : CH_T + LOWER);
  }
}

function updateAckSeq(s: FlowStore, w: number, side: number, ack: number): void {
  const u32 = s.u32;
  const cur = u32[w + U_ACK_SEQ + side]!;
  const delta = seqDelta(ack, cur);
  if (ack === 0 && delta > TOO_LARGE_SEQ_DELTA) return; // a broken ack, not a huge connection
  if (delta > 0) {
    if (ack >>> 0 < cur) u32[w + U_ACK_WRAPS + side] = u32[w + U_ACK_WRAPS + side]! + 1;
    u32[w + U_ACK_SEQ + side] = ack;
  }
}

/** Zeek's Connection::FlipRoles for a TCP flow already in progress. */
function flipRoles(s: FlowStore, f: number, b: number): void {
  s.u8[b + B_FLAGS] = s.u8[b + B_FLAGS]! ^ FL_ORIG_IS_B;
  s.addHistory(f, CH_CARET);
  // The cached ConnId names the old roles.
  s.connIds[f] = undefined;
}

/** Recomputes the earliest armed timer. */
export function tcpRearm(s: FlowStore, f: number): void {
  const f64 = s.f64;
  const d = f * REC_F64;
  const a = f64[d + F_ATTEMPT_AT]!;
  const c = f64[d + F_CLOSE_AT]!;
  const p = f64[d + F_PARTIAL_AT]!;
  f64[d + F_HARD_AT] = a < c ? (a < p ? a : p) : c < p ? c : p;
}

/**
 * Zeek's ConnectionClosed: `side` closed (FIN or RST). Once the close is
 * complete the connection is removed `tcpClose`/`tcpReset` seconds after
 * its last activity, so late ACKs still count.
 */
function connectionClosed(s: FlowStore, f: number, b: number, side: number, t: FlowTimeouts): void {
  const u8 = s.u8;
  if (u8[b + B_DID_CLOSE + side] !== 0) return;
  u8[b + B_DID_CLOSE + side] = 1;
  const ps = side ^ 1;
  const f64 = s.f64;
  const d = f * REC_F64;
  const reset = u8[b + B_STATE + side] === RESET;
  if (reset || u8[b + B_DID_CLOSE + ps] !== 0 || u8[b + B_STATE + ps] === INACTIVE) {
    // Zeek cancels the attempt/partial-close timers and arms the delete timer.
    f64[d + F_ATTEMPT_AT] = Infinity;
    f64[d + F_PARTIAL_AT] = Infinity;
    f64[d + F_CLOSE_AT] = f64[d + F_LAST_TS]! + (reset ? t.tcpReset : t.tcpClose);
  } else if (u8[b + B_PREV_STATE + side] === INACTIVE) {
    // The first thing seen from this side was its close.
    f64[d + F_PARTIAL_AT] = f64[d + F_LAST_TS]! + t.tcpPartialClose;
  }
  tcpRearm(s, f);
}

/**
 * One TCP packet of flow `f` from `side`. `len` is the payload length the
 * IP header implies (Zeek's `len`), `win` the raw window field.
 */
export function tcpPacket(s: FlowStore, f: number, side: number, p: DecodedPacket, t: FlowTimeouts): void {
  // Read here rather than passed in: the float time would be boxed into a
  // new heap number per call. Sequence numbers go to the functions above as
  // signed 32-bit integers, the same bits as the unsigned ones stored, read
  // unsigned (>>> 0) where their order matters: V8 passes those as small
  // integers, where unsigned ones from 2^31 up are a new heap number for
  // each call that is not inlined.
  const flags = p.tcpFlags;
  const seq = p.seq | 0;
  const ack = p.ack | 0;
  const len = p.payloadWireLen;
  const win = p.window;
  const ts = p.ts;
  const d = f * REC_F64;
  const w = f * REC_U32;
  const b = f * RECORD_BYTES;
  const u8 = s.u8;
  const u32 = s.u32;
  const f64 = s.f64;
  const ps = side ^ 1;
  const syn = (flags & F_SYN) !== 0;
  const fin = (flags & F_FIN) !== 0;
  const rst = (flags & F_RST) !== 0;
  const hasAck = (flags & F_ACK) !== 0;
  const isOrig = isOrigSide(s, b, side);

  // SYN and FIN take one sequence number each; a RST's data is not stream data.
  let segLen = len;
  if (syn) segLen++;
  if (fin) segLen++;
  if (rst) segLen -= len;
  const seqEnd = (seq + segLen) | 0;

  initEndpoint(s, w, b, side, syn, seq, seqEnd);
  const relSeq = relativeSeq(u32[w + U_START_SEQ + side]!, seq, u32[w + U_LAST_SEQ + side]!, u32[w + U_SEQ_WRAPS + side]!);
  updateHistory(s, f, w, b, side, flags, relSeq, len);

  // Zero windows matter unless they come with/after a RST or after the peer's FIN.
  if (win === 0 && !rst && u8[b + B_STATE + ps] !== CLOSED && u8[b + B_STATE + side] !== RESET) {
    s.scaledHistory(f, side, SCALED_WIN0, isOrig ? CH_W : CH_W + LOWER);
  }

  // Trailing packets after both sides closed do not extend the duration.
  if (u8[b + B_DID_CLOSE] === 0 || u8[b + B_DID_CLOSE + 1] === 0) f64[d + F_LAST_TS] = ts;

  if (fin) u32[w + U_FIN_CNT + side] = u32[w + U_FIN_CNT + side]! + 1;

  if (hasAck) {
    if (u8[b + B_STATE + ps] === INACTIVE) {
      // Number the silent peer's sequence space from what this side acks.
      const base = (ack - 1) >>> 0;
      u32[w + U_START_SEQ + ps] = base;
      u32[w + U_ACK_SEQ + ps] = base;
      u32[w + U_LAST_SEQ + ps] = base;
    } else if (!rst) {
      // An ack before the peer's start is a misorder and not trusted; nor are acks in RSTs.
      const relAck = relativeSeq(u32[w + U_START_SEQ + ps]!, ack, u32[w + U_ACK_SEQ + ps]!, u32[w + U_ACK_WRAPS + ps]!);
      if (relAck >= 0) updateAckSeq(s, w, ps, ack);
    }
  }

  updateLastSeq(s, f, w, b, side, seqEnd, flags, len);

  // ---- the state machine (Zeek's UpdateStateMachine) ----
  let doClose = false;
  const st = u8[b + B_STATE + side]!;
  if (st === INACTIVE) {
    if (syn) {
      if (isOrig) {
        setState(s, b, side, hasAck ? SYN_ACK_SENT : SYN_SENT);
        if (t.tcpAttempt > 0 && f64[d + F_ATTEMPT_AT] === Infinity) {
          f64[d + F_ATTEMPT_AT] = ts + t.tcpAttempt;
          tcpRearm(s, f);
        }
      } else {
        if (!hasAck && u8[b + B_STATE + ps] === SYN_ACK_SENT && seq >>> 0 === u32[w + U_START_SEQ + side]) {
          // The SYN-ACK was seen before its SYN: swap roles and establish.
          flipRoles(s, f, b);
          setState(s, b, ps, ESTABLISHED);
        }
        if (u8[b + B_STATE + ps] === SYN_SENT) setState(s, b, ps, ESTABLISHED);
        setState(s, b, side, ESTABLISHED);
      }
    }
    if (fin) {
      setState(s, b, side, CLOSED);
      doClose = true;
    }
    if (rst) {
      setState(s, b, side, RESET);
      doClose = true;
    }
    if (u8[b + B_STATE + side] === INACTIVE) {
      const os = u8[b + B_FLAGS]! & FL_ORIG_IS_B;
      if (!isOrig && len === 0 && u8[b + B_STATE + os] === SYN_SENT) {
        // An ack of the SYN before the SYN-ACK (some stacks do this): not a partial connection.
      } else if (hasAck && u8[b + B_STATE + ps] === ESTABLISHED) {
        // SYN-ACK seen, SYN missed, now its ACK: establish rather than call it partial.
        setState(s, b, side, ESTABLISHED);
      } else {
        setState(s, b, side, PARTIAL);
      }
    }
  } else if (st === SYN_SENT || st === SYN_ACK_SENT) {
    if (fin) {
      setState(s, b, side, CLOSED);
      doClose = true;
    }
    if (rst) {
      setState(s, b, side, RESET);
      doClose = true;
    }
  } else if (st === ESTABLISHED || st === PARTIAL) {
    if (syn && st === PARTIAL && u8[b + B_STATE + ps] === INACTIVE && !hasAck) setState(s, b, side, SYN_SENT);
    if (fin && !rst) {
      setState(s, b, side, CLOSED);
      // The peer's FIN then RST was a normal close after all.
      if (u8[b + B_STATE + ps] === RESET && u8[b + B_PREV_STATE + ps] === CLOSED) setState(s, b, ps, CLOSED);
      doClose = true;
    }
    if (rst) {
      setState(s, b, side, RESET);
      doClose = true;
    }
  } else if (st === CLOSED) {
    if (rst && u8[b + B_STATE + ps] !== CLOSED) {
      setState(s, b, side, RESET);
      if (u8[b + B_DID_CLOSE + side] === 0) {
        doClose = true;
      } else {
        // RST after our own FIN while the peer is open: Zeek's expire timer
        // drops such a connection once it has lingered without traffic.
        const at = f64[d + F_LAST_TS]! + TCP_CONNECTION_LINGER;
        if (at < f64[d + F_CLOSE_AT]!) {
          f64[d + F_CLOSE_AT] = at;
          tcpRearm(s, f);
        }
      }
    }
  }
  // (RESET: nothing changes.)

  // Zeek switches from the UDP to the TCP inactivity timeout once the handshake is over.
  if (f64[d + F_INACT] !== t.tcpInactivity && (!isHandshake(u8[b + B_STATE]!) || !isHandshake(u8[b + B_STATE + 1]!))) {
    f64[d + F_INACT] = t.tcpInactivity;
  }

  if (doClose) connectionClosed(s, f, b, side, t);
}

/**
 * A content gap reported by reassembly: Zeek's 'G'/'g' (scaled) for the
 * side that sent the missing data.
 */
export function tcpGap(s: FlowStore, f: number, fromOrig: boolean): void {
  const os = s.origSide(f);
  s.scaledHistory(f, fromOrig ? os : os ^ 1, SCALED_GAP, fromOrig ? CH_G : CH_G + LOWER);
}

/**
 * Zeek's TCP_Endpoint::Size for `side`: payload bytes from the sequence
 * space (the larger of the highest sequence sent and the highest acked by
 * the peer), minus the SYN and FIN octets. Retransmissions therefore never
 * count twice.
 */
export function tcpSize(s: FlowStore, f: number, side: number): number {
  const u32 = s.u32;
  const u8 = s.u8;
  const w = f * REC_U32;
  const b = f * RECORD_BYTES;
  const startSeq = u32[w + U_START_SEQ + side]!;
  const ack64 = u32[w + U_ACK_WRAPS + side]! * TWO_32 + u32[w + U_ACK_SEQ + side]!;
  if (
    u8[b + B_PREV_STATE + side] === SYN_SENT &&
    u8[b + B_STATE + side] === RESET &&
    u8[b + B_STATE + (side ^ 1)] === INACTIVE &&
    !(ack64 === startSeq || ack64 === startSeq + 1)
  ) {
    // A half-open connection that was aborted: its sequence numbers say nothing about data.
    return 0;
  }
  const last64 = u32[w + U_SEQ_WRAPS + side]! * TWO_32 + u32[w + U_LAST_SEQ + side]!;
  let size = (last64 > ack64 ? last64 : ack64) - startSeq;
  // Zeek does this in unsigned 64-bit arithmetic; a negative span is a
  // broken sequence space, reported as 0 rather than as a huge number.
  if (size < 0) return 0;
  if (size > 0) size--; // the SYN octet (assumed even for partial connections)
  if (u32[w + U_FIN_CNT + side]! > 0 && size > 0) size--; // the FIN octet
  return size;
}

/** Zeek's /\^?S[^HAFGIQ]*R.*\/ (a pattern == string match is anchored at both ends). */
const RSTOS0_HISTORY = /^\^?S[^HAFGIQ]*R/;

/** Zeek's Conn::conn_state for TCP, from the endpoint states, sizes and history. */
export function tcpConnState(s: FlowStore, f: number, origBytes: number, respBytes: number, history: string): string {
  const b = f * RECORD_BYTES;
  const os = s.origSide(f);
  const oState = s.u8[b + B_STATE + os]!;
  const rState = s.u8[b + B_STATE + (os ^ 1)]!;
  const oInactive = oState === INACTIVE || oState === PARTIAL;
  const rInactive = rState === INACTIVE || rState === PARTIAL;
  if (rState === RESET) {
    if (oState === SYN_SENT || oState === SYN_ACK_SENT || (oState === RESET && origBytes === 0 && respBytes === 0)) {
      return 'REJ';
    }
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (oState === RESET) {
    if (rInactive) return RSTOS0_HISTORY.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rState === CLOSED && oState === CLOSED) return 'SF';
  if (oState === CLOSED) return rInactive ? 'SH' : 'S2';
  if (rState === CLOSED) return oInactive ? 'SHR' : 'S3';
  if (oState === SYN_SENT && rState === INACTIVE) return 'S0';
  if (oState === ESTABLISHED && rState === ESTABLISHED) return 'S1';
  return 'OTH';
}

/** Zeek's attempt-timer condition: the originator sent a SYN and the responder stayed silent. */
export function tcpAttemptPending(s: FlowStore, f: number): boolean {
  const b = f * RECORD_BYTES;
  const os = s.origSide(f);
  const o = s.u8[b + B_STATE + os]!;
  return (o === SYN_SENT || o === SYN_ACK_SENT) && s.u8[b + B_STATE + (os ^ 1)] === INACTIVE;
}

/**
 * Zeek's partial-close-timer condition: both sides active, not both closed,
 * and no RST (a RST explains the partial close, so it is not reported).
 */
export function tcpPartialClosePending(s: FlowStore, f: number): boolean {
  const b = f * RECORD_BYTES;
  const u8 = s.u8;
  const x = u8[b + B_STATE]!;
  const y = u8[b + B_STATE + 1]!;
  if (x === INACTIVE || y === INACTIVE) return false;
  if (u8[b + B_DID_CLOSE] !== 0 && u8[b + B_DID_CLOSE + 1] !== 0) return false;
  return x !== RESET && y !== RESET;
}
