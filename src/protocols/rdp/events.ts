/**
 * Events of the RDP analyzer: one `rdp` log event per connection with the
 * rdp.log fields Zeek fills from the connection negotiation, in Zeek's
 * order, plus Picket's `requested_protocols`. The (hidden) login outcome
 * goes out as one `auth` event with outcome "unknown" and the cookie's user.
 */

/** One rdp.log line. Unset fields are omitted. */
export interface RdpRecord {
  /** Time of the Connection Request. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** User name from the "Cookie: mstshash=" routing cookie (clients may cut it to 9 characters). */
  cookie?: string;
  /** Negotiation failure name, e.g. "HYBRID_REQUIRED_BY_SERVER". */
  result?: string;
  /** Security protocol the server selected: "RDP", "SSL", "HYBRID", "HYBRID_EX"... */
  security_protocol?: string;
  /** Picket: the protocols the client offered in RDP_NEG_REQ. */
  requested_protocols?: string[];
}

export interface RdpLogEvent {
  type: 'rdp';
  log: 'rdp';
  ts: number;
  uid: string;
  record: RdpRecord;
}

export type RdpEvent = RdpLogEvent;
