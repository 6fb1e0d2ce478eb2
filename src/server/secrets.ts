/**
 * Secrets on the server side: the generated admin token, bearer header
 * parsing, and comparison that takes the same time whatever the input, so
 * the admin token cannot be guessed byte by byte. (Enrollment tokens and
 * agent credentials are made and hashed by the meta store, src/store/meta.ts.)
 */
import crypto from 'node:crypto';

/** 32 random bytes for the generated admin token: beyond guessing. */
export const CREDENTIAL_BYTES = 32;

export function randomToken(bytes: number): string {
  return crypto.randomBytes(bytes).toString('base64url');
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
