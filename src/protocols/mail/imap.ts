/**
 * Per-connection IMAP state for login outcomes (RFC 9051): tagged LOGIN and
 * AUTHENTICATE commands wait (bounded) for their tagged completion; OK is a
 * success, NO a failure, BAD an attempt of unknown outcome. While an
 * AUTHENTICATE runs, client lines are SASL responses (user taken out,
 * password never kept). Literals ("{n}" at the end of a line) are stepped
 * over in both directions so their bytes are never read as commands. A
 * STARTTLS answered OK and a successful login end parsing.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { logString } from '../http/text.js';
import { AuthReporter } from './auth-reporter.js';
import { MAX_PENDING, MailAnomaly, TEXT_MAX_LINE } from './consts.js';
import { LineReader, type LineSink } from './lines.js';
import { astring, isWord, literalAtEnd, skipSpaces, wordEnd } from './parser.js';
import { SaslMech, saslMech, saslUser } from './sasl.js';

const K_LOGIN = 1;
const K_AUTHENTICATE = 2;
const K_STARTTLS = 3;

interface Pending {
  tag: string;
  kind: number;
  user: string | undefined;
  mech: string;
}

export class ImapAnalyzer implements Analyzer, LineSink {
  readonly #ctx: AnalyzerContext;
  readonly #client = new LineReader(true, TEXT_MAX_LINE);
  readonly #server = new LineReader(false, TEXT_MAX_LINE);
  readonly #auth: AuthReporter;
  readonly #pending: Pending[] = [];
  /** The AUTHENTICATE whose SASL exchange is running, or null. */
  #sasl: Pending | null = null;
  #saslMech: SaslMech = SaslMech.OTHER;
  #responses = 0;
  /** The next client/server line continues a command/response after a literal. */
  #clientCont = false;
  #serverCont = false;
  #confirmed = false;
  #lastUser: string | undefined = undefined;
  #detail: string | undefined = undefined;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
    this.#auth = new AuthReporter(ctx, 'imap');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    (fromOrig ? this.#client : this.#server).feed(data, ts, this);
  }

  gap(fromOrig: boolean, _len: number): void {
    this.#ctx.anomaly(MailAnomaly.CONTENT_GAP);
    (fromOrig ? this.#client : this.#server).resync();
    if (fromOrig) this.#clientCont = false;
    else this.#serverCont = false;
  }

  wants(fromOrig: boolean): boolean {
    return (fromOrig ? this.#client : this.#server).active;
  }

  end(ts: number): void {
    this.#client.stop();
    this.#server.stop();
    // A login sent but never answered is an attempt of unknown outcome.
    for (let i = 0; i < this.#pending.length; i++) {
      const p = this.#pending[i]!;
      if (p.kind !== K_STARTTLS) this.#auth.report(ts, 'unknown', p.user, `${p.mech}: no reply seen`);
    }
    this.#auth.finish(ts, this.#confirmed, this.#lastUser, this.#detail ?? 'no login seen');
  }

  line(fromOrig: boolean, buf: Uint8Array, start: number, end: number, ts: number, truncated: boolean): void {
    if (truncated) this.#ctx.anomaly(MailAnomaly.LINE_TOO_LONG);
    if (fromOrig) this.#command(buf, start, end);
    else this.#response(buf, start, end, ts);
  }

  /** Steps over a literal announced at the end of the line; true when one was. */
  #literal(fromOrig: boolean, buf: Uint8Array, s: number, e: number): boolean {
    const n = literalAtEnd(buf, s, e);
    if (n < 0) return false;
    (fromOrig ? this.#client : this.#server).skip(n);
    return true;
  }

  #command(buf: Uint8Array, s: number, e: number): void {
    const cont = this.#clientCont;
    this.#clientCont = this.#literal(true, buf, s, e);
    if (cont) return;
    const sasl = this.#sasl;
    if (sasl !== null) {
      // "*" cancels the exchange; the server then completes the command with BAD.
      if (sasl.user === undefined) sasl.user = saslUser(this.#saslMech, this.#responses, buf, s, e);
      this.#responses++;
      return;
    }
    const te = wordEnd(buf, s, e);
    const cs = skipSpaces(buf, te, e);
    const ce = wordEnd(buf, cs, e);
    if (te === s || ce === cs) {
      this.#ctx.anomaly(MailAnomaly.IMAP_BAD_LINE);
      return;
    }
    let kind = 0;
    let user: string | undefined;
    let mech = '';
    if (isWord(buf, cs, ce, 'LOGIN')) {
      kind = K_LOGIN;
      mech = 'LOGIN';
      // A user sent as a literal is stepped over, not read: it stays unknown.
      user = astring(buf, skipSpaces(buf, ce, e), e)?.text;
    } else if (isWord(buf, cs, ce, 'AUTHENTICATE')) {
      kind = K_AUTHENTICATE;
      const ms = skipSpaces(buf, ce, e);
      const me = wordEnd(buf, ms, e);
      mech = `AUTHENTICATE ${logString(buf, ms, me).toUpperCase()}`;
      this.#saslMech = saslMech(logString(buf, ms, me));
      this.#responses = 0;
      const is = skipSpaces(buf, me, e);
      if (is < e) {
        // SASL-IR (RFC 4959): "=" is an empty initial response.
        if (!(e - is === 1 && buf[is] === 0x3d)) user = saslUser(this.#saslMech, 0, buf, is, e);
        this.#responses = 1;
      }
    } else if (isWord(buf, cs, ce, 'STARTTLS')) {
      kind = K_STARTTLS;
    } else {
      return;
    }
    if (this.#pending.length >= MAX_PENDING) {
      this.#ctx.anomaly(MailAnomaly.IMAP_TOO_MANY_PENDING);
      return;
    }
    const p: Pending = { tag: logString(buf, s, te), kind, user, mech };
    this.#pending.push(p);
    if (kind === K_AUTHENTICATE) this.#sasl = p;
  }

  #response(buf: Uint8Array, s: number, e: number, ts: number): void {
    const cont = this.#serverCont;
    this.#serverCont = this.#literal(false, buf, s, e);
    if (cont || e === s) return;
    const first = buf[s]!;
    if (first === 0x2a || first === 0x2b) {
      // Untagged data ("* OK" greeting) or a continuation request ("+").
      if (!this.#confirmed && first === 0x2a) this.#confirm();
      return;
    }
    const te = wordEnd(buf, s, e);
    const ss = skipSpaces(buf, te, e);
    const se = wordEnd(buf, ss, e);
    const ok = isWord(buf, ss, se, 'OK');
    const no = !ok && isWord(buf, ss, se, 'NO');
    if (!ok && !no && !isWord(buf, ss, se, 'BAD')) {
      this.#ctx.anomaly(MailAnomaly.IMAP_BAD_LINE);
      return;
    }
    this.#confirm();
    const tag = logString(buf, s, te);
    let idx = -1;
    for (let i = 0; i < this.#pending.length; i++) {
      if (this.#pending[i]!.tag === tag) {
        idx = i;
        break;
      }
    }
    if (idx < 0) return;
    const p = this.#pending[idx]!;
    this.#pending.splice(idx, 1);
    if (this.#sasl === p) this.#sasl = null;
    if (p.kind === K_STARTTLS) {
      if (ok) {
        this.#detail = 'STARTTLS';
        this.#stop();
      }
      return;
    }
    this.#lastUser = p.user ?? this.#lastUser;
    const detail = `${p.mech}: ${logString(buf, ss, e)}`;
    this.#auth.report(ts, ok ? 'success' : no ? 'failure' : 'unknown', p.user, detail);
    if (ok) this.#stop();
  }

  #confirm(): void {
    if (this.#confirmed) return;
    this.#confirmed = true;
    this.#ctx.confirm('imap');
  }

  #stop(): void {
    this.#client.stop();
    this.#server.stop();
    this.#pending.length = 0;
  }
}
