/**
 * How long a flow lives without traffic, and how long a closed TCP
 * connection lingers, all in seconds of packet time. The defaults are
 * Zeek's (scripts/base/init-bare.zeek), so conn.log splits connections
 * where Zeek does; each field names the Zeek constant it mirrors.
 */
import { PicketError } from '../util/errors.js';

export interface FlowTimeouts {
  /**
   * Zeek `tcp_inactivity_timeout` (5 min): a TCP connection past its
   * handshake ends after this long without packets.
   */
  tcpInactivity: number;
  /**
   * Zeek `udp_inactivity_timeout` (1 min): a UDP flow ends after this long
   * without packets. Zeek also applies it to TCP connections whose two sides
   * are both still in the handshake (only SYNs or SYN-ACKs seen).
   */
  udpInactivity: number;
  /** Zeek `icmp_inactivity_timeout` (1 min). */
  icmpInactivity: number;
  /**
   * Zeek `tcp_attempt_delay` (5 s): counted from the originator's first
   * SYN; if the responder is still silent then, the attempt ends (S0).
   */
  tcpAttempt: number;
  /**
   * Zeek `tcp_close_delay` (5 s): after a close completes (both FINs, or a
   * FIN towards a silent peer), the connection is kept this long so that
   * late ACKs and retransmissions still count in it.
   */
  tcpClose: number;
  /**
   * Zeek `tcp_reset_delay` (5 s): the same for a close caused by a RST. (Zeek
   * itself applies `tcp_close_delay` to most RST closes; both default to 5 s.)
   */
  tcpReset: number;
  /**
   * Zeek `tcp_partial_close_delay` (3 s): when the first thing seen from a
   * side is its FIN and the other side never closes, end after this long.
   */
  tcpPartialClose: number;
}

export const DEFAULT_TIMEOUTS: Readonly<FlowTimeouts> = Object.freeze({
  tcpInactivity: 300,
  udpInactivity: 60,
  icmpInactivity: 60,
  tcpAttempt: 5,
  tcpClose: 5,
  tcpReset: 5,
  tcpPartialClose: 3,
});

/**
 * Zeek `tcp_connection_linger` (5 s): a connection with one side closed and
 * the other reset or silent is dropped this long after its last packet.
 */
export const TCP_CONNECTION_LINGER = 5;

/**
 * Defaults overlaid with `partial`. Zero means "never" for the inactivity
 * timeouts, as in Zeek. A negative or non-numeric value is a configuration
 * mistake and is refused at construction (never on the packet path).
 */
export function resolveTimeouts(partial: Partial<FlowTimeouts> | undefined): FlowTimeouts {
  const out: FlowTimeouts = { ...DEFAULT_TIMEOUTS };
  if (partial === undefined) return out;
  for (const key of Object.keys(DEFAULT_TIMEOUTS) as (keyof FlowTimeouts)[]) {
    const v = partial[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0)) {
      throw new PicketError(
        'PKT_ERR_FLOWS_BAD_TIMEOUT',
        `flow timeout "${key}" must be a number of seconds >= 0, got ${String(v)}`,
      );
    }
    out[key] = v;
  }
  // Zeek: an inactivity timeout of 0 disables it.
  if (out.tcpInactivity === 0) out.tcpInactivity = Infinity;
  if (out.udpInactivity === 0) out.udpInactivity = Infinity;
  if (out.icmpInactivity === 0) out.icmpInactivity = Infinity;
  return out;
}
