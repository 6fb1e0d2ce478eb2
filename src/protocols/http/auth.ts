/**
 * Reads the Authorization header without ever keeping a secret: the scheme,
 * the Basic user name (the password after the colon is dropped at once), and
 * the user, domain and workstation an NTLM AUTHENTICATE message (type 3)
 * carries in clear.
 * Also tells a Negotiate/NTLM challenge (401 with a token: the handshake goes
 * on) from a final refusal. Pure; never throws.
 */
import {
  AuthScheme,
  SCHEME_BASIC,
  SCHEME_BEARER,
  SCHEME_DIGEST,
  SCHEME_NEGOTIATE,
  SCHEME_NTLM,
} from './consts.js';
import { equalsIgnoreCase, logString } from '../wire-text.js';
import { NtlmType, parseNtlm } from '../smb/ntlm.js';
import { parseGssToken } from '../asn1/spnego.js';

/** Longest credential token decoded (NTLM type 3 messages are a few hundred bytes; Kerberos tickets a few KiB). */
export const MAX_CREDENTIAL_TOKEN = 16384;

export interface AuthorizationInfo {
  scheme: AuthScheme;
  /** User name when the scheme shows it in clear (Basic, NTLM type 3). */
  user?: string;
  /** NTLM domain, when shown. */
  domain?: string;
  /** NTLM workstation name, when shown. */
  workstation?: string;
}

function schemeOf(buf: Uint8Array, start: number, end: number): AuthScheme {
  if (equalsIgnoreCase(buf, start, end, SCHEME_BASIC)) return AuthScheme.BASIC;
  if (equalsIgnoreCase(buf, start, end, SCHEME_NTLM)) return AuthScheme.NTLM;
  if (equalsIgnoreCase(buf, start, end, SCHEME_NEGOTIATE)) return AuthScheme.NEGOTIATE;
  if (equalsIgnoreCase(buf, start, end, SCHEME_DIGEST)) return AuthScheme.DIGEST;
  if (equalsIgnoreCase(buf, start, end, SCHEME_BEARER)) return AuthScheme.BEARER;
  return AuthScheme.OTHER;
}

/** Splits `scheme SP token`; returns the scheme end and token start/end. */
function splitScheme(buf: Uint8Array, start: number, end: number): [number, number, number] {
  let i = start;
  while (i < end && buf[i] !== 0x20 && buf[i] !== 0x09) i++;
  const schemeEnd = i;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  return [schemeEnd, i, end];
}

function decodeBase64(buf: Uint8Array, start: number, end: number): Buffer | null {
  if (end - start > MAX_CREDENTIAL_TOKEN || end <= start) return null;
  // Buffer's base64 decoder skips characters outside the alphabet instead of failing.
  return Buffer.from(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'), 'base64');
}

/** Reads an Authorization (or Proxy-Authorization) header value. */
export function parseAuthorization(buf: Uint8Array, start: number, end: number): AuthorizationInfo {
  const [schemeEnd, tokStart, tokEnd] = splitScheme(buf, start, end);
  const scheme = schemeOf(buf, start, schemeEnd);
  if (scheme === AuthScheme.BASIC) {
    const raw = decodeBase64(buf, tokStart, tokEnd);
    if (raw === null) return { scheme };
    let colon = raw.indexOf(0x3a);
    if (colon < 0) colon = raw.length;
    return { scheme, user: logString(raw, 0, colon) };
  }
  if (scheme === AuthScheme.NTLM || scheme === AuthScheme.NEGOTIATE) {
    const raw = decodeBase64(buf, tokStart, tokEnd);
    if (raw === null) return { scheme };
    const ntlm = ntlmAuthenticateUser(raw);
    if (ntlm === null) return { scheme };
    return {
      scheme,
      user: ntlm.user,
      ...(ntlm.domain !== '' ? { domain: ntlm.domain } : {}),
      ...(ntlm.workstation !== '' ? { workstation: ntlm.workstation } : {}),
    };
  }
  return { scheme };
}

/**
 * User, domain and workstation from an NTLM AUTHENTICATE (type 3) message,
 * bare or inside SPNEGO (Negotiate); null otherwise. Unwrapped and read by
 * the SPNEGO and NTLMSSP parsers SMB and LDAP use.
 */
export function ntlmAuthenticateUser(raw: Uint8Array): { user: string; domain: string; workstation: string } | null {
  let tok = parseGssToken(raw, 0, raw.length);
  if ((tok.kind === 'spnego_init' || tok.kind === 'spnego_resp') && tok.innerStart >= 0) tok = parseGssToken(raw, tok.innerStart, tok.innerEnd);
  if (tok.kind !== 'ntlmssp') return null;
  const msg = parseNtlm(raw, tok.innerStart, tok.innerEnd);
  if (msg === null || msg.type !== NtlmType.AUTHENTICATE || msg.user === undefined) return null;
  return { user: msg.user, domain: msg.domain ?? '', workstation: msg.workstation ?? '' };
}

/**
 * For a 401 answer: true when a WWW-Authenticate value is an NTLM/Negotiate
 * challenge carrying a token, i.e. the handshake continues and this is not a refusal.
 */
export function isContinuationChallenge(buf: Uint8Array, start: number, end: number): boolean {
  const [schemeEnd, tokStart, tokEnd] = splitScheme(buf, start, end);
  const scheme = schemeOf(buf, start, schemeEnd);
  return (scheme === AuthScheme.NTLM || scheme === AuthScheme.NEGOTIATE) && tokEnd > tokStart;
}
