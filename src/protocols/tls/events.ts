/**
 * Events of the TLS analyzer: one `ssl` log event per connection (Zeek's
 * ssl.log fields in Zeek's order, then Picket's fingerprint additions).
 */

/** One ssl.log line. Unset fields are omitted. */
export interface SslRecord {
  /** Time of the first handshake message. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** Negotiated version, Zeek's names: "TLSv12", "TLSv13", "TLSv13-draft23", "SSLv3". */
  version?: string;
  /** Negotiated cipher suite, IANA name ("TLS_AES_128_GCM_SHA256"); "unknown-<hex>" otherwise. */
  cipher?: string;
  /** Key exchange group: TLS 1.3 key share or the ECDHE ServerKeyExchange curve. */
  curve?: string;
  /** SNI the client sent. */
  server_name?: string;
  /** The session was resumed (session id echoed, ticket or PSK accepted). */
  resumed: boolean;
  /** Last alert seen in clear. */
  last_alert?: string;
  /** ALPN protocol the server selected. */
  next_protocol?: string;
  /** Both sides switched to encrypted traffic. */
  established: boolean;
  /** Handshake messages in order; upper case from the client (Zeek's letters). */
  ssl_history?: string;
  /** JA3 md5 of the first ClientHello. */
  ja3?: string;
  /** The JA3 string that was hashed. */
  ja3_string?: string;
  /** JA3S md5 of the ServerHello. */
  ja3s?: string;
  /** JA4 of the first ClientHello. */
  ja4?: string;
  /** ALPN values the client offered. */
  client_alpn?: string[];
}

export interface SslLogEvent {
  type: 'ssl';
  log: 'ssl';
  ts: number;
  uid: string;
  record: SslRecord;
}

export type TlsEvent = SslLogEvent;
