/**
 * Console password hashing: scrypt from node:crypto with a random salt per
 * password, stored as one self-describing string
 * `scrypt$N$r$p$salt$hash` (base64url) so the cost can be raised later
 * without breaking old hashes. Verification compares in constant time.
 */
import crypto from 'node:crypto';

/** scrypt cost N: 2^15 takes tens of milliseconds and 32 MiB, slow enough against offline guessing. */
export const SCRYPT_N = 1 << 15;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
/** Salt and derived key lengths in bytes (128-bit salt, 256-bit key). */
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Memory ceiling for scrypt: N=2^15, r=8 needs 32 MiB; leave headroom. */
const SCRYPT_MAXMEM = 64 * 1024 * 1024;
/** Longest password accepted: bounds hashing work an attacker can ask for. */
export const MAX_PASSWORD_LENGTH = 1024;
/** Shortest password an admin may set. */
export const MIN_PASSWORD_LENGTH = 8;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password, salt, KEY_BYTES, { N: n, r, p, maxmem: SCRYPT_MAXMEM }, (err, key) => (err === null ? resolve(key) : reject(err)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P);
  return `scrypt$${SCRYPT_N}$${SCRYPT_R}$${SCRYPT_P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** False for a wrong password and for a malformed stored hash (never throws). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const n = Number(parts[1]);
  const r = Number(parts[2]);
  const p = Number(parts[3]);
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(r) || !Number.isSafeInteger(p) || n < 2 || r < 1 || p < 1) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (expected.length !== KEY_BYTES) return false;
  let key: Buffer;
  try {
    key = await scrypt(password, salt, n, r, p);
  } catch {
    return false;
  }
  return crypto.timingSafeEqual(key, expected);
}
