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
  /** No SYN: a lone FIN-flagged probe (nmap -sF, -sX Xmas, -sM Maimon), answered by RST or not at all. */
  FIN_PROBE: 6,
  /** No SYN: a probe with no TCP flags at all (nmap -sN), answered by RST or not at all. */
  NULL_PROBE: 7,
  /** No SYN: a bare ACK probe (nmap -sA, -sW), answered by RST or not at all. */
  ACK_PROBE: 8,
  /** Not TCP: an unanswered UDP datagram to one port (nmap -sU); see udp-probe.ts. Never returned by classifyAttempt. */
  UDP_PROBE: 9,
} as const;
export type AttemptKind = (typeof Attempt)[keyof typeof Attempt];

export const ATTEMPT_NAMES = ['none', 'data', 'rejected', 'no_reply', 'half_open', 'connect', 'fin', 'null', 'ack', 'udp'] as const;

const CH_S = 83; // 'S' originator SYN
const CH_H = 104; // 'h' responder SYN-ACK
const CH_A = 65; // 'A' originator pure ACK
const CH_D = 68; // 'D' originator payload
const CH_d = 100; // 'd' responder payload
const CH_a = 97; // 'a' responder pure ACK
const CH_F = 70; // 'F' originator FIN
const CH_r = 114; // 'r' responder RST

/**
 * Most packets a probe without a handshake takes per direction: scanners send
 * one per port (a retry comes from another source port) and get one RST or
 * nothing back; a longer exchange without a SYN is a connection picked up
 * midstream, not a probe.
 */
const MAX_PROBE_PKTS = 2;

/**
 * `openedWithAck` (FlowEndEvent) tells a FIN probe from a late FIN|ACK of a
 * real connection where history cannot; undefined (not known) counts a lone
 * FIN as a probe.
 */
export function classifyAttempt(rec: ConnRecord, openedWithAck?: boolean): AttemptKind {
  if (rec.proto !== 'tcp') return Attempt.NONE;
  const h = rec.history;
  let syn = false;
  let synAck = false;
  let ack = false;
  let respAck = false;
  let origData = (rec.orig_bytes ?? 0) > 0;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c === CH_d) return Attempt.DATA;
    if (c === CH_D) origData = true;
    else if (c === CH_S) syn = true;
    else if (c === CH_H) synAck = true;
    else if (c === CH_A) ack = true;
    else if (c === CH_a) respAck = true;
  }
  if ((rec.resp_bytes ?? 0) > 0) return Attempt.DATA;
  // Originator payload is a conversation once the handshake went through (the
  // originator acknowledged the SYN-ACK, or the responder acknowledged
  // something). Payload riding on a SYN that was refused, ignored or never
  // acknowledged (nmap --data-length pads its SYN probes to dodge signatures)
  // reached no application: the flow is the attempt it would be without it.
  if (origData && (!syn || ack || respAck)) return Attempt.DATA;
  if (!syn) return probeWithoutHandshake(rec, openedWithAck);
  if (rec.conn_state === 'REJ') return Attempt.REJECTED;
  if (!synAck) return Attempt.NO_REPLY;
  return ack ? Attempt.CONNECT : Attempt.HALF_OPEN;
}

