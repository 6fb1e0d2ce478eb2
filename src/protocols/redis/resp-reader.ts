/**
 * An incremental RESP reader for one direction of a Redis connection.
 * Client bytes are commands (an array of bulk strings, or an inline
 * command: words on one line); server bytes are replies of any RESP 2 or
 * RESP 3 type, aggregates nested to MAX_DEPTH. Bulk strings are read as
 * they stream: their first MAX_ARG bytes are kept, the rest stepped over,
 * so a multi-megabyte value never sits in a buffer. Nothing here throws:
 * bytes that are not RESP make `push` return false, and the reader stays
 * failed.
 */
import { logString } from '../wire-text.js';
import { MAX_ARG, MAX_ARGS, MAX_DEPTH, MAX_LINE } from './consts.js';

/** A reply as the log keeps it: its RESP type byte and its text (scalars and bulk strings; empty for aggregates). */
export interface RespReply {
  /** '+', '-', ':', '$', '*', '%', '~', '>', '_', ',', '#', '!', '=', '(' */
  type: string;
  /** The text of a scalar or bulk reply, cut at MAX_ARG bytes; for an aggregate, its element count as "N elements". */
  text: string;
  /** RESP 3 `-`/`!` errors (and only these). */
  error: boolean;
}

export interface RespSink {
  /** A whole command: its arguments (at most MAX_ARGS, each cut at MAX_ARG bytes), and how many it had. */
  command(args: string[], count: number): void;
  /** A whole top-level reply (pushes included; attributes are not replies and are skipped). */
  reply(reply: RespReply): void;
}

const CR = 0x0d;
const LF = 0x0a;

const S_LINE = 0;
const S_BULK = 1;
const S_BULK_END = 2;

export class RespReader {
  readonly #commands: boolean;
  readonly #sink: RespSink;
  #state = S_LINE;
  #line = new Uint8Array(128);
  #lineLen = 0;
  /** Elements still to come in each open aggregate, innermost last. */
  readonly #stack: number[] = [];
  /** The top-level value's type, and whether it is an attribute (`|`, not a reply). */
  #topType = '';
  #topText = '';
  #bulkLeft = 0;
  readonly #bulk = new Uint8Array(MAX_ARG);
  #bulkLen = 0;
  /** Bytes of the CR LF after a bulk string still to step over. */
  #endLeft = 0;
  #args: string[] = [];
  #argCount = 0;
  #failed = false;
  /** Why push returned false: "not_resp" or "too_long". */
  failure: 'not_resp' | 'too_long' | '' = '';

