/**
 * TLS wire values and their log names: record content types, handshake
 * types (with Zeek's ssl_history letters), protocol versions, cipher suites
 * (IANA names), named groups, alert descriptions, extension numbers, GREASE,
 * and the bounds on per-flow state. Every lookup falls back to a readable
 * `unknown-...` value, never an empty string.
 */

/** Largest record body allowed: 2^14 plaintext + 2048 expansion (RFC 5246 section 6.2.3). */
export const MAX_RECORD_LENGTH = 16384 + 2048;
/** Largest ClientHello/ServerHello kept for parsing; real ones are a few KiB even with post-quantum key shares. */
export const MAX_HELLO_BYTES = 65536;
/** Longest ssl_history kept (a renegotiating or chatty peer cannot grow it further). */
export const MAX_HISTORY = 100;
/** Most list entries read from one hello field (cipher suites, extensions, groups...); 2-byte lengths allow 32767. */
export const MAX_LIST_ENTRIES = 1024;
/** Certificates read from one Certificate message (real chains have 2 to 4). */
export const MAX_CHAIN_CERTIFICATES = 16;
/** Longest SNI / ALPN value kept. */
export const MAX_NAME_LENGTH = 255;

export const ContentType = {
  CHANGE_CIPHER_SPEC: 20,
  ALERT: 21,
  HANDSHAKE: 22,
  APPLICATION_DATA: 23,
  HEARTBEAT: 24,
} as const;

export const HandshakeType = {
  HELLO_REQUEST: 0,
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  HELLO_VERIFY_REQUEST: 3,
  NEW_SESSION_TICKET: 4,
  END_OF_EARLY_DATA: 5,
  HELLO_RETRY_REQUEST: 6,
  ENCRYPTED_EXTENSIONS: 8,
  CERTIFICATE: 11,
  SERVER_KEY_EXCHANGE: 12,
  CERTIFICATE_REQUEST: 13,
  SERVER_HELLO_DONE: 14,
  CERTIFICATE_VERIFY: 15,
  CLIENT_KEY_EXCHANGE: 16,
  FINISHED: 20,
  CERTIFICATE_URL: 21,
  CERTIFICATE_STATUS: 22,
  SUPPLEMENTAL_DATA: 23,
  KEY_UPDATE: 24,
  MESSAGE_HASH: 254,
} as const;

/** Zeek's ssl_history letters per handshake type (upper case when the client sent it). */
const HISTORY_LETTERS: Record<number, string> = {
  0: 'H', 1: 'C', 2: 'S', 3: 'V', 4: 'T', 5: 'E', 6: 'J', 8: 'O', 11: 'X', 12: 'K', 13: 'R', 14: 'N',
  15: 'Y', 16: 'G', 20: 'F', 21: 'W', 22: 'U', 23: 'A', 24: 'P', 254: 'M',
};
/** History letters for record-level events. */
export const HISTORY_CCS = 'I';
export const HISTORY_ALERT = 'L';
export const HISTORY_HEARTBEAT = 'B';

/** The ssl_history letter for a handshake message, upper case for the client. */
export function historyLetter(handshakeType: number, fromClient: boolean): string {
  const l = HISTORY_LETTERS[handshakeType] ?? 'Z';
  return fromClient ? l : l.toLowerCase();
}

/** TLS 1.3's version value (RFC 8446). */
const TLS13 = 0x0304;

const VERSION_NAMES: Record<number, string> = {
  0x0002: 'SSLv2',
  0x0300: 'SSLv3',
  0x0301: 'TLSv10',
  0x0302: 'TLSv11',
  0x0303: 'TLSv12',
  0x0304: 'TLSv13',
  0xfeff: 'DTLSv10',
  0xfefd: 'DTLSv12',
  0xfefc: 'DTLSv13',
};

/** Zeek's version names ("TLSv12", "TLSv13-draft23"); unknown values as "unknown-<decimal>". */
export function versionName(v: number): string {
  const n = VERSION_NAMES[v];
  if (n !== undefined) return n;
  // TLS 1.3 drafts were numbered 0x7fNN.
  if (v >> 8 === 0x7f) return `TLSv13-draft${v & 0xff}`;
  return `unknown-${v}`;
}

