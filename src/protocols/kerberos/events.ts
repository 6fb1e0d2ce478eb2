/**
 * Events of the Kerberos analyzer: one kerberos.log line per exchange
 * (AS, TGS, or AP when a Kerberos token rides inside SPNEGO in SMB or LDAP),
 * with Zeek's field names and order. Authentication outcomes are published
 * separately as `auth` events.
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

export type KerberosEvent = KerberosLogEvent;
