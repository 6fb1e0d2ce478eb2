/**
 * Per-connection IMAP state for login outcomes (RFC 9051): tagged LOGIN and
 * AUTHENTICATE commands wait (bounded) for their tagged completion; OK is a
 * success, NO a failure, BAD an attempt of unknown outcome. While an
 * AUTHENTICATE runs, client lines are SASL responses (user taken out,
 * password never kept). Literals ("{n}" at the end of a line) are stepped
 * over in both directions so their bytes are never read as commands. A
 * STARTTLS answered OK and a successful login end parsing.
 */
import type { AnalyzerContext } from '../analyzer.js';
import { logString } from '../wire-text.js';
import { MAX_PENDING, MailAnomaly, TEXT_MAX_LINE } from './consts.js';
import { MailLineAnalyzer } from './line-analyzer.js';
import { astring, isWord, literalAtEnd, skipSpaces, wordEnd } from './parser.js';
import { SaslExchange, saslMech, saslSendsPassword } from './sasl.js';

const K_LOGIN = 1;
const K_AUTHENTICATE = 2;
const K_STARTTLS = 3;

interface Pending {
  tag: string;
  kind: number;
  user: string | undefined;
  mech: string;
  /** The password crosses readable: LOGIN, or AUTHENTICATE with a SASL mechanism that sends it so. */
  cleartext: boolean;
}

export class ImapAnalyzer extends MailLineAnalyzer {
  readonly #pending: Pending[] = [];
  /** The AUTHENTICATE whose SASL exchange is running, or null. */
  #sasl: Pending | null = null;
  /** The client responses of the last AUTHENTICATE. */
  readonly #exchange = new SaslExchange();
  /** The next client/server line continues a command/response after a literal. */
  #clientCont = false;
  #serverCont = false;
  #lastUser: string | undefined = undefined;
  #detail: string | undefined = undefined;

  constructor(ctx: AnalyzerContext) {
    super(ctx, 'imap', TEXT_MAX_LINE);
  }

  override gap(fromOrig: boolean, len: number): void {
    super.gap(fromOrig, len);
    if (fromOrig) this.#clientCont = false;
    else this.#serverCont = false;
  }

  end(ts: number): void {
    this.client.stop();
    this.server.stop();
    // A login sent but never answered is an attempt of unknown outcome.
    for (let i = 0; i < this.#pending.length; i++) {
      const p = this.#pending[i]!;
      if (p.kind !== K_STARTTLS) this.auth.report(ts, 'unknown', p.user, `${p.mech}: no reply seen`, p.cleartext);
    }
    this.auth.finish(ts, this.confirmed, this.#lastUser, this.#detail ?? 'no login seen');
  }

  /** Steps over a literal announced at the end of the line; true when one was. */
  #literal(fromOrig: boolean, buf: Uint8Array, s: number, e: number): boolean {
    const n = literalAtEnd(buf, s, e);
    if (n < 0) return false;
    (fromOrig ? this.client : this.server).skip(n);
    return true;
  }

  protected command(buf: Uint8Array, s: number, e: number): void {
    const cont = this.#clientCont;
    this.#clientCont = this.#literal(true, buf, s, e);
    if (cont) return;
    const sasl = this.#sasl;
    if (sasl !== null) {
      // "*" cancels the exchange; the server then completes the command with BAD.
      this.#exchange.response(buf, s, e);
      sasl.user = this.#exchange.user;
      return;
    }
    const te = wordEnd(buf, s, e);
    const cs = skipSpaces(buf, te, e);
    const ce = wordEnd(buf, cs, e);
    if (te === s || ce === cs) {
      this.ctx.anomaly(MailAnomaly.IMAP_BAD_LINE);
      return;
    }
    let kind = 0;
    let user: string | undefined;
    let mech = '';
    let cleartext = false;
    if (isWord(buf, cs, ce, 'LOGIN')) {
      kind = K_LOGIN;
      mech = 'LOGIN';
      cleartext = true;
      // A user sent as a literal is stepped over, not read: it stays unknown.
      user = astring(buf, skipSpaces(buf, ce, e), e)?.text;
    } else if (isWord(buf, cs, ce, 'AUTHENTICATE')) {
      kind = K_AUTHENTICATE;
      const ms = skipSpaces(buf, ce, e);
      const me = wordEnd(buf, ms, e);
      mech = `AUTHENTICATE ${logString(buf, ms, me).toUpperCase()}`;
      // SASL-IR (RFC 4959): an initial response may follow the mechanism.
      this.#exchange.start(saslMech(logString(buf, ms, me)), buf, skipSpaces(buf, me, e), e);
      user = this.#exchange.user;
      cleartext = saslSendsPassword(this.#exchange.mech);
    } else if (isWord(buf, cs, ce, 'STARTTLS')) {
      kind = K_STARTTLS;
    } else {
      return;
    }
    if (this.#pending.length >= MAX_PENDING) {
      this.ctx.anomaly(MailAnomaly.IMAP_TOO_MANY_PENDING);
      return;
    }
    const p: Pending = { tag: logString(buf, s, te), kind, user, mech, cleartext };
    this.#pending.push(p);
    if (kind === K_AUTHENTICATE) this.#sasl = p;
  }

  protected reply(buf: Uint8Array, s: number, e: number, ts: number): void {
    const cont = this.#serverCont;
    this.#serverCont = this.#literal(false, buf, s, e);
    if (cont || e === s) return;
    const first = buf[s]!;
    if (first === 0x2a || first === 0x2b) {
      // Untagged data ("* OK" greeting) or a continuation request ("+").
      if (first === 0x2a) this.confirm();
      return;
    }
    const te = wordEnd(buf, s, e);
    const ss = skipSpaces(buf, te, e);
    const se = wordEnd(buf, ss, e);
    const ok = isWord(buf, ss, se, 'OK');
    const no = !ok && isWord(buf, ss, se, 'NO');
    if (!ok && !no && !isWord(buf, ss, se, 'BAD')) {
      this.ctx.anomaly(MailAnomaly.IMAP_BAD_LINE);
      return;
    }
    this.confirm();
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
        this.stop();
      }
      return;
    }
    this.#lastUser = p.user ?? this.#lastUser;
    const detail = `${p.mech}: ${logString(buf, ss, e)}`;
    this.auth.report(ts, ok ? 'success' : no ? 'failure' : 'unknown', p.user, detail, p.cleartext);
    if (ok) this.stop();
  }

  /** Both directions stop; commands still waiting will never be answered in clear. */
  protected override stop(): void {
    super.stop();
    this.#pending.length = 0;
  }
}