/**
 * A flow without an originator SYN is usually a connection picked up
 * midstream (not an attempt), but FIN, NULL, Xmas, Maimon and ACK scans
 * (nmap -sF/-sN/-sX/-sM/-sA) send exactly that: one packet without SYN per
 * port, which a closed (or, for ACK, unfiltered) port answers with a RST and
 * an open or filtered one ignores. Counted as a probe only when the flow
 * looks like nothing else:
 * - the originator sent only FIN-flagged packets, bare ACKs or packets
 *   without flags (history F, A or nothing), at most MAX_PROBE_PKTS, and the
 *   responder nothing or RSTs only (history r). Replies of a live connection
 *   (its FIN, ACK or data: f, a, d), a flipped flow (^), SYN+FIN and the
 *   like are not probes;
 * - it went to a lower port than it came from. The midstream leftovers of
 *   real connections that look the same (a server's keep-alive ACK or idle
 *   close answered by RST after the client forgot the connection) go from
 *   the server's port to the client's ephemeral port, above it, and would
 *   otherwise add up to "many ports" of the client; scanners send from one
 *   high port (nmap: 33000-63999) to the ports they map, below it.
 * - a FIN probe's first packet has no ACK (FIN, Xmas). Every packet of an
 *   established connection carries ACK, so a FIN|ACK opening a flow is a
 *   connection closed after the tracker forgot it (a laptop waking up and
 *   closing idle connections to many servers, which answer RST) and is not
 *   counted; nmap's Maimon scan (-sM, FIN|ACK) is not told apart from that.
 *   History letters do not keep the flag: the flow's first packet does
 *   (`openedWithAck`).
 */
function probeWithoutHandshake(rec: ConnRecord, openedWithAck: boolean | undefined): AttemptKind {
  if (rec.orig_pkts < 1 || rec.orig_pkts > MAX_PROBE_PKTS || rec.resp_pkts > MAX_PROBE_PKTS) return Attempt.NONE;
  if (rec['id.resp_p'] >= rec['id.orig_p']) return Attempt.NONE;
  const h = rec.history;
  let fin = false;
  let ack = false;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c === CH_F) fin = true;
    else if (c === CH_A) ack = true;
    else if (c !== CH_r) return Attempt.NONE;
  }
  if (fin) return openedWithAck === true ? Attempt.NONE : Attempt.FIN_PROBE;
  return ack ? Attempt.ACK_PROBE : Attempt.NULL_PROBE;
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

/** How a scan probed: SYN-based (half-open or full connects), with TCP packets that skip the handshake, or with UDP datagrams. */
export type ScanType = 'syn' | 'connect' | 'fin' | 'null' | 'ack' | 'udp';

/**
 * The scan type for a set of attempt counts indexed by AttemptKind. Probes
 * without a handshake decide when they outnumber the SYN-based attempts (the
 * most frequent kind names it). Otherwise "connect" when handshakes
 * completed without payload and none were left half-open; closed and
 * filtered ports look the same to both SYN scan types, so those alone read
 * as "syn" (what was seen: SYNs that got nowhere).
 */
export function scanType(counts: ArrayLike<number>): ScanType {
  if (counts[Attempt.UDP_PROBE]! > 0) return 'udp';
  const fin = counts[Attempt.FIN_PROBE]!;
  const nul = counts[Attempt.NULL_PROBE]!;
  const ack = counts[Attempt.ACK_PROBE]!;
  const synBased = counts[Attempt.REJECTED]! + counts[Attempt.NO_REPLY]! + counts[Attempt.HALF_OPEN]! + counts[Attempt.CONNECT]!;
  if (fin + nul + ack > synBased) return fin >= nul && fin >= ack ? 'fin' : nul >= ack ? 'null' : 'ack';
  return counts[Attempt.CONNECT]! > 0 && counts[Attempt.HALF_OPEN]! === 0 ? 'connect' : 'syn';
}

/** The attempt counts as evidence (a UDP burst has one kind only: its unanswered datagrams). */
export function attemptEvidence(counts: ArrayLike<number>): { [k: string]: number } {
  const udp = counts[Attempt.UDP_PROBE]!;
  if (udp > 0) return { udp };
  return {
    rejected: counts[Attempt.REJECTED]!,
    no_reply: counts[Attempt.NO_REPLY]!,
    half_open: counts[Attempt.HALF_OPEN]!,
    connect: counts[Attempt.CONNECT]!,
    fin: counts[Attempt.FIN_PROBE]!,
    null: counts[Attempt.NULL_PROBE]!,
    ack: counts[Attempt.ACK_PROBE]!,
  };
}
