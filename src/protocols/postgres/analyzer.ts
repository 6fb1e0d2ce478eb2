/**
 * Per-connection PostgreSQL start-up phase: the client's first message
 * (SSLRequest / GSSENCRequest answered 'S' / 'G' means encryption: stop,
 * outcome unknown; 'N' means the StartupMessage follows in clear), the
 * StartupMessage's user and database, then backend messages until
 * AuthenticationOk (success) or ErrorResponse (SQLSTATE 28P01 or 28000:
 * failure; any other error: outcome unknown, with the error as detail).
 * Nothing is read after the outcome. Passwords ('p' messages) are never
 * looked at.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { AUTH_CLEARTEXT, AUTH_OK, Answer, Backend, CREDENTIAL_FAILURES, Code, MAX_MESSAGE, MAX_STARTUP, PgAnomaly, authMethodName } from './consts.js';
import { parseError, parseStartupParams, u32 } from './parser.js';

// Client phases.
const C_FIRST = 0;
const C_WAIT_ANSWER = 1;
const C_DONE = 2;
// Server phases.
const S_IDLE = 0;
const S_ANSWER = 1;
const S_MESSAGES = 2;
const S_DONE = 3;

export class PostgresAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #auth: AuthReporter;
  readonly #cli = new StreamBuffer(MAX_STARTUP);
  readonly #srv = new StreamBuffer(MAX_MESSAGE);
  #cPhase = C_FIRST;
  #sPhase = S_IDLE;
  #confirmed = false;
  #user: string | undefined = undefined;
  #database: string | undefined = undefined;
  /** Last authentication method the server asked for; -1 before any. */
  #method = -1;
  #detail: string | undefined = undefined;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
    this.#auth = new AuthReporter(ctx, 'postgresql');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (fromOrig ? this.#cPhase === C_DONE : this.#sPhase === S_DONE) return;
    const buf = fromOrig ? this.#cli : this.#srv;
    if (!buf.push(data)) {
      this.#ctx.anomaly(PgAnomaly.MESSAGE_TOO_LONG);
      this.#stop();
      return;
    }
    if (fromOrig) this.#client(ts);
    else this.#server(ts);
  }

  gap(_fromOrig: boolean, _len: number): void {
    this.#ctx.anomaly(PgAnomaly.CONTENT_GAP);
    this.#stop();
  }

  wants(fromOrig: boolean): boolean {
    return fromOrig ? this.#cPhase !== C_DONE : this.#sPhase !== S_DONE;
  }

  end(ts: number): void {
    this.#stop();
    this.#auth.finish(ts, this.#confirmed, this.#user, this.#detail ?? this.#describe('no authentication reply seen'));
  }

  #stop(): void {
    this.#cPhase = C_DONE;
    this.#sPhase = S_DONE;
    this.#cli.clear();
    this.#srv.clear();
  }

  #confirm(): void {
    if (this.#confirmed) return;
    this.#confirmed = true;
    this.#ctx.confirm('postgresql');
  }

  #describe(what: string): string {
    const db = this.#database !== undefined ? ` (database ${this.#database})` : '';
    return what + db;
  }

  #client(ts: number): void {
    if (this.#cPhase !== C_FIRST) {
      // Whatever the client sends after its start-up (password messages, queries) is not read.
      this.#cli.clear();
      return;
    }
    const b = this.#cli;
    if (b.length < 8) return;
    const d = b.bytes;
    const o = b.offset;
    const len = u32(d, o);
    if (len < 8 || len > MAX_STARTUP) {
      this.#ctx.anomaly(PgAnomaly.BAD_STARTUP);
      this.#stop();
      return;
    }
    if (b.length < len) return;
    const code = u32(d, o + 4);
    if (code === Code.SSL_REQUEST || code === Code.GSSENC_REQUEST) {
      b.consume(len);
      this.#cPhase = C_WAIT_ANSWER;
      this.#sPhase = S_ANSWER;
      return;
    }
    if (code === Code.CANCEL_REQUEST) {
      // A query cancellation from another session: no login here.
      this.#stop();
      return;
    }
    if (code >>> 16 !== 3) {
      this.#ctx.anomaly(PgAnomaly.BAD_STARTUP);
      this.#stop();
      return;
    }
    const params = parseStartupParams(d, o + 8, o + len);
    if (params === null) {
      this.#ctx.anomaly(PgAnomaly.BAD_STARTUP);
      this.#stop();
      return;
    }
    this.#confirm();
    this.#user = params.get('user');
    // The database defaults to the user name (protocol documentation, StartupMessage).
    this.#database = params.get('database') ?? this.#user;
    this.#cPhase = C_DONE;
    this.#cli.clear();
    this.#sPhase = S_MESSAGES;
    // Backend messages that arrived in the same flight (unlikely) are read now.
    this.#server(ts);
  }

  #server(ts: number): void {
    const b = this.#srv;
    while (this.#sPhase === S_ANSWER || this.#sPhase === S_MESSAGES) {
      if (b.length < 1) return;
      const d = b.bytes;
      const o = b.offset;
      if (this.#sPhase === S_ANSWER) {
        const a = d[o]!;
        if (a === Answer.SSL_YES || a === Answer.GSS_YES) {
          this.#confirm();
          this.#detail = this.#describe(a === Answer.SSL_YES ? 'TLS' : 'GSSAPI encryption');
          this.#stop();
          return;
        }
        if (a === Answer.NO) {
          this.#confirm();
          b.consume(1);
          this.#sPhase = S_IDLE;
          this.#cPhase = C_FIRST;
          // The StartupMessage may already be waiting in the client buffer.
          this.#client(ts);
          return;
        }
        // Servers without SSL support answer with an ErrorResponse.
        this.#sPhase = S_MESSAGES;
        continue;
      }
      if (b.length < 5) return;
      const len = u32(d, o + 1);
      if (len < 4 || len > MAX_MESSAGE - 1) {
        this.#ctx.anomaly(len < 4 ? PgAnomaly.BAD_MESSAGE : PgAnomaly.MESSAGE_TOO_LONG);
        this.#stop();
        return;
      }
      if (b.length < 1 + len) return;
      const type = d[o]!;
      if (type === Backend.AUTH && len >= 8) {
        const code = u32(d, o + 5);
        if (code === AUTH_OK) {
          const how = this.#method >= 0 ? ` after ${authMethodName(this.#method)}` : ' (trust)';
          // No method asked for: the server trusts the client (no password at all).
          this.#auth.report(ts, 'success', this.#user, this.#describe(`AuthenticationOk${how}`), this.#method === AUTH_CLEARTEXT, { noPassword: this.#method < 0 });
          this.#stop();
          return;
        }
        // SASLContinue/SASLFinal (11, 12) continue the method already asked for.
        if (code !== 11 && code !== 12) this.#method = code;
      } else if (type === Backend.ERROR) {
        const err = parseError(d, o + 5, o + 1 + len);
        const failed = err.code !== undefined && CREDENTIAL_FAILURES.includes(err.code);
        const text = `${err.severity ?? 'ERROR'} ${err.code ?? '?'} ${err.message ?? ''}`.trimEnd();
        if (this.#confirmed) this.#auth.report(ts, failed ? 'failure' : 'unknown', this.#user, this.#describe(text), this.#method === AUTH_CLEARTEXT);
        this.#stop();
        return;
      }
      b.consume(1 + len);
    }
  }
}