  /** `commands`: read client commands; otherwise server replies. */
  constructor(commands: boolean, sink: RespSink) {
    this.#commands = commands;
    this.#sink = sink;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Reads `data`; false once the bytes are not RESP (or too long), and from then on. */
  push(data: Uint8Array): boolean {
    if (this.#failed) return false;
    let i = 0;
    const n = data.length;
    while (i < n) {
      if (this.#state === S_BULK) {
        const take = Math.min(this.#bulkLeft, n - i);
        const keep = Math.min(take, MAX_ARG - this.#bulkLen);
        if (keep > 0) {
          this.#bulk.set(data.subarray(i, i + keep), this.#bulkLen);
          this.#bulkLen += keep;
        }
        i += take;
        this.#bulkLeft -= take;
        if (this.#bulkLeft === 0) {
          this.#state = S_BULK_END;
          this.#endLeft = 2;
        }
        continue;
      }
      if (this.#state === S_BULK_END) {
        const b = data[i]!;
        // CR LF; a lone LF is accepted.
        if (this.#endLeft === 2 && b === LF) this.#endLeft = 0;
        else if ((this.#endLeft === 2 && b === CR) || (this.#endLeft === 1 && b === LF)) this.#endLeft--;
        else return this.#fail('not_resp');
        i++;
        if (this.#endLeft === 0) {
          this.#state = S_LINE;
          if (!this.#element('$', logString(this.#bulk, 0, this.#bulkLen))) return false;
        }
        continue;
      }
      // S_LINE: gather up to LF.
      let j = i;
      while (j < n && data[j] !== LF) j++;
      const len = j - i;
      if (this.#lineLen + len > MAX_LINE) return this.#fail('too_long');
      if (this.#lineLen + len > this.#line.length) {
        const grown = new Uint8Array(Math.min(MAX_LINE, Math.max(this.#line.length * 2, this.#lineLen + len)));
        grown.set(this.#line.subarray(0, this.#lineLen));
        this.#line = grown;
      }
      this.#line.set(data.subarray(i, j), this.#lineLen);
      this.#lineLen += len;
      if (j >= n) return true;
      i = j + 1;
      let end = this.#lineLen;
      if (end > 0 && this.#line[end - 1] === CR) end--;
      this.#lineLen = 0;
      if (!this.#lineRead(end)) return false;
    }
    return true;
  }

  #fail(why: 'not_resp' | 'too_long'): false {
    this.#failed = true;
    this.failure = why;
    return false;
  }

  /** One line of `end` bytes in #line. */
  #lineRead(end: number): boolean {
    const l = this.#line;
    if (this.#stack.length === 0 && this.#commands && (end === 0 || l[0] !== 0x2a)) {
      // An inline command ("PING", "AUTH secret"): words split on blanks; an empty line is nothing.
      const words = logString(l, 0, end).split(/[ \t]+/).filter((w) => w !== '');
      if (words.length > 0) this.#sink.command(words.slice(0, MAX_ARGS).map((w) => w.slice(0, MAX_ARG)), words.length);
      return true;
    }
    if (end === 0) return this.#fail('not_resp');
    const type = String.fromCharCode(l[0]!);
    const rest = (): string => logString(l, 1, end);
    if (this.#commands && this.#stack.length > 0 && type !== '$') return this.#fail('not_resp');
    switch (type) {
      case '*':
      case '%':
      case '~':
      case '>':
      case '|': {
        const count = lengthOf(l, end);
        if (count === null) return this.#fail('not_resp');
        if (this.#stack.length === 0) {
          this.#topType = type;
          this.#topText = `${Math.max(count, 0)} elements`;
        }
        if (count <= 0) return this.#element(type, this.#stack.length === 0 ? this.#topText : '');
        if (this.#stack.length >= MAX_DEPTH) return this.#fail('too_long');
        this.#stack.push(type === '%' || type === '|' ? count * 2 : count);
        return true;
      }
      case '$':
      case '=':
      case '!': {
        const len = lengthOf(l, end);
        if (len === null) return this.#fail('not_resp');
        if (this.#stack.length === 0) this.#topType = type;
        if (len < 0) return this.#element('_', '');
        this.#bulkLeft = len;
        this.#bulkLen = 0;
        if (len === 0) {
          this.#state = S_BULK_END;
          this.#endLeft = 2;
        } else {
          this.#state = S_BULK;
        }
        return true;
      }
      case '+':
      case '-':
      case ':':
      case ',':
      case '#':
      case '_':
      case '(':
        if (this.#stack.length === 0) this.#topType = type;
        return this.#element(type, rest());
      default:
        return this.#fail('not_resp');
    }
  }

  /** A value ended (scalar, bulk, or an empty aggregate); closes the aggregates it completes. */
  #element(_type: string, text: string): boolean {
    if (this.#stack.length === 0) {
      this.#top(text);
      return true;
    }
    if (this.#commands) {
      if (this.#args.length < MAX_ARGS) this.#args.push(text);
      this.#argCount++;
    }
    let depth = this.#stack.length;
    this.#stack[depth - 1]!--;
    while (depth > 0 && this.#stack[depth - 1] === 0) {
      this.#stack.pop();
      depth--;
      if (depth === 0) {
        this.#top(this.#topText);
        return true;
      }
      this.#stack[depth - 1]!--;
    }
    return true;
  }

  /** The top-level value is whole. */
  #top(text: string): void {
    const type = this.#topType;
    this.#topType = '';
    if (this.#commands) {
      const args = this.#args;
      const count = this.#argCount;
      this.#args = [];
      this.#argCount = 0;
      if (count > 0) this.#sink.command(args, count);
      return;
    }
    // An attribute annotates the reply after it; it is not a reply.
    if (type === '|') return;
    this.#sink.reply({ type, text, error: type === '-' || type === '!' });
  }
}

/** The signed decimal after the type byte, or null when it is not one (or absurdly large). */
function lengthOf(l: Uint8Array, end: number): number | null {
  let i = 1;
  let neg = false;
  if (l[i] === 0x2d) {
    neg = true;
    i++;
  }
  if (i >= end || end - i > 10) return null;
  let v = 0;
  for (; i < end; i++) {
    const d = l[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}
