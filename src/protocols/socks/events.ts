/**
 * Events of the SOCKS analyzer: one `socks` log event per proxy request,
 * with Zeek's socks.log field names in Zeek's order (the password is never
 * logged). A username/password sign-in (RFC 1929) also goes out as an
 * `auth` event (service "socks"), and the protocol run through an accepted
 * CONNECT as a `proxy.tunnel` event.
 */

/** One socks.log line. Unset fields are omitted. */
export interface SocksRecord {
  /** Time of the client's first message. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** 4 (4a included) or 5. */
  version: number;
  /** The v5 sign-in's user, or the v4 user id. */
  user?: string;
  /** The server's answer: "succeeded", "Connection refused"... */
  status?: string;
  /** Address the client asked for. */
  'request.host'?: string;
  /** Name the client asked for (v5 domain name, v4a). */
  'request.name'?: string;
  'request_p'?: number;
  /** Address the server bound for the connection. */
  'bound.host'?: string;
  'bound.name'?: string;
  'bound_p'?: number;
}

export interface SocksLogEvent {
  type: 'socks';
  log: 'socks';
  ts: number;
  uid: string;
  record: SocksRecord;
}

export type SocksEvent = SocksLogEvent;
