/**
 * Events of the QUIC analyzer: one `quic` log event per QUIC connection
 * attempt (Zeek's quic.log fields, in Zeek's order). The TLS handshake read
 * from its Initial packets also goes out as an `ssl` event (ssl.log), like
 * TLS over TCP, with a JA4 that starts with "q".
 */

/** One quic.log line. Unset fields are omitted. */
export interface QuicRecord {
  /** Time of the connection's first QUIC packet. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** "1", "quicv2", "draft-29", Google QUIC's "Q050", or "unknown-<hex>". */
  version: string;
  /** Destination Connection ID of the client's first Initial packet (hex). */
  client_initial_dcid?: string;
  /** The client's Source Connection ID (hex). */
  client_scid?: string;
  /** The Source Connection ID the server chose (hex). */
  server_scid?: string;
  /** SNI of the ClientHello. */
  server_name?: string;
  /** First ALPN value the client offered ("h3", "doq"). */
  client_protocol?: string;
  /** Packets and handshake messages in order; upper case from the client (see docs/logs.md). */
  history: string;
}

export interface QuicLogEvent {
  type: 'quic';
  log: 'quic';
  ts: number;
  uid: string;
  record: QuicRecord;
}

export type QuicEvent = QuicLogEvent;
