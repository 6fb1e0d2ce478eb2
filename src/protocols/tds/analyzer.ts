/**
 * Per-connection SQL Server login (TDS on TCP 1433 and by content). The
 * client's PRELOGIN and the server's answer say whether the login is
 * encrypted: when either side does not support encryption, the LOGIN7
 * record crosses in clear (user, host, application, database; the password
 * only obfuscated, so it counts as sent in clear); when both offer it only
 * for the login ("OFF"), the LOGIN7 goes inside TLS but the server's answer
 * comes back in clear; when either requires it, everything after PRELOGIN
 * is TLS. A client that sends its login without PRELOGIN (LOGIN7, or a
 * pre-TDS 7 login record) is read the same way.
 *
 * The outcome, as one `auth` event (service "mssql"): LOGINACK is a
 * success; an ERROR refusing the login or account (18456 "Login failed for
 * user", 18452, 18470, 18486-18488) a failure; another error "unknown", with
 * its text. The user is the login's, else the one the failure names. A
 * login whose answer was not readable is "unknown" at the end.
 *
 * After a successful login without session encryption, the client's SQL
 * batches are in clear (when only the login went inside TLS, its TLS
 * records are stepped over first): each is an `mssql.batch` event with its
 * text, up to MAX_BATCHES a connection. Nothing else is read after the
 * login's answer.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import type { AuthOutcome } from '../../events/auth.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { Encryption, HEADER_LENGTH, LOGIN_FAILURES, MAX_BATCHES, MAX_MESSAGE, PacketType, STATUS_EOM, TdsAnomaly } from './consts.js';
import type { MssqlBatchEvent } from './events.js';
import { batchText, loginAnswer, packetHeader, parseLogin7, parseTds4Login, preloginEncryption, tlsRecordLength, userInLoginError, type TdsLogin } from './parser.js';

// Client phases: its first message; after PRELOGIN, the login; the login inside TLS (its records
// stepped over); the session after the login (SQL batches); nothing more to read.
const C_FIRST = 0;
const C_LOGIN = 1;
const C_TLS_LOGIN = 2;
const C_SESSION = 3;
const C_DONE = 4;
// Server phases: nothing expected yet; the PRELOGIN answer; TLS handshake packets (login-only encryption); the login answer; done.
const S_IDLE = 0;
const S_PRELOGIN = 1;
const S_HANDSHAKE = 2;
const S_ANSWER = 3;
const S_DONE = 4;

/** One direction's framing: packet bytes, and the message their payloads make up. */
class Direction {
  readonly packets = new StreamBuffer(MAX_MESSAGE + HEADER_LENGTH);
  readonly message = new StreamBuffer(MAX_MESSAGE);
  /** Type of the message being gathered; -1 between messages. */
  type = -1;

  release(): void {
    this.packets.release();
    this.message.release();
    this.type = -1;
  }
}

