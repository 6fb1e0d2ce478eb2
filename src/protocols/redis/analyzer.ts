/**
 * Per-connection Redis (RESP 2 and 3, TCP 6379 and by content): client
 * commands and server replies are paired in order (Redis answers a
 * connection's commands in the order sent, pipelined or not); each pair is
 * one redis.log line, written at the reply (commands left without one at
 * the end). Out-of-band data ends the pairing: RESP 3 pushes are never
 * replies, and after SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR or CLIENT
 * REPLY OFF/SKIP the commands that follow are logged without replies.
 *
 * Sign-ins, as `auth` events (service "redis"), from AUTH and HELLO ...
 * AUTH: an OK (any non-error reply) is a success, WRONGPASS or "invalid
 * password" a failure, any other error or no reply "unknown"; the password
 * crossed in clear (`cleartext`). The user is the one named, else none
 * (Redis's default user).
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import type { AuthOutcome } from '../../events/auth.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { startRecord } from '../zeek-record.js';
import { MAX_ARG, MAX_PENDING, RedisAnomaly, SUBSCRIBE_COMMANDS, WRONG_PASSWORD } from './consts.js';
import { commandParts, type CommandParts } from './commands.js';
import type { RedisLogEvent, RedisRecord } from './events.js';
import { RespReader, type RespReply } from './resp-reader.js';

/** Where redis.log events go (the bus by default; tests pass their own). */
export type RedisLogSink = (event: RedisLogEvent) => void;

interface Pending {
  ts: number;
  parts: CommandParts;
}

export class RedisAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #log: RedisLogSink;
  readonly #auth: AuthReporter;
  readonly #commands: RespReader;
  readonly #replies: RespReader;
  /** Commands awaiting replies, oldest first (from #head on). */
  #pending: Pending[] = [];
  #head = 0;
  /** Replies are no longer paired with commands (subscribed mode, CLIENT REPLY OFF/SKIP). */
  #unpaired = false;
  #confirmed = false;
  #ts = 0;
  #doneOrig = false;
  #doneResp = false;

  constructor(ctx: AnalyzerContext, log: RedisLogSink) {
    this.#ctx = ctx;
    this.#log = log;
    this.#auth = new AuthReporter(ctx, 'redis');
    this.#commands = new RespReader(true, { command: (args) => this.#command(args), reply: () => {} });
    this.#replies = new RespReader(false, { command: () => {}, reply: (r) => this.#reply(r) });
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (fromOrig ? this.#doneOrig : this.#doneResp) return;
    this.#ts = ts;
    const reader = fromOrig ? this.#commands : this.#replies;
    if (reader.push(data)) return;
    this.#ctx.anomaly(reader.failure === 'too_long' ? RedisAnomaly.TOO_LONG : RedisAnomaly.NOT_RESP);
    this.#stop(fromOrig);
  }

  gap(fromOrig: boolean, _len: number): void {
    this.#ctx.anomaly(RedisAnomaly.CONTENT_GAP);
    this.#stop(fromOrig);
  }

  wants(fromOrig: boolean): boolean {
    return !(fromOrig ? this.#doneOrig : this.#doneResp);
  }

  end(_ts: number): void {
    for (let i = this.#head; i < this.#pending.length; i++) this.#finish(this.#pending[i]!, null);
    this.#pending = [];
    this.#head = 0;
    this.#doneOrig = this.#doneResp = true;
  }

  #stop(fromOrig: boolean): void {
    if (fromOrig) this.#doneOrig = true;
    else this.#doneResp = true;
    // Without one side the pairing is lost: what follows is logged as it is.
    this.#unpaired = true;
  }

  #command(words: string[]): void {
    const parts = commandParts(words);
    const p: Pending = { ts: this.#ts, parts };
    if (this.#unpaired) {
      this.#finish(p, null);
      return;
    }
    if (this.#pending.length - this.#head >= MAX_PENDING) {
      this.#ctx.anomaly(RedisAnomaly.TOO_MANY_PENDING);
      this.#finish(this.#pending[this.#head++]!, null);
    }
    this.#pending.push(p);
    const name = parts.name;
    // Replies to what follows arrive out of band, or not at all.
    if (SUBSCRIBE_COMMANDS.has(name) || (name === 'CLIENT REPLY' && /^(off|skip)$/i.test(parts.args[0] ?? ''))) this.#unpaired = true;
  }

  #reply(r: RespReply): void {
    // RESP 3 pushes (pub/sub messages, invalidations) answer no command.
    if (r.type === '>') return;
    if (this.#head >= this.#pending.length) return;
    const p = this.#pending[this.#head++]!;
    if (this.#head > 256 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('redis');
    }
    this.#finish(p, r);
  }

  #finish(p: Pending, r: RespReply | null): void {
    const c = this.#ctx.conn;
    const parts = p.parts;
    // Zeek's column order (insertion order is the key order); unset fields stay absent.
    const rec = startRecord<RedisRecord>(c, p.ts);
    rec['cmd.name'] = parts.name;
    if (parts.args.length > 0) rec['cmd.key'] = parts.args[0]!;
    if (parts.args.length > 1) {
      const value = parts.args.slice(1).join(' ');
      rec['cmd.value'] = value.length > MAX_ARG ? value.slice(0, MAX_ARG) : value;
    }
    if (r !== null) {
      rec.success = !r.error;
      if (r.text !== '') rec['reply.value'] = r.text;
    }
    this.#log({ type: 'redis', log: 'redis', ts: rec.ts, uid: c.uid, record: rec, args: parts.args });
    if (parts.auth !== undefined) this.#signIn(p, r);
  }

  #signIn(p: Pending, r: RespReply | null): void {
    let outcome: AuthOutcome;
    let detail: string;
    if (r === null) {
      outcome = 'unknown';
      detail = `${p.parts.name} without a reply`;
    } else if (!r.error) {
      outcome = 'success';
      detail = r.type === '+' ? r.text : 'OK';
    } else {
      outcome = WRONG_PASSWORD.test(r.text) ? 'failure' : 'unknown';
      detail = r.text;
    }
    this.#auth.report(r === null ? p.ts : this.#ts, outcome, p.parts.auth!.user, detail, true);
  }
}
