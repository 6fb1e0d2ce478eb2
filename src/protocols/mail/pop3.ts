/**
 * Per-connection POP3 state for login outcomes (RFC 1939, AUTH from
 * RFC 5034, STLS from RFC 2595): commands wait in a bounded queue for their
 * "+OK"/"-ERR" status line. PASS, APOP and AUTH answered +OK are successes,
 * -ERR failures (the user from USER, APOP or the SASL responses; the
 * password never kept). Multi-line answers (CAPA, AUTH without a mechanism,
 * LIST/UIDL without argument, TOP) are passed over up to "."; a message
 * RETR fetches is read (dot-stuffing undone) by mail/message.ts, and each
 * file it holds is a files.jsonl line with source "POP3", as Zeek's POP3
 * analyzer gives them. STLS answered +OK ends parsing.
 */
import type { AnalyzerContext } from '../analyzer.js';
import { ConnectionFiles } from '../../files/transfer.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';
import { MailMessage } from './message.js';
import { headerAbout, logMessageFiles } from './message-files.js';
import { logString } from '../wire-text.js';
import { MAX_PENDING, MailAnomaly, TEXT_MAX_LINE } from './consts.js';
import { MailLineAnalyzer } from './line-analyzer.js';
import { isWord, skipSpaces, wordEnd } from './parser.js';
import { SaslExchange, saslMech, saslSendsPassword } from './sasl.js';

const V_GREETING = 0;
const V_OTHER = 1;
const V_USER = 2;
const V_PASS = 3;
const V_APOP = 4;
const V_AUTH = 5;
const V_STLS = 6;
const V_RETR = 7;
/** files.jsonl `source` of the files in retrieved messages (Zeek's name). */
export const POP3_FILE_SOURCE = 'POP3';
/** Bit set on a queued verb whose +OK answer has more lines up to ".". */
const MULTILINE = 0x100;

export class Pop3Analyzer extends MailLineAnalyzer {
  readonly #pending: number[] = [V_GREETING];
  /** Inside a multi-line answer, until its "." line. */
  #inList = false;
  #saslActive = false;
  readonly #sasl = new SaslExchange();
  #mechName = '';
  /** User of the login in progress (USER, APOP or SASL). */
  #user: string | undefined = undefined;
  #detail: string | undefined = undefined;
  readonly #hashes: readonly HashName[];
  readonly #files: ConnectionFiles;
  /** The message a RETR is fetching, until its "." line. */
  #message: MailMessage | null = null;
  /** Messages fetched so far (a file's depth is its message's number). */
  #fetched = 0;

  /** `hashes`: the digests of the files retrieved messages carry (default all three). */
  constructor(ctx: AnalyzerContext, hashes: readonly HashName[] = HASH_NAMES) {
    super(ctx, 'pop3', TEXT_MAX_LINE);
    this.#hashes = hashes;
    this.#files = new ConnectionFiles(ctx);
  }

  override gap(fromOrig: boolean, len: number): void {
    super.gap(fromOrig, len);
    // The message being fetched lost bytes: its files cannot be hashed.
    if (!fromOrig) this.#message?.gap(len);
  }

