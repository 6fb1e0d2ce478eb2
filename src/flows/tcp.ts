/**
 * Zeek's TCP connection model, per packet: endpoint states, relative
 * sequence numbers with 32-bit wrap-around, the history letters and the
 * close logic that decide conn.log's conn_state, history, orig/resp_bytes
 * and when a connection ends. It follows Zeek's TCPSessionAdapter and
 * TCP_Endpoint behaviour (src/packet_analysis/protocol/tcp/) step by step,
 * minus what only feeds Zeek events ("weirds", window-recision checks).
 *
 * Everything works on the FlowStore columns by endpoint number
 * e = slot * 2 + side; nothing allocates.
 */
import {
  FL_ORIG_IS_B,
  SCALED_GAP,
  SCALED_RXMIT,
  SCALED_WIN0,
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

const CH_A = 65; // 'A'
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

function setState(s: FlowStore, e: number, state: number): void {
  const cur = s.state[e]!;
  if (cur !== state) {
    s.prevState[e] = cur;
    s.state[e] = state;
  }
}

/** True when endpoint `e` currently plays the originator. */
function isOrigEp(s: FlowStore, f: number, e: number): boolean {
  return (e & 1) === (s.flags[f]! & FL_ORIG_IS_B);
}

/** Zeek's TCP_Endpoint::CheckHistory: responder letters are lower case with the mask shifted. */
function epCheckHistory(s: FlowStore, f: number, e: number, mask: number, code: number): boolean {
  return isOrigEp(s, f, e) ? s.checkHistory(f, mask, code) : s.checkHistory(f, (mask << 16) >>> 0, code + LOWER);
}

function epAddHistory(s: FlowStore, f: number, e: number, code: number): void {
  s.addHistory(f, isOrigEp(s, f, e) ? code : code + LOWER);
}

/**
 * Zeek's get_relative_seq: `cur` relative to the endpoint's start, in the
 * 64-bit space implied by `wraps`; negative means it lies before the start
 * (Zeek's "underflow").
 */
function relativeSeq(start: number, cur: number, last: number, wraps: number): number {
  const delta = seqDelta(cur, last);
  let w = wraps;
  if (delta < 0) {
    if (w > 0 && cur > last) w--;
  } else if (delta > 0) {
    if (cur < last) w++;
  }
  if (w === 0) return seqDelta(cur, start);
  return w * TWO_32 + cur - start;
}

function initEndpoint(s: FlowStore, e: number, syn: boolean, seq: number, seqEnd: number): void {
  const st = s.state[e]!;
  if (st === INACTIVE) {
    if (syn) {
      s.ackSeq[e] = seq;
      s.startSeq[e] = seq;
      s.lastSeq[e] = seqEnd;
    } else {
      // A partial connection: number as though a SYN had preceded, but do
      // not let the first packet look like a duplicate.
      s.ackSeq[e] = seq - 1;
      s.startSeq[e] = seq - 1;
      s.lastSeq[e] = seq;
    }
  } else if (syn) {
    let reinit = false;
    if (st === SYN_SENT || st === SYN_ACK_SENT) reinit = seq !== s.startSeq[e];
    else if (st === ESTABLISHED || st === PARTIAL) reinit = true;
    else if (st === RESET) reinit = s.prevState[e] === INACTIVE;
    if (reinit) {
      s.startSeq[e] = seq;
      s.ackSeq[e] = seq;
      s.lastSeq[e] = seqEnd;
    }
  }
}

function updateHistory(s: FlowStore, f: number, e: number, flags: number, relSeq: number, len: number): void {
  const syn = (flags & F_SYN) !== 0;
  const fin = (flags & F_FIN) !== 0;
  const rst = (flags & F_RST) !== 0;
  const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (bits > 1) {
    if (fin && rst) epCheckHistory(s, f, e, HIST_FIN_RST_PKT, CH_I);
    else epCheckHistory(s, f, e, HIST_MULTI_FLAG_PKT, CH_Q);
  } else if (bits === 1) {
    // S/H/F/R repeat only when their sequence number differs from the last one of that kind.
    const rel = relSeq >>> 0;
    if (syn) {
      const code = (flags & F_ACK) !== 0 ? CH_H : CH_S;
      if (epCheckHistory(s, f, e, HIST_SYN_PKT, code) && rel !== s.histSyn[e]) epAddHistory(s, f, e, code);
      s.histSyn[e] = rel;
    } else if (fin) {
      // A FIN's sequence number is the one after its data.
      const relEnd = (relSeq + len) >>> 0;
      if (epCheckHistory(s, f, e, HIST_FIN_PKT, CH_F) && relEnd !== s.histFin[e]) epAddHistory(s, f, e, CH_F);
      s.histFin[e] = relEnd;
    } else {
      if (epCheckHistory(s, f, e, HIST_RST_PKT, CH_R) && rel !== s.histRst[e]) epAddHistory(s, f, e, CH_R);
      s.histRst[e] = rel;
    }
  } else if (len > 0) {
    epCheckHistory(s, f, e, HIST_DATA_PKT, CH_D);
  } else if ((flags & F_ACK) !== 0) {
    epCheckHistory(s, f, e, HIST_ACK_PKT, CH_A);
  }
}

function updateLastSeqValue(s: FlowStore, e: number, seq: number): void {
  if (seq < s.lastSeq[e]!) s.seqWraps[e] = s.seqWraps[e]! + 1;
  s.lastSeq[e] = seq;
}

/** Zeek's update_last_seq; flags a retransmission ('T') when data does not advance the sequence. */
function updateLastSeq(s: FlowStore, f: number, e: number, seqEnd: number, flags: number, len: number): void {
  const last = s.lastSeq[e]!;
  const delta = seqDelta(seqEnd, last);
  if ((flags & (F_SYN | F_RST)) !== 0 && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA)) {
    // An implausible jump in a SYN or RST: do not trust it.
  } else if ((flags & F_FIN) !== 0 && last === ((s.startSeq[e]! + 1) >>> 0)) {
    // Only SYN and FIN seen: take the FIN's sequence even when it looks
    // backwards (connections over 2 GiB).
    updateLastSeqValue(s, e, seqEnd);
  } else if (s.state[e] === RESET) {
    // Sequence numbers after a RST are not trusted.
  } else if (delta > 0) {
    updateLastSeqValue(s, e, seqEnd);
  } else if (len > 0) {
    s.scaledHistory(f, e, SCALED_RXMIT, isOrigEp(s, f, e) ? CH_T : CH_T + LOWER);
  }
}

