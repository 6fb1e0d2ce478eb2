/**
 * Kerberos 5 wire values (RFC 4120, RFC 3961/3962/4757/8009) and their names.
 * Names follow Zeek's kerberos consts so kerberos.log matches; unknown codes
 * become `unknown-N`, never an empty string.
 */

/** Message types, also the APPLICATION tag of each message (RFC 4120 §5.10). */
export const KrbMsgType = {
  AS_REQ: 10,
  AS_REP: 11,
  TGS_REQ: 12,
  TGS_REP: 13,
  AP_REQ: 14,
  AP_REP: 15,
  SAFE: 20,
  PRIV: 21,
  CRED: 22,
  ERROR: 30,
} as const;

const MSG_TYPE_NAMES: Record<number, string> = {
  10: 'KRB_AS_REQ',
  11: 'KRB_AS_REP',
  12: 'KRB_TGS_REQ',
  13: 'KRB_TGS_REP',
  14: 'KRB_AP_REQ',
  15: 'KRB_AP_REP',
  20: 'KRB_SAFE',
  21: 'KRB_PRIV',
  22: 'KRB_CRED',
  30: 'KRB_ERROR',
};

export function msgTypeName(t: number): string {
  return MSG_TYPE_NAMES[t] ?? `msg-${t}`;
}

/** Error codes the analyzer reasons about (RFC 4120 §7.5.9). */
export const KrbErrorCode = {
  C_PRINCIPAL_UNKNOWN: 6,
  S_PRINCIPAL_UNKNOWN: 7,
  POLICY: 12,
  CLIENT_REVOKED: 18,
  KEY_EXPIRED: 23,
  PREAUTH_FAILED: 24,
  PREAUTH_REQUIRED: 25,
  BAD_INTEGRITY: 31,
  RESPONSE_TOO_BIG: 52,
} as const;

const ERROR_NAMES: Record<number, string> = {
  0: 'KDC_ERR_NONE',
  1: 'KDC_ERR_NAME_EXP',
  2: 'KDC_ERR_SERVICE_EXP',
  3: 'KDC_ERR_BAD_PVNO',
  4: 'KDC_ERR_C_OLD_MAST_KVNO',
  5: 'KDC_ERR_S_OLD_MAST_KVNO',
  6: 'KDC_ERR_C_PRINCIPAL_UNKNOWN',
  7: 'KDC_ERR_S_PRINCIPAL_UNKNOWN',
  8: 'KDC_ERR_PRINCIPAL_NOT_UNIQUE',
  9: 'KDC_ERR_NULL_KEY',
  10: 'KDC_ERR_CANNOT_POSTDATE',
  11: 'KDC_ERR_NEVER_VALID',
  12: 'KDC_ERR_POLICY',
  13: 'KDC_ERR_BADOPTION',
  14: 'KDC_ERR_ETYPE_NOSUPP',
  15: 'KDC_ERR_SUMTYPE_NOSUPP',
  16: 'KDC_ERR_PADATA_TYPE_NOSUPP',
  17: 'KDC_ERR_TRTYPE_NOSUPP',
  18: 'KDC_ERR_CLIENT_REVOKED',
  19: 'KDC_ERR_SERVICE_REVOKED',
  20: 'KDC_ERR_TGT_REVOKED',
  21: 'KDC_ERR_CLIENT_NOTYET',
  22: 'KDC_ERR_SERVICE_NOTYET',
  23: 'KDC_ERR_KEY_EXPIRED',
  24: 'KDC_ERR_PREAUTH_FAILED',
  25: 'KDC_ERR_PREAUTH_REQUIRED',
  26: 'KDC_ERR_SERVER_NOMATCH',
  27: 'KDC_ERR_MUST_USE_USER2USER',
  28: 'KDC_ERR_PATH_NOT_ACCEPTED',
  29: 'KDC_ERR_SVC_UNAVAILABLE',
  31: 'KRB_AP_ERR_BAD_INTEGRITY',
  32: 'KRB_AP_ERR_TKT_EXPIRED',
  33: 'KRB_AP_ERR_TKT_NYV',
  34: 'KRB_AP_ERR_REPEAT',
  35: 'KRB_AP_ERR_NOT_US',
  36: 'KRB_AP_ERR_BADMATCH',
  37: 'KRB_AP_ERR_SKEW',
  38: 'KRB_AP_ERR_BADADDR',
  39: 'KRB_AP_ERR_BADVERSION',
  40: 'KRB_AP_ERR_MSG_TYPE',
  41: 'KRB_AP_ERR_MODIFIED',
  42: 'KRB_AP_ERR_BADORDER',
  44: 'KRB_AP_ERR_BADKEYVER',
  45: 'KRB_AP_ERR_NOKEY',
  46: 'KRB_AP_ERR_MUT_FAIL',
  47: 'KRB_AP_ERR_BADDIRECTION',
  48: 'KRB_AP_ERR_METHOD',
  49: 'KRB_AP_ERR_BADSEQ',
  50: 'KRB_AP_ERR_INAPP_CKSUM',
  51: 'KRB_AP_PATH_NOT_ACCEPTED',
  52: 'KRB_ERR_RESPONSE_TOO_BIG',
  60: 'KRB_ERR_GENERIC',
  61: 'KRB_ERR_FIELD_TOOLONG',
  62: 'KDC_ERROR_CLIENT_NOT_TRUSTED',
  63: 'KDC_ERROR_KDC_NOT_TRUSTED',
  64: 'KDC_ERROR_INVALID_SIG',
  65: 'KDC_ERR_KEY_TOO_WEAK',
  66: 'KDC_ERR_CERTIFICATE_MISMATCH',
  67: 'KRB_AP_ERR_NO_TGT',
  68: 'KDC_ERR_WRONG_REALM',
  69: 'KRB_AP_ERR_USER_TO_USER_REQUIRED',
  70: 'KDC_ERR_CANT_VERIFY_CERTIFICATE',
  71: 'KDC_ERR_INVALID_CERTIFICATE',
  72: 'KDC_ERR_REVOKED_CERTIFICATE',
  73: 'KDC_ERR_REVOCATION_STATUS_UNKNOWN',
  74: 'KDC_ERR_REVOCATION_STATUS_UNAVAILABLE',
  75: 'KDC_ERR_CLIENT_NAME_MISMATCH',
  76: 'KDC_ERR_KDC_NAME_MISMATCH',
};

