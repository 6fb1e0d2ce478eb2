/**
 * Per-connection HTTP/1.x state: two message streams (requests from the
 * originator, replies from the responder), a bounded queue of requests
 * waiting for their replies (pipelining and keep-alive pair up in order),
 * one `http` event per pair, and `auth` events for Authorization headers
 * answered 401 (failure) or 2xx/3xx (success). Requests never answered are
 * logged when the connection ends, as Zeek does.
 *
 * Capture loss that cuts a message's framing makes that direction resync at
 * its next start line (stream.ts); pairing then goes on as follows.
 * - Requests: the request being read keeps what was seen and stays queued,
 *   so it is logged with its reply, or without one when it is given up. A
 *   reply whose request was lost finds none waiting and is logged alone, as
 *   any reply without a request.
 * - Replies: the transaction whose reply was being read is logged as it
 *   stands. The requests then waiting may have lost their replies in the
 *   gap; the first reply after the resync settles them. It answers the
 *   oldest request that arrived after the gap, and the earlier ones are
 *   logged without a reply. When none arrived after the gap, it answers the
 *   newest one waiting: reassembly declares a gap only once bytes after it
 *   are acknowledged, so a request may arrive before the gap it follows,
 *   and a client that does not pipeline sends a request only after the
 *   previous reply ended, so no older one can still be waiting. On a
 *   connection seen pipelining, that guess is not made: all of them are
 *   logged without a reply and the reply is logged alone.
 */
import type { Analyzer, AnalyzerContext, TunnelledStream } from '../analyzer.js';
import { startRecord } from '../zeek-record.js';
import { authEvent } from '../auth-event.js';
import { isContinuationChallenge, parseAuthorization } from './auth.js';
import {
  AuthScheme,
  CHUNKED,
  H_AUTHORIZATION,
  H_CONTENT_LENGTH,
  H_HOST,
  H_ORIGIN,
  H_REFERER,
  H_TRANSFER_ENCODING,
  H_USER_AGENT,
  H_WWW_AUTHENTICATE,
  HttpAnomaly,
  MAX_CONNECT_HELD_BYTES,
  MAX_PENDING_TRANSACTIONS,
  MAX_PROXIED_VALUES,
  MAX_USER_AGENT_VALUES,
  PROXY_HEADERS,
  authSchemeName,
} from './consts.js';
import type { HttpLogEvent, HttpRecord } from './events.js';
import { proxyTunnelEvent } from '../../events/proxy-tunnel.js';
import { BodyType } from './body-type.js';
import { FormBodyScanner, queryCredentials, type FormCredentials } from './form-credentials.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';
import type { FileEvent } from '../../events/file.js';
import { ConnectionFiles } from '../../files/transfer.js';
import { WebSocketHeaders, handshakeRecord } from '../websocket/handshake.js';
import { WebSocketSession } from '../websocket/session.js';
import {
  isFoldedLine,
  looksLikeStatusLine,
  newHeaderBounds,
  parseContentLength,
  parseHeaderLine,
  parseRequestLine,
  parseStatusLine,
} from './parser.js';
import { BODY_CHUNKED, BODY_TUNNEL, BODY_UNTIL_CLOSE, HttpMessageStream, type HttpStreamHandler } from './stream.js';
import { equalsIgnoreCase, logString } from '../wire-text.js';

/** Status message Zeek logs for a reply to an HTTP/0.9 request (there is no status line). */
const HTTP09_STATUS_MSG = '<empty>';
/** Characters of a sign-in's path and field name in its auth event's detail. */
const MAX_DETAIL_PATH = 200;