/** True for a TLS 1.3 version value, final or draft. */
export function isTls13(v: number): boolean {
  return v === TLS13 || v >> 8 === 0x7f || v === 0xfefc;
}

/** RFC 8701 GREASE values: 0x?A?A with equal bytes. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

export const Ext = {
  SERVER_NAME: 0,
  SUPPORTED_GROUPS: 10,
  EC_POINT_FORMATS: 11,
  SIGNATURE_ALGORITHMS: 13,
  ALPN: 16,
  PRE_SHARED_KEY: 41,
  SUPPORTED_VERSIONS: 43,
  KEY_SHARE: 51,
  /** key_share's number in TLS 1.3 drafts before 23. */
  KEY_SHARE_OLD: 40,
} as const;

/** IANA cipher suite names for the suites seen in practice. */
const CIPHER_NAMES: Record<number, string> = {
  0x0000: 'TLS_NULL_WITH_NULL_NULL',
  0x0001: 'TLS_RSA_WITH_NULL_MD5',
  0x0002: 'TLS_RSA_WITH_NULL_SHA',
  0x0003: 'TLS_RSA_EXPORT_WITH_RC4_40_MD5',
  0x0004: 'TLS_RSA_WITH_RC4_128_MD5',
  0x0005: 'TLS_RSA_WITH_RC4_128_SHA',
  0x0006: 'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5',
  0x0007: 'TLS_RSA_WITH_IDEA_CBC_SHA',
  0x0008: 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA',
  0x0009: 'TLS_RSA_WITH_DES_CBC_SHA',
  0x000a: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  0x000d: 'TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA',
  0x0010: 'TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA',
  0x0011: 'TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA',
  0x0012: 'TLS_DHE_DSS_WITH_DES_CBC_SHA',
  0x0013: 'TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA',
  0x0014: 'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA',
  0x0015: 'TLS_DHE_RSA_WITH_DES_CBC_SHA',
  0x0016: 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA',
  0x0018: 'TLS_DH_anon_WITH_RC4_128_MD5',
  0x001b: 'TLS_DH_anon_WITH_3DES_EDE_CBC_SHA',
  0x002f: 'TLS_RSA_WITH_AES_128_CBC_SHA',
  0x0030: 'TLS_DH_DSS_WITH_AES_128_CBC_SHA',
  0x0031: 'TLS_DH_RSA_WITH_AES_128_CBC_SHA',
  0x0032: 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA',
  0x0033: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
  0x0034: 'TLS_DH_anon_WITH_AES_128_CBC_SHA',
  0x0035: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  0x0036: 'TLS_DH_DSS_WITH_AES_256_CBC_SHA',
  0x0037: 'TLS_DH_RSA_WITH_AES_256_CBC_SHA',
  0x0038: 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA',
  0x0039: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA',
  0x003a: 'TLS_DH_anon_WITH_AES_256_CBC_SHA',
  0x003b: 'TLS_RSA_WITH_NULL_SHA256',
  0x003c: 'TLS_RSA_WITH_AES_128_CBC_SHA256',
  0x003d: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  0x0040: 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256',
  0x0041: 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA',
  0x0045: 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA',
  0x0067: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256',
  0x006a: 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA256',
  0x006b: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256',
  0x0084: 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA',
  0x0088: 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA',
  0x008c: 'TLS_PSK_WITH_AES_128_CBC_SHA',
  0x008d: 'TLS_PSK_WITH_AES_256_CBC_SHA',
  0x0096: 'TLS_RSA_WITH_SEED_CBC_SHA',
  0x009c: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
  0x009d: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  0x009e: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
  0x009f: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
  0x00a2: 'TLS_DHE_DSS_WITH_AES_128_GCM_SHA256',
  0x00a3: 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384',
  0x00a8: 'TLS_PSK_WITH_AES_128_GCM_SHA256',
  0x00a9: 'TLS_PSK_WITH_AES_256_GCM_SHA384',
  0x00ff: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV',
  0x1301: 'TLS_AES_128_GCM_SHA256',
  0x1302: 'TLS_AES_256_GCM_SHA384',
  0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0x1304: 'TLS_AES_128_CCM_SHA256',
  0x1305: 'TLS_AES_128_CCM_8_SHA256',
  0x5600: 'TLS_FALLBACK_SCSV',
  0xc001: 'TLS_ECDH_ECDSA_WITH_NULL_SHA',
  0xc002: 'TLS_ECDH_ECDSA_WITH_RC4_128_SHA',
  0xc003: 'TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA',
  0xc004: 'TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA',
  0xc005: 'TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA',
  0xc006: 'TLS_ECDHE_ECDSA_WITH_NULL_SHA',
  0xc007: 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  0xc008: 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA',
  0xc009: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  0xc00a: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  0xc00b: 'TLS_ECDH_RSA_WITH_NULL_SHA',
  0xc00c: 'TLS_ECDH_RSA_WITH_RC4_128_SHA',
  0xc00d: 'TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA',
  0xc00e: 'TLS_ECDH_RSA_WITH_AES_128_CBC_SHA',
  0xc00f: 'TLS_ECDH_RSA_WITH_AES_256_CBC_SHA',
  0xc010: 'TLS_ECDHE_RSA_WITH_NULL_SHA',
  0xc011: 'TLS_ECDHE_RSA_WITH_RC4_128_SHA',
  0xc012: 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  0xc013: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  0xc014: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  0xc015: 'TLS_ECDH_anon_WITH_NULL_SHA',
  0xc016: 'TLS_ECDH_anon_WITH_RC4_128_SHA',
  0xc017: 'TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA',
  0xc018: 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA',
  0xc019: 'TLS_ECDH_anon_WITH_AES_256_CBC_SHA',
  0xc023: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  0xc024: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc025: 'TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256',
  0xc026: 'TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc027: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  0xc028: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
  0xc029: 'TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256',
  0xc02a: 'TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384',
  0xc02b: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  0xc02c: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  0xc02d: 'TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256',
  0xc02e: 'TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384',
  0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  0xc030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  0xc031: 'TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256',
  0xc032: 'TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384',
  0xc035: 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA',
  0xc036: 'TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA',
  0xc09c: 'TLS_RSA_WITH_AES_128_CCM',
  0xc09d: 'TLS_RSA_WITH_AES_256_CCM',
  0xc09e: 'TLS_DHE_RSA_WITH_AES_128_CCM',
  0xc09f: 'TLS_DHE_RSA_WITH_AES_256_CCM',
  0xc0a0: 'TLS_RSA_WITH_AES_128_CCM_8',
  0xc0a1: 'TLS_RSA_WITH_AES_256_CCM_8',
  0xc0ac: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM',
  0xc0ad: 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM',
  0xc0ae: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8',
  0xc0af: 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8',
  0xcca8: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0xcca9: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  0xccaa: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0xccab: 'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256',
  0xccac: 'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256',
  0xccad: 'TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256',
  0xd001: 'TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256',
};

