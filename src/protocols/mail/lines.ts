/**
 * One direction of a line-oriented text protocol (FTP, SMTP, IMAP, POP3):
 * splits in-order bytes into lines ending in LF (a CR before it is dropped),
 * whatever the chunk boundaries. A line inside one chunk is handed over as a
 * view of that chunk (no copy); only a line cut across chunks is assembled in
 * a buffer of at most `maxLine` bytes. Longer lines are truncated and flagged,
 * never grown without bound. The consumer may ask to step over raw bytes
 * (IMAP literals), to be handed them as they come (SMTP BDAT chunks), to
 * stop the reader, or to send every later byte elsewhere (`divert`: the TLS
 * that follows STARTTLS).
 */
import { growBuffer, parserBuffers, type BufferClaim } from '../buffer-budget.js';
import type { AnalyzerContext, TunnelledStream } from '../analyzer.js';

/** Receives the lines of one direction. */
export interface LineSink {
  /**
   * One line, `buf[start..end)` without CR LF; valid only during the call.
   * `truncated` is true when the line was longer than the reader keeps;
   * `unterminated` when it is the stream's last, which no line end closed
   * (`flush`).
   */
  line(fromOrig: boolean, buf: Uint8Array, start: number, end: number, ts: number, truncated: boolean, unterminated?: boolean): void;
}

/** Receives raw bytes the reader was asked to hand over (`take`) rather than read as lines. */
export interface RawSink {
  /** The next raw bytes, `data[start..end)`; valid only during the call. */
  raw(data: Uint8Array, start: number, end: number, ts: number): void;
  /** All the bytes asked for have come; lines resume after them. */
  rawDone(ts: number): void;
}

const LF = 0x0a;
const CR = 0x0d;
/**
 * First allocation for a partial line; it doubles as the line grows, up to
 * `maxLine`. Allocating `maxLine` at once made any segment that ends
 * mid-line cost 12 KiB on SMTP/IMAP/POP3 (24 KB per flow, both directions).
 */
const LINE_START = 256;
/** A line buffer grown past this is given back once its line is done; what it grew to came from the parser buffer budget. */
const LINE_KEEP = 1024;

export class LineReader {
  readonly #fromOrig: boolean;
  readonly #max: number;
  /** Partial line carried between chunks; allocated on first need. */
  #buf: Uint8Array | null = null;
  #len = 0;
  /** What the partial-line buffer took from the parser buffer budget (buffer-budget.ts). */
  #claim: BufferClaim | null = null;
  #truncated = false;
  /** Raw bytes still to step over before lines resume. */
  #skip = 0;
  /** Where the bytes stepped over go (`take`), null when they are dropped (`skip`). */
  #rawSink: RawSink | null = null;
  /** After a gap: drop bytes up to the next LF, the rest of a line we cannot trust. */
  #resync = false;
  #stopped = false;
  /** Where bytes go once the direction left the line protocol (`divert`). */
  #divert: ((data: Uint8Array, start: number, end: number, ts: number) => void) | null = null;

  constructor(fromOrig: boolean, maxLine: number) {
    this.#fromOrig = fromOrig;
    this.#max = maxLine;
  }

  /** False once `stop` was called. */
  get active(): boolean {
    return !this.#stopped;
  }

  /** No more lines from this direction (encryption started, or the analyzer is done). */
  stop(): void {
    this.#stopped = true;
    this.#drop();
    this.#len = 0;
  }

  /**
   * No more lines: every later byte of this direction, from the one after
   * the line being handed over, goes to `to` (a STARTTLS upgrade: the TLS
   * handshake follows on the same connection).
   */
  divert(to: (data: Uint8Array, start: number, end: number, ts: number) => void): void {
    this.stop();
    this.#divert = to;
  }