/** One request/response pair being built. */
class HttpTransaction {
  ts: number;
  depth: number;
  method: string | undefined = undefined;
  uri: string | undefined = undefined;
  version: string | undefined = undefined;
  host: string | undefined = undefined;
  userAgent: string | undefined = undefined;
  /** Every User-Agent value, in order, once a second one arrived (bounded). */
  userAgents: string[] | undefined = undefined;
  referrer: string | undefined = undefined;
  origin: string | undefined = undefined;
  username: string | undefined = undefined;
  proxied: string[] | undefined = undefined;
  requestBodyLen = 0;
  responseBodyLen = 0;
  statusCode: number | undefined = undefined;
  statusMsg: string | undefined = undefined;
  infoCode: number | undefined = undefined;
  infoMsg: string | undefined = undefined;
  /** Request had no protocol part: the reply comes without status line or headers. */
  http09 = false;
  authScheme: AuthScheme = AuthScheme.NONE;
  authUser: string | undefined = undefined;
  authWorkstation: string | undefined = undefined;
  /** A 401 reply carried an NTLM/Negotiate challenge token: the handshake continues. */
  challengeContinues = false;
  /** A password the request body carried outside the Authorization header (form-credentials.ts). */
  signIn: FormCredentials | null = null;
  /** Its auth event (or the URI query's) went out. */
  signInReported = false;
  origFuids: string[] | undefined = undefined;
  origFilenames: string[] | undefined = undefined;
  origMimeTypes: string[] | undefined = undefined;
  respFuids: string[] | undefined = undefined;
  respFilenames: string[] | undefined = undefined;
  respMimeTypes: string[] | undefined = undefined;
  /** The reply's declared Content-Type (media type only). */
  respContentType: string | undefined = undefined;
  /** WebSocket headers of the request and of the reply, made when one comes. */
  wsClient: WebSocketHeaders | undefined = undefined;
  wsServer: WebSocketHeaders | undefined = undefined;
  logged = false;

  constructor(ts: number, depth: number) {
    this.ts = ts;
    this.depth = depth;
  }
}

/** Per-message framing facts gathered from the headers of one direction. */
class Framing {
  contentLength = -1;
  chunked = false;
  reset(): void {
    this.contentLength = -1;
    this.chunked = false;
  }
}

export class HttpAnalyzer implements Analyzer, HttpStreamHandler {
  readonly #ctx: AnalyzerContext;
  readonly #req: HttpMessageStream;
  readonly #resp: HttpMessageStream;
  /** Requests (in order) still waiting for their final reply. */
  readonly #pending: HttpTransaction[] = [];
  /** The request whose headers/body are being read. */
  #reqTx: HttpTransaction | null = null;
  /** The transaction the reply being read belongs to. */
  #respTx: HttpTransaction | null = null;
  /** The reply being read is a 1xx interim reply. */
  #respInterim = false;
  /** The reply side lost its framing: the next status line is the first after the resync. */
  #respResync = false;
  /** The newest request waiting when the reply side lost its framing (see the top of the file). */
  #lastBeforeGap: HttpTransaction | null = null;
  /** A reply ended with a later request already waiting: this client pipelines. */
  #pipelining = false;
  #depth = 0;
  #confirmed = false;
  readonly #reqFraming = new Framing();
  readonly #respFraming = new Framing();
  readonly #reqBody: BodyType;
  readonly #respBody: BodyType;
  /** The head of a request body that may carry a sign-in (a form or JSON). */
  readonly #form = new FormBodyScanner();
  readonly #hb = newHeaderBounds();
  /** Time of the bytes being read. */
  #ts = 0;
  /** The files this connection carried (numbers and logs them). */
  readonly #files: ConnectionFiles;
  /** A CONNECT was sent and its final reply has not come: the client's later bytes are held. */
  #connectWaiting = false;
  /** What the client sent after that CONNECT, up to MAX_CONNECT_HELD_BYTES. */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  /** The held bytes reached MAX_CONNECT_HELD_BYTES (the overflow was counted). */
  #heldFull = false;
  /**
   * What the connection carries after it stopped being HTTP: the protocol
   * inside an accepted CONNECT, or the WebSocket connection after an
   * accepted upgrade (websocket/session.ts). Null before, or where tunnels
   * are not followed.
   */
  #inner: TunnelledStream | null = null;

  /** `hashes`: the digests computed for the files bodies carry (files.jsonl). */
  constructor(ctx: AnalyzerContext, hashes: readonly HashName[] = HASH_NAMES) {
    this.#ctx = ctx;
    this.#files = new ConnectionFiles(ctx);
    this.#reqBody = new BodyType(hashes);
    this.#respBody = new BodyType(hashes);
    this.#req = new HttpMessageStream(true, this);
    this.#resp = new HttpMessageStream(false, this);
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    this.#ts = ts;
    if (fromOrig) this.#req.feed(data, ts);
    else this.#resp.feed(data, ts);
  }