/** IANA name of a cipher suite; unknown suites as "unknown-<4 hex digits>". */
export function cipherName(c: number): string {
  return CIPHER_NAMES[c] ?? `unknown-${c.toString(16).padStart(4, '0')}`;
}

/** True when the suite's key exchange is (EC)DHE over a named curve, so ServerKeyExchange names the curve. */
export function isEcdheCipher(c: number): boolean {
  const n = CIPHER_NAMES[c];
  return n !== undefined && (n.includes('_ECDHE_') || n.includes('_ECDH_anon_'));
}

const GROUP_NAMES: Record<number, string> = {
  1: 'sect163k1', 2: 'sect163r1', 3: 'sect163r2', 4: 'sect193r1', 5: 'sect193r2', 6: 'sect233k1',
  7: 'sect233r1', 8: 'sect239k1', 9: 'sect283k1', 10: 'sect283r1', 11: 'sect409k1', 12: 'sect409r1',
  13: 'sect571k1', 14: 'sect571r1', 15: 'secp160k1', 16: 'secp160r1', 17: 'secp160r2', 18: 'secp192k1',
  19: 'secp192r1', 20: 'secp224k1', 21: 'secp224r1', 22: 'secp256k1', 23: 'secp256r1', 24: 'secp384r1',
  25: 'secp521r1', 26: 'brainpoolP256r1', 27: 'brainpoolP384r1', 28: 'brainpoolP512r1', 29: 'x25519',
  30: 'x448', 256: 'ffdhe2048', 257: 'ffdhe3072', 258: 'ffdhe4096', 259: 'ffdhe6144', 260: 'ffdhe8192',
  4587: 'SecP256r1MLKEM768', 4588: 'X25519MLKEM768', 4589: 'SecP384r1MLKEM1024',
  25497: 'X25519Kyber768Draft00', 25498: 'SecP256r1Kyber768Draft00',
};