function updateAckSeq(s: FlowStore, e: number, ack: number): void {
  const delta = seqDelta(ack, s.ackSeq[e]!);
  if (ack === 0 && delta > TOO_LARGE_SEQ_DELTA) return; // a broken ack, not a huge connection
  if (delta > 0) {
    if (ack < s.ackSeq[e]!) s.ackWraps[e] = s.ackWraps[e]! + 1;
    s.ackSeq[e] = ack;
  }
}

/** Zeek's Connection::FlipRoles for a TCP flow already in progress. */
function flipRoles(s: FlowStore, f: number): void {
  s.flags[f] = s.flags[f]! ^ FL_ORIG_IS_B;
  s.addHistory(f, CH_CARET);
  // The cached ConnId names the old roles.
  s.connIds[f] = undefined;
}

function armTimers(s: FlowStore, f: number): void {
  const a = s.attemptAt[f]!;
  const c = s.closeAt[f]!;
  const p = s.partialAt[f]!;
  s.hardAt[f] = a < c ? (a < p ? a : p) : c < p ? c : p;
}

/**
 * Zeek's ConnectionClosed: endpoint `e` closed (FIN or RST). Once the close
 * is complete the connection is removed `tcpClose`/`tcpReset` seconds after
 * its last activity, so late ACKs still count.
 */
function connectionClosed(s: FlowStore, f: number, e: number, pe: number, t: FlowTimeouts): void {
  if (s.didClose[e] !== 0) return;
  s.didClose[e] = 1;
  const reset = s.state[e] === RESET;
  if (reset || s.didClose[pe] !== 0 || s.state[pe] === INACTIVE) {
    // Zeek cancels the attempt/partial-close timers and arms the delete timer.
    s.attemptAt[f] = Infinity;
    s.partialAt[f] = Infinity;
    s.closeAt[f] = s.lastTs[f]! + (reset ? t.tcpReset : t.tcpClose);
  } else if (s.prevState[e] === INACTIVE) {
    // The first thing seen from this side was its close.
    s.partialAt[f] = s.lastTs[f]! + t.tcpPartialClose;
  }
  armTimers(s, f);
}

/**
 * One TCP packet of flow `f` from side `side`. `len` is the payload length
 * the IP header implies (Zeek's `len`), `win` the raw window field.
 */
