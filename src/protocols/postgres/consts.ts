/**
 * PostgreSQL frontend/backend protocol 3.0 values for the start-up phase
 * (StartupMessage, SSLRequest, GSSENCRequest, Authentication*,
 * ErrorResponse) and the bounds on per-flow state.
 */

export const POSTGRES_PORTS = [5432] as const;

/** Start-up packets are refused by the server beyond this (PostgreSQL's MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP = 10000;
/** Largest backend message read before authentication ends: auth requests and errors are small. */
export const MAX_MESSAGE = 16384;
/** Most start-up parameters kept (user, database, application_name, options...). */
export const MAX_PARAMS = 64;

export const Code = {
  /** Protocol 3.0 (major 3 << 16). */
  PROTOCOL_3: 196608,
  SSL_REQUEST: 80877103,
  GSSENC_REQUEST: 80877104,
  CANCEL_REQUEST: 80877102,
} as const;

/** Backend message types (first byte). */
export const Backend = {
  AUTH: 0x52, // 'R'
  ERROR: 0x45, // 'E'
} as const;

/** Single-byte answers to SSLRequest / GSSENCRequest. */
export const Answer = {
  SSL_YES: 0x53, // 'S'
  GSS_YES: 0x47, // 'G'
  NO: 0x4e, // 'N'
} as const;

export const AUTH_OK = 0;
/** AuthenticationCleartextPassword: the server asks for the password as is. */
export const AUTH_CLEARTEXT = 3;

const AUTH_METHODS: Readonly<Record<number, string>> = {
  2: 'KerberosV5',
  3: 'CleartextPassword',
  5: 'MD5Password',
  7: 'GSS',
  9: 'SSPI',
  10: 'SASL',
};

/** Name of an Authentication request code; `auth-N` when unknown. */
export function authMethodName(code: number): string {
  return AUTH_METHODS[code] ?? `auth-${code}`;
}

/** SQLSTATEs of refused credentials: invalid_password, invalid_authorization_specification. */
export const CREDENTIAL_FAILURES: readonly string[] = ['28P01', '28000'];

export const PgAnomaly = {
  BAD_STARTUP: 'postgresql_malformed_startup',
  BAD_MESSAGE: 'postgresql_malformed_message',
  MESSAGE_TOO_LONG: 'postgresql_message_too_long',
  CONTENT_GAP: 'postgresql_content_gap',
} as const;
