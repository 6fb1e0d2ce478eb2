/**
 * Per-connection IMAP state for login outcomes (RFC 9051): tagged LOGIN and
 * AUTHENTICATE commands wait (bounded) for their tagged completion; OK is a
 * success, NO a failure, BAD an attempt of unknown outcome. While an
 * AUTHENTICATE runs, client lines are SASL responses (user taken out,
 * password never kept). Literals ("{n}" at the end of a line) are stepped
 * over in both directions so their bytes are never read as commands,
 * except the literals that are whole messages, read line by line by
 * mail/message.ts, each file they hold a files.jsonl line with source
 * "IMAP":
 * - a whole message a FETCH returns (BODY[], BINARY[] or RFC822), to the
 *   client. A message fetched in pieces (`BODY.PEEK[]<0.65536>`, then
 *   `<65536.65536>`..., as Thunderbird fetches large messages) is read
 *   across its pieces while each starts where the last ended; it is whole
 *   when the bytes reach the RFC822.SIZE the response gave, or a piece
 *   comes back shorter than the client asked.
 * - a message the client uploads with APPEND (a copy of sent mail, a
 *   draft, or files put in a mailbox to carry them off), from the client;
 *   several with MULTIAPPEND (RFC 3502). A synchronising literal is read
 *   once the server's "+" invites it: an APPEND refused before that (no
 *   such mailbox) sends none, and the client's next line is a command.
 *   CATENATE pieces (RFC 4469) are stepped over: they are not whole
 *   messages.
 * A STARTTLS answered OK ends parsing; a successful login does not (the
 * messages it fetches and uploads carry files).
 */
import type { AnalyzerContext } from '../analyzer.js';
import { ConnectionFiles } from '../../files/transfer.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';
import { LineReader, type LineSink, type RawSink } from './lines.js';
import { MailMessage } from './message.js';
import { headerAbout, logMessageFiles } from './message-files.js';
import { logString } from '../wire-text.js';
import { MAX_PENDING, MailAnomaly, TEXT_MAX_LINE } from './consts.js';
import { MailLineAnalyzer } from './line-analyzer.js';
import { astring, isWord, literalAtEnd, skipSpaces, wordEnd } from './parser.js';
import { SaslExchange, saslMech, saslSendsPassword } from './sasl.js';