  /** `#divert` read afresh (a line handed over during `feed` may have set it). */
  #diverted(): ((data: Uint8Array, start: number, end: number, ts: number) => void) | null {
    return this.#divert;
  }

  /** Lets go of the partial-line buffer and its share of the parser buffer budget. */
  #drop(): void {
    this.#buf = null;
    this.#claim?.release();
  }

  /** The next `n` bytes are not lines (a literal or a data chunk): pass over them. */
  skip(n: number): void {
    if (n > 0) this.#skip += n;
  }

  /**
   * The next `n` bytes are not lines: hand them to `sink` as they come, then
   * resume lines (`rawDone` follows at once when `n` is 0). Replaces any
   * stepping over still under way.
   */
  take(n: number, sink: RawSink, ts: number): void {
    this.#skip = n;
    this.#rawSink = sink;
    if (n <= 0) this.#endRaw(ts);
  }

  #endRaw(ts: number): void {
    const sink = this.#rawSink;
    this.#rawSink = null;
    this.#skip = 0;
    sink?.rawDone(ts);
  }

  /**
   * The stream's last line, which no line end closed: handed to `sink` as a
   * line (with `unterminated` set), and the reader is empty again. Nothing
   * when no partial line is held.
   */
  flush(ts: number, sink: LineSink): void {
    if (this.#len === 0 || this.#buf === null || this.#resync) return;
    const buf = this.#buf;
    const len = this.#len;
    const truncated = this.#truncated;
    this.#len = 0;
    this.#truncated = false;
    sink.line(this.#fromOrig, buf, 0, len, ts, truncated, true);
    if (buf.length > LINE_KEEP && this.#buf === buf) this.#drop();
  }

  /** Bytes were lost: drop the partial line and restart at the next line boundary. */
  resync(): void {
    this.#len = 0;
    this.#truncated = false;
    this.#skip = 0;
    // Raw bytes being handed over end where the loss began; their consumer learns of the loss itself (gap).
    this.#rawSink = null;
    this.#resync = true;
  }

  feed(data: Uint8Array, ts: number, sink: LineSink): void {
    const n = data.length;
    let i = 0;
    if (this.#divert !== null) {
      this.#divert(data, 0, n, ts);
      return;
    }
    while (i < n && !this.#stopped) {
      if (this.#skip > 0) {
        const avail = n - i;
        const take = avail < this.#skip ? avail : this.#skip;
        this.#skip -= take;
        this.#rawSink?.raw(data, i, i + take, ts);
        i += take;
        if (this.#skip === 0 && this.#rawSink !== null) this.#endRaw(ts);
        continue;
      }
      let j = i;
      while (j < n && data[j] !== LF) j++;
      if (this.#resync) {
        if (j === n) return;
        this.#resync = false;
        i = j + 1;
        continue;
      }
      if (j === n) {
        this.#keep(data, i, n);
        return;
      }
      if (this.#len === 0) {
        let e = j;
        if (e > i && data[e - 1] === CR) e--;
        const over = e - i > this.#max;
        sink.line(this.#fromOrig, data, i, over ? i + this.#max : e, ts, over);
      } else {
        this.#keep(data, i, j);
        const buf = this.#buf!;
        let e = this.#len;
        if (e > 0 && buf[e - 1] === CR && !this.#truncated) e--;
        const truncated = this.#truncated;
        this.#len = 0;
        this.#truncated = false;
        sink.line(this.#fromOrig, buf, 0, e, ts, truncated);
        // A long line's buffer is not kept for the rest of the flow.
        if (buf.length > LINE_KEEP && this.#buf === buf) this.#drop();
      }
      i = j + 1;
    }
    // Diverted by the line just handed over: the rest of this chunk is the new protocol's.
    const to = this.#diverted();
    if (to !== null && i < n) to(data, i, n, ts);
  }

  /** Appends `data[start..end)` to the partial line, up to the bound. */
  #keep(data: Uint8Array, start: number, end: number): void {
    if (this.#buf === null) this.#buf = new Uint8Array(Math.min(LINE_START, this.#max));
    const room = this.#max - this.#len;
    const want = end - start;
    if (want > room) this.#truncated = true;
    const take = want < room ? want : room;
    let n = take;
    if (n > 0 && this.#len + n > this.#buf.length) {
      this.#claim ??= parserBuffers.claim(this);
      const grown = growBuffer(this.#claim, this.#buf, this.#len, this.#len + n, this.#max);
      if (grown !== null) {
        this.#buf = grown;
      } else {
        // The thread's parsers hold all the buffer memory they may: keep the head of the line.
        this.#truncated = true;
        n = this.#buf.length - this.#len;
      }
    }
    if (n > 0) {
      this.#buf.set(data.subarray(start, start + n), this.#len);
      this.#len += n;
    }
  }
}

/**
 * A line protocol's connection switched to TLS (STARTTLS, STLS, FTP's AUTH
 * TLS): both readers stop reading lines, and every later byte goes to the
 * connection's tunnel (AnalyzerContext.tunnel), where the TLS analyzer reads
 * the handshake. Returns the tunnel, or null where tunnels are not followed
 * (the readers are stopped either way).
 */
export function divertToTls(ctx: AnalyzerContext, client: LineReader, server: LineReader): TunnelledStream | null {
  client.stop();
  server.stop();
  const tls = ctx.tunnel?.() ?? null;
  if (tls === null) return null;
  client.divert((data, start, end, ts) => tls.data(true, data.subarray(start, end), ts));
  server.divert((data, start, end, ts) => tls.data(false, data.subarray(start, end), ts));
  return tls;
}
