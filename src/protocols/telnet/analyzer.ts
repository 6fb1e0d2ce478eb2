/**
 * Per-connection Telnet login dialogue, read where it is in clear: option
 * negotiation is stripped from both directions; server text is matched line
 * by line (and at the end of each chunk, because prompts wait without a
 * newline) for login prompts, password prompts, failure messages ("Login
 * incorrect", "Login failed"...) and login(1)'s "Last login:" after a
 * success. The user name is what the client types after a login prompt;
 * what it types after a password prompt is never looked at. Each failure
 * message is one failed attempt; a password prompt answered without a
 * visible outcome is one attempt of unknown outcome; a Telnet connection
 * with no attempt at all gets one `unknown` event at the end.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { logString } from '../wire-text.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import {
  FAILURE_TEXTS, LOGIN_PROMPTS, MAX_SERVER_BYTES, MAX_TEXT_LINE, MAX_TYPED_USER, PASSWORD_PROMPT, SUCCESS_TEXTS, TelnetAnomaly,
} from './consts.js';
import { IacStripper, anyOf, contains, endsWith } from './parser.js';

const AWAIT_NONE = 0;
const AWAIT_USER = 1;
const AWAIT_PASSWORD = 2;

/**
 * Stripped data of the chunk being read; grows (rarely) to the largest chunk
 * seen. One for all flows (it is only read during `data`, which is
 * synchronous): one per flow was 2 KiB or more for every telnet flow, 2 GB
 * at the flow table's million.
 */
let scratch = new Uint8Array(2048);

export class TelnetAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #auth: AuthReporter;
  readonly #srvStrip = new IacStripper();
  readonly #cliStrip = new IacStripper();
  readonly #line = new Uint8Array(MAX_TEXT_LINE);
  #lineLen = 0;
  /** The current server line already matched a prompt or message. */
  #lineMatched = false;
  readonly #typed = new Uint8Array(MAX_TYPED_USER);
  #typedLen = 0;
  #awaiting = AWAIT_NONE;
  #user: string | undefined = undefined;
  #prompts = 0;
  /** A password prompt was shown and no outcome has followed yet. */
  #attemptOpen = false;
  #serverBytes = 0;
  #done = false;
  #confirmed = false;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
    this.#auth = new AuthReporter(ctx, 'telnet');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (this.#done) return;
    if (scratch.length < data.length) {
      let size = scratch.length;
      while (size < data.length) size *= 2;
      scratch = new Uint8Array(size);
    }
    const strip = fromOrig ? this.#cliStrip : this.#srvStrip;
    const n = strip.strip(data, scratch);
    if (strip.commands > 0) this.#confirm();
    if (fromOrig) {
      this.#typing(n);
      this.#enter(n);
    } else {
      this.#serverText(n, ts);
    }
  }

  gap(_fromOrig: boolean, _len: number): void {
    // Lost bytes may hold the prompt or the answer: start a fresh line and forget the typing.
    this.#ctx.anomaly(TelnetAnomaly.CONTENT_GAP);
    this.#lineLen = 0;
    this.#lineMatched = false;
    this.#typedLen = 0;
  }

  wants(_fromOrig: boolean): boolean {
    return !this.#done;
  }

  end(ts: number): void {
    this.#done = true;
    if (this.#attemptOpen) this.#auth.report(ts, 'unknown', this.#user, 'password sent, no outcome seen', true);
    const p = this.#prompts;
    this.#auth.finish(ts, this.#confirmed, this.#user, `${p} login prompt${p === 1 ? '' : 's'}, no outcome seen`);
  }

  #confirm(): void {
    if (this.#confirmed) return;
    this.#confirmed = true;
    this.#ctx.confirm('telnet');
  }

  #serverText(n: number, ts: number): void {
    const d = scratch;
    const line = this.#line;
    for (let i = 0; i < n; i++) {
      const b = d[i]!;
      if (b === 0x0a || b === 0x0d || b === 0) {
        if (this.#lineLen > 0) this.#check(ts, true);
        this.#lineLen = 0;
        this.#lineMatched = false;
        continue;
      }
      if (this.#lineLen === MAX_TEXT_LINE) {
        // Keep the newest half: prompts and messages sit at the end of what was printed.
        line.copyWithin(0, MAX_TEXT_LINE / 2, MAX_TEXT_LINE);
        this.#lineLen = MAX_TEXT_LINE / 2;
      }
      line[this.#lineLen++] = b;
    }
    // A prompt waits for input without a newline.
    if (this.#lineLen > 0 && !this.#done) this.#check(ts, false);
    this.#serverBytes += n;
    if (this.#serverBytes > MAX_SERVER_BYTES && !this.#done) {
      // Well past any login dialogue: the rest is the session.
      this.#done = true;
    }
  }

  /**
   * Matches the current server line. Messages are read from whole lines only
   * (so the detail does not depend on where a chunk ended); prompts also from
   * the partial line a chunk ends with, because a prompt waits for input.
   */
  #check(ts: number, whole: boolean): void {
    if (this.#lineMatched || this.#done) return;
    const line = this.#line;
    const len = this.#lineLen;
    if (whole && anyOf(line, len, FAILURE_TEXTS, contains)) {
      this.#lineMatched = true;
      this.#confirm();
      // Telnet has no encryption: a password typed at the prompt crossed in clear.
      const typed = this.#attemptOpen;
      this.#attemptOpen = false;
      this.#auth.report(ts, 'failure', this.#user, logString(line, 0, len).trim(), typed);
      return;
    }
    if (whole && anyOf(line, len, SUCCESS_TEXTS, contains)) {
      this.#lineMatched = true;
      this.#confirm();
      const typed = this.#attemptOpen;
      this.#attemptOpen = false;
      this.#auth.report(ts, 'success', this.#user, logString(line, 0, len).trim(), typed);
      this.#done = true;
      return;
    }
    // "Last login:" cut at a chunk end also ends with "login:": it is the success line, not a prompt.
    if (anyOf(line, len, LOGIN_PROMPTS, endsWith) && !anyOf(line, len, SUCCESS_TEXTS, endsWith)) {
      this.#lineMatched = true;
      this.#confirm();
      this.#prompts++;
      this.#awaiting = AWAIT_USER;
      this.#typedLen = 0;
    } else if (endsWith(line, len, PASSWORD_PROMPT)) {
      this.#lineMatched = true;
      this.#awaiting = AWAIT_PASSWORD;
      this.#attemptOpen = true;
    }
  }

  /** The client pressed Enter: the terminal is on a new line, whether or not the server echoes it. */
  #enter(n: number): void {
    const d = scratch;
    for (let i = 0; i < n; i++) {
      if (d[i] === 0x0d || d[i] === 0x0a) {
        this.#lineLen = 0;
        this.#lineMatched = false;
        return;
      }
    }
  }

  /** Client keystrokes: collect the user name after a login prompt; ignore everything else. */
  #typing(n: number): void {
    if (this.#awaiting !== AWAIT_USER) return;
    const d = scratch;
    for (let i = 0; i < n; i++) {
      const b = d[i]!;
      if (b === 0x0d || b === 0x0a || b === 0) {
        if (this.#typedLen > 0) this.#user = logString(this.#typed, 0, this.#typedLen);
        this.#typedLen = 0;
        this.#awaiting = AWAIT_NONE;
        return;
      }
      if (b === 0x08 || b === 0x7f) {
        if (this.#typedLen > 0) this.#typedLen--;
      } else if (b >= 0x20 && b < 0x7f && this.#typedLen < MAX_TYPED_USER) {
        this.#typed[this.#typedLen++] = b;
      }
    }
  }
}