const K_LOGIN = 1;
const K_AUTHENTICATE = 2;
const K_STARTTLS = 3;
/** files.jsonl `source` of the files in fetched and uploaded messages. */
export const IMAP_FILE_SOURCE = 'IMAP';
/** A FETCH data item that is the whole message, just before its literal: `BODY[]`, `BINARY[]`, `RFC822` (not a section, not a partial range). */
const WHOLE_MESSAGE_ITEM = /(?:^|[\s(])(?:BODY\[\]|BINARY\[\]|RFC822)\s*~?\{\d+\+?\}$/i;
/** A piece of the whole message from octet N, just before its literal: `BODY[]<N>`, `BINARY[]<N>` (a response names the origin only). */
const MESSAGE_PIECE_ITEM = /(?:^|[\s(])(?:BODY|BINARY)\[\]<(\d+)>\s*~?\{\d+\+?\}$/i;
/** Untagged FETCH data: its message sequence number. */
const FETCH_DATA = /^\* (\d+) FETCH /i;
/** The message's size in a FETCH response. */
const MESSAGE_SIZE = /RFC822\.SIZE (\d+)/i;
/** A client asking for a piece of the whole message: `BODY.PEEK[]<origin.length>` (also BODY, BINARY, BINARY.PEEK). */
const PIECE_REQUEST = /(?:BODY|BINARY)(?:\.PEEK)?\[\]<\d+\.(\d+)>/i;
/** Characters of a FETCH response line searched for RFC822.SIZE (it comes before the body item). */
const MAX_FETCH_LINE_SCAN = 512;

/** A message being fetched in pieces: where the next piece must start to belong to it. */
interface PieceFetch {
  /** Message sequence number of the FETCH responses. */
  seq: string;
  /** Octets of the message read so far. */
  next: number;
  /** RFC822.SIZE when a response gave it. */
  size: number | undefined;
  /** Length of the piece whose literal is being read. */
  piece: number;
}

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
  /** Messages read so far, fetched or uploaded (a file's depth is its message's number). */
  #messages = 0;
  /** The message under way is fetched in pieces (null: whole, or none). */
  #pieces: PieceFetch | null = null;
  /** Octets the client's last piece request asked for (0: none seen). */
  #pieceAsked = 0;
  /** Tag of the APPEND command whose lines the client is sending (null: none). */
  #appendTag: string | null = null;
  /** Size of the APPEND message literal announced and waiting for the server's "+" (-1: none). */
  #appendWaiting = -1;
  /** The message the client is uploading with APPEND, and the reader of its lines. */
  #upload: MailMessage | null = null;
  #uploadLines: LineReader | null = null;
  readonly #uploadSink: LineSink = {
    line: (_fromOrig, buf, s, e, ts, truncated, unterminated) => this.#upload?.line(buf, s, e, ts, truncated, unterminated),
  };
  /** Where the client's APPEND literal goes: the uploaded message's lines. */
  readonly #uploadRaw: RawSink = {
    raw: (data, start, end, ts) => this.#uploadLines?.feed(data.subarray(start, end), ts, this.#uploadSink),
    rawDone: (ts) => {
      this.#uploadLines?.flush(ts, this.#uploadSink);
      this.#endUpload(true);
    },
  };

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
      this.#appendTag = null;
      this.#appendWaiting = -1;
      if (this.#upload !== null) {
        this.#upload.gap(len);
        this.#endUpload(false);
      }
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

  /** RawSink: the literal is all in: the message is whole, unless it is a piece and more are to come. */
  rawDone(ts: number): void {
    const p = this.#pieces;
    if (p !== null) {
      p.next += p.piece;
      const short = this.#pieceAsked > 0 && p.piece < this.#pieceAsked;
      if (!(p.size !== undefined ? p.next >= p.size : short)) return;
    }
    this.#messageLines?.flush(ts, this.#messageSink);
    this.#endMessage(true);
  }

  /** The fetched message ended (`complete`: its literal came whole): a files.jsonl line per file it holds. */
  #endMessage(complete: boolean): void {
    const m = this.#message;
    this.#message = null;
    this.#pieces = null;
    this.#messageLines?.stop();
    this.#messageLines = null;
    if (m !== null) this.#logMessage(m, complete, false);
  }

  /** A message read from a literal ended: a files.jsonl line per file it holds, numbered on the connection. */
  #logMessage(m: MailMessage, complete: boolean, fromClient: boolean): void {
    logMessageFiles(this.#files, m.finish(complete), IMAP_FILE_SOURCE, ++this.#messages, fromClient, headerAbout(m.headers));
  }

  /** The uploaded message ended (`complete`: its literal came whole): a files.jsonl line per file it holds, from the client. */
  #endUpload(complete: boolean): void {
    const m = this.#upload;
    this.#upload = null;
    this.#uploadLines?.stop();
    this.#uploadLines = null;
    if (m !== null) this.#logMessage(m, complete, true);
  }

  /** Reads the client's next `n` bytes (an APPEND literal) as the message it uploads. */
  #startUpload(n: number, ts: number): void {
    this.#endUpload(false);
    this.#upload = new MailMessage(this.#hashes);
    this.#uploadLines = new LineReader(true, TEXT_MAX_LINE);
    this.client.take(n, this.#uploadRaw, ts);
  }

  /**
   * A client line of an APPEND command (its first, or one after a message
   * literal, which MULTIAPPEND may follow with another) that announces a
   * message literal: read at once when non-synchronising ("{n+}"), else
   * once the server says "+". True when the line announced one (the next
   * client line continues the command).
   */
  #appendLine(cont: boolean, buf: Uint8Array, s: number, e: number, ts: number): boolean {
    // A line while a literal waits for "+": the client did not wait (or the "+" was lost); its lines are read as such.
    this.#appendWaiting = -1;
    if (!cont) {
      this.#appendTag = null;
      const te = wordEnd(buf, s, e);
      const cs = skipSpaces(buf, te, e);
      const ce = wordEnd(buf, cs, e);
      // CATENATE (RFC 4469) builds a message from pieces: its literals are stepped over.
      if (te === s || !isWord(buf, cs, ce, 'APPEND') || this.#catenates(buf, s, e)) return false;
      this.#appendTag = logString(buf, s, te);
    } else if (this.#appendTag === null) {
      return false;
    }
    const n = literalAtEnd(buf, s, e);
    if (n <= 0) {
      // The command's last line, or an empty message.
      if (n < 0) this.#appendTag = null;
      return false;
    }
    if (buf[e - 2] === 0x2b) this.#startUpload(n, ts);
    else this.#appendWaiting = n;
    return true;
  }

  /** The line holds CATENATE (RFC 4469): its literals are pieces of a message, not one. */
  #catenates(buf: Uint8Array, s: number, e: number): boolean {
    return /\bCATENATE\b/i.test(logString(buf, s, Math.min(e, s + MAX_FETCH_LINE_SCAN)));
  }

  end(ts: number): void {
    // A message cut by the connection's end: what came of it.
    this.#endMessage(false);
    this.#endUpload(false);
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

  /**
   * A server line announcing a whole message's literal, or a piece of one
   * (untagged FETCH data): reads the literal as (the next part of) the
   * message; true when it did.
   */
  #fetchedMessage(buf: Uint8Array, s: number, e: number, ts: number): boolean {
    if (e - s < 12 || !this.server.active || buf[s] !== 0x2a) return false;
    const n = literalAtEnd(buf, s, e);
    if (n < 0) return false;
    // Only the tail of the line matters: the item the literal belongs to.
    const tail = logString(buf, Math.max(s, e - 48), e);
    let origin = -1;
    if (!WHOLE_MESSAGE_ITEM.test(tail)) {
      const piece = MESSAGE_PIECE_ITEM.exec(tail);
      if (piece === null) return false;
      origin = Number(piece[1]);
    }
    // The line must be FETCH data; a command's or a continuation's literal is another thing.
    const fetch = FETCH_DATA.exec(logString(buf, s, Math.min(e, s + 24)));
    if (fetch === null) return false;
    const seq = fetch[1]!;
    const p = this.#pieces;
    if (origin > 0 && p !== null && p.seq === seq && p.next === origin) {
      // The next piece of the message under way.
      if (n === 0) {
        // Nothing past the last piece: the message ended exactly where it did.
        this.#messageLines?.flush(ts, this.#messageSink);
        this.#endMessage(true);
        return false;
      }
      p.piece = n;
      this.server.take(n, this, ts);
      return true;
    }
    this.#endMessage(false);
    // A piece whose start was not seen is stepped over (the caller skips its literal).
    if (origin > 0 || n === 0) return false;
    this.#message = new MailMessage(this.#hashes);
    this.#messageLines = new LineReader(false, TEXT_MAX_LINE);
    if (origin === 0) {
      const size = MESSAGE_SIZE.exec(logString(buf, s, Math.min(e, s + MAX_FETCH_LINE_SCAN)));
      this.#pieces = { seq, next: 0, size: size !== null ? Number(size[1]) : undefined, piece: n };
    }
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

  protected command(buf: Uint8Array, s: number, e: number, ts: number): void {
    const cont = this.#clientCont;
    const upload = this.#sasl === null && this.#appendLine(cont, buf, s, e, ts);
    this.#clientCont = upload || this.#literal(true, buf, s, e);
    if (cont || this.#appendTag !== null) return;
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
      this.#pieceRequest(buf, s, e);
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

  /** A FETCH (or UID FETCH) asking for a piece of a message: how long a piece it asked for. */
  #pieceRequest(buf: Uint8Array, s: number, e: number): void {
    // Only a line with an angle bracket can ask for a piece (looked for within the line only).
    if (!buf.subarray(s, e).includes(0x3c)) return;
    const m = PIECE_REQUEST.exec(logString(buf, s, Math.min(e, s + MAX_FETCH_LINE_SCAN)));
    if (m !== null) this.#pieceAsked = Number(m[1]);
  }

  protected reply(buf: Uint8Array, s: number, e: number, ts: number): void {
    const cont = this.#serverCont;
    this.#serverCont = this.#fetchedMessage(buf, s, e, ts) || this.#literal(false, buf, s, e);
    if (cont || e === s) return;
    const first = buf[s]!;
    if (first === 0x2a || first === 0x2b) {
      // Untagged data ("* OK" greeting) or a continuation request ("+"), which may invite an APPEND's message.
      if (first === 0x2a) this.confirm();
      else if (this.#appendWaiting > 0) {
        this.#startUpload(this.#appendWaiting, ts);
        this.#appendWaiting = -1;
      }
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
    if (tag === this.#appendTag) this.#appendEnded();
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

  /**
   * The server completed the APPEND under way: a message literal it never
   * invited will not come (a refusal before "+"), and the client's next
   * line is a new command.
   */
  #appendEnded(): void {
    if (this.#appendWaiting >= 0) this.#clientCont = false;
    this.#appendWaiting = -1;
    this.#appendTag = null;
  }

  /** Both directions stop; commands still waiting will never be answered in clear. */
  protected override stop(): void {
    super.stop();
    this.#pending.length = 0;
  }
}
