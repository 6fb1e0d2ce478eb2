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
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { logString } from '../http/text.js';
import { replyCode, replySeparator } from '../ftp/parser.js';
import { AuthReporter } from './auth-reporter.js';
import { MAX_PENDING, MailAnomaly, SMTP_MAX_LINE, Smtp } from './consts.js';
import { LineReader, type LineSink } from './lines.js';
import { isWord, skipSpaces, wordEnd } from './parser.js';
import { SaslMech, saslMech, saslUser } from './sasl.js';

const V_GREETING = 0;
const V_OTHER = 1;
const V_AUTH = 2;
const V_STARTTLS = 3;
const V_DATA = 4;

/** Largest BDAT chunk stepped over; a bigger size is a lie and ends parsing. */
const MAX_BDAT = 1024 * 1024 * 1024;

export class SmtpAnalyzer implements Analyzer, LineSink {
  readonly #ctx: AnalyzerContext;
  readonly #client = new LineReader(true, SMTP_MAX_LINE);
  readonly #server = new LineReader(false, SMTP_MAX_LINE);
  readonly #auth: AuthReporter;
  /** Verbs awaiting their final reply; the greeting first. */
  readonly #pending: number[] = [V_GREETING];
  #confirmed = false;
  #inBody = false;
  #saslActive = false;
  #mech: SaslMech = SaslMech.OTHER;
  #mechName = '';
  #responses = 0;
  #user: string | undefined = undefined;
  #detail: string | undefined = undefined;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
    this.#auth = new AuthReporter(ctx, 'smtp');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    (fromOrig ? this.#client : this.#server).feed(data, ts, this);
  }

  gap(fromOrig: boolean, _len: number): void {
    this.#ctx.anomaly(MailAnomaly.CONTENT_GAP);
    (fromOrig ? this.#client : this.#server).resync();
  }

  wants(fromOrig: boolean): boolean {
    return (fromOrig ? this.#client : this.#server).active;
  }

  end(ts: number): void {
    this.#stop();
    this.#auth.finish(ts, this.#confirmed, this.#user, this.#detail ?? 'no AUTH outcome seen');
  }

  line(fromOrig: boolean, buf: Uint8Array, start: number, end: number, ts: number, truncated: boolean): void {
    if (truncated) this.#ctx.anomaly(MailAnomaly.LINE_TOO_LONG);
    if (fromOrig) this.#command(buf, start, end);
    else this.#reply(buf, start, end, ts);
  }

  #stop(): void {
    this.#client.stop();
    this.#server.stop();
  }

  #command(buf: Uint8Array, s: number, e: number): void {
    if (this.#inBody) {
      // The body ends with a line holding a single dot (RFC 5321 section 4.1.1.4).
      if (e - s === 1 && buf[s] === 0x2e) this.#inBody = false;
      return;
    }
    if (this.#saslActive) {
      if (this.#user === undefined) this.#user = saslUser(this.#mech, this.#responses, buf, s, e);
      this.#responses++;
      return;
    }
    const ve = wordEnd(buf, s, e);
    let verb = V_OTHER;
    if (isWord(buf, s, ve, 'AUTH')) {
      verb = V_AUTH;
      const ms = skipSpaces(buf, ve, e);
      const me = wordEnd(buf, ms, e);
      this.#mechName = logString(buf, ms, me).toUpperCase();
      this.#mech = saslMech(this.#mechName);
      this.#responses = 0;
      this.#saslActive = true;
      // Each AUTH is its own attempt, possibly for another user.
      this.#user = undefined;
      const is = skipSpaces(buf, me, e);
      if (is < e) {
        // An initial response ("=" is an empty one, RFC 4954 section 4).
        if (!(e - is === 1 && buf[is] === 0x3d)) this.#user = saslUser(this.#mech, 0, buf, is, e);
        this.#responses = 1;
      }
    } else if (isWord(buf, s, ve, 'STARTTLS')) {
      verb = V_STARTTLS;
    } else if (isWord(buf, s, ve, 'DATA')) {
      verb = V_DATA;
    } else if (isWord(buf, s, ve, 'BDAT')) {
      // "BDAT <size> [LAST]": the chunk follows at once, without waiting for a reply (RFC 3030).
      const ns = skipSpaces(buf, ve, e);
      const ne = wordEnd(buf, ns, e);
      const size = ne > ns && ne - ns <= 10 ? Number(logString(buf, ns, ne)) : NaN;
      if (Number.isInteger(size) && size <= MAX_BDAT) this.#client.skip(size);
      else this.#client.stop();
    }
    if (this.#pending.length >= MAX_PENDING) {
      this.#ctx.anomaly(MailAnomaly.SMTP_TOO_MANY_PENDING);
      return;
    }
    this.#pending.push(verb);
  }

  #reply(buf: Uint8Array, s: number, e: number, ts: number): void {
    const code = replyCode(buf, s, e);
    const sep = code < 0 ? -1 : replySeparator(buf, s, e);
    if (sep < 0) {
      this.#ctx.anomaly(MailAnomaly.SMTP_BAD_REPLY);
      return;
    }
    // Only the last line of a multi-line reply ("ddd ") completes it.
    if (sep === 0x2d) return;
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('smtp');
    }
    if (code === Smtp.AUTH_CONTINUE && this.#saslActive) return;
    const verb = this.#pending.shift();
    if (verb === undefined) return;
    const text = `${code}${e - s > 4 ? ' ' + logString(buf, s + 4, e) : ''}`;
    if (verb === V_AUTH) {
      this.#saslActive = false;
      const detail = `AUTH ${this.#mechName}: ${text}`;
      if (code === Smtp.AUTH_OK) {
        this.#auth.report(ts, 'success', this.#user, detail);
        // Authenticated: nothing later changes the outcome.
        this.#stop();
      } else {
        this.#auth.report(ts, code === Smtp.AUTH_FAILED ? 'failure' : 'unknown', this.#user, detail);
      }
    } else if (verb === V_STARTTLS && code === Smtp.READY) {
      this.#detail = 'STARTTLS';
      this.#stop();
    } else if (verb === V_DATA && code === Smtp.DATA_GO) {
      this.#inBody = true;
    }
  }
}
