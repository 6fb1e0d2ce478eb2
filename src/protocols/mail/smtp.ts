/**
 * Per-connection SMTP state for login outcomes (RFC 5321, AUTH from
 * RFC 4954): commands wait in a bounded queue for their final reply
 * (multi-line replies end on "ddd "); while an AUTH exchange runs, client
 * lines are SASL responses (the user is taken from PLAIN/LOGIN/CRAM-MD5/...
 * responses, the password never kept). AUTH answered 235 is a success, 535
 * a failure, any other final reply an attempt of unknown outcome. STARTTLS
 * answered 220 and a successful AUTH end parsing. Message bodies (DATA up
 * to ".", BDAT chunks) are passed over so their lines are never taken for
 * commands.
 */
import type { AnalyzerContext } from '../analyzer.js';
import { logString } from '../wire-text.js';
import { replyCode, replySeparator } from '../ftp/parser.js';
import { MAX_PENDING, MailAnomaly, SMTP_MAX_LINE, Smtp } from './consts.js';
import { MailLineAnalyzer } from './line-analyzer.js';
import { isWord, skipSpaces, wordEnd } from './parser.js';
import { SaslExchange, saslMech, saslSendsPassword } from './sasl.js';

const V_GREETING = 0;
const V_OTHER = 1;
const V_AUTH = 2;
const V_STARTTLS = 3;
const V_DATA = 4;

/** Largest BDAT chunk stepped over; a bigger size is a lie and ends parsing. */
const MAX_BDAT = 1024 * 1024 * 1024;

export class SmtpAnalyzer extends MailLineAnalyzer {
  /** Verbs awaiting their final reply; the greeting first. */
  readonly #pending: number[] = [V_GREETING];
  #inBody = false;
  #saslActive = false;
  /** The last AUTH exchange; its user is the one reported. */
  readonly #sasl = new SaslExchange();
  #mechName = '';
  #detail: string | undefined = undefined;

  constructor(ctx: AnalyzerContext) {
    super(ctx, 'smtp', SMTP_MAX_LINE);
  }

  end(ts: number): void {
    this.stop();
    this.auth.finish(ts, this.confirmed, this.#sasl.user, this.#detail ?? 'no AUTH outcome seen');
  }

  protected command(buf: Uint8Array, s: number, e: number): void {
    if (this.#inBody) {
      // The body ends with a line holding a single dot (RFC 5321 section 4.1.1.4).
      if (e - s === 1 && buf[s] === 0x2e) this.#inBody = false;
      return;
    }
    if (this.#saslActive) {
      this.#sasl.response(buf, s, e);
      return;
    }
    const ve = wordEnd(buf, s, e);
    let verb = V_OTHER;
    if (isWord(buf, s, ve, 'AUTH')) {
      verb = V_AUTH;
      const ms = skipSpaces(buf, ve, e);
      const me = wordEnd(buf, ms, e);
      this.#mechName = logString(buf, ms, me).toUpperCase();
      this.#saslActive = true;
      // Each AUTH is its own attempt, possibly for another user; an initial response may follow the mechanism.
      this.#sasl.start(saslMech(this.#mechName), buf, skipSpaces(buf, me, e), e);
    } else if (isWord(buf, s, ve, 'STARTTLS')) {
      verb = V_STARTTLS;
    } else if (isWord(buf, s, ve, 'DATA')) {
      verb = V_DATA;
    } else if (isWord(buf, s, ve, 'BDAT')) {
      // "BDAT <size> [LAST]": the chunk follows at once, without waiting for a reply (RFC 3030).
      const ns = skipSpaces(buf, ve, e);
      const ne = wordEnd(buf, ns, e);
      const size = ne > ns && ne - ns <= 10 ? Number(logString(buf, ns, ne)) : NaN;
      if (Number.isInteger(size) && size <= MAX_BDAT) this.client.skip(size);
      else this.client.stop();
    }
    if (this.#pending.length >= MAX_PENDING) {
      this.ctx.anomaly(MailAnomaly.SMTP_TOO_MANY_PENDING);
      return;
    }
    this.#pending.push(verb);
  }

  protected reply(buf: Uint8Array, s: number, e: number, ts: number): void {
    const code = replyCode(buf, s, e);
    const sep = code < 0 ? -1 : replySeparator(buf, s, e);
    if (sep < 0) {
      this.ctx.anomaly(MailAnomaly.SMTP_BAD_REPLY);
      return;
    }
    // Only the last line of a multi-line reply ("ddd ") completes it.
    if (sep === 0x2d) return;
    this.confirm();
    if (code === Smtp.AUTH_CONTINUE && this.#saslActive) return;
    const verb = this.#pending.shift();
    if (verb === undefined) return;
    const text = `${code}${e - s > 4 ? ' ' + logString(buf, s + 4, e) : ''}`;
    if (verb === V_AUTH) {
      this.#saslActive = false;
      const detail = `AUTH ${this.#mechName}: ${text}`;
      if (code === Smtp.AUTH_OK) {
        this.auth.report(ts, 'success', this.#sasl.user, detail, saslSendsPassword(this.#sasl.mech));
        // Authenticated: nothing later changes the outcome.
        this.stop();
      } else {
        this.auth.report(ts, code === Smtp.AUTH_FAILED ? 'failure' : 'unknown', this.#sasl.user, detail, saslSendsPassword(this.#sasl.mech));
      }
    } else if (verb === V_STARTTLS && code === Smtp.READY) {
      this.#detail = 'STARTTLS';
      this.stop();
    } else if (verb === V_DATA && code === Smtp.DATA_GO) {
      this.#inBody = true;
    }
  }
}
