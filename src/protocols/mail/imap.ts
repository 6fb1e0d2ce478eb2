/**
 * Per-connection IMAP state for login outcomes (RFC 9051): tagged LOGIN and
 * AUTHENTICATE commands wait (bounded) for their tagged completion; OK is a
 * success, NO a failure, BAD an attempt of unknown outcome. While an
 * AUTHENTICATE runs, client lines are SASL responses (user taken out,
 * password never kept). Literals ("{n}" at the end of a line) are stepped
 * over in both directions so their bytes are never read as commands,
 * except a whole message a FETCH returns (BODY[], BINARY[] or RFC822 with
 * no partial range): it is read line by line by mail/message.ts, and each
 * file it holds is a files.jsonl line with source "IMAP". A STARTTLS
 * answered OK ends parsing; a successful login does not (the messages it
 * fetches carry files).
 */
import type { AnalyzerContext } from '../analyzer.js';
import { ConnectionFiles } from '../../files/transfer.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';
import { LineReader, type LineSink, type RawSink } from './lines.js';
import { MailMessage } from './message.js';
import { logMessageFiles } from './message-files.js';
import { logString } from '../wire-text.js';
import { MAX_PENDING, MailAnomaly, TEXT_MAX_LINE } from './consts.js';
import { MailLineAnalyzer } from './line-analyzer.js';
import { astring, isWord, literalAtEnd, skipSpaces, wordEnd } from './parser.js';
import { SaslExchange, saslMech, saslSendsPassword } from './sasl.js';

const K_LOGIN = 1;
const K_AUTHENTICATE = 2;
const K_STARTTLS = 3;
/** files.jsonl `source` of the files in fetched messages. */
export const IMAP_FILE_SOURCE = 'IMAP';
/** A FETCH data item that is the whole message, just before its literal: `BODY[]`, `BINARY[]`, `RFC822` (not a section, not a partial range). */
const WHOLE_MESSAGE_ITEM = /(?:^|[\s(])(?:BODY\[\]|BINARY\[\]|RFC822)\s*~?\{\d+\+?\}$/i;

interface Pending {
  tag: string;
  kind: number;
  user: string | undefined;
  mech: string;
  /** The password crosses readable: LOGIN, or AUTHENTICATE with a SASL mechanism that sends it so. */
  cleartext: boolean;
}

export class ImapAnalyzer extends MailLineAnalyzer implements RawSink {
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
  readonly #hashes: readonly HashName[];
  readonly #files: ConnectionFiles;
  /** The fetched message whose literal is being read, and the reader of its lines. */
  #message: MailMessage | null = null;
  #messageLines: LineReader | null = null;
  readonly #messageSink: LineSink = {
    line: (_fromOrig, buf, s, e, ts, truncated, unterminated) => this.#message?.line(buf, s, e, ts, truncated, unterminated),
  };
  /** Messages fetched so far (a file's depth is its message's number). */
  #fetched = 0;

  /** `hashes`: the digests of the files fetched messages carry (default all three). */
  constructor(ctx: AnalyzerContext, hashes: readonly HashName[] = HASH_NAMES) {
    super(ctx, 'imap', TEXT_MAX_LINE);
    this.#hashes = hashes;
    this.#files = new ConnectionFiles(ctx);
  }

  override gap(fromOrig: boolean, len: number): void {
    super.gap(fromOrig, len);
    if (fromOrig) {
      this.#clientCont = false;
    } else {
      this.#serverCont = false;
      // The literal's bytes went with the loss (the reader resumes at the next line): the message is cut.
      if (this.#message !== null) {
        this.#message.gap(len);
        this.#endMessage(false);
      }
    }
  }

  /** RawSink: bytes of a fetched message's literal, read as its lines. */
  raw(data: Uint8Array, start: number, end: number, ts: number): void {
    this.#messageLines?.feed(data.subarray(start, end), ts, this.#messageSink);
  }

  /** RawSink: the literal is all in: the message is whole. */
  rawDone(ts: number): void {
    this.#messageLines?.flush(ts, this.#messageSink);
    this.#endMessage(true);
  }

  /** The fetched message ended (`complete`: its literal came whole): a files.jsonl line per file it holds. */
  #endMessage(complete: boolean): void {
    const m = this.#message;
    this.#message = null;
    this.#messageLines?.stop();
    this.#messageLines = null;
    if (m === null) return;
    logMessageFiles(this.#files, m.finish(complete), IMAP_FILE_SOURCE, ++this.#fetched, false);
  }

  end(ts: number): void {
    // A message cut by the connection's end: what came of it.
    this.#endMessage(false);
    this.client.stop();
    this.server.stop();
    this.endTls(ts);
    // A login sent but never answered is an attempt of unknown outcome.
    for (let i = 0; i < this.#pending.length; i++) {
      const p = this.#pending[i]!;
      if (p.kind !== K_STARTTLS) this.auth.report(ts, 'unknown', p.user, `${p.mech}: no reply seen`, p.cleartext);
    }
    this.auth.finish(ts, this.confirmed, this.#lastUser, this.#detail ?? 'no login seen');
  }

  /** A server line announcing a whole message's literal (untagged FETCH data): reads the literal as the message; true when it did. */
  #fetchedMessage(buf: Uint8Array, s: number, e: number, ts: number): boolean {
    if (e - s < 12 || !this.server.active) return false;
    const n = literalAtEnd(buf, s, e);
    if (n <= 0) return false;
    // Only the tail of the line matters: the item the literal belongs to.
    if (!WHOLE_MESSAGE_ITEM.test(logString(buf, Math.max(s, e - 48), e))) return false;
    // The line must be FETCH data; a command's or a continuation's literal is another thing.
    if (buf[s] !== 0x2a || !/^\* \d+ FETCH /i.test(logString(buf, s, Math.min(e, s + 24)))) return false;
    this.#endMessage(false);
    this.#message = new MailMessage(this.#hashes);
    this.#messageLines = new LineReader(false, TEXT_MAX_LINE);
    this.server.take(n, this, ts);
    return true;
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
    this.#serverCont = this.#fetchedMessage(buf, s, e, ts) || this.#literal(false, buf, s, e);
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
        this.startTls();
      }
      return;
    }
    this.#lastUser = p.user ?? this.#lastUser;
    const detail = `${p.mech}: ${logString(buf, ss, e)}`;
    // A successful login goes on: the messages it fetches carry files.
    this.auth.report(ts, ok ? 'success' : no ? 'failure' : 'unknown', p.user, detail, p.cleartext);
  }

  /** Both directions stop; commands still waiting will never be answered in clear. */
  protected override stop(): void {
    super.stop();
    this.#pending.length = 0;
  }
}
