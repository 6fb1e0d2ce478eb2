/**
 * Builds and emits the `auth` events of the login-service analyzers (FTP,
 * Telnet, RDP, SMTP, IMAP, POP3, MySQL, PostgreSQL, VNC) with one rule for
 * all of them: one event per attempt whose outcome is visible, and exactly
 * one `unknown` event for a recognised connection that showed none (the
 * outcome was encrypted, or the connection ended first), so the brute-force
 * detector can count such connections.
 */
import type { AuthOutcome } from '../../events/auth.js';
import type { AnalyzerContext } from '../analyzer.js';
import { authEvent } from '../auth-event.js';

/** Longest user name kept in an event; longer names are cut (a name is a hint, not a payload). */
export const MAX_AUTH_USER = 256;
/** Longest detail text kept (a server's reply text can be long). */
export const MAX_AUTH_DETAIL = 256;

function cut(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

/** What else an attempt showed (AuthReporter.report). */
export interface AttemptFacts {
  /** The server refused because it does not know the account (no password was checked). */
  unknownUser?: boolean;
  /** The connection's responder signed in to its originator (SIP: either end sends requests). */
  byResponder?: boolean;
  /** The server let the client in without any password (AuthEvent.no_password). */
  noPassword?: boolean;
}

export class AuthReporter {
  readonly #ctx: AnalyzerContext;
  readonly #service: string;
  #count = 0;
  #closed = false;

  constructor(ctx: AnalyzerContext, service: string) {
    this.#ctx = ctx;
    this.#service = service;
  }

  /** Auth events emitted so far on this connection. */
  get count(): number {
    return this.#count;
  }

  /**
   * One attempt with its outcome (may be 'unknown' when the attempt is seen
   * but not its result); `cleartext` when its password crossed in clear.
   */
  report(ts: number, outcome: AuthOutcome, user: string | undefined, detail: string | undefined, cleartext = false, attempt: AttemptFacts = {}): void {
    if (this.#closed) return;
    const ev = authEvent(this.#ctx.conn, ts, this.#service, outcome, attempt.byResponder === true);
    if (user !== undefined) ev.user = cut(user, MAX_AUTH_USER);
    if (attempt.unknownUser === true) ev.unknown_user = true;
    if (attempt.noPassword === true) ev.no_password = true;
    if (detail !== undefined) ev.detail = cut(detail, MAX_AUTH_DETAIL);
    if (cleartext) ev.cleartext = true;
    this.#count++;
    this.#ctx.emit(ev);
  }

  /**
   * The connection is over: when `recognised` and nothing was reported, emit
   * the one `unknown` event. Later calls do nothing.
   */
  finish(ts: number, recognised: boolean, user: string | undefined, detail: string | undefined): void {
    if (this.#closed) return;
    if (recognised && this.#count === 0) this.report(ts, 'unknown', user, detail);
    this.#closed = true;
  }
}