export function tcpPacket(
  s: FlowStore,
  f: number,
  side: number,
  flags: number,
  seq: number,
  ack: number,
  len: number,
  win: number,
  ts: number,
  t: FlowTimeouts,
): void {
  const e = f * 2 + side;
  const pe = e ^ 1;
  const syn = (flags & F_SYN) !== 0;
  const fin = (flags & F_FIN) !== 0;
  const rst = (flags & F_RST) !== 0;
  const hasAck = (flags & F_ACK) !== 0;
  const isOrig = isOrigEp(s, f, e);

  // SYN and FIN take one sequence number each; a RST's data is not stream data.
  let segLen = len;
  if (syn) segLen++;
  if (fin) segLen++;
  if (rst) segLen -= len;
  const seqEnd = (seq + segLen) >>> 0;

  initEndpoint(s, e, syn, seq, seqEnd);
  const relSeq = relativeSeq(s.startSeq[e]!, seq, s.lastSeq[e]!, s.seqWraps[e]!);
  updateHistory(s, f, e, flags, relSeq, len);

  // Zero windows matter unless they come with/after a RST or after the peer's FIN.
  if (win === 0 && !rst && s.state[pe] !== CLOSED && s.state[e] !== RESET) {
    s.scaledHistory(f, e, SCALED_WIN0, isOrig ? CH_W : CH_W + LOWER);
  }

  // Trailing packets after both sides closed do not extend the duration.
  const fe = f * 2;
  if (s.didClose[fe] === 0 || s.didClose[fe + 1] === 0) s.lastTs[f] = ts;

  if (fin) s.finCnt[e] = s.finCnt[e]! + 1;

  if (hasAck) {
    if (s.state[pe] === INACTIVE) {
      // Number the silent peer's sequence space from what this side acks.
      const base = (ack - 1) >>> 0;
      s.startSeq[pe] = base;
      s.ackSeq[pe] = base;
      s.lastSeq[pe] = base;
    } else if (!rst) {
      // An ack before the peer's start is a misorder and not trusted; nor are acks in RSTs.
      const relAck = relativeSeq(s.startSeq[pe]!, ack, s.ackSeq[pe]!, s.ackWraps[pe]!);
      if (relAck >= 0) updateAckSeq(s, pe, ack);
    }
  }

  updateLastSeq(s, f, e, seqEnd, flags, len);

  // ---- the state machine (Zeek's UpdateStateMachine) ----
  let doClose = false;
  const st = s.state[e]!;
  if (st === INACTIVE) {
    if (syn) {
      if (isOrig) {
        setState(s, e, hasAck ? SYN_ACK_SENT : SYN_SENT);
        if (t.tcpAttempt > 0 && s.attemptAt[f] === Infinity) {
          s.attemptAt[f] = ts + t.tcpAttempt;
          armTimers(s, f);
        }
      } else {
        if (!hasAck && s.state[pe] === SYN_ACK_SENT && seq === s.startSeq[e]) {
          // The SYN-ACK was seen before its SYN: swap roles and establish.
          flipRoles(s, f);
          setState(s, pe, ESTABLISHED);
        }
        if (s.state[pe] === SYN_SENT) setState(s, pe, ESTABLISHED);
        setState(s, e, ESTABLISHED);
      }
    }
    if (fin) {
      setState(s, e, CLOSED);
      doClose = true;
    }
    if (rst) {
      setState(s, e, RESET);
      doClose = true;
    }
    if (s.state[e] === INACTIVE) {
      const oe = f * 2 + (s.flags[f]! & FL_ORIG_IS_B);
      if (!isOrig && len === 0 && s.state[oe] === SYN_SENT) {
        // An ack of the SYN before the SYN-ACK (some stacks do this): not a partial connection.
      } else if (hasAck && s.state[pe] === ESTABLISHED) {
        // SYN-ACK seen, SYN missed, now its ACK: establish rather than call it partial.
        setState(s, e, ESTABLISHED);
      } else {
        setState(s, e, PARTIAL);
      }
    }
  } else if (st === SYN_SENT || st === SYN_ACK_SENT) {
    if (fin) {
      setState(s, e, CLOSED);
      doClose = true;
    }
    if (rst) {
      setState(s, e, RESET);
      doClose = true;
    }
  } else if (st === ESTABLISHED || st === PARTIAL) {
    if (syn && st === PARTIAL && s.state[pe] === INACTIVE && !hasAck) setState(s, e, SYN_SENT);
    if (fin && !rst) {
      setState(s, e, CLOSED);
      // The peer's FIN then RST was a normal close after all.
      if (s.state[pe] === RESET && s.prevState[pe] === CLOSED) setState(s, pe, CLOSED);
      doClose = true;
    }
    if (rst) {
      setState(s, e, RESET);
      doClose = true;
    }
  } else if (st === CLOSED) {
    if (rst && s.state[pe] !== CLOSED) {
      setState(s, e, RESET);
      if (s.didClose[e] === 0) {
        doClose = true;
      } else {
        // RST after our own FIN while the peer is open: Zeek's expire timer
        // drops such a connection once it has lingered without traffic.
        const at = s.lastTs[f]! + TCP_CONNECTION_LINGER;
        if (at < s.closeAt[f]!) {
          s.closeAt[f] = at;
          armTimers(s, f);
        }
      }
    }
  }
  // (RESET: nothing changes.)

  // Zeek switches from the UDP to the TCP inactivity timeout once the handshake is over.
  if (s.inact[f] !== t.tcpInactivity && (!isHandshake(s.state[e]!) || !isHandshake(s.state[pe]!))) {
    s.inact[f] = t.tcpInactivity;
  }

  if (doClose) connectionClosed(s, f, e, pe, t);
}

