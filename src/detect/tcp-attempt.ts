/**
 * Reading a finished TCP connection's outcome from its conn.log record
 * (conn_state and history letters: originator upper case, responder lower).
 * Shared by the scan, lateral-movement and brute-force rules, which all need
 * to tell "knocked and went away" from "talked".
 */
import type { ConnRecord } from '../flows/conn-record.js';

/** Outcome classes as small integers (compared per flow). */
export const Attempt = {
  /** Not TCP, or no originator SYN seen (midstream pickup): not an attempt. */
  NONE: 0,
  /** Payload flowed: a real conversation, not a failed attempt. */
  DATA: 1,
  /** SYN answered by RST (closed port): conn_state REJ. */
  REJECTED: 2,
  /** SYN never answered (filtered, or the host is down): S0, RSTOS0, SH. */
  NO_REPLY: 3,
  /** SYN-ACK received, never acknowledged by the originator: the nmap -sS signature. */
  HALF_OPEN: 4,
  /** Handshake completed, then closed with no payload either way: connect() scans, banner-less probes. */
  CONNECT: 5,
} as const;
export type AttemptKind = (typeof Attempt)[keyof typeof Attempt];

export const ATTEMPT_NAMES = ['none', 'data', 'rejected', 'no_reply', 'half_open', 'connect'] as const;

const CH_S = 83; // 'S' originator SYN
const CH_H = 104; // 'h' responder SYN-ACK
const CH_A = 65; // 'A' originator pure ACK
const CH_D = 68; // 'D' originator payload
const CH_d = 100; // 'd' responder payload

export function classifyAttempt(rec: ConnRecord): AttemptKind {
  if (rec.proto !== 'tcp') return Attempt.NONE;
  const h = rec.history;
  let syn = false;
  let synAck = false;
  let ack = false;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c === CH_D || c === CH_d) return Attempt.DATA;
    if (c === CH_S) syn = true;
    else if (c === CH_H) synAck = true;
    else if (c === CH_A) ack = true;
  }
  if ((rec.orig_bytes ?? 0) > 0 || (rec.resp_bytes ?? 0) > 0) return Attempt.DATA;
  if (!syn) return Attempt.NONE;
  if (rec.conn_state === 'REJ') return Attempt.REJECTED;
  if (!synAck) return Attempt.NO_REPLY;
  return ack ? Attempt.CONNECT : Attempt.HALF_OPEN;
}

/** Handshake completed and payload went both ways: a session, not a probe. */
export function isSession(rec: ConnRecord): boolean {
  return (rec.orig_bytes ?? 0) > 0 && (rec.resp_bytes ?? 0) > 0;
}

/**
 * The originator sent at least one packet. A flow whose first packet seen
 * was the responder's (a lone SYN-ACK or reply, history starting with '^'
 * flipped and no originator packets) is no evidence the originator did anything.
 */
export function originatorSent(rec: ConnRecord): boolean {
  return rec.orig_pkts > 0;
}

/** The responder answered (SYN-ACK seen, or any responder packet for UDP). */
export function responderAnswered(rec: ConnRecord): boolean {
  if (rec.proto !== 'tcp') return rec.resp_pkts > 0;
  return rec.history.indexOf('h') >= 0 || (rec.resp_bytes ?? 0) > 0;
}

/** True for attempts a port scan consists of (failed or payload-less). */
export function isScanAttempt(kind: AttemptKind): boolean {
  return kind >= Attempt.REJECTED;
}

/**
 * "syn" or "connect" for a set of attempt counts indexed by AttemptKind:
 * connect when handshakes completed without payload and none were left
 * half-open; closed and filtered ports look the same to both scan types, so
 * those alone read as "syn" (what was seen: SYNs that got nowhere).
 */
export function scanType(counts: ArrayLike<number>): 'syn' | 'connect' {
  return counts[Attempt.CONNECT]! > 0 && counts[Attempt.HALF_OPEN]! === 0 ? 'connect' : 'syn';
}

/** The attempt counts as evidence. */
export function attemptEvidence(counts: ArrayLike<number>): { [k: string]: number } {
  return {
    rejected: counts[Attempt.REJECTED]!,
    no_reply: counts[Attempt.NO_REPLY]!,
    half_open: counts[Attempt.HALF_OPEN]!,
    connect: counts[Attempt.CONNECT]!,
  };
}
