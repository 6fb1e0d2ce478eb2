/**
 * Events of the Kerberos analyzer: one kerberos.log line per exchange
 * (AS, TGS, or AP when a Kerberos token rides inside SPNEGO in SMB or LDAP),
 * with Zeek's field names and order, and one `kerberos.kdc` event per
 * completed KDC exchange for detectors (not logged). Authentication outcomes
 * are published separately as `auth` events.
 */

/** One kerberos.log line (Zeek's fields; unset fields omitted). */
export interface KerberosRecord {
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** "AS", "TGS" or "AP". */
  request_type?: string;
  /** Client principal as Zeek writes it: "name/REALM" ("/REALM" when only the realm is known). */
  client?: string;
  /** Service principal, components joined with '/'. */
  service?: string;
  /** True on a KDC reply (or AP-REP), false on KRB-ERROR. */
  success?: boolean;
  /** The KDC's e-text when sent, else the error code's name. */
  error_msg?: string;
  /** Requested start time (epoch seconds). */
  from?: number;
  /** Requested expiry (epoch seconds). */
  till?: number;
  /** Ticket encryption type name, e.g. "aes256-cts-hmac-sha1-96", "rc4-hmac". */
  cipher?: string;
  forwardable?: boolean;
  renewable?: boolean;
  /** Picket: the KRB-ERROR code. */
  error_code?: number;
  /** Picket: encryption types the client offered, in its order. */
  request_ciphers?: string[];
}

export interface KerberosLogEvent {
  type: 'kerberos';
  log: 'kerberos';
  ts: number;
  uid: string;
  record: KerberosRecord;
}

/**
 * One AS or TGS exchange as it completed (the KDC's reply or error), for
 * detectors: the numbers kerberos.log turns into names or leaves out — the
 * encryption types the client offered and the ticket's, whether the AS-REQ
 * was pre-authenticated — also for the routine PREAUTH_REQUIRED answers
 * kerberos.log drops. Zeek's kerberos.log has no such fields, so they stay
 * off the log. Numbers the exchange did not carry are -1.
 */
export interface KerberosKdcEvent {
  type: 'kerberos.kdc';
  /** Time of the reply or error. */
  ts: number;
  uid: string;
  /** The requesting host and the KDC (the connection's originator and responder). */
  client: string;
  client_port: number;
  kdc: string;
  kdc_port: number;
  transport: 'tcp' | 'udp';
  request_type: 'AS' | 'TGS';
  /** Client principal without the realm ("alice", "WS01$"), from the request (AS) or the reply; '' when unknown. */
  principal: string;
  /** The client's realm when known, else the request's; '' when unknown. */
  realm: string;
  /** Service principal, components joined with '/': the ticket's on a reply, else the request's or the error's; '' when unknown. */
  service: string;
  /** False when the capture holds the answer but not the request: `request_etypes` is then empty and `preauth` false. */
  request_seen: boolean;
  /** Encryption types the request offered, in the client's order of preference. */
  request_etypes: readonly number[];
  /** The request carried pre-authentication PA-DATA (encrypted timestamp, PKINIT, FAST). */
  preauth: boolean;
  /** True on an AS-REP/TGS-REP, false on a KRB-ERROR. */
  success: boolean;
  /** Reply: the ticket's enc-part etype (the key of the service's account); -1 on an error. */
  ticket_etype: number;
  /** Reply: etype of the reply's own enc-part (AS: the client's key, the part AS-REP roasting cracks; TGS: the TGT session key); -1 on an error. */
  reply_etype: number;
  /** The KRB-ERROR code; -1 on a reply. */
  error_code: number;
}

export type KerberosEvent = KerberosLogEvent | KerberosKdcEvent;
