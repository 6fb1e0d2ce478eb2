/**
 * Per-connection SMTP state (RFC 5321; AUTH from RFC 4954): commands wait
 * in a bounded queue for their final reply (multi-line replies end on
 * "ddd ").
 *
 * Logins: while an AUTH exchange runs, client lines are SASL responses (the
 * user is taken from PLAIN/LOGIN/CRAM-MD5/... responses, the password never
 * kept). AUTH answered 235 is a success, 535 a failure, any other final
 * reply an attempt of unknown outcome.
 *
 * Mail: each transaction (MAIL FROM, RCPT TO, DATA) is one smtp.log line,
 * closed by the message's final dot (or by RSET, a new MAIL, STARTTLS or
 * the connection's end) and written once the server has answered its
 * commands (pipelined commands are answered later), with the message's header
 * fields and the files its body holds (message.ts), each logged in
 * files.jsonl with source "SMTP". A message sent in BDAT chunks (RFC 3030)
 * is read the same way from the chunks' bytes (no dot-stuffing there) and
 * ends with the LAST chunk. STARTTLS answered 220 ends the commands: the
 * line says `tls`, and the TLS handshake that follows is read as TLS on
 * this connection (ssl.log, service "smtp,ssl").
 */
import { decodeEncodedWords } from '../mime/params.js';
import type { AnalyzerContext } from '../analyzer.js';
import { logString } from '../wire-text.js';
import { replyCode, replySeparator } from '../ftp/parser.js';
import type { HashName } from '../../files/file-hashes.js';
import { ConnectionFiles } from '../../files/transfer.js';
import { startRecord } from '../zeek-record.js';
import { MAX_PENDING, MailAnomaly, SMTP_MAX_LINE, Smtp } from './consts.js';
import { MailLineAnalyzer } from './line-analyzer.js';
import { LineReader, type LineSink, type RawSink } from './lines.js';
import { isWord, skipSpaces, wordEnd } from './parser.js';
import { SaslExchange, saslMech, saslSendsPassword } from './sasl.js';
import { MailMessage } from './message.js';
import { logMessageFiles } from './message-files.js';
import type { SmtpRecord } from './events.js';

const V_GREETING = 0;
const V_OTHER = 1;
const V_AUTH = 2;
const V_STARTTLS = 3;
const V_DATA = 4;

/** Largest BDAT chunk stepped over; a bigger size is a lie and ends parsing. */
const MAX_BDAT = 1024 * 1024 * 1024;
/** RCPT TO addresses kept per transaction. */
const MAX_RECIPIENTS = 100;
/** Longest HELO, MAIL FROM or RCPT TO argument kept. */
const MAX_ARG = 1024;
/** files.log `source` of the files a message carries. */
export const SMTP_FILE_SOURCE = 'SMTP';

/** One mail transaction under way. */
interface Transaction {
  ts: number;
  depth: number;
  mailfrom: string | undefined;
  rcptto: string[];
  lastReply: string | undefined;
  message: MailMessage | null;
  fuids: string[];
  /** Anything worth a log line happened (MAIL, RCPT, a message, STARTTLS). */
  active: boolean;
  /** Its commands still waiting for a reply. */
  waiting: number;
  /** No more commands belong to it: it is written once `waiting` is 0. */
  closed: boolean;
}

/** A command waiting for its final reply, and the transaction it belongs to. */
interface PendingCommand {
  verb: number;
  tx: Transaction | null;
}

/** A BDAT chunk being read: the transaction its message belongs to, and whether it is the last. */
interface Chunk {
  tx: Transaction;
  last: boolean;
}

