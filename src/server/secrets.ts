/**
 * Secrets: random tokens and credentials, their sha256 hashes (only hashes
 * of agent credentials are stored), and comparison that takes the same time
 * whatever the input, so the admin token cannot be guessed byte by byte.
 */
import crypto from 'node:crypto';

/** 32 random bytes: the agent credential and the generated admin token. */
export const CREDENTIAL_BYTES = 32;
/** 24 random bytes for one-time enrollment tokens (short-lived, still unguessable). */
export const ENROLL_TOKEN_BYTES = 24;

export function randomToken(bytes: number): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

export function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Equal strings, compared through their hashes in constant time (lengths may differ). */
export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a, 'utf8').digest();
  const hb = crypto.createHash('sha256').update(b, 'utf8').digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header);
  return m === null ? undefined : m[1];
}