  end(ts: number): void {
    // A message cut by the connection's end: what came of it.
    this.#endMessage(false);
    this.stop();
    this.endTls(ts);
    this.auth.finish(ts, this.confirmed, this.#user, this.#detail ?? 'no login outcome seen');
  }

  protected command(buf: Uint8Array, s: number, e: number): void {
    if (this.#saslActive) {
      this.#sasl.response(buf, s, e);
      return;
    }
    const ve = wordEnd(buf, s, e);
    const as = skipSpaces(buf, ve, e);
    const hasArg = as < e;
    let verb = V_OTHER;
    if (isWord(buf, s, ve, 'USER')) {
      verb = V_USER;
      this.#user = hasArg ? logString(buf, as, e) : undefined;
    } else if (isWord(buf, s, ve, 'PASS')) {
      verb = V_PASS;
    } else if (isWord(buf, s, ve, 'APOP')) {
      verb = V_APOP;
      this.#user = hasArg ? logString(buf, as, wordEnd(buf, as, e)) : undefined;
    } else if (isWord(buf, s, ve, 'AUTH')) {
      if (!hasArg) {
        // "AUTH" alone lists the mechanisms (multi-line).
        verb = V_OTHER | MULTILINE;
      } else {
        verb = V_AUTH;
        const me = wordEnd(buf, as, e);
        this.#mechName = logString(buf, as, me).toUpperCase();
        this.#saslActive = true;
        this.#sasl.start(saslMech(this.#mechName), buf, skipSpaces(buf, me, e), e);
      }
    } else if (isWord(buf, s, ve, 'STLS')) {
      verb = V_STLS;
    } else if (isWord(buf, s, ve, 'RETR') && hasArg) {
      verb = V_RETR | MULTILINE;
    } else if (isWord(buf, s, ve, 'CAPA') || isWord(buf, s, ve, 'TOP')) {
      verb = V_OTHER | MULTILINE;
    } else if ((isWord(buf, s, ve, 'LIST') || isWord(buf, s, ve, 'UIDL')) && !hasArg) {
      verb = V_OTHER | MULTILINE;
    }
    if (this.#pending.length >= MAX_PENDING) {
      this.ctx.anomaly(MailAnomaly.POP3_TOO_MANY_PENDING);
      return;
    }
    this.#pending.push(verb);
  }

  protected reply(buf: Uint8Array, s: number, e: number, ts: number, truncated: boolean): void {
    if (this.#inList) {
      // A "." alone ends the list; ".." at a line start is a stuffed dot, still data.
      if (e - s === 1 && buf[s] === 0x2e) {
        this.#inList = false;
        this.#endMessage(true);
        return;
      }
      this.#message?.line(buf, buf[s] === 0x2e ? s + 1 : s, e, ts, truncated);
      return;
    }
    const ok = e - s >= 3 && buf[s] === 0x2b && (buf[s + 1] === 0x4f || buf[s + 1] === 0x6f) && (buf[s + 2] === 0x4b || buf[s + 2] === 0x6b);
    const err = !ok && e - s >= 4 && buf[s] === 0x2d && isWord(buf, s + 1, s + 4, 'ERR');
    if (!ok && !err) {
      // "+ challenge" during SASL; anything else is not POP3.
      if (this.#saslActive && buf[s] === 0x2b) return;
      this.ctx.anomaly(MailAnomaly.POP3_BAD_REPLY);
      return;
    }
    this.confirm();
    const queued = this.#pending.shift();
    if (queued === undefined) return;
    if (ok && (queued & MULTILINE) !== 0) this.#inList = true;
    const verb = queued & ~MULTILINE;
    if (ok && verb === V_RETR) this.#message = new MailMessage(this.#hashes);
    const text = logString(buf, s, e);
    if (verb === V_PASS || verb === V_APOP || verb === V_AUTH) {
      let user = this.#user;
      const detail = `${verb === V_PASS ? 'PASS' : verb === V_APOP ? 'APOP' : `AUTH ${this.#mechName}`}: ${text}`;
      if (verb === V_AUTH) {
        this.#saslActive = false;
        user = this.#sasl.user;
        this.#user = user ?? this.#user;
      }
      // USER/PASS and SASL PLAIN or LOGIN send the password readable; APOP sends a digest.
      const clear = verb === V_PASS || (verb === V_AUTH && saslSendsPassword(this.#sasl.mech));
      // A successful login goes on: the messages it fetches carry files.
      this.auth.report(ts, ok ? 'success' : 'failure', user, detail, clear);
    } else if (verb === V_STLS && ok) {
      this.#detail = 'STLS';
      this.startTls();
    }
  }

  /** The message being fetched ended (`complete`: at its "." line): a files.jsonl line per file it holds. */
  #endMessage(complete: boolean): void {
    const m = this.#message;
    if (m === null) return;
    this.#message = null;
    logMessageFiles(this.#files, m.finish(complete), POP3_FILE_SOURCE, ++this.#fetched, false, headerAbout(m.headers));
  }
}
