/**
 * Splits one direction of an HTTP/1.x byte stream into messages: start line,
 * header lines, then a body framed by Content-Length, chunked encoding, the
 * end of the connection, or nothing. Lines may be cut across `feed` calls and
 * several messages may share one call (pipelining); body bytes are counted,
 * never copied. The handler (the analyzer) interprets lines and decides the
 * body framing once the headers are complete.
 *
 * Capture loss (`gap`): lost bytes inside a body of known length only
 * shorten what is left of it. Lost bytes anywhere else (start line, headers,
 * chunk-size lines, past the end of the body) lose the framing: the stream
 * flags `http_content_gap`, tells the handler (`framingLost`) and resyncs:
 * it drops bytes line by line until a line that is unmistakably a start line
 * of its direction (a known method with `HTTP/1.x`, or `HTTP/1.x NNN`), flags
 * `http_resync` and parses on from there. Lines start after an LF, at the
 * first byte after a gap (a lost whole segment often ends where a message
 * begins), and at the first byte of each call that does not continue a
 * carried line: a message that follows a body without a line end starts the
 * peer's next write, hence a new segment, when the peer waits for the other
 * side between messages (keep-alive without pipelining). Only a line that
 * may still be a start line is carried across calls, within MAX_LINE_BYTES;
 * the rest are skipped to their LF uncopied.
 */
import { growBuffer, parserBuffers, type BufferClaim } from '../buffer-budget.js';
import { HttpAnomaly, MAX_HEADER_BYTES, MAX_HEADERS, MAX_LINE_BYTES } from './consts.js';
import { isHttp1RequestLine, isHttp1StatusLine, looksLikeStatusLine, mayBeginRequestLine, parseChunkSize } from './parser.js';

/** `headersDone` results besides a non-negative Content-Length. */
export const BODY_CHUNKED = -1;
/** The body runs until the connection closes (responses without length). */
export const BODY_UNTIL_CLOSE = -2;
/** The connection stops being HTTP (CONNECT, 101 Switching Protocols). */
export const BODY_TUNNEL = -3;

export interface HttpStreamHandler {
  /** A message is about to begin with these bytes; true reads it all as a raw body until close (HTTP/0.9 reply). */
  rawMessage(isRequest: boolean, buf: Uint8Array, start: number, end: number, ts: number): boolean;
  /** The start line; false when it is not HTTP (the direction is then abandoned). */
  startLine(isRequest: boolean, buf: Uint8Array, start: number, end: number, truncated: boolean, ts: number): boolean;
  header(isRequest: boolean, buf: Uint8Array, start: number, end: number): void;
  /** Headers done: a Content-Length (>= 0), BODY_CHUNKED, BODY_UNTIL_CLOSE or BODY_TUNNEL. */
  headersDone(isRequest: boolean, ts: number): number;
  /** Body bytes data[start, start+len), framing removed. */
  body(isRequest: boolean, data: Uint8Array, start: number, len: number): void;
  messageDone(isRequest: boolean, ts: number): void;
  /**
   * Bytes were lost where the framing lies: the message being read ends
   * with what was seen of it, and this direction resumes at its next start line.
   */
  framingLost(isRequest: boolean): void;
  /** Bytes of a direction that left HTTP (CONNECT, 101): data[start, end). */
  tunnelled(isRequest: boolean, data: Uint8Array, start: number, end: number, ts: number): void;
  anomaly(code: string): void;
}

const S_START = 0;
const S_HEADERS = 1;
const S_BODY_LENGTH = 2;
const S_CHUNK_SIZE = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_END = 5;
const S_TRAILERS = 6;
const S_UNTIL_CLOSE = 7;
// The states from S_TUNNEL on are tested with one comparison on the hot path.
const S_TUNNEL = 8;
const S_DEAD = 9;
/** After a gap that lost the framing: looking for the next start line. */
const S_RESYNC = 10;

const LF = 0x0a;
const CR = 0x0d;
/**
 * First allocation for a line carried across calls; it doubles as the line
 * grows, up to MAX_LINE_BYTES. Allocating the maximum at once made any
 * segment that ends mid-line cost 8 KiB (16 KB per flow, both directions).
 */
const LINE_START = 256;
/** A line buffer grown past this is given back once its line is done; what it grew to came from the parser buffer budget. */
const LINE_KEEP = 1024;

