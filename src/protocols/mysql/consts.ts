/**
 * MySQL client/server protocol values (connection phase: Protocol::Handshake,
 * HandshakeResponse, OK/ERR/AuthSwitch/AuthMoreData packets) and the bounds
 * on per-flow state.
 */

export const MYSQL_PORTS = [3306] as const;

/** Packet header: 3-byte little-endian payload length and a sequence id. */
export const PACKET_HEADER = 4;
/** Largest connection-phase packet read: greetings and logins are well under this; larger is not a login. */
export const MAX_PACKET = 65536;
/** Protocol::HandshakeV10 (the only greeting in use since MySQL 3.21). */
export const PROTOCOL_V10 = 10;

export const Capability = {
  CONNECT_WITH_DB: 0x00000008,
  PROTOCOL_41: 0x00000200,
  SSL: 0x00000800,
} as const;

/** SSLRequest: capabilities, max packet, charset, 23 filler bytes (no user name). */
export const SSL_REQUEST_LENGTH = 32;
/** HandshakeResponse41 fixed part before the user name. */
export const RESPONSE41_FIXED = 32;
/** HandshakeResponse320 fixed part before the user name (2-byte capabilities, 3-byte max packet). */
export const RESPONSE320_FIXED = 5;

export const Reply = {
  OK: 0x00,
  AUTH_MORE_DATA: 0x01,
  AUTH_SWITCH: 0xfe,
  ERR: 0xff,
} as const;

/** ER_ACCESS_DENIED_ERROR: wrong user or password. */
export const ER_ACCESS_DENIED = 1045;
/** ER_ACCESS_DENIED_NO_PASSWORD_ERROR: a password is required. */
export const ER_ACCESS_DENIED_NO_PASSWORD = 1698;

export const MysqlAnomaly = {
  BAD_GREETING: 'mysql_malformed_greeting',
  BAD_LOGIN: 'mysql_malformed_login',
  BAD_REPLY: 'mysql_malformed_reply',
  PACKET_TOO_LONG: 'mysql_packet_too_long',
  CONTENT_GAP: 'mysql_content_gap',
} as const;
