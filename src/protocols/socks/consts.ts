/**
 * SOCKS wire values: version 4 and 4a (the "SOCKS 4A" extension: a name
 * after the user id) and version 5 (RFC 1928) with username/password
 * authentication (RFC 1929); the status texts are Zeek's socks.log ones.
 */

/** Zeek's SOCKS port. */
export const SOCKS_PORTS = [1080] as const;

/** Commands: CONNECT, BIND, and (v5) UDP ASSOCIATE. */
export const CMD_CONNECT = 1;
export const CMD_BIND = 2;

/** v5 authentication methods. */
export const METHOD_NONE = 0x00;
export const METHOD_USERPASS = 0x02;
export const METHOD_REFUSED = 0xff;

/** v5 address types. */
export const ATYP_IPV4 = 1;
export const ATYP_NAME = 3;
export const ATYP_IPV6 = 4;

/** Longest message of the handshake (a v5 username/password request: 3 + 255 + 255 bytes). */
export const MAX_MESSAGE = 513;

export const V4_STATUS: Readonly<Record<number, string>> = {
  90: 'succeeded',
  91: 'general SOCKS server failure',
  92: 'request failed because client is not running identd',
  93: "request failed because client's identd could not confirm the user ID string in the request",
};

export const V5_STATUS: Readonly<Record<number, string>> = {
  0: 'succeeded',
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'Network unreachable',
  4: 'Host unreachable',
  5: 'Connection refused',
  6: 'TTL expired',
  7: 'Command not supported',
  8: 'Address type not supported',
};

export const SocksAnomaly = {
  BAD_MESSAGE: 'socks_malformed_message',
  UNSUPPORTED_METHOD: 'socks_unsupported_auth_method',
} as const;
