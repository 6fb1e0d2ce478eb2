/**
 * Per-connection Stratum reader: each direction's lines come from the
 * bounded line reader of the text protocols (mail/lines.ts); it reads the
 * first few messages of each, and emits a `stratum.login` for every
 * sign-in request (mining.subscribe / mining.authorize, a Monero pool's
 * login, eth_submitLogin) with the pool's answer when it came. Stops
 * reading once the sign-in naming the wallet or worker is answered, or
 * after MAX_MESSAGES lines a side: the rest is jobs and shares.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { LineReader, type LineSink } from '../mail/lines.js';
import type { StratumLoginEvent } from './events.js';
import { LOGIN_METHODS, MAX_LINE, parseStratumLine, type StratumRequest } from './parser.js';

/** Lines read per direction. */
const MAX_MESSAGES = 8;

export const StratumAnomaly = {
  LINE_TOO_LONG: 'stratum_line_too_long',
  BAD_MESSAGE: 'stratum_bad_message',
} as const;

export class StratumAnalyzer implements Analyzer, LineSink {
  readonly #ctx: AnalyzerContext;
  readonly #client = new LineReader(true, MAX_LINE);
  readonly #server = new LineReader(false, MAX_LINE);
  /** Lines read so far, client and server. */
  readonly #messages = [0, 0];
  /** Sign-in requests waiting for the pool's answer, in order. */
  readonly #pending: { req: StratumRequest; ts: number }[] = [];
  #confirmed = false;
  /** The pool answered the sign-in that names the wallet or worker (not only the subscription). */
  #signedIn = false;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    (fromOrig ? this.#client : this.#server).feed(data, ts, this);
  }

  gap(fromOrig: boolean): void {
    (fromOrig ? this.#client : this.#server).resync();
  }

  wants(fromOrig: boolean): boolean {
    if (this.#signedIn && this.#pending.length === 0) return false;
    return (fromOrig ? this.#client : this.#server).active;
  }

  end(_ts: number): void {
    this.#client.stop();
    this.#server.stop();
    for (const p of this.#pending) this.#emit(p.req, p.ts, undefined);
    this.#pending.length = 0;
  }

  line(fromOrig: boolean, buf: Uint8Array, start: number, end: number, ts: number, truncated: boolean): void {
    if (truncated) {
      this.#ctx.anomaly(StratumAnomaly.LINE_TOO_LONG);
      return;
    }
    const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
    if (text.trim() === '') return;
    const side = fromOrig ? 0 : 1;
    if (++this.#messages[side]! >= MAX_MESSAGES) (fromOrig ? this.#client : this.#server).stop();
    this.#line(fromOrig, text, ts);
  }

  #line(fromOrig: boolean, text: string, ts: number): void {
    const msg = parseStratumLine(text);
    if (msg === null) {
      this.#ctx.anomaly(StratumAnomaly.BAD_MESSAGE);
      return;
    }
    if (fromOrig) {
      if (!('method' in msg) || !LOGIN_METHODS.has(msg.method) || msg.method === 'mining.extranonce.subscribe') return;
      if (!this.#confirmed) {
        this.#confirmed = true;
        this.#ctx.confirm('stratum');
      }
      this.#pending.push({ req: msg, ts });
      return;
    }
    if ('method' in msg) return; // a job or difficulty notification
    const at = this.#pending.findIndex((p) => p.req.id === msg.id);
    if (at < 0) return;
    const [p] = this.#pending.splice(at, 1);
    if (p!.req.method !== 'mining.subscribe') this.#signedIn = true;
    this.#emit(p!.req, p!.ts, msg.ok);
  }

  #emit(req: StratumRequest, ts: number, ok: boolean | undefined): void {
    const c = this.#ctx.conn;
    const ev: StratumLoginEvent = { type: 'stratum.login', ts, uid: c.uid, client: c.orig_h, server: c.resp_h, server_port: c.resp_p, method: req.method };
    if (req.agent !== undefined) ev.agent = req.agent;
    if (req.user !== undefined) ev.user = req.user;
    if (req.algorithms !== undefined && req.algorithms.length > 0) ev.algorithms = req.algorithms;
    if (ok !== undefined) ev.accepted = ok;
    this.#ctx.emit(ev);
  }
}