export class TdsAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #auth: AuthReporter;
  readonly #cli = new Direction();
  readonly #srv = new Direction();
  #cPhase = C_FIRST;
  #sPhase = S_IDLE;
  #confirmed = false;
  #clientEncryption: number | undefined = undefined;
  /** The login record, when it crossed in clear. */
  #login: TdsLogin | undefined = undefined;
  /** How the login went when no answer says: "encrypted (TLS)", "login inside TLS". */
  #hidden: string | undefined = undefined;
  /** The server accepted the login (LOGINACK). */
  #signedIn = false;
  /** The user the server named in its answer, when the login itself was not readable. */
  #answeredUser: string | undefined = undefined;
  #batches = 0;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
    this.#auth = new AuthReporter(ctx, 'mssql');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (!this.wants(fromOrig)) return;
    const d = fromOrig ? this.#cli : this.#srv;
    const p = d.packets;
    // As much as the buffer holds at a time: a session's stream is longer than any one packet.
    for (let i = 0; i < data.length && this.wants(fromOrig); ) {
      const n = Math.min(p.capacity - p.length, data.length - i);
      if (n === 0 || !p.push(data, i, i + n)) return this.#fail(TdsAnomaly.TOO_LONG);
      i += n;
      this.#frame(fromOrig, d, ts);
    }
  }

  gap(_fromOrig: boolean, _len: number): void {
    if (this.#cPhase === C_DONE && this.#sPhase === S_DONE) return;
    this.#fail(TdsAnomaly.CONTENT_GAP);
  }

  wants(fromOrig: boolean): boolean {
    return fromOrig ? this.#cPhase !== C_DONE : this.#sPhase !== S_DONE;
  }

  end(ts: number): void {
    this.#stop();
    this.#auth.finish(ts, this.#confirmed, this.#login?.user, this.#describe(this.#hidden ?? 'no answer to the login seen'));
  }

  /** Gathers whole packets into messages and reads each message. */
  #frame(fromOrig: boolean, d: Direction, ts: number): void {
    const p = d.packets;
    while (this.wants(fromOrig) && p.length > 0) {
      const o = p.offset;
      if (fromOrig && this.#cPhase === C_TLS_LOGIN) {
        // The login's TLS records go by without TDS headers; plain TDS packets follow once it is accepted.
        const n = tlsRecordLength(p.bytes, o, o + p.length);
        if (n === 0 || (n > 0 && p.length < n)) return;
        if (n > 0) {
          p.consume(n);
          continue;
        }
      }
      if (p.length < HEADER_LENGTH) return;
      // A server that switched to TLS for the whole session sends TLS records, not TDS packets.
      if (!fromOrig && p.bytes[o] === 0x17 && p.bytes[o + 1] === 0x03) {
        this.#hidden = 'encrypted (TLS)';
        this.#stop();
        return;
      }
      const h = packetHeader(p.bytes, o);
      if (h === null) return this.#notTds(fromOrig);
      if (p.length < h.length) return;
      if (fromOrig && (this.#cPhase === C_SESSION || this.#cPhase === C_TLS_LOGIN)) {
        this.#sessionPacket(d, h.type, h.status, o, h.length, ts);
        continue;
      }
      if (d.type !== -1 && d.type !== h.type) return this.#notTds(fromOrig);
      d.type = h.type;
      if (!d.message.push(p.bytes, o + HEADER_LENGTH, o + h.length)) return this.#fail(TdsAnomaly.TOO_LONG);
      p.consume(h.length);
      if ((h.status & STATUS_EOM) === 0) continue;
      const m = d.message;
      const type = d.type;
      d.type = -1;
      if (fromOrig) this.#client(type, m.bytes, m.offset, m.offset + m.length);
      else this.#server(type, m.bytes, m.offset, m.offset + m.length, ts);
      m.clear();
    }
  }

  /**
   * A client packet after the login: SQL batches are gathered (their head,
   * when longer than a message may be) and reported; anything else (RPC
   * calls, bulk loads, attention) is stepped over.
   */
  #sessionPacket(d: Direction, type: number, status: number, o: number, length: number, ts: number): void {
    const p = d.packets;
    if (type === PacketType.SQL_BATCH && this.#signedIn) {
      const m = d.message;
      if (m.length + length - HEADER_LENGTH <= m.capacity) m.push(p.bytes, o + HEADER_LENGTH, o + length);
      if ((status & STATUS_EOM) !== 0) {
        this.#batch(m.bytes, m.offset, m.offset + m.length, ts);
        m.clear();
      }
    }
    p.consume(length);
  }

  /** Bytes that are not TDS: on the client's first message the flow is not SQL Server at all; later, a bad packet. */
  #notTds(fromOrig: boolean): void {
    if (fromOrig && this.#cPhase === C_FIRST && !this.#confirmed) {
      this.#stop();
      return;
    }
    this.#fail(TdsAnomaly.BAD_PACKET);
  }

  #client(type: number, b: Uint8Array, start: number, end: number): void {
    if (type === PacketType.PRELOGIN && this.#cPhase === C_FIRST) {
      const enc = preloginEncryption(b, start, end);
      if (enc === null) return this.#notTds(true);
      this.#confirm();
      this.#clientEncryption = enc;
      this.#cPhase = C_LOGIN;
      this.#sPhase = S_PRELOGIN;
      return;
    }
    if (type === PacketType.PRELOGIN) {
      // TLS handshake records in PRELOGIN packets: the login that follows is inside TLS.
      this.#hidden = 'login inside TLS';
      this.#cPhase = C_TLS_LOGIN;
      return;
    }
    if (type === PacketType.LOGIN7 || type === PacketType.TDS4_LOGIN) {
      const login = type === PacketType.LOGIN7 ? parseLogin7(b, start, end) : parseTds4Login(b, start, end);
      if (login === null) return this.#notTds(true);
      this.#confirm();
      this.#login = login;
      this.#cPhase = C_SESSION;
      if (this.#sPhase === S_IDLE) this.#sPhase = S_ANSWER;
      return;
    }
    if (this.#cPhase === C_FIRST) this.#notTds(true);
  }

  #server(type: number, b: Uint8Array, start: number, end: number, ts: number): void {
    if (this.#sPhase === S_PRELOGIN) {
      if (type !== PacketType.TABULAR_RESULT) return this.#fail(TdsAnomaly.BAD_PACKET);
      const enc = preloginEncryption(b, start, end);
      if (enc === null) return this.#fail(TdsAnomaly.BAD_PACKET);
      const client = this.#clientEncryption ?? Encryption.NOT_SUPPORTED;
      const server = enc ?? Encryption.NOT_SUPPORTED;
      if (client === Encryption.NOT_SUPPORTED || server === Encryption.NOT_SUPPORTED) this.#sPhase = S_ANSWER;
      else if (client === Encryption.OFF && server === Encryption.OFF) this.#sPhase = S_HANDSHAKE;
      else {
        this.#hidden = 'encrypted (TLS)';
        this.#stop();
      }
      return;
    }
    if (type === PacketType.PRELOGIN) return; // the server's TLS handshake records
    if (type !== PacketType.TABULAR_RESULT || (this.#sPhase !== S_ANSWER && this.#sPhase !== S_HANDSHAKE)) return;
    const answer = loginAnswer(b, start, end);
    // An SSPI challenge (integrated sign-in) is not the outcome yet.
    if (answer === null) return;
    const error = answer.error;
    let outcome: AuthOutcome;
    let text: string;
    if (answer.accepted) {
      outcome = 'success';
      text = 'LOGINACK';
    } else {
      outcome = LOGIN_FAILURES.has(error!.number) ? 'failure' : 'unknown';
      text = `error ${error!.number}: ${error!.message}`;
    }
    const login = this.#login;
    const user = login?.user ?? (error !== undefined ? userInLoginError(error.message) : undefined);
    const cleartext = login !== undefined && login.hasPassword && !login.integrated;
    // A SQL login accepted with an empty password (the classic blank "sa").
    const noPassword = answer.accepted && login !== undefined && !login.hasPassword && !login.integrated;
    this.#auth.report(ts, outcome, user, this.#describe(text), cleartext, { noPassword });
    if (!answer.accepted) return this.#stop();
    // Signed in: only the client's batches matter now.
    this.#signedIn = true;
    this.#answeredUser = user;
    this.#sPhase = S_DONE;
    this.#srv.release();
  }

  #batch(b: Uint8Array, start: number, end: number, ts: number): void {
    const c = this.#ctx.conn;
    const ev: MssqlBatchEvent = { type: 'mssql.batch', ts, uid: c.uid, client: c.orig_h, client_port: c.orig_p, server: c.resp_h, server_port: c.resp_p, text: batchText(b, start, end) };
    if (this.#answeredUser !== undefined) ev.user = this.#answeredUser;
    this.#ctx.emit(ev);
    // Enough of this connection: stop reading it.
    if (++this.#batches >= MAX_BATCHES) this.#stop();
  }

  /** A detail with what the login record told of the client. */
  #describe(what: string): string {
    const l = this.#login;
    if (l === undefined) return what;
    const parts: string[] = [];
    if (l.integrated) parts.push('Windows sign-in');
    if (l.host !== undefined) parts.push(`host ${l.host}`);
    if (l.app !== undefined) parts.push(`application ${l.app}`);
    if (l.database !== undefined) parts.push(`database ${l.database}`);
    return parts.length > 0 ? `${what} (${parts.join(', ')})` : what;
  }

  #confirm(): void {
    if (this.#confirmed) return;
    this.#confirmed = true;
    this.#ctx.confirm('mssql');
  }

  #fail(anomaly: string): void {
    this.#ctx.anomaly(anomaly);
    this.#stop();
  }

  #stop(): void {
    this.#cPhase = C_DONE;
    this.#sPhase = S_DONE;
    this.#cli.release();
    this.#srv.release();
  }
}
