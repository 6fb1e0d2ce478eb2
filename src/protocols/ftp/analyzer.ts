/**
 * Per-connection FTP control-channel state: commands wait in a bounded queue
 * for their final reply (1xx replies are preliminary; multi-line replies
 * end on the line that repeats the code with a space). Each completed pair
 * becomes one ftp.log record; USER/PASS answered with 230 is a successful
 * login and 5xx a failed one (Zeek's brute-force script counts the same
 * replies). AUTH TLS accepted with 234 ends parsing: the rest is encrypted.
 * A recognised connection without a visible outcome gets one `unknown`
 * auth event when it ends.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { startRecord } from '../zeek-record.js';
import { logString } from '../wire-text.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { LineReader, type LineSink } from '../mail/lines.js';
import { FtpAnomaly, HIDDEN, INIT_COMMAND, MAX_LINE, MAX_PENDING, Reply, UNKNOWN_USER } from './consts.js';
import type { FtpLogEvent, FtpRecord } from './events.js';
import { parseCommand, replyCode, replySeparator, verbText, type CommandSpan } from './parser.js';

/** Where ftp.log events go until the event union carries them (see index.ts). */
export type FtpLogSink = (event: FtpLogEvent) => void;

interface Pending {
  command: string;
  arg: string | undefined;
  ts: number;
}

export class FtpAnalyzer implements Analyzer, LineSink {
  readonly #ctx: AnalyzerContext;
  readonly #log: FtpLogSink | undefined;
  readonly #client = new LineReader(true, MAX_LINE);
  readonly #server = new LineReader(false, MAX_LINE);
  readonly #auth: AuthReporter;
  readonly #span: CommandSpan = { verbEnd: 0, argStart: 0 };
  readonly #pending: Pending[] = [];
  /** Code of the multi-line reply in progress, 0 when none. */
  #multiline = 0;
  #user: string | undefined = undefined;
  /** A PASS command was sent since the last USER: the login's password crossed in clear. */
  #passSent = false;
  #confirmed = false;
  #tls = false;
  #lastTs = 0;

  constructor(ctx: AnalyzerContext, log: FtpLogSink | undefined) {
    this.#ctx = ctx;
    this.#log = log;
    this.#auth = new AuthReporter(ctx, 'ftp');
    // The greeting answers no command; this shim takes its reply (as in Zeek).
    this.#pending.push({ command: INIT_COMMAND, arg: undefined, ts: 0 });
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    this.#lastTs = ts;
    (fromOrig ? this.#client : this.#server).feed(data, ts, this);
  }

  gap(fromOrig: boolean, _len: number): void {
    this.#ctx.anomaly(FtpAnomaly.CONTENT_GAP);
    (fromOrig ? this.#client : this.#server).resync();
    if (!fromOrig) this.#multiline = 0;
  }

  wants(fromOrig: boolean): boolean {
    return (fromOrig ? this.#client : this.#server).active;
  }

  end(ts: number): void {
    // Commands never answered are logged without a reply, as Zeek flushes them at removal.
    for (let i = 0; i < this.#pending.length; i++) {
      const p = this.#pending[i]!;
      if (p.command !== INIT_COMMAND) this.#emitLog(p, -1, undefined);
    }
    this.#pending.length = 0;
    this.#auth.finish(ts || this.#lastTs, this.#confirmed, this.#user, this.#tls ? 'AUTH TLS' : 'no login reply seen');
    this.#client.stop();
    this.#server.stop();
  }

  line(fromOrig: boolean, buf: Uint8Array, start: number, end: number, ts: number, truncated: boolean): void {
    if (truncated) this.#ctx.anomaly(FtpAnomaly.LINE_TOO_LONG);
    if (fromOrig) this.#command(buf, start, end, ts);
    else this.#reply(buf, start, end, ts);
  }

  #command(buf: Uint8Array, start: number, end: number, ts: number): void {
    const s = this.#span;
    if (!parseCommand(buf, start, end, s)) {
      // Telnet IAC sequences (e.g. before ABOR) and noise are counted, not queued.
      if (end > start) this.#ctx.anomaly(FtpAnomaly.BAD_COMMAND);
      return;
    }
    const command = verbText(buf, start, s.verbEnd);
    let arg: string | undefined = s.argStart < end ? logString(buf, s.argStart, end) : undefined;
    if (command === 'USER') {
      this.#user = arg;
      this.#passSent = false;
    } else if (command === 'PASS') {
      arg = HIDDEN;
      this.#passSent = true;
    }
    if (this.#pending.length >= MAX_PENDING) {
      this.#ctx.anomaly(FtpAnomaly.TOO_MANY_PENDING);
      return;
    }
    this.#pending.push({ command, arg, ts });
  }

  #reply(buf: Uint8Array, start: number, end: number, ts: number): void {
    const code = replyCode(buf, start, end);
    const sep = code < 0 ? -1 : replySeparator(buf, start, end);
    if (this.#multiline !== 0) {
      // Inside a multi-line reply only "<same code> text" (or the code alone) ends it.
      if (code !== this.#multiline || sep === 0x2d || sep < 0) return;
      this.#multiline = 0;
    } else if (sep < 0) {
      this.#ctx.anomaly(FtpAnomaly.BAD_REPLY);
      return;
    } else if (sep === 0x2d) {
      this.#multiline = code;
      this.#confirm();
      return;
    }
    this.#confirm();
    // Preliminary replies (1xx) leave the command waiting for its final reply.
    if (code < 200) return;
    const p = this.#pending.shift();
    if (p === undefined) {
      this.#ctx.anomaly(FtpAnomaly.BAD_REPLY);
      return;
    }
    const msg = end - start > 4 ? logString(buf, start + 4, end) : '';
    if (p.command !== INIT_COMMAND) this.#emitLog(p, code, msg);
    this.#outcome(p.command, code, msg, ts);
  }

  #outcome(command: string, code: number, msg: string, ts: number): void {
    if (command === 'USER' || command === 'PASS') {
      if (code === Reply.LOGGED_IN || (command === 'PASS' && code === Reply.SUPERFLUOUS)) {
        this.#auth.report(ts, 'success', this.#user, `${code} ${msg}`, this.#passSent);
      } else if (code >= 500) {
        this.#auth.report(ts, 'failure', this.#user, `${code} ${msg}`, this.#passSent);
      }
    } else if (command === 'AUTH' && code === Reply.AUTH_OK) {
      this.#tls = true;
      this.#client.stop();
      this.#server.stop();
    }
  }

  #confirm(): void {
    if (this.#confirmed) return;
    this.#confirmed = true;
    this.#ctx.confirm('ftp');
  }

  #emitLog(p: Pending, code: number, msg: string | undefined): void {
    if (this.#log === undefined) return;
    const c = this.#ctx.conn;
    // Zeek's field order (insertion order is the key order); unset fields stay absent.
    const rec = startRecord<FtpRecord>(c, p.ts);
    rec.user = this.#user ?? UNKNOWN_USER;
    rec.command = p.command;
    if (p.arg !== undefined && p.arg !== '') rec.arg = p.arg;
    if (code >= 0) rec.reply_code = code;
    if (msg !== undefined) rec.reply_msg = msg;
    this.#log({ type: 'ftp', log: 'ftp', ts: p.ts, uid: c.uid, record: rec });
  }
}
