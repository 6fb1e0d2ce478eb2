/**
 * FTP wire values (RFC 959, RFC 2228 for AUTH) and the bounds on per-flow
 * state, each with its reason.
 */

/** Zeek's FTP ports: the control channel, and GridFTP. */
export const FTP_PORTS = [21, 2811] as const;

/** Longest command or reply line kept; Zeek truncates arg and reply_msg at 4096 bytes too. */
export const MAX_LINE = 4096;
/** Commands a client may send ahead of replies (Zeek's max_pending_commands); more are dropped and counted. */
export const MAX_PENDING = 20;
/** Longest command verb accepted: RFC 959 verbs are 3-4 letters; extensions stay short. */
export const MAX_VERB = 16;

/** The shim "command" that the server's greeting answers (Zeek's name for it). */
export const INIT_COMMAND = '<init>';
/** Zeek's user field when no USER was seen. */
export const UNKNOWN_USER = '<unknown>';
/** What a PASS argument is logged as: passwords are never kept. */
export const HIDDEN = '<hidden>';

export const Reply = {
  /** 230 User logged in, proceed. */
  LOGGED_IN: 230,
  /** 202 Command not implemented, superfluous (PASS when no password is needed). */
  SUPERFLUOUS: 202,
  /** 234 Security data exchange complete: TLS starts (RFC 4217). */
  AUTH_OK: 234,
} as const;

export const FtpAnomaly = {
  BAD_COMMAND: 'ftp_malformed_command',
  BAD_REPLY: 'ftp_malformed_reply',
  LINE_TOO_LONG: 'ftp_line_too_long',
  TOO_MANY_PENDING: 'ftp_too_many_pending_commands',
  CONTENT_GAP: 'ftp_content_gap',
} as const;