export class HttpMessageStream {
  readonly #isRequest: boolean;
  readonly #h: HttpStreamHandler;
  #state = S_START;
  /** Partial line carried between calls; allocated on first need. */
  #line: Uint8Array | null = null;
  #lineLen = 0;
  /** What the line buffer took from the parser buffer budget (buffer-budget.ts). */
  #claim: BufferClaim | null = null;
  /** The current line passed MAX_LINE_BYTES; its tail is being dropped. */
  #lineTruncated = false;
  #remaining = 0;
  #headerCount = 0;
  #headerBytes = 0;
  #headersFlagged = false;
  /** Resyncing inside a line that cannot be a start line: its bytes are dropped up to its LF. */
  #skipLine = false;

  constructor(isRequest: boolean, handler: HttpStreamHandler) {
    this.#isRequest = isRequest;
    this.#h = handler;
  }

  /** False once the direction is tunnelled or abandoned: no more bytes are useful. */
  get active(): boolean {
    return this.#state !== S_TUNNEL && this.#state !== S_DEAD;
  }

  /** Stop parsing: the connection left HTTP (the other side switched protocols); later bytes go to the handler's `tunnelled`. */
  tunnel(): void {
    this.#state = S_TUNNEL;
  }

  /** Parse HTTP again after `tunnel()` (a CONNECT the proxy refused): the next bytes begin a message. */
  resume(): void {
    if (this.#state !== S_TUNNEL) return;
    this.#state = S_START;
    this.#dropLine();
  }

  feed(data: Uint8Array, ts: number): void {
    const len = data.length;
    let i = 0;
    while (i < len) {
      const st = this.#state;
      if (st === S_BODY_LENGTH || st === S_CHUNK_DATA) {
        const avail = len - i;
        const take = avail < this.#remaining ? avail : this.#remaining;
        this.#h.body(this.#isRequest, data, i, take);
        this.#remaining -= take;
        i += take;
        if (this.#remaining === 0) {
          if (st === S_CHUNK_DATA) this.#state = S_CHUNK_END;
          else this.#endMessage(ts);
        }
        continue;
      }
      if (st === S_UNTIL_CLOSE) {
        this.#h.body(this.#isRequest, data, i, len - i);
        return;
      }
      if (st >= S_TUNNEL) {
        if (st === S_TUNNEL) this.#h.tunnelled(this.#isRequest, data, i, len, ts);
        if (st !== S_RESYNC) return;
        i = this.#resync(data, i, ts);
        continue;
      }
      // Line-oriented states.
      if (st === S_START && this.#lineLen === 0 && !this.#lineTruncated) {
        const b = data[i]!;
        // Blank lines between messages are tolerated (RFC 9112 section 2.2).
        if (b === CR || b === LF) {
          i++;
          continue;
        }
        if (this.#h.rawMessage(this.#isRequest, data, i, len, ts)) {
          this.#state = S_UNTIL_CLOSE;
          continue;
        }
      }
      let j = i;
      while (j < len && data[j] !== LF) j++;
      if (j === len) {
        this.#append(data, i, len);
        return;
      }
      if (this.#lineLen === 0 && !this.#lineTruncated) {
        let e = j;
        if (e > i && data[e - 1] === CR) e--;
        if (e - i > MAX_LINE_BYTES) {
          // Same bound as for lines carried across calls: keep the head, flag the rest.
          this.#h.anomaly(HttpAnomaly.LINE_TOO_LONG);
          this.#onLine(data, i, i + MAX_LINE_BYTES, true, ts);
        } else {
          this.#onLine(data, i, e, false, ts);
        }
      } else {
        this.#append(data, i, j);
        const line = this.#line!;
        let e = this.#lineLen;
        if (e > 0 && line[e - 1] === CR) e--;
        const truncated = this.#lineTruncated;
        this.#lineLen = 0;
        this.#lineTruncated = false;
        this.#onLine(line, 0, e, truncated, ts);
        // A long line's buffer is not kept for the rest of the flow.
        if (line.length > LINE_KEEP && this.#line === line) {
          this.#line = null;
          this.#claim?.release();
        }
      }
      i = j + 1;
    }
  }

  /** `len` bytes of this direction were lost. */
  gap(len: number): void {
    const st = this.#state;
    if (st === S_BODY_LENGTH || st === S_CHUNK_DATA) {
      if (len < this.#remaining) {
        this.#remaining -= len;
        return;
      }
      if (len === this.#remaining) {
        // The loss ends where the body does, so the framing holds: a chunk's CRLF
        // comes next; a whole body ends with the next bytes (there is no time
        // here to give messageDone) or at finish.
        this.#remaining = 0;
        if (st === S_CHUNK_DATA) this.#state = S_CHUNK_END;
        return;
      }
    }
    if (st === S_UNTIL_CLOSE || st === S_TUNNEL || st === S_DEAD) return;
    this.#h.anomaly(HttpAnomaly.CONTENT_GAP);
    this.#h.framingLost(this.#isRequest);
    this.#state = S_RESYNC;
    this.#dropLine();
    this.#skipLine = false;
  }

  /** The connection ended: a body running until close, or one whose end was lost, is complete now. */
  finish(ts: number): void {
    const st = this.#state;
    if (st === S_UNTIL_CLOSE || (st === S_BODY_LENGTH && this.#remaining === 0)) this.#endMessage(ts);
  }

  #append(data: Uint8Array, start: number, end: number): void {
    if (this.#line === null) this.#line = new Uint8Array(LINE_START);
    let n = end - start;
    if (this.#lineLen + n > MAX_LINE_BYTES) {
      if (!this.#lineTruncated) this.#h.anomaly(HttpAnomaly.LINE_TOO_LONG);
      this.#lineTruncated = true;
      n = MAX_LINE_BYTES - this.#lineLen;
    }
    if (n > 0 && this.#lineLen + n > this.#line.length) {
      this.#claim ??= parserBuffers.claim(this);
      const grown = growBuffer(this.#claim, this.#line, this.#lineLen, this.#lineLen + n, MAX_LINE_BYTES);
      if (grown !== null) {
        this.#line = grown;
      } else {
        // The thread's parsers hold all the buffer memory they may: keep the head of the line.
        if (!this.#lineTruncated) this.#h.anomaly(HttpAnomaly.LINE_OVER_BUDGET);
        this.#lineTruncated = true;
        n = this.#line.length - this.#lineLen;
      }
    }
    if (n > 0) {
      // Index copy: a subarray view would allocate on every call.
      const line = this.#line;
      const at = this.#lineLen;
      for (let k = 0; k < n; k++) line[at + k] = data[start + k]!;
      this.#lineLen += n;
    }
  }

  /**
   * Resyncing: drops whole lines up to the first that starts a message of
   * this direction, which is then parsed as one; a line cut at the end of
   * `data` is carried while it may still be one. Returns where parsing goes
   * on in `data`.
   */
  #resync(data: Uint8Array, i: number, ts: number): number {
    const len = data.length;
    // gap() enters this state between calls, a bad chunk-size line at a line start.
    // Unless it continues a carried line, a call's data (one segment) begins a line too: a
    // message after a body that does not end with a line end begins the peer's next write.
    if (i === 0 && this.#lineLen === 0) this.#skipLine = false;
    while (i < len) {
      const lf = data.indexOf(LF, i);
      if (lf < 0) {
        if (!this.#skipLine && !this.#carry(data, i, len)) this.#skipLine = true;
        return len;
      }
      if (this.#skipLine) this.#skipLine = false;
      else if (this.#resumesAt(data, i, lf, ts)) return lf + 1;
      i = lf + 1;
    }
    return len;
  }

  /** A line met while resyncing ends at `lf`: true when it is a start line, now parsed. */
  #resumesAt(data: Uint8Array, start: number, lf: number, ts: number): boolean {
    let buf = data;
    let s = start;
    let e = lf;
    if (this.#lineLen > 0) {
      if (!this.#carry(data, start, lf)) return false;
      buf = this.#line!;
      s = 0;
      e = this.#lineLen;
    }
    if (e > s && buf[e - 1] === CR) e--;
    const found = this.#isRequest ? isHttp1RequestLine(buf, s, e) : isHttp1StatusLine(buf, s, e);
    if (found) {
      this.#state = S_START;
      this.#h.anomaly(HttpAnomaly.RESYNC);
      this.#onLine(buf, s, e, false, ts);
    }
    this.#dropLine();
    return found;
  }

  /**
   * Adds a piece of a line met while resyncing to the line buffer; false,
   * with the line dropped, once the line is too long to be taken or its head
   * cannot begin a start line.
   */
  #carry(data: Uint8Array, start: number, end: number): boolean {
    if (this.#lineLen + (end - start) > MAX_LINE_BYTES || (this.#lineLen === 0 && !this.#mayBeStartLine(data, start, end))) {
      this.#dropLine();
      return false;
    }
    this.#append(data, start, end);
    // The head may have been too short to judge before this piece.
    if (this.#lineTruncated || !this.#mayBeStartLine(this.#line!, 0, this.#lineLen)) {
      this.#dropLine();
      return false;
    }
    return true;
  }

  #mayBeStartLine(buf: Uint8Array, start: number, end: number): boolean {
    return this.#isRequest ? mayBeginRequestLine(buf, start, end) : looksLikeStatusLine(buf, start, end);
  }

  /** Forgets the carried line; a buffer grown past LINE_KEEP goes back to the budget. */
  #dropLine(): void {
    this.#lineLen = 0;
    this.#lineTruncated = false;
    const line = this.#line;
    if (line !== null && line.length > LINE_KEEP) {
      this.#line = null;
      this.#claim?.release();
    }
  }

  #onLine(buf: Uint8Array, start: number, end: number, truncated: boolean, ts: number): void {
    switch (this.#state) {
      case S_START:
        if (end === start) return;
        if (!this.#h.startLine(this.#isRequest, buf, start, end, truncated, ts)) {
          this.#state = S_DEAD;
          return;
        }
        this.#state = S_HEADERS;
        this.#headerCount = 0;
        this.#headerBytes = 0;
        this.#headersFlagged = false;
        return;
      case S_HEADERS:
        if (end === start) {
          this.#afterHeaders(ts);
          return;
        }
        this.#headerCount++;
        this.#headerBytes += end - start;
        if (this.#headerCount > MAX_HEADERS || this.#headerBytes > MAX_HEADER_BYTES) {
          if (!this.#headersFlagged) {
            this.#h.anomaly(this.#headerCount > MAX_HEADERS ? HttpAnomaly.TOO_MANY_HEADERS : HttpAnomaly.HEADERS_TOO_LARGE);
            this.#headersFlagged = true;
          }
          return;
        }
        this.#h.header(this.#isRequest, buf, start, end);
        return;
      case S_CHUNK_END:
        if (end === start) {
          this.#state = S_CHUNK_SIZE;
          return;
        }
        // A missing CRLF after chunk data: read this line as the next chunk size.
        this.#h.anomaly(HttpAnomaly.BAD_CHUNK_END);
        this.#chunkSize(buf, start, end, ts);
        return;
      case S_CHUNK_SIZE:
        if (end === start) return;
        this.#chunkSize(buf, start, end, ts);
        return;
      case S_TRAILERS:
        if (end === start) this.#endMessage(ts);
        return;
      default:
        return;
    }
  }

  #chunkSize(buf: Uint8Array, start: number, end: number, ts: number): void {
    const n = parseChunkSize(buf, start, end);
    if (n < 0) {
      // The body's end is unknown: the message ends here, and this side
      // resumes at its next start line, as after lost bytes.
      this.#h.anomaly(HttpAnomaly.BAD_CHUNK_SIZE);
      this.#h.messageDone(this.#isRequest, ts);
      this.#state = S_RESYNC;
      this.#skipLine = false;
      return;
    }
    if (n === 0) {
      this.#state = S_TRAILERS;
      return;
    }
    this.#remaining = n;
    this.#state = S_CHUNK_DATA;
  }

  #afterHeaders(ts: number): void {
    const mode = this.#h.headersDone(this.#isRequest, ts);
    if (mode === BODY_CHUNKED) {
      this.#state = S_CHUNK_SIZE;
    } else if (mode === BODY_UNTIL_CLOSE) {
      this.#state = S_UNTIL_CLOSE;
    } else if (mode === BODY_TUNNEL) {
      this.#h.messageDone(this.#isRequest, ts);
      this.#state = S_TUNNEL;
    } else if (mode > 0) {
      this.#remaining = mode;
      this.#state = S_BODY_LENGTH;
    } else {
      this.#endMessage(ts);
    }
  }

  #endMessage(ts: number): void {
    this.#state = S_START;
    this.#h.messageDone(this.#isRequest, ts);
  }
}
