/**
 * Events of the TLS analyzer: one `ssl` log event per connection (Zeek's
 * ssl.log fields in Zeek's order, then Picket's fingerprint additions, and
 * beside the record the server's certificates for rules), and an `x509` log
 * event per certificate (once a day per certificate).
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
  /** SHA-256 fingerprints of the server's certificates, leaf first (x509.log's `fingerprint`). */
  cert_chain_fps?: string[];
  /** SHA-256 fingerprints of the certificates the client sent. */
  client_cert_chain_fps?: string[];
  /** The SNI is a name the server's certificate covers. */
  sni_matches_cert?: boolean;
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

/**
 * A certificate the server presented, as rules see it: its digests (SHA-1
 * is what abuse.ch SSLBL and many feeds list, SHA-256 is x509.log's
 * `fingerprint`) and, when it parsed as X.509, who it names. Shared by
 * every connection that presents the same certificate: read-only.
 */
export interface ChainCertificate {
  readonly sha256: string;
  readonly sha1: string;
  /** Subject and issuer, RFC 2253 order ("CN=...,O=...,C=US"), as x509.log writes them. */
  readonly subject?: string;
  readonly issuer?: string;
  /** The subject's common name, when it has one. */
  readonly commonName?: string;
}

/** One plaintext heartbeat message (RFC 6520) seen in the handshake. */
export interface TlsHeartbeat {
  ts: number;
  /** Sent by the TLS client (else by the server). */
  from_client: boolean;
  /** Length of the record that carried it. */
  record_length: number;
  /** 1 request, 2 response; -1 when the record was too short to say. */
  message_type: number;
  /** The payload length the message announces; -1 when the record was too short to say. */
  payload_length: number;
}

export interface SslLogEvent {
  type: 'ssl';
  log: 'ssl';
  ts: number;
  uid: string;
  record: SslRecord;
  /**
   * The server's certificates, leaf first, when it sent them in clear (TLS
   * 1.2 and earlier); absent otherwise (TLS 1.3 and QUIC encrypt them).
   * For rules, not logged: ssl.log has their SHA-256 in `cert_chain_fps`.
   */
  certificates?: readonly ChainCertificate[];
  /** UDP for DTLS and QUIC handshakes; absent for TLS over TCP. Not logged. */
  transport?: 'udp';
  /**
   * The protocol whose connection this TLS started inside: "http" for TLS
   * through a web proxy's CONNECT tunnel (the responder is then the proxy),
   * "smtp", "imap", "pop3", "ftp" or "ldap" after STARTTLS; absent for
   * TLS from a connection's first byte. Not logged.
   */
  inside?: string;
  /**
   * Heartbeat messages sent in clear (before ChangeCipherSpec), the first
   * few; absent when there were none. Heartbeats are rare in TLS; an
   * oversized request in the handshake is the Heartbleed exploit. For
   * rules, not logged (ssl.log's `ssl_history` shows them as B/b).
   */
  heartbeats?: readonly TlsHeartbeat[];
}

/** One x509.log line: a certificate seen in a TLS handshake (Zeek's field names). Unset fields are omitted. */
export interface X509Record {
  /** Time of the Certificate message. */
  ts: number;
  /** SHA-256 of the certificate, hex. */
  fingerprint: string;
  'certificate.version': number;
  /** Serial number, upper-case hex. */
  'certificate.serial': string;
  /** Subject, RFC 2253 order ("CN=...,O=...,C=US"). */
  'certificate.subject': string;
  'certificate.issuer': string;
  'certificate.not_valid_before'?: number;
  'certificate.not_valid_after'?: number;
  /** Key algorithm, OpenSSL's name ("rsaEncryption", "id-ecPublicKey"). */
  'certificate.key_alg': string;
  /** Signature algorithm ("sha256WithRSAEncryption", "ecdsa-with-SHA256"). */
  'certificate.sig_alg': string;
  /** "rsa", "ec", "dsa", "ed25519"... */
  'certificate.key_type'?: string;
  /** Key size in bits (RSA modulus, curve size). */
  'certificate.key_length'?: number;
  /** RSA public exponent. */
  'certificate.exponent'?: string;
  /** Named curve of an EC key ("prime256v1"). */
  'certificate.curve'?: string;
  'san.dns'?: string[];
  'san.uri'?: string[];
  'san.email'?: string[];
  'san.ip'?: string[];
  /** basicConstraints: the certificate may sign others. */
  'basic_constraints.ca'?: boolean;
  'basic_constraints.path_len'?: number;
  /** The sender's own certificate (the first of its chain), not one of the CAs sent along. */
  host_cert: boolean;
  /** Sent by the client. */
  client_cert: boolean;
  /** SHA-1 of the certificate, hex (what abuse.ch SSLBL and many feeds list). */
  sha1: string;
}

export interface X509LogEvent {
  type: 'x509';
  log: 'x509';
  ts: number;
  /** The connection the certificate was seen on (x509.log itself has no uid, as in Zeek). */
  uid: string;
  record: X509Record;
}

export type TlsEvent = SslLogEvent | X509LogEvent;
