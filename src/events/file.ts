/**
 * Files carried by connections: one `file` event per file (an HTTP body, or
 * each part of a multipart body) when it ends, with Zeek's files.log field
 * names in Zeek's order. The `md5`, `sha1` and `sha256` of a file are set
 * only when every byte of it was seen (file.bad_hash reads them).
 */
export interface FilesRecord {
  /** Time the file's first byte was seen. */
  ts: number;
  /** File id ("F..."), also listed in http.log's orig_fuids/resp_fuids. */
  fuid: string;
  /** The connection that carried the file. */
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** Protocol the file came over, e.g. "HTTP". */
  source: string;
  /** Where in the protocol the file was: for HTTP, the transaction's trans_depth. */
  depth: number;
  /** Analyses run on the file: "MD5", "SHA1", "SHA256" when it was hashed. */
  analyzers: string[];
  /** Type by content (src/protocols/file-magic.ts). */
  mime_type?: string;
  /** Name the protocol gave it: HTTP Content-Disposition, the SMB path, the FTP command's argument. */
  filename?: string;
  /** Seconds from its first to its last byte. */
  duration: number;
  /** True when the connection's originator sent it (an upload), false for a download. */
  is_orig: boolean;
  /** Bytes of it seen. */
  seen_bytes: number;
  /** Size the protocol announced (HTTP Content-Length of a body that is not coded or split), when known. */
  total_bytes?: number;
  /** Bytes lost to gaps in the connection's stream, where known. */
  missing_bytes: number;
  /** Bytes that arrived out of order past the reassembly bound; always 0 (reassembly delivers in order). */
  overflow_bytes: number;
  /** Whether file analysis timed out (never: a file ends with its message or its connection). */
  timedout: boolean;
  md5?: string;
  sha1?: string;
  sha256?: string;
}

export interface FileEvent {
  type: 'file';
  log: 'files';
  ts: number;
  uid: string;
  record: FilesRecord;
  /** The HTTP request the file came with (its method, Host header, URI and User-Agent), when known. Not logged. */
  http?: { method?: string; host?: string; uri?: string; user_agent?: string };
  /** The FTP session whose data channel carried the file. Not logged. */
  ftp?: FtpFileSession;
  /**
   * The mail message that carried the file: over SMTP its envelope and
   * header; fetched from a mailbox (POP3, IMAP) or uploaded to one (IMAP
   * APPEND), its header only (no envelope: `rcptto` empty). Not logged.
   */
  smtp?: { mailfrom?: string; rcptto: string[]; from?: string; subject?: string };
  /** The TFTP request whose transfer carried the file: who asked whom, for what, and which way. Not logged. */
  tftp?: { request_uid: string; client: string; server: string; write: boolean };
}

/**
 * An FTP file's session: the data channel's originator is the server in
 * active mode, so who the client is and which way the file went come from
 * the control connection and its command.
 */
export interface FtpFileSession {
  /** uid of the control connection. */
  control_uid: string;
  /** The FTP client and server (control connection's originator and responder). */
  client: string;
  server: string;
  server_port: number;
  /** The user logged in, when seen. */
  user?: string;
  /** The command that moved the file (RETR, STOR, LIST...), and its argument. */
  command?: string;
  arg?: string;
  /** True when the client sent the file (STOR, STOU, APPE). */
  upload: boolean;
}
