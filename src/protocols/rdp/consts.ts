/**
 * RDP connection-negotiation wire values ([MS-RDPBCGR] 2.2.1.1 and 2.2.1.2,
 * X.224 from ITU-T X.224 / RFC 1006 TPKT) with Zeek's names, and the bounds
 * on per-flow state.
 */

export const RDP_PORTS = [3389] as const;

/** TPKT header: version 3, reserved, 16-bit length (RFC 1006 section 6). */
export const TPKT_HEADER = 4;
export const TPKT_VERSION = 3;
/** X.224 fixed part after the length indicator: code, dst-ref (2), src-ref (2), class. */
export const X224_FIXED = 6;
/** Largest Connection Request/Confirm read: real ones are under 100 bytes; the cookie is the only variable part. */
export const MAX_TPDU = 4096;

export const X224 = {
  /** Connection Request (upper nibble; the lower is CDT credit). */
  CR: 0xe0,
  /** Connection Confirm. */
  CC: 0xd0,
} as const;

export const NegType = {
  REQUEST: 0x01,
  RESPONSE: 0x02,
  FAILURE: 0x03,
} as const;
/** RDP_NEG_REQ/RSP/FAILURE are 8 bytes: type, flags, length (LE 16), u32 LE value. */
export const NEG_LENGTH = 8;

const PROTOCOLS: Readonly<Record<number, string>> = {
  0x00: 'RDP',
  0x01: 'SSL',
  0x02: 'HYBRID',
  0x04: 'RDSTLS',
  0x08: 'HYBRID_EX',
  0x10: 'RDSAAD',
};

/** Zeek's name for a selected security protocol; `security_protocol-N` when unknown. */
export function protocolName(p: number): string {
  return PROTOCOLS[p] ?? `security_protocol-${p}`;
}

/** Names of the protocol flags set in a requestedProtocols mask ("RDP" alone when none is set). */
export function requestedNames(mask: number): string[] {
  if (mask === 0) return ['RDP'];
  const out: string[] = [];
  for (let k = 0; k < 32; k++) if (((mask >>> k) & 1) === 1) out.push(protocolName(2 ** k));
  return out;
}

const FAILURES: Readonly<Record<number, string>> = {
  0x01: 'SSL_REQUIRED_BY_SERVER',
  0x02: 'SSL_NOT_ALLOWED_BY_SERVER',
  0x03: 'SSL_CERT_NOT_ON_SERVER',
  0x04: 'INCONSISTENT_FLAGS',
  0x05: 'HYBRID_REQUIRED_BY_SERVER',
  0x06: 'SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER',
};

/** Zeek's name for a negotiation failure code; `failure_code-N` when unknown. */
export function failureName(code: number): string {
  return FAILURES[code] ?? `failure_code-${code}`;
}

export const RdpAnomaly = {
  NOT_TPKT: 'rdp_not_tpkt',
  BAD_TPDU: 'rdp_malformed_x224',
  TPDU_TOO_LONG: 'rdp_tpdu_too_long',
  CONTENT_GAP: 'rdp_content_gap',
} as const;
