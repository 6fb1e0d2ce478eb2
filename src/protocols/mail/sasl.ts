/**
 * User names from SASL exchanges seen in clear (SMTP AUTH, IMAP
 * AUTHENTICATE, POP3 AUTH): the base64 client responses of PLAIN
 * (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), SCRAM (RFC 5802) and XOAUTH2.
 * Only the user is taken out; decoded buffers that held a password are
 * zeroed before they are dropped, and no password ever leaves this file.
 * `SaslExchange` follows one exchange's client responses the same way for
 * all three protocols.
 */
import { logString } from '../wire-text.js';

/** SASL mechanisms whose client responses name the user. */
export const SaslMech = {
  OTHER: 0,
  PLAIN: 1,
  LOGIN: 2,
  CRAM_MD5: 3,
  SCRAM: 4,
  XOAUTH2: 5,
} as const;
export type SaslMech = (typeof SaslMech)[keyof typeof SaslMech];

/** Longest base64 response decoded: user names are short; a longer response is a token, not a name. */
export const MAX_SASL_RESPONSE = 8192;

/** The mechanism for a name as clients send it (any case). */
export function saslMech(name: string): SaslMech {
  const n = name.toUpperCase();
  if (n === 'PLAIN') return SaslMech.PLAIN;
  if (n === 'LOGIN') return SaslMech.LOGIN;
  if (n === 'CRAM-MD5') return SaslMech.CRAM_MD5;
  if (n.startsWith('SCRAM-')) return SaslMech.SCRAM;
  if (n === 'XOAUTH2') return SaslMech.XOAUTH2;
  return SaslMech.OTHER;
}

/** Whether the mechanism sends the password readable: PLAIN and LOGIN (base64 is no cipher). */
export function saslSendsPassword(mech: SaslMech): boolean {
  return mech === SaslMech.PLAIN || mech === SaslMech.LOGIN;
}

/** True when every byte of `buf[start..end)` is a base64 character (padding included). */
function isBase64(buf: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    const ok =
      (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2b || b === 0x2f || b === 0x3d;
    if (!ok) return false;
  }
  return true;
}

function decode(buf: Uint8Array, start: number, end: number): Buffer | null {
  if (end - start > MAX_SASL_RESPONSE || !isBase64(buf, start, end)) return null;
  return Buffer.from(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'), 'base64');
}

function indexOf(b: Uint8Array, value: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (b[i] === value) return i;
  return -1;
}

function nonEmpty(b: Uint8Array, start: number, end: number): string | undefined {
  return end > start ? logString(b, start, end) : undefined;
}

/**
 * The user named by the `index`-th client response (0 = initial response)
 * of a mechanism, or undefined when that response names none (or is not
 * base64). For LOGIN only the first response is the user; the second is the
 * password and is never decoded.
 */
export function saslUser(mech: SaslMech, index: number, buf: Uint8Array, start: number, end: number): string | undefined {
  if (mech === SaslMech.OTHER || index > 0) {
    return undefined;
  }
  const d = decode(buf, start, end);
  if (d === null) return undefined;
  let user: string | undefined;
  const n = d.length;
  if (mech === SaslMech.PLAIN) {
    // authzid NUL authcid NUL passwd: the authentication identity is the one checked.
    const a = indexOf(d, 0, 0, n);
    const b = a < 0 ? -1 : indexOf(d, 0, a + 1, n);
    if (b > 0) user = nonEmpty(d, a + 1, b) ?? nonEmpty(d, 0, a);
  } else if (mech === SaslMech.LOGIN) {
    user = nonEmpty(d, 0, n);
  } else if (mech === SaslMech.CRAM_MD5) {
    // "user SP hex-digest": the digest is the last token.
    let sp = -1;
    for (let i = n - 1; i >= 0; i--) {
      if (d[i] === 0x20) {
        sp = i;
        break;
      }
    }
    if (sp > 0) user = nonEmpty(d, 0, sp);
  } else if (mech === SaslMech.SCRAM) {
    // gs2-header "n,," then "n=user,r=nonce".
    for (let i = 0; i + 1 < n; i++) {
      if ((i === 0 || d[i - 1] === 0x2c) && d[i] === 0x6e && d[i + 1] === 0x3d) {
        const e = indexOf(d, 0x2c, i + 2, n);
        user = nonEmpty(d, i + 2, e < 0 ? n : e);
        break;
      }
    }
  } else if (mech === SaslMech.XOAUTH2) {
    // "user=" name 0x01 "auth=Bearer " token 0x01 0x01
    if (n > 5 && d[0] === 0x75 && d[1] === 0x73 && d[2] === 0x65 && d[3] === 0x72 && d[4] === 0x3d) {
      const e = indexOf(d, 0x01, 5, n);
      user = nonEmpty(d, 5, e < 0 ? n : e);
    }
  }
  // The decoded response may hold a password or token: do not leave it in memory longer than needed.
  d.fill(0);
  return user;
}

/**
 * The client side of one SASL exchange: its mechanism, how many responses
 * the client sent, and the user the first response that names one gave.
 */
export class SaslExchange {
  mech: SaslMech = SaslMech.OTHER;
  responses = 0;
  user: string | undefined = undefined;

  /**
   * A new exchange for `mech` (possibly for another user). `buf[start..end)`
   * is the initial response sent with the command, empty when there is none;
   * "=" is an empty initial response (RFC 4954 section 4, RFC 4959).
   */
  start(mech: SaslMech, buf: Uint8Array, start: number, end: number): void {
    this.mech = mech;
    this.responses = 0;
    this.user = undefined;
    if (start < end) {
      if (!(end - start === 1 && buf[start] === 0x3d)) this.user = saslUser(mech, 0, buf, start, end);
      this.responses = 1;
    }
  }

  /** One client response line, `buf[start..end)`. */
  response(buf: Uint8Array, start: number, end: number): void {
    if (this.user === undefined) this.user = saslUser(this.mech, this.responses, buf, start, end);
    this.responses++;
  }
}
