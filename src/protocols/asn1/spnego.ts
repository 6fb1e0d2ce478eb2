/**
 * SPNEGO / GSS-API token unwrapping (RFC 4178, RFC 2743 §3.1, RFC 4121 §4.1)
 * for the authentication blobs SMB session setup and LDAP SASL binds carry.
 *
 * `parseGssToken` classifies one blob: an initial SPNEGO token (NegTokenInit,
 * with the mechanism list and the optimistic mechToken), a subsequent SPNEGO
 * token (NegTokenResp, with negState and responseToken), a bare NTLMSSP
 * message, or a Kerberos GSS token (with its 2-byte TOK_ID and the Kerberos
 * message behind it). Inner tokens are returned as offsets into the caller's
 * buffer; `parseGssToken` can be applied again to them. Pure and never throws.
 */
import { BerReader, TagClass, UniversalTag } from './ber.js';

export const OID_SPNEGO = '1.3.6.1.5.5.2';
export const OID_KRB5 = '1.2.840.113554.1.2.2';
/** Microsoft's historical (truncated) Kerberos OID, still sent first by Windows. */
export const OID_MS_KRB5 = '1.2.840.48018.1.2.2';
export const OID_KRB5_USER2USER = '1.2.840.113554.1.2.2.3';
export const OID_NTLMSSP = '1.3.6.1.4.1.311.2.2.10';

/** SPNEGO negState values (RFC 4178 §4.2.2). */
export const NegState = {
  ACCEPT_COMPLETED: 0,
  ACCEPT_INCOMPLETE: 1,
  REJECT: 2,
  REQUEST_MIC: 3,
} as const;

/** Kerberos GSS TOK_ID values (RFC 4121 §4.1). */
export const KrbTokId = {
  AP_REQ: 0x0100,
  AP_REP: 0x0200,
  ERROR: 0x0300,
} as const;

/** Mechanism OIDs kept from a NegTokenInit: real lists have 2-4 entries. */
export const SPNEGO_MAX_MECHS = 16;

export type GssKind = 'spnego_init' | 'spnego_resp' | 'ntlmssp' | 'krb5' | 'unknown';

export interface GssToken {
  kind: GssKind;
  /** NegTokenInit mechanism OIDs (dotted). */
  mechs: string[];
  /** NegTokenResp negState, -1 when absent. */
  negState: number;
  /** NegTokenResp supportedMech OID, '' when absent. */
  supportedMech: string;
  /** Kerberos TOK_ID for kind 'krb5', -1 otherwise. */
  krbTokId: number;
  /**
   * The inner token: mechToken/responseToken for SPNEGO, the whole message for
   * NTLMSSP, the Kerberos message after TOK_ID for 'krb5'. -1 when absent.
   */
  innerStart: number;
  innerEnd: number;
}

const NTLMSSP_SIGNATURE = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00];

/** True when [start, end) begins with the NTLMSSP signature "NTLMSSP\0". */
export function isNtlmssp(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 8) return false;
  for (let i = 0; i < 8; i++) if (buf[start + i] !== NTLMSSP_SIGNATURE[i]) return false;
  return true;
}

function emptyToken(): GssToken {
  return { kind: 'unknown', mechs: [], negState: -1, supportedMech: '', krbTokId: -1, innerStart: -1, innerEnd: -1 };
}

