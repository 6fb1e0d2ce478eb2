/**
 * Events of the TFTP analyzer: one `tftp` log event per request (a read or
 * a write), written when its transfer ends, with the columns of the Zeek
 * community TFTP analyzer's tftp.log. The file moved is also a `file`
 * event (files.jsonl, source "TFTP").
 */

/** One tftp.jsonl line. Unset fields are omitted. */
export interface TftpRecord {
  /** Time of the request. */
  ts: number;
  /** The request's connection (client to port 69). */
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** True for a write request (the client sends the file), false for a read. */
  wrq: boolean;
  fname: string;
  /** "octet", "netascii" or "mail". */
  mode: string;
  /** The connection that carried the transfer (the server's new port and the client's). */
  uid_data?: string;
  /** Bytes of the file that arrived in order. */
  size: number;
  /** DATA packets sent (retransmissions included). */
  block_sent: number;
  /** ACK packets sent (retransmissions included). */
  block_acked: number;
  /** The ERROR packet's code and message, when the transfer ended with one. */
  error_code?: number;
  error_msg?: string;
}

export interface TftpLogEvent {
  type: 'tftp';
  log: 'tftp';
  ts: number;
  uid: string;
  record: TftpRecord;
}

export type TftpEvent = TftpLogEvent;
