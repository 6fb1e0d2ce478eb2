/**
 * Microsoft SQL Server's TDS (Tabular Data Stream, MS-TDS) values the login
 * phase needs, and the bounds on per-flow state.
 */

export const TDS_PORTS = [1433] as const;

/** Every TDS packet starts with this header: type, status, length (big-endian, header included), SPID, packet id, window. */
export const HEADER_LENGTH = 8;
/** Status bit of the last packet of a message. */
export const STATUS_EOM = 0x01;
/** Longest message read (a login, its answer): larger ones end the reading. */
export const MAX_MESSAGE = 65_536;

export const PacketType = {
  /** A SQL batch: (TDS 7.2+) ALL_HEADERS, then the SQL text in UTF-16LE. */
  SQL_BATCH: 0x01,
  /** Pre-TDS 7 (TDS 4.2 / 5.0) login record: fixed fields, the password in clear. */
  TDS4_LOGIN: 0x02,
  /** A server's answer: a token stream (or, to PRELOGIN, the option list). */
  TABULAR_RESULT: 0x04,
  LOGIN7: 0x10,
  SSPI: 0x11,
  PRELOGIN: 0x12,
} as const;

/** Tokens of a server's answer that the login outcome needs, and how to step over the others. */
export const Token = {
  ERROR: 0xaa,
  INFO: 0xab,
  LOGINACK: 0xad,
  FEATUREEXTACK: 0xae,
  ENVCHANGE: 0xe3,
  SSPI: 0xed,
  FEDAUTHINFO: 0xee,
  DONE: 0xfd,
  DONEPROC: 0xfe,
  DONEINPROC: 0xff,
} as const;

/** PRELOGIN option tokens. */
export const PreloginOption = {
  VERSION: 0x00,
  ENCRYPTION: 0x01,
  TERMINATOR: 0xff,
} as const;

/** PRELOGIN ENCRYPTION values. */
export const Encryption = {
  /** TLS for the login packet only. */
  OFF: 0x00,
  ON: 0x01,
  NOT_SUPPORTED: 0x02,
  REQUIRED: 0x03,
} as const;

/**
 * Server error numbers that refuse a login's credentials or account: 18456
 * "Login failed for user" (the same text for an unknown account and a wrong
 * password: the reason is only in the server's own log), 18452 untrusted
 * domain, 18470 account disabled, 18486 locked out, 18487 and 18488 password
 * expired or to be changed.
 */
export const LOGIN_FAILURES: ReadonlySet<number> = new Set([18456, 18452, 18470, 18486, 18487, 18488]);

/** Characters kept of a user name, host or application name, or an error message. */
export const MAX_TEXT = 256;
/** Characters of a SQL batch kept in its event. */
export const MAX_BATCH_CHARS = 2048;
/** Batches reported per connection (a busy application connection sends thousands). */
export const MAX_BATCHES = 1000;

export const TdsAnomaly = {
  /** A packet header or login record that does not parse. */
  BAD_PACKET: 'tds.bad_packet',
  /** A message longer than MAX_MESSAGE. */
  TOO_LONG: 'tds.message_too_long',
  /** Bytes lost before the login outcome. */
  CONTENT_GAP: 'tds.content_gap',
} as const;