  gap(fromOrig: boolean, len: number): void {
    if (!(fromOrig ? this.#req : this.#resp).active) {
      // Lost inside a tunnel: the inner protocol's loss (held bytes no longer line up: dropped).
      if (this.#inner !== null) this.#inner.gap(fromOrig, len);
      else if (fromOrig) this.#dropHeld();
      return;
    }
    // A body whose framing survives the loss goes on with a hole in it (its files get no digests).
    (fromOrig ? this.#reqBody : this.#respBody).gap(len);
    if (fromOrig) this.#form.gap();
    if (fromOrig) this.#req.gap(len);
    else this.#resp.gap(len);
  }

  wants(fromOrig: boolean): boolean {
    if (fromOrig ? this.#req.active : this.#resp.active) return true;
    if (this.#inner !== null) return this.#inner.wants(fromOrig);
    return fromOrig && this.#connectWaiting;
  }

  end(ts: number): void {
    this.#resp.finish(ts);
    // A message cut off by the end of the connection (or capture) is typed by what arrived of it.
    if (this.#reqTx !== null) {
      this.#noteBody(this.#reqTx, true, false);
      this.#reqBody.reset();
    }
    if (this.#respTx !== null && !this.#respInterim) {
      this.#noteBody(this.#respTx, false, false);
      this.#respBody.reset();
    }
    for (let i = 0; i < this.#pending.length; i++) this.#log(this.#pending[i]!);
    this.#pending.length = 0;
    if (this.#respTx !== null && !this.#respTx.logged) this.#log(this.#respTx);
    this.#respTx = null;
    this.#reqTx = null;
    this.#lastBeforeGap = null;
    this.#inner?.end(ts);
    this.#dropHeld();
  }

  tunnelled(isRequest: boolean, data: Uint8Array, start: number, end: number, ts: number): void {
    if (end <= start) return;
    if (this.#inner !== null) {
      this.#inner.data(isRequest, data.subarray(start, end), ts);
      return;
    }
    if (!isRequest || !this.#connectWaiting) return;
    const room = MAX_CONNECT_HELD_BYTES - this.#heldBytes;
    if (end - start > room) {
      // Counted once per CONNECT: the first byte that did not fit.
      if (!this.#heldFull) this.#ctx.anomaly(HttpAnomaly.TUNNEL_HELD_OVERFLOW);
      this.#heldFull = true;
      end = start + room;
    }
    if (end > start) {
      this.#held.push(data.slice(start, end));
      this.#heldBytes += end - start;
    }
  }

  /**
   * The final reply to a CONNECT came. Accepted: the rest of both directions
   * is the tunnel's protocol, starting with what the client already sent.
   * Refused: the client's next bytes are HTTP again (a new CONNECT with
   * credentials after a 407).
   */
  #connectAnswered(tx: HttpTransaction, accepted: boolean, ts: number): void {
    this.#connectWaiting = false;
    const held = this.#held;
    this.#dropHeld();
    if (accepted) {
      this.#inner = this.#ctx.tunnel?.((protocol, at) => this.#tellProxyTunnel(tx, protocol, at)) ?? null;
      if (this.#inner !== null) for (const b of held) this.#inner.data(true, b, ts);
      return;
    }
    this.#req.resume();
    for (const b of held) this.#req.feed(b, ts);
  }

  /** Content named the protocol inside the accepted CONNECT `tx`: one proxy.tunnel event. */
  #tellProxyTunnel(tx: HttpTransaction, protocol: string, ts: number): void {
    const ev = proxyTunnelEvent(this.#ctx.conn, ts, 'http', tx.uri ?? '', protocol);
    if (tx.userAgent !== undefined) ev.user_agent = tx.userAgent;
    this.#ctx.emit(ev);
  }

  #dropHeld(): void {
    this.#held = [];
    this.#heldBytes = 0;
    this.#heldFull = false;
  }

  // --- HttpStreamHandler -------------------------------------------------

  rawMessage(isRequest: boolean, buf: Uint8Array, start: number, end: number, ts: number): boolean {
    if (isRequest) return false;
    // A status line is read as one even after a protocol-less request (servers may answer 400).
    if (looksLikeStatusLine(buf, start, end)) return false;
    const front = this.#pending.length > 0 ? this.#pending[0]! : null;
    const http09 = front !== null && front.http09;
    if (!http09) this.#ctx.anomaly(HttpAnomaly.BAD_STATUS_LINE);
    const tx = front ?? this.#orphan(ts);
    if (http09) {
      tx.statusCode = 0;
      tx.statusMsg = HTTP09_STATUS_MSG;
    }
    this.#respTx = tx;
    this.#respInterim = false;
    return true;
  }

  startLine(isRequest: boolean, buf: Uint8Array, start: number, end: number, truncated: boolean, ts: number): boolean {
    return isRequest ? this.#requestLine(buf, start, end, truncated, ts) : this.#statusLine(buf, start, end, ts);
  }

  header(isRequest: boolean, buf: Uint8Array, start: number, end: number): void {
    const hb = this.#hb;
    if (isFoldedLine(buf, start, end)) return;
    if (!parseHeaderLine(buf, start, end, hb)) {
      this.#ctx.anomaly(HttpAnomaly.BAD_HEADER);
      return;
    }
    const framing = isRequest ? this.#reqFraming : this.#respFraming;
    const n = hb.nameEnd;
    const v = hb.valueStart;
    const ve = hb.valueEnd;
    if ((isRequest ? this.#reqBody : this.#respBody).header(buf, start, n, v, ve)) return;
    if (equalsIgnoreCase(buf, start, n, H_CONTENT_LENGTH)) {
      const cl = parseContentLength(buf, v, ve);
      if (cl < 0 || (framing.contentLength >= 0 && framing.contentLength !== cl)) {
        this.#ctx.anomaly(HttpAnomaly.BAD_CONTENT_LENGTH);
      } else {
        framing.contentLength = cl;
      }
      return;
    }
    if (equalsIgnoreCase(buf, start, n, H_TRANSFER_ENCODING)) {
      // Chunked must be the final coding (RFC 9112 section 6.1).
      framing.chunked = ve - v >= CHUNKED.length && equalsIgnoreCase(buf, ve - CHUNKED.length, ve, CHUNKED);
      return;
    }
    if (!isRequest) {
      const tx = this.#respTx;
      if (tx === null) return;
      if (equalsIgnoreCase(buf, start, n, H_WWW_AUTHENTICATE)) {
        if (isContinuationChallenge(buf, v, ve)) tx.challengeContinues = true;
      } else if (WebSocketHeaders.wanted(buf, start, n)) {
        (tx.wsServer ??= new WebSocketHeaders()).header(buf, start, n, v, ve);
      }
      return;
    }
    const tx = this.#reqTx;
    if (tx === null) return;
    if (equalsIgnoreCase(buf, start, n, H_HOST)) tx.host = logString(buf, v, ve);
    else if (equalsIgnoreCase(buf, start, n, H_USER_AGENT)) {
      // The log keeps the last value, as Zeek does; servers differ (nginx reads the
      // first, Apache joins them), so a second header must not hide the first.
      const ua = logString(buf, v, ve);
      if (tx.userAgent !== undefined) {
        if (tx.userAgents === undefined) tx.userAgents = [tx.userAgent];
        if (tx.userAgents.length < MAX_USER_AGENT_VALUES) tx.userAgents.push(ua);
      }
      tx.userAgent = ua;
    }
    else if (equalsIgnoreCase(buf, start, n, H_REFERER)) tx.referrer = logString(buf, v, ve);
    else if (equalsIgnoreCase(buf, start, n, H_ORIGIN)) tx.origin = logString(buf, v, ve);
    else if (equalsIgnoreCase(buf, start, n, H_AUTHORIZATION)) {
      const auth = parseAuthorization(buf, v, ve);
      tx.authScheme = auth.scheme;
      if (auth.workstation !== undefined) tx.authWorkstation = auth.workstation;
      if (auth.user !== undefined) {
        tx.authUser = auth.domain !== undefined ? `${auth.domain}\\${auth.user}` : auth.user;
        // Zeek's `username` is the Basic user only.
        if (auth.scheme === AuthScheme.BASIC) tx.username = auth.user;
      }
    } else if (WebSocketHeaders.wanted(buf, start, n)) {
      (tx.wsClient ??= new WebSocketHeaders()).header(buf, start, n, v, ve);
    } else {
      for (let k = 0; k < PROXY_HEADERS.length; k++) {
        const ph = PROXY_HEADERS[k]!;
        if (equalsIgnoreCase(buf, start, n, ph.bytes)) {
          if (tx.proxied === undefined) tx.proxied = [];
          if (tx.proxied.length < MAX_PROXIED_VALUES) tx.proxied.push(`${ph.name} -> ${logString(buf, v, ve)}`);
          break;
        }
      }
    }
  }

  headersDone(isRequest: boolean, _ts: number): number {
    if (isRequest) this.#form.start(this.#reqBody.contentType);
    const n = isRequest ? this.#requestBody() : this.#responseBody();
    // A body of announced length: its files.log total_bytes.
    if (n > 0) (isRequest ? this.#reqBody : this.#respBody).declaredLength = n;
    return n;
  }

  body(isRequest: boolean, data: Uint8Array, start: number, len: number): void {
    if (isRequest) {
      if (this.#reqTx !== null) {
        this.#reqTx.requestBodyLen += len;
        this.#reqBody.feed(data, start, len, this.#ts);
        if (this.#form.active) this.#form.feed(data, start, len);
      }
    } else if (this.#respTx !== null) {
      this.#respTx.responseBodyLen += len;
      this.#respBody.feed(data, start, len, this.#ts);
    }
  }

  messageDone(isRequest: boolean, _ts: number): void {
    if (isRequest) {
      if (this.#reqTx !== null) this.#noteBody(this.#reqTx, true, true);
      this.#reqFraming.reset();
      this.#reqBody.reset();
      return;
    }
    this.#respFraming.reset();
    const tx = this.#respTx;
    if (tx !== null && !this.#respInterim) this.#noteBody(tx, false, true);
    this.#respBody.reset();
    if (tx === null) return;
    if (this.#respInterim) {
      this.#respInterim = false;
      return;
    }
    this.#respTx = null;
    const at = this.#pending.indexOf(tx);
    if (at >= 0) this.#pending.splice(at, 1);
    // A later request already waits: after a reply-side gap, no guess is made (#settleAfterGap).
    if (this.#pending.length > 0) this.#pipelining = true;
    this.#log(tx);
  }

  framingLost(isRequest: boolean): void {
    if (isRequest) {
      // The request keeps what was seen and waits in #pending for its reply.
      if (this.#reqTx !== null) this.#noteBody(this.#reqTx, true, false);
      this.#reqTx = null;
      this.#reqFraming.reset();
      this.#reqBody.reset();
      return;
    }
    this.#respFraming.reset();
    const tx = this.#respTx;
    if (tx !== null && !this.#respInterim) this.#noteBody(tx, false, false);
    this.#respBody.reset();
    this.#respTx = null;
    this.#respInterim = false;
    if (tx !== null) {
      const at = this.#pending.indexOf(tx);
      if (at >= 0) this.#pending.splice(at, 1);
      this.#log(tx);
    }
    const n = this.#pending.length;
    this.#lastBeforeGap = n > 0 ? this.#pending[n - 1]! : null;
    this.#respResync = true;
  }

  anomaly(code: string): void {
    this.#ctx.anomaly(code);
  }

  // --- internals -----------------------------------------------------------

  #requestLine(buf: Uint8Array, start: number, end: number, truncated: boolean, ts: number): boolean {
    const line = parseRequestLine(buf, start, end);
    if (line === null) {
      this.#ctx.anomaly(HttpAnomaly.BAD_REQUEST_LINE);
      return false;
    }
    const tx = new HttpTransaction(ts, ++this.#depth);
    tx.method = line.method;
    tx.uri = line.uri;
    if (truncated) {
      // The protocol part was cut off with the line's tail: do not guess HTTP/0.9.
      tx.version = undefined;
    } else {
      tx.version = line.version;
      tx.http09 = line.missingProtocol;
      if (line.missingProtocol) this.#ctx.anomaly(HttpAnomaly.MISSING_PROTOCOL);
      if (line.badVersion) this.#ctx.anomaly(HttpAnomaly.BAD_REQUEST_LINE);
    }
    if (line.unescapedPercent > 0) this.#ctx.anomaly(HttpAnomaly.UNESCAPED_PERCENT);
    if (this.#pending.length >= MAX_PENDING_TRANSACTIONS) {
      // Replies are not keeping up: log the oldest now rather than grow without bound.
      this.#ctx.anomaly(HttpAnomaly.TOO_MANY_PENDING);
      const oldest = this.#pending.shift()!;
      if (oldest === this.#respTx) this.#respTx = null;
      this.#log(oldest);
    }
    this.#pending.push(tx);
    this.#reqTx = tx;
    this.#reqFraming.reset();
    this.#reqBody.reset();
    this.#confirm();
    return true;
  }

  #statusLine(buf: Uint8Array, start: number, end: number, ts: number): boolean {
    const st = parseStatusLine(buf, start, end);
    if (st === null) {
      this.#ctx.anomaly(HttpAnomaly.BAD_STATUS_LINE);
      return false;
    }
    this.#confirm();
    this.#respFraming.reset();
    this.#respBody.reset();
    if (this.#respResync) this.#settleAfterGap();
    // The oldest waiting request; else the request-less transaction an interim reply already opened.
    const tx = this.#pending.length > 0 ? this.#pending[0]! : (this.#respTx ?? this.#orphan(ts));
    this.#respTx = tx;
    if (st.code >= 100 && st.code < 200 && st.code !== 101) {
      this.#respInterim = true;
      tx.infoCode = st.code;
      tx.infoMsg = st.reason;
      return true;
    }
    this.#respInterim = false;
    tx.statusCode = st.code;
    tx.statusMsg = st.reason;
    tx.version = st.version;
    return true;
  }

  /**
   * The first reply after the reply side resynced: logs without a reply the
   * waiting requests it cannot answer, so that it pairs with the oldest
   * left (the rules are at the top of the file).
   */
  #settleAfterGap(): void {
    this.#respResync = false;
    const last = this.#lastBeforeGap;
    this.#lastBeforeGap = null;
    const pending = this.#pending;
    // Gone already when the pending bound logged it, and every older one with it.
    const at = last === null ? -1 : pending.indexOf(last);
    if (at < 0) return;
    const arrivedAfter = at < pending.length - 1;
    const giveUp = arrivedAfter || this.#pipelining ? at + 1 : at;
    for (let k = 0; k < giveUp; k++) this.#log(pending[k]!);
    pending.splice(0, giveUp);
  }

  /** A reply with no request waiting for it (capture started mid-connection, or a confused peer). */
  #orphan(ts: number): HttpTransaction {
    this.#ctx.anomaly(HttpAnomaly.REPLY_WITHOUT_REQUEST);
    return new HttpTransaction(ts, ++this.#depth);
  }

  #requestBody(): number {
    const tx = this.#reqTx;
    const f = this.#reqFraming;
    if (tx !== null && tx.method === 'CONNECT') {
      // Held until the proxy answers (#connectAnswered).
      this.#connectWaiting = true;
      return BODY_TUNNEL;
    }
    if (tx !== null && tx.http09) return 0;
    if (f.chunked) return BODY_CHUNKED;
    return f.contentLength > 0 ? f.contentLength : 0;
  }

  #responseBody(): number {
    const tx = this.#respTx;
    const f = this.#respFraming;
    if (tx === null) return f.chunked ? BODY_CHUNKED : f.contentLength >= 0 ? f.contentLength : BODY_UNTIL_CLOSE;
    if (this.#respInterim) return 0;
    const code = tx.statusCode ?? 0;
    this.#authOutcome(tx, code);
    this.#signInOutcome(tx, code);
    const connect = tx.method === 'CONNECT' && this.#connectWaiting;
    if (code === 101 || (connect && code >= 200 && code < 300)) {
      // The connection now carries another protocol in both directions.
      this.#req.tunnel();
      if (connect) this.#connectAnswered(tx, true, this.#ts);
      else if (tx.wsServer?.upgrade === true) this.#webSocket(tx);
      return BODY_TUNNEL;
    }
    if (connect && code >= 200) this.#connectAnswered(tx, false, this.#ts);
    if (tx.method === 'HEAD' || code === 204 || code === 304) return 0;
    if (f.chunked) return BODY_CHUNKED;
    if (f.contentLength >= 0) return f.contentLength;
    return BODY_UNTIL_CLOSE;
  }

  /** A 101 to a WebSocket upgrade: websocket.log, and its frames read from here on (websocket/session.ts). */
  #webSocket(tx: HttpTransaction): void {
    const c = this.#ctx.conn;
    const record = handshakeRecord(c, { ts: tx.ts, host: tx.host, uri: tx.uri, userAgent: tx.userAgent }, tx.wsClient, tx.wsServer!);
    this.#ctx.confirm('websocket');
    this.#ctx.emit({ type: 'websocket', log: 'websocket', ts: tx.ts, uid: c.uid, record });
    this.#inner = new WebSocketSession(this.#ctx, record);
  }

  #authOutcome(tx: HttpTransaction, code: number): void {
    const s = tx.authScheme;
    if (s !== AuthScheme.BASIC && s !== AuthScheme.NTLM && s !== AuthScheme.NEGOTIATE && s !== AuthScheme.DIGEST) return;
    let outcome: 'success' | 'failure' | 'unknown';
    if (code === 401) {
      if (tx.challengeContinues) return;
      outcome = 'failure';
    } else if (code >= 200 && code < 400) {
      outcome = 'success';
    } else if (tx.authUser !== undefined) {
      // Credentials were sent and the reply does not say what became of them (a 404 or 500
      // after the sign-in): the sign-in itself still happened (ntlm.relay reads it).
      outcome = 'unknown';
    } else {
      return;
    }
    const ev = authEvent(this.#ctx.conn, tx.ts, 'http', outcome);
    if (tx.authUser !== undefined) ev.user = tx.authUser;
    if (tx.authWorkstation !== undefined) ev.workstation = tx.authWorkstation;
    if (s === AuthScheme.BASIC) ev.cleartext = true;
    ev.detail = `${authSchemeName(s)} ${code}${tx.statusMsg ? ' ' + tx.statusMsg : ''}`;
    this.#ctx.emit(ev);
  }

  /**
   * A password sent in a login form, a JSON body or the URI's query: an auth
   * event in clear. Whether it was accepted the reply seldom says (a form
   * answers 200 or a redirect either way): "failure" on 401 or 403, else
   * "unknown". `code` undefined: no reply came.
   */
  #signInOutcome(tx: HttpTransaction, code: number | undefined): void {
    if (tx.signInReported) return;
    const found = tx.signIn ?? (tx.uri !== undefined ? queryCredentials(tx.uri) : null);
    if (found === null) return;
    tx.signInReported = true;
    const ev = authEvent(this.#ctx.conn, tx.ts, 'http', code === 401 || code === 403 ? 'failure' : 'unknown');
    if (found.user !== undefined) ev.user = found.user;
    ev.cleartext = true;
    ev.secret_tag = found.secretTag;
    // The path only: a query may hold the password itself.
    const path = (tx.uri ?? '').split('?')[0]!.slice(0, MAX_DETAIL_PATH);
    const where = found.carrier === 'query' ? 'the URI query' : found.carrier === 'json' ? 'a JSON body' : 'a form';
    ev.detail = `password in ${where} (field "${found.field.slice(0, MAX_DETAIL_PATH)}"), ${tx.method ?? '?'} ${path}` + (code !== undefined ? `: ${code}${tx.statusMsg ? ' ' + tx.statusMsg : ''}` : ', no reply');
    this.#ctx.emit(ev);
  }

  /**
   * Records the files the message body just read (or cut short: not
   * `complete`) held, as Zeek's file analysis does: a files.log line each,
   * and their fuids, names and types on the transaction.
   */
  #noteBody(tx: HttpTransaction, isRequest: boolean, complete: boolean): void {
    if (isRequest) {
      // Called again at the connection's end for a request already done: what was found stays.
      const found = this.#form.finish();
      if (found !== null) tx.signIn = found;
    }
    const b = isRequest ? this.#reqBody : this.#respBody;
    const files = b.finish(complete);
    // Zeek's body lengths count a gzip or deflate body's decoded bytes.
    const decoded = b.decodedLength;
    if (decoded >= 0) {
      if (isRequest) tx.requestBodyLen = decoded;
      else tx.responseBodyLen = decoded;
    }
    const request: NonNullable<FileEvent['http']> = {};
    if (files.length > 0) {
      if (tx.method !== undefined) request.method = tx.method;
      if (tx.host !== undefined) request.host = tx.host;
      if (tx.uri !== undefined) request.uri = tx.uri;
      if (tx.userAgent !== undefined) request.user_agent = tx.userAgent;
    }
    for (const file of files) {
      const { transfer, complete: whole, ...facts } = file;
      const fuid = this.#files.ended(transfer, { source: 'HTTP', depth: tx.depth, isOrig: isRequest, ...facts }, whole, { http: request });
      if (isRequest) {
        (tx.origFuids ??= []).push(fuid);
        if (file.fileName !== undefined) (tx.origFilenames ??= []).push(file.fileName);
        if (file.mime !== undefined) (tx.origMimeTypes ??= []).push(file.mime);
      } else {
        (tx.respFuids ??= []).push(fuid);
        if (file.fileName !== undefined) (tx.respFilenames ??= []).push(file.fileName);
        if (file.mime !== undefined) (tx.respMimeTypes ??= []).push(file.mime);
      }
    }
    if (!isRequest && b.contentType !== undefined) tx.respContentType = b.contentType;
  }

  #confirm(): void {
    if (this.#confirmed) return;
    this.#confirmed = true;
    this.#ctx.confirm('http');
  }

  #log(tx: HttpTransaction): void {
    if (tx.logged) return;
    tx.logged = true;
    // A sign-in whose reply never came (or came before the body ended) is reported now.
    if (!tx.signInReported && tx.method !== undefined) this.#signInOutcome(tx, tx.statusCode);
    const c = this.#ctx.conn;
    // Filled in Zeek's field order (insertion order is the key order); unset fields stay absent.
    const rec = startRecord<HttpRecord>(c, tx.ts);
    rec.trans_depth = tx.depth;
    if (tx.method !== undefined) rec.method = tx.method;
    if (tx.host !== undefined) rec.host = tx.host;
    if (tx.uri !== undefined) rec.uri = tx.uri;
    if (tx.referrer !== undefined) rec.referrer = tx.referrer;
    if (tx.version !== undefined) rec.version = tx.version;
    if (tx.userAgent !== undefined) rec.user_agent = tx.userAgent;
    if (tx.origin !== undefined) rec.origin = tx.origin;
    rec.request_body_len = tx.requestBodyLen;
    rec.response_body_len = tx.responseBodyLen;
    if (tx.statusCode !== undefined) rec.status_code = tx.statusCode;
    if (tx.statusMsg !== undefined) rec.status_msg = tx.statusMsg;
    if (tx.infoCode !== undefined) rec.info_code = tx.infoCode;
    if (tx.infoMsg !== undefined) rec.info_msg = tx.infoMsg;
    rec.tags = [];
    if (tx.username !== undefined) rec.username = tx.username;
    if (tx.proxied !== undefined) rec.proxied = tx.proxied;
    if (tx.origFuids !== undefined) rec.orig_fuids = tx.origFuids;
    if (tx.origFilenames !== undefined) rec.orig_filenames = tx.origFilenames;
    if (tx.origMimeTypes !== undefined) rec.orig_mime_types = tx.origMimeTypes;
    if (tx.respFuids !== undefined) rec.resp_fuids = tx.respFuids;
    if (tx.respFilenames !== undefined) rec.resp_filenames = tx.respFilenames;
    if (tx.respMimeTypes !== undefined) rec.resp_mime_types = tx.respMimeTypes;
    const ev: HttpLogEvent = { type: 'http', log: 'http', ts: tx.ts, uid: c.uid, record: rec };
    if (tx.userAgents !== undefined) ev.user_agents = tx.userAgents;
    if (tx.respContentType !== undefined) ev.resp_content_type = tx.respContentType;
    this.#ctx.emit(ev);
  }
}