/** Classifies and unwraps one GSS-API token in [start, end). */
export function parseGssToken(buf: Uint8Array, start: number, end: number): GssToken {
  const tok = emptyToken();
  if (end > buf.length) end = buf.length;
  if (end - start < 2) return tok;
  if (isNtlmssp(buf, start, end)) {
    tok.kind = 'ntlmssp';
    tok.innerStart = start;
    tok.innerEnd = end;
    return tok;
  }
  const r = new BerReader(buf, start, end);
  if (!r.next()) return tok;
  if (r.is(TagClass.APPLICATION, 0) && r.constructed) {
    // InitialContextToken: thisMech OID, then the mechanism's own bytes.
    const inner = r.enter();
    if (inner === null || !inner.next() || !inner.is(TagClass.UNIVERSAL, UniversalTag.OID)) return tok;
    const mech = inner.oid();
    const rest = inner.valueEnd;
    if (mech === OID_SPNEGO) {
      const neg = new BerReader(buf, rest, r.valueEnd, 1);
      if (neg.next()) parseNegotiation(neg, tok);
      return tok;
    }
    if (mech === OID_KRB5 || mech === OID_MS_KRB5 || mech === OID_KRB5_USER2USER) {
      if (r.valueEnd - rest < 2) return tok;
      tok.kind = 'krb5';
      tok.krbTokId = (buf[rest]! << 8) | buf[rest + 1]!;
      tok.innerStart = rest + 2;
      tok.innerEnd = r.valueEnd;
    }
    return tok;
  }
  // Subsequent SPNEGO tokens are the bare NegotiationToken CHOICE.
  parseNegotiation(r, tok);
  return tok;
}

function parseNegotiation(r: BerReader, tok: GssToken): void {
  if (r.cls !== TagClass.CONTEXT || !r.constructed || (r.tag !== 0 && r.tag !== 1)) return;
  const isInit = r.tag === 0;
  const wrap = r.enter();
  if (wrap === null || !wrap.next() || !wrap.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return;
  const seq = wrap.enter();
  if (seq === null) return;
  tok.kind = isInit ? 'spnego_init' : 'spnego_resp';
  while (seq.next()) {
    if (seq.cls !== TagClass.CONTEXT) continue;
    const field = seq.enter();
    if (field === null || !field.next()) continue;
    if (isInit) {
      if (seq.tag === 0 && field.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) {
        const list = field.enter();
        while (list !== null && list.next() && tok.mechs.length < SPNEGO_MAX_MECHS) {
          if (list.is(TagClass.UNIVERSAL, UniversalTag.OID)) tok.mechs.push(list.oid());
        }
      } else if (seq.tag === 2 && field.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) {
        tok.innerStart = field.valueStart;
        tok.innerEnd = field.valueEnd;
      }
    } else {
      if (seq.tag === 0 && field.is(TagClass.UNIVERSAL, UniversalTag.ENUMERATED)) {
        const v = field.int();
        tok.negState = Number.isNaN(v) ? -1 : v;
      } else if (seq.tag === 1 && field.is(TagClass.UNIVERSAL, UniversalTag.OID)) {
        tok.supportedMech = field.oid();
      } else if (seq.tag === 2 && field.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) {
        tok.innerStart = field.valueStart;
        tok.innerEnd = field.valueEnd;
      }
    }
  }
}

/**
 * Follows SPNEGO wrapping down to the mechanism token: returns the token of
 * kind 'ntlmssp' or 'krb5' (or the outermost token when there is none), with
 * the outer negState carried over so callers see both in one result.
 */
export function unwrapMechToken(buf: Uint8Array, start: number, end: number): GssToken {
  const outer = parseGssToken(buf, start, end);
  if ((outer.kind === 'spnego_init' || outer.kind === 'spnego_resp') && outer.innerStart >= 0) {
    const inner = parseGssToken(buf, outer.innerStart, outer.innerEnd);
    if (inner.kind === 'ntlmssp' || inner.kind === 'krb5') {
      inner.negState = outer.negState;
      inner.supportedMech = outer.supportedMech;
      inner.mechs = outer.mechs;
      return inner;
    }
    // A raw Kerberos message (no GSS wrapper) inside SPNEGO: AP-REQ [APPLICATION 14] or AP-REP [15].
    const b = buf[outer.innerStart];
    if (b === 0x6e || b === 0x6f || b === 0x7e) {
      inner.kind = 'krb5';
      inner.krbTokId = b === 0x6e ? KrbTokId.AP_REQ : b === 0x6f ? KrbTokId.AP_REP : KrbTokId.ERROR;
      inner.innerStart = outer.innerStart;
      inner.innerEnd = outer.innerEnd;
      inner.negState = outer.negState;
      inner.supportedMech = outer.supportedMech;
      inner.mechs = outer.mechs;
      return inner;
    }
  }
  return outer;
}
