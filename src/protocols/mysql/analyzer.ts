/**
 * Per-connection MySQL connection phase: the server greeting, the client's
 * login packet (user name; an SSLRequest means TLS follows), then server
 * packets until OK (logged in) or ERR (1045/1698: wrong credentials;
 * other errors: outcome unknown, with the error as detail). AuthSwitch and
 * AuthMoreData rounds in between are passed over. After the outcome nothing
 * more is read. Emits one mysql.log record for the login and its `auth`
 * event; a recognised connection with no visible outcome gets one
 * `unknown` auth event at the end.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { startRecord } from '../zeek-record.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { ER_ACCESS_DENIED, ER_ACCESS_DENIED_NO_PASSWORD, MAX_PACKET, MysqlAnomaly, PACKET_HEADER, Reply } from './consts.js';
import type { MysqlLogEvent, MysqlRecord } from './events.js';
import { okAffectedRows, parseErr, parseGreeting, parseLogin, payloadLength } from './parser.js';

/** Where mysql.log events go until the event union carries them (see index.ts). */
export type MysqlLogSink = (event: MysqlLogEvent) => void;

const P_GREETING = 0;
const P_LOGIN = 1;
const P_AUTH = 2;
const P_DONE = 3;

export class MysqlAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #log: MysqlLogSink | undefined;
  readonly #auth: AuthReporter;
  readonly #cli = new StreamBuffer(MAX_PACKET + PACKET_HEADER);
  readonly #srv = new StreamBuffer(MAX_PACKET + PACKET_HEADER);
  #phase = P_GREETING;
  #confirmed = false;
  #user: string | undefined = undefined;
  #loginTs = 0;
  #detail: string | undefined = undefined;

  constructor(ctx: AnalyzerContext, log: MysqlLogSink | undefined) {
    this.#ctx = ctx;
    this.#log = log;
    this.#auth = new AuthReporter(ctx, 'mysql');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (this.#phase === P_DONE) return;
    // Only the client's login packet matters from the client; everything in the auth phase is the server's.
    if (fromOrig && this.#phase !== P_LOGIN) return;
    const buf = fromOrig ? this.#cli : this.#srv;
    if (!buf.push(data)) {
      this.#ctx.anomaly(MysqlAnomaly.PACKET_TOO_LONG);
      this.#done();
      return;
    }
    while (this.#phase !== P_DONE) {
      const len = payloadLength(buf.bytes, buf.offset, buf.length);
      if (len < 0) return;
      if (len > MAX_PACKET) {
        this.#ctx.anomaly(MysqlAnomaly.PACKET_TOO_LONG);
        this.#done();
        return;
      }
      if (buf.length < PACKET_HEADER + len) return;
      const s = buf.offset + PACKET_HEADER;
      const phase = this.#phase;
      if (fromOrig) this.#login(buf.bytes, s, s + len, ts);
      else if (phase === P_GREETING) this.#greeting(buf.bytes, s, s + len);
      else if (phase === P_AUTH) this.#reply(buf.bytes, s, s + len, ts);
      // A server packet while the client has yet to log in is unexpected: pass over it.
      buf.consume(PACKET_HEADER + len);
      if (fromOrig) return;
    }
  }

  gap(_fromOrig: boolean, _len: number): void {
    this.#ctx.anomaly(MysqlAnomaly.CONTENT_GAP);
    this.#done();
  }

  wants(fromOrig: boolean): boolean {
    if (this.#phase === P_DONE) return false;
    return fromOrig ? this.#phase <= P_LOGIN : true;
  }

  end(ts: number): void {
    if (this.#phase === P_AUTH) this.#emitLog(undefined, undefined, undefined);
    this.#done();
    this.#auth.finish(ts, this.#confirmed, this.#user, this.#detail ?? 'no login reply seen');
  }

  #done(): void {
    this.#phase = P_DONE;
    this.#cli.clear();
    this.#srv.clear();
  }

  #greeting(b: Uint8Array, s: number, e: number): void {
    if (b[s] === Reply.ERR) {
      // The server refused before any login (e.g. 1129 host blocked, 1130 host not allowed).
      const err = parseErr(b, s, e);
      this.#confirm();
      this.#detail = err === null ? 'ERR greeting' : `ERR ${err.code} ${err.message}`;
      this.#done();
      return;
    }
    if (parseGreeting(b, s, e) === null) {
      this.#ctx.anomaly(MysqlAnomaly.BAD_GREETING);
      this.#done();
      return;
    }
    this.#confirm();
    this.#phase = P_LOGIN;
  }

  #login(b: Uint8Array, s: number, e: number, ts: number): void {
    const login = parseLogin(b, s, e);
    if (login === null) {
      this.#ctx.anomaly(MysqlAnomaly.BAD_LOGIN);
      this.#done();
      return;
    }
    if (login.ssl) {
      this.#detail = 'TLS';
      this.#done();
      return;
    }
    this.#user = login.user;
    this.#loginTs = ts;
    this.#phase = P_AUTH;
  }

  #reply(b: Uint8Array, s: number, e: number, ts: number): void {
    const t = e > s ? b[s]! : -1;
    if (t === Reply.AUTH_SWITCH || t === Reply.AUTH_MORE_DATA) return;
    if (t === Reply.OK) {
      this.#emitLog(true, okAffectedRows(b, s, e), undefined);
      this.#auth.report(ts, 'success', this.#user, 'OK');
      this.#done();
      return;
    }
    const err = t === Reply.ERR ? parseErr(b, s, e) : null;
    if (err === null) {
      this.#ctx.anomaly(MysqlAnomaly.BAD_REPLY);
      this.#done();
      return;
    }
    this.#emitLog(false, undefined, err.message);
    const denied = err.code === ER_ACCESS_DENIED || err.code === ER_ACCESS_DENIED_NO_PASSWORD;
    const state = err.sqlState !== undefined ? ` (${err.sqlState})` : '';
    this.#auth.report(ts, denied ? 'failure' : 'unknown', this.#user, `ERR ${err.code}${state} ${err.message}`);
    this.#done();
  }

  #confirm(): void {
    if (this.#confirmed) return;
    this.#confirmed = true;
    this.#ctx.confirm('mysql');
  }

  #emitLog(success: boolean | undefined, rows: number | undefined, response: string | undefined): void {
    if (this.#log === undefined) return;
    const c = this.#ctx.conn;
    // Zeek's field order (insertion order is the key order); unset fields stay absent.
    const rec = startRecord<MysqlRecord>(c, this.#loginTs);
    rec.cmd = 'login';
    if (this.#user !== undefined) rec.arg = this.#user;
    if (success !== undefined) rec.success = success;
    if (rows !== undefined) rec.rows = rows;
    if (response !== undefined) rec.response = response;
    this.#log({ type: 'mysql', log: 'mysql', ts: rec.ts, uid: c.uid, record: rec });
  }
}
