/**
 * Events of the FTP analyzer: one `ftp` log event per command and its final
 * reply, with Zeek's ftp.log field names in Zeek's order. Login outcomes
 * also go out as `auth` events (src/events/auth.ts).
 */

/** One ftp.log line. Unset fields are omitted; the password is never logged. */
export interface FtpRecord {
  /** Time of the command. */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** The user from the last USER command, "<unknown>" before any. */
  user: string;
  /** The command verb, upper-case. */
  command: string;
  /** The command argument as sent ("<hidden>" for PASS), or the file's URL for RETR, STOR, STOU and APPE (path.ts); absent when empty. */
  arg?: string;
  /** A transfer command's file: its type by content (from the data channel's first bytes). */
  mime_type?: string;
  /** Size the server announced: in the 150 reply to RETR, or the 213 reply to SIZE. */
  file_size?: number;
  /** The final reply code; absent when the connection ended before a reply. */
  reply_code?: number;
  /** Text of the final reply line. */
  reply_msg?: string;
  /** PORT, EPRT, PASV and EPSV: the data channel they set up; passive when the client opens it. */
  'data_channel.passive'?: boolean;
  /** The host that will open the data channel (the server in active mode). */
  'data_channel.orig_h'?: string;
  'data_channel.resp_h'?: string;
  'data_channel.resp_p'?: number;
  /** A transfer command's file id: its files.jsonl line (source FTP_DATA). */
  fuid?: string;
}

export interface FtpLogEvent {
  type: 'ftp';
  log: 'ftp';
  ts: number;
  uid: string;
  record: FtpRecord;
}

export type FtpEvent = FtpLogEvent;
