/**
 * A keyed digest of a secret seen in clear (a login form's password, an
 * SNMP community), for the `auth` event's `secret_tag`: equal when the same
 * secret is sent again, so that guessing (many different secrets) can be
 * told from one secret repeated, without keeping the secret. The key is
 * random per process and never leaves it; 32 bits of HMAC-SHA-256.
 */
import crypto from 'node:crypto';

const TAG_KEY = crypto.randomBytes(32);

/** The secret's digest under this process's key. */
export function secretTag(secret: string | Uint8Array): number {
  const h = crypto.createHmac('sha256', TAG_KEY);
  if (typeof secret === 'string') h.update(secret, 'utf8');
  else h.update(secret);
  return h.digest().readUInt32BE(0);
}
