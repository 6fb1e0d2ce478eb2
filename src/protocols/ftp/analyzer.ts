/**
 * Per-connection FTP control-channel state: commands wait in a bounded queue
 * for their final reply (1xx replies are preliminary; multi-line replies
 * end on the line that repeats the code with a space). Each completed pair
 * becomes one ftp.log record; USER/PASS answered with 230 is a successful
 * login and 5xx a failed one (Zeek's brute-force script counts the same
 * replies). AUTH TLS accepted with 234 ends parsing: the rest is encrypted.
 * A recognised connection without a visible outcome gets one `unknown`
 * auth event when it ends.
 *
 * PORT and EPRT commands and 227/229 replies to PASV and EPSV announce the
 * next data channel to the pipeline (AnalyzerContext.expect), for five
 * minutes as in Zeek; its files (data-analyzer.ts) are named after the
 * transfer command under way, whose ftp.log line gets their fuid and type.
 */
import type { Analyzer, AnalyzerContext, ExpectedConnection, ProtocolSpec, TunnelledStream } from '../analyzer.js';
import type { HashName } from '../../files/file-hashes.js';
import type { FtpFileSession } from '../../events/file.js';
import { startRecord } from '../zeek-record.js';
import { logString } from '../wire-text.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { LineReader, divertToTls, type LineSink } from '../mail/lines.js';
import { FtpAnomaly, HIDDEN, INIT_COMMAND, MAX_LINE, MAX_PENDING, Reply, UNKNOWN_USER } from './consts.js';
import type { FtpLogEvent, FtpRecord } from './events.js';
import { parseCommand, replyCode, replySeparator, verbText, type CommandSpan } from './parser.js';
import { announcedSize, parseEprt, parseEpsvReply, parseHostPort, type DataEndpoint } from './data-channel.js';
import { FTP_DATA_SERVICE, FtpDataAnalyzer, type ControlChannel, type TransferCommand } from './data-analyzer.js';
import { FILE_COMMANDS, fileUrl, resolvePath } from './path.js';
import { UNSPECIFIED_V4 } from '../../config/ip.js';

/** Where ftp.log events go until the event union carries them (see index.ts). */
export type FtpLogSink = (event: FtpLogEvent) => void;

interface Pending extends TransferCommand {
  ts: number;
  /** What ftp.log shows as the argument: the file's URL for RETR, STOR, STOU and APPE, else `arg`. */
  logArg: string | undefined;
  /** The data channel this command set up (PORT, EPRT, PASV, EPSV). */
  channel: DataChannel | undefined;
}

interface DataChannel {
  passive: boolean;
  orig_h: string;
  resp_h: string;
  resp_p: number;
}

/** Commands whose reply or data channel carries a file or a listing. */
const TRANSFER_COMMANDS: ReadonlySet<string> = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD']);
/** How long an announced data channel is expected (Zeek: 5 minutes). */
export const DATA_CHANNEL_SECONDS = 300;
/** 227 Entering Passive Mode; 229 Entering Extended Passive Mode; 150 File status okay; 213 File status (SIZE). */
const PASSIVE = 227;
const EXTENDED_PASSIVE = 229;
const OPENING_DATA = 150;
const FILE_STATUS = 213;
/** 250 Requested file action okay (CWD, and CDUP on some servers); 200 Command okay (CDUP). */
const FILE_ACTION_OK = 250;
const COMMAND_OK = 200;

function pending(command: string, arg: string | undefined, ts: number): Pending {
  return { command, arg, logArg: arg, ts, size: undefined, fuid: undefined, mime: undefined, channel: undefined };
}

export class FtpAnalyzer implements Analyzer, LineSink, ControlChannel {
  readonly #ctx: AnalyzerContext;
  readonly #log: FtpLogSink | undefined;
  /** The data channels' analyzer, with this connection as their control. */
  readonly #dataSpec: ProtocolSpec;
  readonly #client = new LineReader(true, MAX_LINE);
  readonly #server = new LineReader(false, MAX_LINE);
  /** The TLS after an accepted AUTH TLS (null before, or where tunnels are not followed). */
  #tlsStream: TunnelledStream | null = null;
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
  /** The newest transfer command (RETR, STOR, LIST...): a data channel's bytes belong to it. */
  #transfer: Pending | undefined = undefined;
  /** Size from the last 213 reply to SIZE, for the RETR that follows. */
  #sizeSeen: number | undefined = undefined;
  /** The working directory as far as the wire tells (path.ts). */
  #cwd = '/';