export class SmtpAnalyzer extends MailLineAnalyzer implements RawSink {
  /** Commands awaiting their final reply; the greeting first. */
  readonly #pending: PendingCommand[] = [{ verb: V_GREETING, tx: null }];
  /** Transactions closed but still waiting for replies, in the order they closed. */
  readonly #closing: Transaction[] = [];
  readonly #hashes: readonly HashName[];
  readonly #files: ConnectionFiles;
  #inBody = false;
  #saslActive = false;
  /** The last AUTH exchange; its user is the one reported. */
  readonly #sasl = new SaslExchange();
  #mechName = '';
  #detail: string | undefined = undefined;
  #helo: string | undefined = undefined;
  #tls = false;
  #depth = 0;
  #tx: Transaction | null = null;
  #lastTs = 0;
  /** The BDAT chunk whose bytes are being read, and the lines of its message (a reader per message). */
  #chunk: Chunk | null = null;
  #chunkLines: LineReader | null = null;
  readonly #chunkSink: LineSink = {
    line: (_fromOrig, buf, s, e, ts, truncated, unterminated) => this.#chunk?.tx.message?.line(buf, s, e, ts, truncated, unterminated),
  };

  constructor(ctx: AnalyzerContext, hashes: readonly HashName[]) {
    super(ctx, 'smtp', SMTP_MAX_LINE);
    this.#hashes = hashes;
    this.#files = new ConnectionFiles(ctx);
  }

  override gap(fromOrig: boolean, len: number): void {
    super.gap(fromOrig, len);
    if (!fromOrig) return;
    if (this.#inBody) this.#tx?.message?.gap(len);
    const chunk = this.#chunk;
    if (chunk !== null) {
      // The chunk's bytes went with the loss (the reader resumes at the next line): its message is cut.
      chunk.tx.message?.gap(len);
      this.#chunk = null;
    }
  }

  /** RawSink: bytes of the BDAT chunk under way, read as lines of its message. */
  raw(data: Uint8Array, start: number, end: number, ts: number): void {
    this.#chunkLines?.feed(data.subarray(start, end), ts, this.#chunkSink);
  }

  /** RawSink: the chunk's bytes are all in; after the LAST one the message ends. */
  rawDone(ts: number): void {
    const chunk = this.#chunk;
    this.#chunk = null;
    if (chunk === null || !chunk.last) return;
    // The message need not end with a line end: its last line is whatever the chunk left.
    this.#chunk = chunk;
    this.#chunkLines?.flush(ts, this.#chunkSink);
    this.#chunk = null;
    this.#chunkLines = null;
    this.#endMessage(chunk.tx, true);
    if (this.#tx === chunk.tx) this.#close();
    this.#lastTs = ts;
  }

  end(ts: number): void {
    const tx = this.#tx;
    // A message cut by the connection's end (in DATA, or BDAT without its LAST chunk): what came of it.
    if (tx !== null && (this.#inBody || this.#chunkLines !== null)) this.#endMessage(tx, false);
    this.#close();
    // Replies that never came: the transactions are written as they stand.
    for (const t of this.#closing.splice(0)) this.#log(t, ts || this.#lastTs);
    this.stop();
    this.endTls(ts);
    this.auth.finish(ts, this.confirmed, this.#sasl.user, this.#detail ?? 'no AUTH outcome seen');
  }

  protected command(buf: Uint8Array, s: number, e: number, ts: number, truncated: boolean): void {
    this.#lastTs = ts;
    if (this.#inBody) {
      // The body ends with a line holding a single dot (RFC 5321 section 4.1.1.4).
      if (e - s === 1 && buf[s] === 0x2e) {
        this.#inBody = false;
        const tx = this.#tx;
        if (tx !== null) this.#endMessage(tx, true);
        // Its reply is the transaction's last: the line is written once it comes.
        this.#queue(V_OTHER);
        this.#close();
        return;
      }
      // Dot-stuffing: a line starting with a dot was sent with one more (section 4.5.2).
      const from = buf[s] === 0x2e ? s + 1 : s;
      this.#tx?.message?.line(buf, from, e, ts, truncated);
      return;
    }
    if (this.#saslActive) {
      this.#sasl.response(buf, s, e);
      return;
    }
    const ve = wordEnd(buf, s, e);
    const as = skipSpaces(buf, ve, e);
    let verb = V_OTHER;
    if (isWord(buf, s, ve, 'AUTH')) {
      verb = V_AUTH;
      const me = wordEnd(buf, as, e);
      this.#mechName = logString(buf, as, me).toUpperCase();
      this.#saslActive = true;
      // Each AUTH is its own attempt, possibly for another user; an initial response may follow the mechanism.
      this.#sasl.start(saslMech(this.#mechName), buf, skipSpaces(buf, me, e), e);
    } else if (isWord(buf, s, ve, 'STARTTLS')) {
      verb = V_STARTTLS;
    } else if (isWord(buf, s, ve, 'DATA')) {
      verb = V_DATA;
    } else if (isWord(buf, s, ve, 'EHLO') || isWord(buf, s, ve, 'HELO')) {
      this.#helo = argText(buf, as, e);
    } else if (isWord(buf, s, ve, 'MAIL')) {
      // A new MAIL ends the transaction before it (as Zeek logs it).
      if (this.#tx?.mailfrom !== undefined) this.#close();
      const tx = this.#transaction(ts);
      tx.mailfrom = pathAddress(argText(buf, as, e), 'FROM:');
      tx.active = true;
    } else if (isWord(buf, s, ve, 'RCPT')) {
      const tx = this.#transaction(ts);
      const to = pathAddress(argText(buf, as, e), 'TO:');
      if (to !== undefined && tx.rcptto.length < MAX_RECIPIENTS && !tx.rcptto.includes(to)) tx.rcptto.push(to);
      tx.active = true;
    } else if (isWord(buf, s, ve, 'RSET')) {
      // The reset ends the transaction; its reply is the transaction's last.
      this.#queue(V_OTHER);
      this.#close();
      return;
    } else if (isWord(buf, s, ve, 'BDAT')) {
      // "BDAT <size> [LAST]": the chunk follows at once, without waiting for a reply (RFC 3030).
      const ne = wordEnd(buf, as, e);
      const size = ne > as && ne - as <= 10 ? Number(logString(buf, as, ne)) : NaN;
      const ls = skipSpaces(buf, ne, e);
      const tx = this.#transaction(ts);
      tx.active = true;
      this.#queue(verb);
      if (!Number.isInteger(size) || size > MAX_BDAT) {
        this.client.stop();
        return;
      }
      // The first chunk begins the message.
      if (tx.message === null) {
        tx.message = new MailMessage(this.#hashes);
        this.#chunkLines = new LineReader(true, SMTP_MAX_LINE);
      }
      this.#chunk = { tx, last: isWord(buf, ls, wordEnd(buf, ls, e), 'LAST') };
      this.client.take(size, this, ts);
      return;
    }
    this.#queue(verb);
  }

  protected reply(buf: Uint8Array, s: number, e: number, ts: number): void {
    this.#lastTs = ts;
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
    const p = this.#pending.shift();
    if (p === undefined) return;
    const verb = p.verb;
    const text = `${code}${e - s > 4 ? ' ' + logString(buf, s + 4, e) : ''}`;
    const owner = p.tx;
    if (owner !== null) {
      owner.lastReply = text;
      owner.waiting--;
    }
    if (verb === V_AUTH) {
      this.#saslActive = false;
      const detail = `AUTH ${this.#mechName}: ${text}`;
      if (code === Smtp.AUTH_OK) this.auth.report(ts, 'success', this.#sasl.user, detail, saslSendsPassword(this.#sasl.mech));
      else this.auth.report(ts, code === Smtp.AUTH_FAILED ? 'failure' : 'unknown', this.#sasl.user, detail, saslSendsPassword(this.#sasl.mech));
    } else if (verb === V_STARTTLS && code === Smtp.READY) {
      this.#detail = 'STARTTLS';
      this.#tls = true;
      const tx = this.#transaction(ts);
      tx.lastReply = text;
      tx.active = true;
      this.#close();
      // No more commands will be read: every transaction is written now.
      for (const t of this.#closing.splice(0)) this.#log(t, ts);
      this.startTls();
    } else if (verb === V_DATA && code === Smtp.DATA_GO) {
      // The message follows (even after a MAIL the server refused: the client sends it all the same).
      this.#inBody = true;
      const tx = owner !== null && !owner.closed ? owner : this.#transaction(ts);
      tx.message = new MailMessage(this.#hashes);
      tx.active = true;
    }
    // The transactions whose replies have all come, in the order they closed.
    while (this.#closing.length > 0 && this.#closing[0]!.waiting <= 0) this.#log(this.#closing.shift()!, ts);
  }

  #queue(verb: number): void {
    if (this.#pending.length >= MAX_PENDING) {
      this.ctx.anomaly(MailAnomaly.SMTP_TOO_MANY_PENDING);
      return;
    }
    const tx = this.#tx;
    if (tx !== null) tx.waiting++;
    this.#pending.push({ verb, tx });
  }

  /** The transaction under way, begun at `ts` if there is none. */
  #transaction(ts: number): Transaction {
    this.#tx ??= {
      ts,
      depth: this.#depth + 1,
      mailfrom: undefined,
      rcptto: [],
      lastReply: undefined,
      message: null,
      fuids: [],
      active: false,
      waiting: 0,
      closed: false,
    };
    return this.#tx;
  }

  /** Ends the transaction under way: no more commands join it; it is written once they are all answered. */
  #close(): void {
    const tx = this.#tx;
    this.#tx = null;
    if (tx === null || !tx.active) return;
    tx.closed = true;
    this.#depth = tx.depth;
    this.#closing.push(tx);
  }

  /** The message's files end (`complete`: at its final dot) and are logged. */
  #endMessage(tx: Transaction, complete: boolean): void {
    const m = tx.message;
    if (m === null) return;
    const h = m.headers;
    const files = m.finish(complete);
    if (m.headerOverflow > 0) this.ctx.anomaly(MailAnomaly.SMTP_HEADER_TOO_LONG);
    const about = {
      smtp: {
        ...(tx.mailfrom !== undefined ? { mailfrom: tx.mailfrom } : {}),
        rcptto: tx.rcptto,
        ...(h.from !== undefined ? { from: h.from } : {}),
        // Decoded for the alerts that quote it (smtp.log keeps the header as sent, as Zeek's does).
        ...(h.subject !== undefined ? { subject: decodeEncodedWords(h.subject) } : {}),
      },
    };
    tx.fuids.push(...logMessageFiles(this.#files, files, SMTP_FILE_SOURCE, tx.depth, true, about));
  }

  /** Writes a transaction's smtp.log line. */
  #log(tx: Transaction, ts: number): void {
    const c = this.ctx.conn;
    const rec = startRecord<SmtpRecord>(c, tx.ts || ts);
    rec.trans_depth = tx.depth;
    if (this.#helo !== undefined) rec.helo = this.#helo;
    if (tx.mailfrom !== undefined) rec.mailfrom = tx.mailfrom;
    if (tx.rcptto.length > 0) rec.rcptto = tx.rcptto;
    const h = tx.message?.headers;
    const path = [c.resp_h, c.orig_h];
    if (h !== undefined) {
      if (h.date !== undefined) rec.date = h.date;
      if (h.from !== undefined) rec.from = h.from;
      if (h.to.length > 0) rec.to = h.to;
      if (h.cc.length > 0) rec.cc = h.cc;
      if (h.replyTo !== undefined) rec.reply_to = h.replyTo;
      if (h.msgId !== undefined) rec.msg_id = h.msgId;
      if (h.inReplyTo !== undefined) rec.in_reply_to = h.inReplyTo;
      if (h.subject !== undefined) rec.subject = h.subject;
      if (h.xOriginatingIp !== undefined) rec.x_originating_ip = h.xOriginatingIp;
      const n = h.received.length;
      if (n > 0) rec.first_received = h.received[n - 1]!;
      if (n > 1) rec.second_received = h.received[n - 2]!;
      for (const r of h.received) {
        const hop = receivedAddress(r);
        if (hop !== undefined) path.push(hop);
      }
    }
    if (tx.lastReply !== undefined) rec.last_reply = tx.lastReply;
    rec.path = path;
    if (h?.userAgent !== undefined) rec.user_agent = h.userAgent;
    rec.tls = this.#tls;
    if (tx.fuids.length > 0) rec.fuids = tx.fuids;
    this.ctx.emit({ type: 'smtp', log: 'smtp', ts: rec.ts, uid: c.uid, record: rec });
  }
}

/** The argument text of a command, bounded. */
function argText(buf: Uint8Array, s: number, e: number): string {
  return logString(buf, s, Math.min(e, s + MAX_ARG)).trim();
}

/** The address of "FROM:<a@b> SIZE=..." or "TO:<a@b>" (angle brackets dropped; "<>" is the null sender ""). */
function pathAddress(arg: string, keyword: string): string | undefined {
  if (arg.slice(0, keyword.length).toUpperCase() !== keyword) return undefined;
  const rest = arg.slice(keyword.length).trim();
  const m = /^<([^>]*)>/.exec(rest);
  if (m !== null) return m[1]!;
  const word = rest.split(/\s+/)[0]!;
  return word === '' ? undefined : word;
}

/** The address a Received field names for the host it came from: the first bracketed IP literal. */
function receivedAddress(value: string): string | undefined {
  const m = /\[(?:IPv6:)?([0-9a-fA-F:.]+)\]/.exec(value);
  return m === null ? undefined : m[1]!.toLowerCase();
}
