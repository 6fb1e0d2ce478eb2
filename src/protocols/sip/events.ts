/**
 * Events of the SIP analyzer: one `sip` log event per transaction (a
 * request and its final response), with Zeek's sip.log field names in
 * Zeek's order. Sign-ins (requests carrying digest credentials, and
 * registrations of accounts the server does not know) also go out as
 * `auth` events (service "sip").
 */

/** One sip.log line. Unset fields are omitted. */
export interface SipRecord {
  /** Time of the request (of the response when the request was not seen). */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** Transactions on this connection so far, this one included. */
  trans_depth: number;
  method?: string;
  /** The request URI. */
  uri?: string;
  date?: string;
  request_from?: string;
  request_to?: string;
  response_from?: string;
  response_to?: string;
  reply_to?: string;
  call_id?: string;
  /** The CSeq header ("2 REGISTER"). */
  seq?: string;
  subject?: string;
  /** The request's Via headers, in order. */
  request_path?: string[];
  /** The response's Via headers, in order. */
  response_path?: string[];
  user_agent?: string;
  status_code?: number;
  status_msg?: string;
  warning?: string;
  request_body_len?: number;
  response_body_len?: number;
  /** The response's Content-Type (the request's when no response had one). */
  content_type?: string;
}

export interface SipLogEvent {
  type: 'sip';
  log: 'sip';
  ts: number;
  uid: string;
  record: SipRecord;
  /** The request came from the connection's originator (false: from the responder, e.g. a server's NOTIFY). */
  request_from_orig: boolean;
  /** The connection's transport. */
  transport: 'udp' | 'tcp';
  /** The digest user name of the request's Authorization or Proxy-Authorization header. */
  auth_user?: string;
}

export type SipEvent = SipLogEvent;