  constructor(ctx: AnalyzerContext, log: FtpLogSink | undefined, hashes: readonly HashName[]) {
    this.#ctx = ctx;
    this.#log = log;
    this.#auth = new AuthReporter(ctx, 'ftp');
    this.#dataSpec = {
      name: FTP_DATA_SERVICE,
      transports: ['tcp'],
      ports: [],
      create: (dataCtx) => new FtpDataAnalyzer(dataCtx, this, hashes),
    };
    // The greeting answers no command; this shim takes its reply (as in Zeek).
    this.#pending.push(pending(INIT_COMMAND, undefined, 0));
  }

  /** ControlChannel: who the session is between. */
  session(): Omit<FtpFileSession, 'command' | 'arg' | 'upload'> {
    const c = this.#ctx.conn;
    return {
      control_uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      ...(this.#user !== undefined ? { user: this.#user } : {}),
    };
  }

  /** ControlChannel: the transfer command a data channel's bytes belong to. */
  transfer(): TransferCommand | undefined {
    return this.#transfer;
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    this.#lastTs = ts;
    (fromOrig ? this.#client : this.#server).feed(data, ts, this);
  }

  gap(fromOrig: boolean, len: number): void {
    if (this.#tlsStream !== null) {
      this.#tlsStream.gap(fromOrig, len);
      return;
    }
    this.#ctx.anomaly(FtpAnomaly.CONTENT_GAP);
    (fromOrig ? this.#client : this.#server).resync();
    if (!fromOrig) this.#multiline = 0;
  }

  wants(fromOrig: boolean): boolean {
    if (this.#tlsStream !== null) return this.#tlsStream.wants(fromOrig);
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
    this.#tlsStream?.end(ts);
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
    const p = pending(command, arg, ts);
    if (arg !== undefined && FILE_COMMANDS.has(command)) p.logArg = fileUrl(this.#ctx.conn.resp_h, this.#cwd, arg);
    if (TRANSFER_COMMANDS.has(command)) {
      this.#transfer = p;
      if (command === 'RETR' && this.#sizeSeen !== undefined) p.size = this.#sizeSeen;
      this.#sizeSeen = undefined;
    } else if ((command === 'PORT' || command === 'EPRT') && arg !== undefined) {
      // Active mode: the server will connect to the address given (Zeek expects it at once, whatever the reply).
      const at = command === 'PORT' ? parseHostPort(arg) : parseEprt(arg);
      if (at !== null) this.#expectData(p, false, at, ts);
    }
    this.#pending.push(p);
  }

  /**
   * Announces the data channel `p` set up, to `at` (its host, else the
   * control connection's server). A passive reply naming another address
   * than the server's (a server behind NAT giving its inside address, which
   * clients replace with the one they reached it at, as most do) is expected
   * at both; the log names the address announced, as Zeek's does.
   */
  #expectData(p: Pending, passive: boolean, at: DataEndpoint, ts: number): void {
    const c = this.#ctx.conn;
    const resp_h = at.host === null || at.host === UNSPECIFIED_V4 ? c.resp_h : at.host;
    const orig_h = passive ? c.orig_h : c.resp_h;
    p.channel = { passive, orig_h, resp_h, resp_p: at.port };
    const expected: ExpectedConnection = { orig_h, resp_h, resp_p: at.port, spec: this.#dataSpec, until: ts + DATA_CHANNEL_SECONDS };
    if (passive && resp_h !== c.resp_h) expected.also_resp_h = c.resp_h;
    this.#ctx.expect?.(expected);
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
    if (code < 200) {
      const head = this.#pending[0];
      if (code === OPENING_DATA && head !== undefined && head.command === 'RETR' && sep === 0x20) {
        head.size = announcedSize(code, logString(buf, start + 4, end)) ?? head.size;
      }
      return;
    }
    const p = this.#pending.shift();
    if (p === undefined) {
      this.#ctx.anomaly(FtpAnomaly.BAD_REPLY);
      return;
    }
    const msg = end - start > 4 ? logString(buf, start + 4, end) : '';
    this.#dataReply(p, code, msg, ts);
    if (p.command !== INIT_COMMAND) this.#emitLog(p, code, msg);
    this.#outcome(p.command, code, msg, ts);
  }

  /** What a final reply says of data channels and sizes. */
  #dataReply(p: Pending, code: number, msg: string, ts: number): void {
    if (code === PASSIVE && p.command === 'PASV') {
      const at = parseHostPort(msg);
      if (at !== null) this.#expectData(p, true, at, ts);
    } else if (code === EXTENDED_PASSIVE && p.command === 'EPSV') {
      const at = parseEpsvReply(msg);
      if (at !== null) this.#expectData(p, true, at, ts);
    } else if (code === FILE_STATUS && p.command === 'SIZE') {
      p.size = announcedSize(code, msg);
      this.#sizeSeen = p.size;
    } else if (code === FILE_ACTION_OK && p.command === 'CWD' && p.arg !== undefined) {
      this.#cwd = resolvePath(this.#cwd, p.arg);
    } else if ((code === FILE_ACTION_OK || code === COMMAND_OK) && p.command === 'CDUP') {
      this.#cwd = resolvePath(this.#cwd, '..');
    }
  }

  #outcome(command: string, code: number, msg: string, ts: number): void {
    if (command === 'USER' || command === 'PASS') {
      if (code === Reply.LOGGED_IN || (command === 'PASS' && code === Reply.SUPERFLUOUS)) {
        this.#auth.report(ts, 'success', this.#user, `${code} ${msg}`, this.#passSent);
      } else if (code >= 500) {
        this.#auth.report(ts, 'failure', this.#user, `${code} ${msg}`, this.#passSent);
      }
    } else if (command === 'AUTH' && code === Reply.AUTH_OK) {
      // The TLS handshake follows on this connection (ssl.log, service "ftp,ssl").
      this.#tls = true;
      this.#tlsStream = divertToTls(this.#ctx, this.#client, this.#server);
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
    if (p.logArg !== undefined && p.logArg !== '') rec.arg = p.logArg;
    if (p.mime !== undefined) rec.mime_type = p.mime;
    if (p.size !== undefined) rec.file_size = p.size;
    if (code >= 0) rec.reply_code = code;
    if (msg !== undefined) rec.reply_msg = msg;
    const dc = p.channel;
    if (dc !== undefined) {
      rec['data_channel.passive'] = dc.passive;
      rec['data_channel.orig_h'] = dc.orig_h;
      rec['data_channel.resp_h'] = dc.resp_h;
      rec['data_channel.resp_p'] = dc.resp_p;
    }
    if (p.fuid !== undefined) rec.fuid = p.fuid;
    this.#log({ type: 'ftp', log: 'ftp', ts: p.ts, uid: c.uid, record: rec });
  }
}
