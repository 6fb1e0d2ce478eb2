/**
 * LDAP wire values (RFC 4511, Microsoft's Sicily bind extensions) and the
 * names Zeek's ldap.log and ldap_search.log use for them. Unknown values
 * become `opcode-N`, `result-N`, `scope-N`..., never an empty string.
 */

/** protocolOp APPLICATION tags (RFC 4511 §4.2-4.14). */
export const LdapOp = {
  BIND_REQUEST: 0,
  BIND_RESPONSE: 1,
  UNBIND_REQUEST: 2,
  SEARCH_REQUEST: 3,
  SEARCH_RESULT_ENTRY: 4,
  SEARCH_RESULT_DONE: 5,
  MODIFY_REQUEST: 6,
  MODIFY_RESPONSE: 7,
  ADD_REQUEST: 8,
  ADD_RESPONSE: 9,
  DEL_REQUEST: 10,
  DEL_RESPONSE: 11,
  MOD_DN_REQUEST: 12,
  MOD_DN_RESPONSE: 13,
  COMPARE_REQUEST: 14,
  COMPARE_RESPONSE: 15,
  ABANDON_REQUEST: 16,
  SEARCH_RESULT_REFERENCE: 19,
  EXTENDED_REQUEST: 23,
  EXTENDED_RESPONSE: 24,
  INTERMEDIATE_RESPONSE: 25,
} as const;

const OP_NAMES: Record<number, string> = {
  0: 'bind',
  1: 'bind',
  2: 'unbind',
  3: 'search',
  4: 'search',
  5: 'search',
  6: 'modify',
  7: 'modify',
  8: 'add',
  9: 'add',
  10: 'delete',
  11: 'delete',
  12: 'modify',
  13: 'modify',
  14: 'compare',
  15: 'compare',
  16: 'abandon',
  19: 'search',
  23: 'extended',
  24: 'extended',
  25: 'intermediate',
};

/** Normalised operation name as Zeek logs it (request and response share one name). */
export function opName(op: number): string {
  return OP_NAMES[op] ?? `opcode-${op}`;
}

/** Responses that complete an ldap.log line, plus the requests that have no response. */
export function isFinishing(op: number): boolean {
  return hasResult(op) || op === LdapOp.UNBIND_REQUEST || op === LdapOp.ABANDON_REQUEST;
}

/** Operations whose response carries an LDAPResult. */
export function hasResult(op: number): boolean {
  return (
    op === LdapOp.BIND_RESPONSE ||
    op === LdapOp.SEARCH_RESULT_DONE ||
    op === LdapOp.MODIFY_RESPONSE ||
    op === LdapOp.ADD_RESPONSE ||
    op === LdapOp.DEL_RESPONSE ||
    op === LdapOp.MOD_DN_RESPONSE ||
    op === LdapOp.COMPARE_RESPONSE ||
    op === LdapOp.EXTENDED_RESPONSE
  );
}

/** Bind authentication choice tags (RFC 4511 §4.2; 9-11 are Microsoft Sicily, MS-ADTS). */
export const BindAuth = {
  SIMPLE: 0,
  SASL: 3,
  SICILY_PACKAGE_DISCOVERY: 9,
  SICILY_NEGOTIATE: 10,
  SICILY_RESPONSE: 11,
} as const;

/** ldap.log opcode for a bind request, by authentication choice. */
export function bindOpName(auth: number): string {
  switch (auth) {
    case BindAuth.SIMPLE:
      return 'bind simple';
    case BindAuth.SASL:
      return 'bind SASL';
    case BindAuth.SICILY_PACKAGE_DISCOVERY:
      return 'sicily_package_discovery';
    case BindAuth.SICILY_NEGOTIATE:
      return 'sicily_negotiate';
    case BindAuth.SICILY_RESPONSE:
      return 'sicily_response';
    default:
      return `bind-auth-${auth}`;
  }
}

export const ResultCode = {
  SUCCESS: 0,
  SASL_BIND_IN_PROGRESS: 14,
  INVALID_CREDENTIALS: 49,
} as const;

const RESULT_NAMES: Record<number, string> = {
  0: 'success',
  1: 'operations error',
  2: 'protocol error',
  3: 'time limit exceeded',
  4: 'size limit exceeded',
  5: 'compare false',
  6: 'compare true',
  7: 'auth method not supported',
  8: 'stronger auth required',
  9: 'partial results',
  10: 'referral',
  11: 'admin limit exceeded',
  12: 'unavailable critical extension',
  13: 'confidentiality required',
  14: 'SASL bind in progress',
  16: 'no such attribute',
  17: 'undefined attribute type',
  18: 'inappropriate matching',
  19: 'constraint violation',
  20: 'attribute or value exists',
  21: 'invalid attribute syntax',
  32: 'no such object',
  33: 'alias problem',
  34: 'invalid DN syntax',
  36: 'alias dereferencing problem',
  48: 'inappropriate authentication',
  49: 'invalid credentials',
  50: 'insufficient access rights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwilling to perform',
  54: 'loop detect',
  60: 'sort control missing',
  61: 'offset range error',
  64: 'naming violation',
  65: 'object class violation',
  66: 'not allowed on non-leaf',
  67: 'not allowed on RDN',
  68: 'entry already exists',
  69: 'object class mods prohibited',
  70: 'results too large',
  71: 'affects multiple DSAs',
  76: 'control error',
  80: 'other',
  81: 'server down',
  82: 'local error',
  83: 'encoding error',
  84: 'decoding error',
  85: 'timeout',
  86: 'auth unknown',
  87: 'filter error',
  88: 'user canceled',
  89: 'param error',
  90: 'no memory',
  91: 'connect error',
  92: 'not supported',
  93: 'control not found',
  94: 'no results returned',
  95: 'more results to return',
  96: 'client loop',
  97: 'referral limit exceeded',
  100: 'invalid response',
  101: 'ambiguous response',
  112: 'TLS not supported',
  113: 'intermediate response',
  114: 'unknown type',
  115: 'LCUP invalid data',
  116: 'LCUP unsupported scheme',
  117: 'LCUP reload required',
  118: 'canceled',
  119: 'no such operation',
  120: 'too late',
  121: 'cannot cancel',
  122: 'assertion failed',
  123: 'authorization denied',
};

export function resultName(code: number): string {
  return RESULT_NAMES[code] ?? `result-${code}`;
}

export function scopeName(s: number): string {
  return s === 0 ? 'base' : s === 1 ? 'single' : s === 2 ? 'tree' : `scope-${s}`;
}

export function derefName(d: number): string {
  return d === 0 ? 'never' : d === 1 ? 'searching' : d === 2 ? 'finding' : d === 3 ? 'always' : `deref-${d}`;
}

export const OID_STARTTLS = '1.3.6.1.4.1.1466.20037';

const EXTENDED_NAMES: Record<string, string> = {
  [OID_STARTTLS]: 'StartTLS',
  '1.3.6.1.4.1.4203.1.11.3': 'whoami',
  '1.3.6.1.4.1.4203.1.11.1': 'passwdModify',
  '1.3.6.1.1.8': 'cancel',
};

/** Extended operation name for the ldap.log object suffix ("unknown" as Zeek writes). */
export function extendedName(oid: string): string {
  return EXTENDED_NAMES[oid] ?? 'unknown';
}
