/**
 * The head of an `auth` event as every analyzer builds it: the service, the
 * connection's client and server, and the outcome. Callers add `user` and
 * `detail` (in that order or the other, as their events always had them).
 * Runs once per authentication attempt, not per packet.
 */
import type { AuthEvent, AuthOutcome } from '../events/auth.js';
import type { ConnId } from '../events/conn-id.js';

/**
 * An `auth` event at `ts` for `conn`'s originator (client) and responder
 * (server); the other way round when `byResponder` (the responder signed in
 * to the originator).
 */
export function authEvent(conn: ConnId, ts: number, service: string, outcome: AuthOutcome, byResponder = false): AuthEvent {
  return {
    type: 'auth',
    ts,
    uid: conn.uid,
    service,
    client: byResponder ? conn.resp_h : conn.orig_h,
    client_port: byResponder ? conn.resp_p : conn.orig_p,
    server: byResponder ? conn.orig_h : conn.resp_h,
    server_port: byResponder ? conn.orig_p : conn.resp_p,
    transport: conn.proto,
    outcome,
  };
}