export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `unknown-${code}`;
}

const CIPHER_NAMES: Record<number, string> = {
  1: 'des-cbc-crc',
  2: 'des-cbc-md4',
  3: 'des-cbc-md5',
  5: 'des3-cbc-md5',
  7: 'des3-cbc-sha1',
  9: 'dsaWithSHA1-CmsOID',
  10: 'md5WithRSAEncryption-CmsOID',
  11: 'sha1WithRSAEncryption-CmsOID',
  12: 'rc2CBC-EnvOID',
  13: 'rsaEncryption-EnvOID',
  14: 'rsaES-OAEP-ENV-OID',
  15: 'des-ede3-cbc-Env-OID',
  16: 'des3-cbc-sha1-kd',
  17: 'aes128-cts-hmac-sha1-96',
  18: 'aes256-cts-hmac-sha1-96',
  19: 'aes128-cts-hmac-sha256-128',
  20: 'aes256-cts-hmac-sha384-192',
  23: 'rc4-hmac',
  24: 'rc4-hmac-exp',
  25: 'camellia128-cts-cmac',
  26: 'camellia256-cts-cmac',
  65: 'subkey-keymaterial',
};

/** Encryption type name (RFC 3961 registry), `unknown-N` otherwise. */
export function cipherName(etype: number): string {
  return CIPHER_NAMES[etype] ?? `unknown-${etype}`;
}

/**
 * Encryption types an attacker can crack offline far faster than AES: DES
 * variants and RC4 (the Kerberoasting / AS-REP roasting targets).
 */
export function isWeakCipher(etype: number): boolean {
  return etype === 1 || etype === 2 || etype === 3 || etype === 23 || etype === 24;
}

/** PA-DATA types the analyzer reasons about (RFC 4120 §7.5.2, RFC 4556, RFC 6113). */
export const PaDataType = {
  TGS_REQ: 1,
  ENC_TIMESTAMP: 2,
  PK_AS_REQ_OLD: 14,
  PK_AS_REQ: 16,
  FX_FAST: 136,
  ENCRYPTED_CHALLENGE: 138,
} as const;

/**
 * PA-DATA that proves the client knows its key (or holds its certificate):
 * an encrypted timestamp, PKINIT (old and current), a FAST-armoured request
 * (its pre-authentication is inside the armour) or FAST's encrypted
 * challenge. An AS-REQ with none of them is not pre-authenticated; the KDC
 * answers it with an AS-REP only for accounts set "do not require Kerberos
 * pre-authentication", and that AS-REP's enc-part, encrypted with the
 * account's key, can be cracked offline (AS-REP roasting).
 */
const PREAUTH_PADATA: ReadonlySet<number> = new Set([
  PaDataType.ENC_TIMESTAMP,
  PaDataType.PK_AS_REQ_OLD,
  PaDataType.PK_AS_REQ,
  PaDataType.FX_FAST,
  PaDataType.ENCRYPTED_CHALLENGE,
]);

/** True when the request's PA-DATA types include a pre-authentication (see PREAUTH_PADATA). */
export function hasPreauth(padataTypes: readonly number[]): boolean {
  for (let i = 0; i < padataTypes.length; i++) if (PREAUTH_PADATA.has(padataTypes[i]!)) return true;
  return false;
}

/**
 * KDC error texts Zeek drops from kerberos.log: the routine "pre-authentication
 * required" round trip every client makes before sending its PA-ENC-TIMESTAMP.
 */
export const IGNORED_ERROR_TEXTS: ReadonlySet<string> = new Set([
  'NEEDED_PREAUTH',
  'Need to use PA-ENC-TIMESTAMP/PA-PK-AS-REQ',
]);

/** KDCOptions bits (RFC 4120 §5.4.1), numbered from the most significant bit of the first octet. */
export const KdcOptionBit = {
  FORWARDABLE: 1,
  FORWARDED: 2,
  PROXIABLE: 3,
  PROXY: 4,
  ALLOW_POSTDATE: 5,
  POSTDATED: 6,
  RENEWABLE: 8,
  CANONICALIZE: 15,
  RENEWABLE_OK: 27,
  ENC_TKT_IN_SKEY: 28,
  RENEW: 30,
  VALIDATE: 31,
} as const;