/** Name of a named group / curve; unknown values as "unknown-<decimal>". */
export function groupName(g: number): string {
  return GROUP_NAMES[g] ?? `unknown-${g}`;
}

const ALERT_NAMES: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 21: 'decryption_failed',
  22: 'record_overflow', 30: 'decompression_failure', 40: 'handshake_failure', 41: 'no_certificate',
  42: 'bad_certificate', 43: 'unsupported_certificate', 44: 'certificate_revoked', 45: 'certificate_expired',
  46: 'certificate_unknown', 47: 'illegal_parameter', 48: 'unknown_ca', 49: 'access_denied',
  50: 'decode_error', 51: 'decrypt_error', 60: 'export_restriction', 70: 'protocol_version',
  71: 'insufficient_security', 80: 'internal_error', 86: 'inappropriate_fallback', 90: 'user_canceled',
  100: 'no_renegotiation', 109: 'missing_extension', 110: 'unsupported_extension',
  111: 'certificate_unobtainable', 112: 'unrecognized_name', 113: 'bad_certificate_status_response',
  114: 'bad_certificate_hash_value', 115: 'unknown_psk_identity', 116: 'certificate_required',
  120: 'no_application_protocol',
};

/** Name of an alert description; unknown values as "unknown-<decimal>". */
export function alertName(a: number): string {
  return ALERT_NAMES[a] ?? `unknown-${a}`;
}

/** The fixed ServerHello.random that marks a HelloRetryRequest (RFC 8446 section 4.1.3). */
export const HRR_RANDOM = new Uint8Array([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** Anomaly codes this analyzer reports through `ctx.anomaly`. */
export const TlsAnomaly = {
  RECORD_TOO_LONG: 'tls_record_too_long',
  BAD_CONTENT_TYPE: 'tls_unknown_content_type',
  BAD_RECORD_VERSION: 'tls_bad_record_version',
  HELLO_TOO_LARGE: 'tls_hello_too_large',
  /** A hello the thread's parser buffer budget could not hold (buffer-budget.ts): not parsed. */
  HELLO_OVER_BUDGET: 'tls_hello_over_budget',
  BAD_CLIENT_HELLO: 'tls_malformed_client_hello',
  BAD_SERVER_HELLO: 'tls_malformed_server_hello',
  BAD_CERTIFICATE_MESSAGE: 'tls_malformed_certificate_message',
  /** A certificate in the chain that does not parse as X.509 (its fingerprint is still logged). */
  BAD_CERTIFICATE: 'tls_malformed_certificate',
  SSLV2: 'tls_sslv2_not_analyzed',
  CONTENT_GAP: 'tls_content_gap',
  /** A DTLS record whose length overruns its datagram. */
  DTLS_TRUNCATED_RECORD: 'dtls_truncated_record',
  /** A DTLS handshake fragment that overruns its record or message, or disagrees with earlier fragments. */
  DTLS_BAD_FRAGMENT: 'dtls_bad_fragment',
} as const;

/** TLS service ports: HTTPS, IMAPS, POP3S, SMTPS, LDAPS, DNS over TLS, FTPS, IRCS, SIPS and friends. */
export const TLS_PORTS = [
  443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 3269, 5061, 5223, 6697, 8443,
] as const;

/** A heartbeat message's head (RFC 6520 §4): type (1 byte: 1 request, 2 response) and payload length (2 bytes). */
export const HEARTBEAT_HEAD = 3;
/** RFC 6520 §4: at least this much random padding follows a heartbeat message's payload. */
export const HEARTBEAT_MIN_PADDING = 16;
