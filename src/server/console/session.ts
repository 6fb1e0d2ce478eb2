/**
 * Session cookies and the per-request checks of the console API: the session
 * cookie (HttpOnly, SameSite=Strict, Secure when the server speaks TLS), the
 * CSRF token every state-changing request must echo in the `x-csrf-token`
 * header (the token lives in the session, is given to the page by /login and
 * /me, and cannot be read by another site), and the admin role for writes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, forbidden, unauthorized } from '../api-error.js';
import { safeEqual } from '../secrets.js';
import type { ConsoleStore, Session } from './console-store.js';

export const SESSION_COOKIE = 'picket_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session (console routes only). */
    consoleSession: Session | null;
  }
}

/** The value of one cookie from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function clearCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** Methods that change nothing and need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** onRequest hook: a live session is required; writes need the CSRF token and, with `adminWrites`, the admin role. */
export function requireSession(store: ConsoleStore, adminWrites = true): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req) => {
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    const s = cookie === undefined || cookie === '' ? undefined : store.session(cookie);
    if (s === undefined) throw unauthorized('log in first');
    req.consoleSession = s;
    if (SAFE_METHODS.has(req.method)) return;
    const token = req.headers[CSRF_HEADER];
    if (typeof token !== 'string' || !safeEqual(token, s.csrf)) throw new ApiError(403, 'PKT_ERR_SERVER_CSRF', `missing or wrong ${CSRF_HEADER} header`);
    if (adminWrites && s.role !== 'admin') throw forbidden(`user ${s.user} is a viewer and cannot change anything`);
  };
}