/**
 * A content gap reported by reassembly: Zeek's 'G'/'g' (scaled) for the
 * side that sent the missing data.
 */
export function tcpGap(s: FlowStore, f: number, fromOrig: boolean): void {
  const side = fromOrig ? s.flags[f]! & FL_ORIG_IS_B : (s.flags[f]! & FL_ORIG_IS_B) ^ 1;
  s.scaledHistory(f, f * 2 + side, SCALED_GAP, fromOrig ? CH_G : CH_G + LOWER);
}

/**
 * Zeek's TCP_Endpoint::Size: payload bytes from the sequence space (the
 * larger of the highest sequence sent and the highest acked by the peer),
 * minus the SYN and FIN octets. Retransmissions therefore never count twice.
 */
export function tcpSize(s: FlowStore, e: number): number {
  const pe = e ^ 1;
  const startSeq = s.startSeq[e]!;
  const ack64 = s.ackWraps[e]! * TWO_32 + s.ackSeq[e]!;
  if (
    s.prevState[e] === SYN_SENT &&
    s.state[e] === RESET &&
    s.state[pe] === INACTIVE &&
    !(ack64 === startSeq || ack64 === startSeq + 1)
  ) {
    // A half-open connection that was aborted: its sequence numbers say nothing about data.
    return 0;
  }
  const last64 = s.seqWraps[e]! * TWO_32 + s.lastSeq[e]!;
  let size = (last64 > ack64 ? last64 : ack64) - startSeq;
  // Zeek does this in unsigned 64-bit arithmetic; a negative span is a
  // broken sequence space, reported as 0 rather than as a huge number.
  if (size < 0) return 0;
  if (size > 0) size--; // the SYN octet (assumed even for partial connections)
  if (s.finCnt[e]! > 0 && size > 0) size--; // the FIN octet
  return size;
}

/** Zeek's Conn::conn_state for TCP, from the endpoint states, sizes and history. */
export function tcpConnState(s: FlowStore, f: number, origBytes: number, respBytes: number, history: string): string {
  const oe = f * 2 + (s.flags[f]! & FL_ORIG_IS_B);
  const re = oe ^ 1;
  const os = s.state[oe]!;
  const rs = s.state[re]!;
  const oInactive = os === INACTIVE || os === PARTIAL;
  const rInactive = rs === INACTIVE || rs === PARTIAL;
  if (rs === RESET) {
    if (os === SYN_SENT || os === SYN_ACK_SENT || (os === RESET && origBytes === 0 && respBytes === 0)) return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === RESET) {
    if (rInactive) return RSTOS0_HISTORY.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === CLOSED && os === CLOSED) return 'SF';
  if (os === CLOSED) return rInactive ? 'SH' : 'S2';
  if (rs === CLOSED) return oInactive ? 'SHR' : 'S3';
  if (os === SYN_SENT && rs === INACTIVE) return 'S0';
  if (os === ESTABLISHED && rs === ESTABLISHED) return 'S1';
  return 'OTH';
}

/** Zeek's /\^?S[^HAFGIQ]*R.*\/ (a pattern == string match is anchored at both ends). */
const RSTOS0_HISTORY = /^\^?S[^HAFGIQ]*R/;

/** Zeek's attempt-timer condition: the originator sent a SYN and the responder stayed silent. */
export function tcpAttemptPending(s: FlowStore, f: number): boolean {
  const oe = f * 2 + (s.flags[f]! & FL_ORIG_IS_B);
  const os = s.state[oe]!;
  return (os === SYN_SENT || os === SYN_ACK_SENT) && s.state[oe ^ 1] === INACTIVE;
}

/**
 * Zeek's partial-close-timer condition: both sides active, not both closed,
 * and no RST (a RST explains the partial close, so it is not reported).
 */
export function tcpPartialClosePending(s: FlowStore, f: number): boolean {
  const e = f * 2;
  const a = s.state[e]!;
  const b = s.state[e + 1]!;
  if (a === INACTIVE || b === INACTIVE) return false;
  if (s.didClose[e] !== 0 && s.didClose[e + 1] !== 0) return false;
  return a !== RESET && b !== RESET;
}

/** Re-arms the combined timer after one of the analyzer timers was disarmed. */
export function tcpRearm(s: FlowStore, f: number): void {
  armTimers(s, f);
}
