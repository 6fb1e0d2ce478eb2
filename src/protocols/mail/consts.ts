/**
 * Ports, limits and wire values of the mail protocols Picket reads for
 * login outcomes: SMTP AUTH (RFC 4954), IMAP LOGIN/AUTHENTICATE (RFC 9051),
 * POP3 USER/PASS/APOP/AUTH (RFC 1939, RFC 5034).
 */

export const SMTP_PORTS = [25, 587] as const;
export const IMAP_PORTS = [143] as const;
export const POP3_PORTS = [110] as const;

/** Longest SMTP line kept: RFC 4954 section 4 lets an AUTH line reach 12288 octets. */
export const SMTP_MAX_LINE = 12288;
/** Longest IMAP/POP3 line kept: SASL responses are the long ones (same bound as SMTP). */
export const TEXT_MAX_LINE = 12288;
/** Commands awaiting replies (pipelining); more are dropped and counted. */
export const MAX_PENDING = 64;

export const Smtp = {
  /** Service ready (greeting) / ready to start TLS. */
  READY: 220,
  /** Authentication successful. */
  AUTH_OK: 235,
  /** SASL challenge: the next client line is a response. */
  AUTH_CONTINUE: 334,
  /** Start mail input: the client's message body follows. */
  DATA_GO: 354,
  /** Authentication credentials invalid. */
  AUTH_FAILED: 535,
} as const;

export const MailAnomaly = {
  SMTP_BAD_REPLY: 'smtp_malformed_reply',
  SMTP_TOO_MANY_PENDING: 'smtp_too_many_pending_commands',
  SMTP_HEADER_TOO_LONG: 'smtp_header_too_long',
  IMAP_BAD_LINE: 'imap_malformed_line',
  IMAP_TOO_MANY_PENDING: 'imap_too_many_pending_commands',
  POP3_BAD_REPLY: 'pop3_malformed_reply',
  POP3_TOO_MANY_PENDING: 'pop3_too_many_pending_commands',
  LINE_TOO_LONG: 'mail_line_too_long',
  CONTENT_GAP: 'mail_content_gap',
} as const;
