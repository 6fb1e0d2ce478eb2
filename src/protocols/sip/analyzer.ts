/**
 * Per-flow SIP (UDP and TCP 5060). A UDP datagram holds one message; a TCP
 * stream is cut into messages by their blank line and Content-Length.
 * Requests wait for their final response (provisional 1xx answers are
 * passed over, retransmissions of a request or of its final answer are not
 * logged twice), matched by Call-ID and CSeq; each transaction is one
 * sip.log line, written at its final response, when it has waited
 * TRANSACTION_SECONDS, or when the flow ends. ACK has no response and is
 * logged at once.
 *
 * Sign-ins, as `auth` events (service "sip"):
 * - a request carrying digest credentials (Authorization or
 *   Proxy-Authorization): a 2xx answer is a success; 401 or 407 (challenged
 *   again, unless the challenge says the nonce went stale) and 403 are
 *   failures; any other final answer (a call that went through the proxy
 *   but found nobody, say) and no answer at all are "unknown";
 * - a REGISTER without credentials answered 404: the server does not know
 *   that account (extension enumeration, as SIPVicious svwar does it), a
 *   failure with `unknown_user`.
 * The first challenge of an ordinary sign-in (a request without credentials
 * answered 401 or 407) is not an outcome. The user is the digest user
 * name, else the user of the To URI (REGISTER) or From URI.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import type { AuthOutcome } from '../../events/auth.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { startRecord } from '../zeek-record.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { FORBIDDEN, MAX_MESSAGE, MAX_PENDING, NOT_FOUND, PROXY_AUTH_REQUIRED, SipAnomaly, TRANSACTION_SECONDS, UNAUTHORIZED } from './consts.js';
import type { SipLogEvent, SipRecord } from './events.js';
import { headerBlockEnd, looksLikeSip, parseSipHead, uriUser, type SipMessage } from './parser.js';

/** Where sip.log events go (the bus by default; tests pass their own). */
export type SipLogSink = (event: SipLogEvent) => void;

/** Final answers remembered per flow, so a retransmitted one is not taken for a new transaction. */
const MAX_ANSWERED = 64;

/** A final answer and the time it was read. */
interface Answer {
  msg: SipMessage;
  bodyLen: number;
  ts: number;
}

interface Transaction {
  ts: number;
  fromOrig: boolean;
  depth: number;
  msg: SipMessage;
  bodyLen: number;
}

export class SipAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #log: SipLogSink;
  readonly #auth: AuthReporter;
  readonly #tcp: boolean;
  readonly #cli: StreamBuffer | null;
  readonly #srv: StreamBuffer | null;
  /** Requests awaiting their final answer, oldest first, by transaction key. */
  readonly #pending = new Map<string, Transaction>();
  /** Keys of transactions already answered (a bounded, oldest-first set). */
  readonly #answered = new Set<string>();
  #depth = 0;
  #confirmed = false;
  #doneOrig = false;
  #doneResp = false;

  constructor(ctx: AnalyzerContext, log: SipLogSink) {
    this.#ctx = ctx;
    this.#log = log;
    this.#auth = new AuthReporter(ctx, 'sip');
    this.#tcp = ctx.conn.proto === 'tcp';
    this.#cli = this.#tcp ? new StreamBuffer(MAX_MESSAGE) : null;
    this.#srv = this.#tcp ? new StreamBuffer(MAX_MESSAGE) : null;
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (fromOrig ? this.#doneOrig : this.#doneResp) return;
    if (this.#tcp) this.#stream(fromOrig, data, ts);
    else this.#datagram(fromOrig, data, ts);
  }

  gap(fromOrig: boolean, _len: number): void {
    this.#ctx.anomaly(SipAnomaly.CONTENT_GAP);
    this.#stop(fromOrig);
  }

  wants(fromOrig: boolean): boolean {
    return !(fromOrig ? this.#doneOrig : this.#doneResp);
  }

  end(_ts: number): void {
    for (const t of this.#pending.values()) this.#finish(t, null);
    this.#pending.clear();
    this.#cli?.release();
    this.#srv?.release();
  }

  #stop(fromOrig: boolean): void {
    if (fromOrig) {
      this.#doneOrig = true;
      this.#cli?.release();
    } else {
      this.#doneResp = true;
      this.#srv?.release();
    }
  }

  #datagram(fromOrig: boolean, d: Uint8Array, ts: number): void {
    const start = skipBlankLines(d, 0, d.length);
    // A datagram of line ends only is a keep-alive (RFC 5626).
    if (start >= d.length) return;
    let headEnd = headerBlockEnd(d, start, d.length);
    if (headEnd < 0) {
      if (!looksLikeSip(d, start, d.length)) {
        this.#ctx.anomaly(SipAnomaly.NOT_SIP);
        return;
      }
      // Headers cut short by the sender or the snap length: read what is there.
      this.#ctx.anomaly(SipAnomaly.UNTERMINATED_HEADERS);
      headEnd = d.length;
    }
    const msg = parseSipHead(d, start, headEnd);
    if (msg === null) {
      this.#ctx.anomaly(SipAnomaly.NOT_SIP);
      return;
    }
    const bodyLen = msg.contentLength >= 0 ? msg.contentLength : d.length - msg.bodyStart;
    this.#message(fromOrig, msg, bodyLen, ts);
  }

  #stream(fromOrig: boolean, data: Uint8Array, ts: number): void {
    const buf = fromOrig ? this.#cli! : this.#srv!;
    if (!buf.push(data)) {
      this.#ctx.anomaly(SipAnomaly.BAD_LENGTH);
      this.#stop(fromOrig);
      return;
    }
    for (;;) {
      const b = buf.bytes;
      const end = buf.offset + buf.length;
      const start = skipBlankLines(b, buf.offset, end);
      if (start > buf.offset) buf.consume(start - buf.offset);
      if (buf.length === 0) return;
      const headEnd = headerBlockEnd(b, start, end);
      if (headEnd < 0) {
        // Not yet whole; a head that can never fit is not SIP worth reading.
        if (buf.length >= MAX_MESSAGE || (buf.length > 512 && !looksLikeSip(b, start, end))) this.#fail(fromOrig, SipAnomaly.BAD_LENGTH);
        return;
      }
      const msg = parseSipHead(b, start, headEnd);
      if (msg === null) {
        this.#fail(fromOrig, SipAnomaly.NOT_SIP);
        return;
      }
      // Over TCP the length is required; a missing one is taken as no body.
      const bodyLen = msg.contentLength === -1 ? 0 : msg.contentLength;
      if (bodyLen < 0 || headEnd - start + bodyLen > MAX_MESSAGE) {
        this.#fail(fromOrig, SipAnomaly.BAD_LENGTH);
        return;
      }
      if (end - headEnd < bodyLen) return;
      buf.consume(headEnd - start + bodyLen);
      this.#message(fromOrig, msg, bodyLen, ts);
      if (fromOrig ? this.#doneOrig : this.#doneResp) return;
    }
  }

  #fail(fromOrig: boolean, anomaly: string): void {
    this.#ctx.anomaly(anomaly);
    this.#stop(fromOrig);
  }

  #message(fromOrig: boolean, msg: SipMessage, bodyLen: number, ts: number): void {
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('sip');
    }
    this.#expire(ts);
    if (msg.request) this.#request(fromOrig, msg, bodyLen, ts);
    else this.#response(fromOrig, msg, bodyLen, ts);
  }

  #request(fromOrig: boolean, msg: SipMessage, bodyLen: number, ts: number): void {
    const t: Transaction = { ts, fromOrig, depth: 0, msg, bodyLen };
    if (msg.method === 'ACK') {
      // No answer comes to an ACK.
      t.depth = ++this.#depth;
      this.#emit(t, null);
      return;
    }
    const key = transactionKey(fromOrig, msg);
    // A retransmission of a request still waiting, or already answered.
    if (this.#pending.has(key) || this.#answered.has(key)) return;
    if (this.#pending.size >= MAX_PENDING) {
      this.#ctx.anomaly(SipAnomaly.TOO_MANY_PENDING);
      const [oldestKey, oldest] = this.#pending.entries().next().value!;
      this.#pending.delete(oldestKey);
      this.#finish(oldest, null);
    }
    t.depth = ++this.#depth;
    this.#pending.set(key, t);
  }

  #response(fromOrig: boolean, msg: SipMessage, bodyLen: number, ts: number): void {
    // Provisional answers (100 Trying, 180 Ringing) do not end a transaction.
    if (msg.code < 200) return;
    const key = transactionKey(!fromOrig, msg);
    const t = this.#pending.get(key);
    if (t !== undefined) {
      this.#pending.delete(key);
      this.#remember(key);
      this.#finish(t, { msg, bodyLen, ts });
      return;
    }
    if (this.#answered.has(key)) return;
    // An answer to a request this capture did not hold: logged with what the answer says.
    this.#remember(key);
    const lone: Transaction = { ts, fromOrig: !fromOrig, depth: ++this.#depth, msg: emptyRequest(msg), bodyLen: -1 };
    this.#emit(lone, { msg, bodyLen, ts });
  }

  #remember(key: string): void {
    if (this.#answered.size >= MAX_ANSWERED) {
      const oldest = this.#answered.values().next();
      if (oldest.done !== true) this.#answered.delete(oldest.value);
    }
    this.#answered.add(key);
  }

  /** Logs the requests that have waited longer than a transaction may, unanswered. */
  #expire(now: number): void {
    for (const [key, t] of this.#pending) {
      if (now - t.ts <= TRANSACTION_SECONDS) break;
      this.#pending.delete(key);
      this.#finish(t, null);
    }
  }

  #finish(t: Transaction, answer: Answer | null): void {
    this.#emit(t, answer);
    this.#signIn(t, answer);
  }

  #emit(t: Transaction, answer: Answer | null): void {
    const c = this.#ctx.conn;
    const q = t.msg;
    const r = answer?.msg;
    // Zeek's column order (insertion order is the key order); unset fields stay absent.
    const rec = startRecord<SipRecord>(c, t.ts);
    rec.trans_depth = t.depth;
    if (q.method !== '') rec.method = q.method;
    if (q.uri !== '') rec.uri = q.uri;
    const date = q.date ?? r?.date;
    if (date !== undefined) rec.date = date;
    if (q.from !== undefined) rec.request_from = q.from;
    if (q.to !== undefined) rec.request_to = q.to;
    if (r?.from !== undefined) rec.response_from = r.from;
    if (r?.to !== undefined) rec.response_to = r.to;
    if (q.replyTo !== undefined) rec.reply_to = q.replyTo;
    const callId = q.callId ?? r?.callId;
    if (callId !== undefined) rec.call_id = callId;
    const seq = q.cseq ?? r?.cseq;
    if (seq !== undefined) rec.seq = seq;
    if (q.subject !== undefined) rec.subject = q.subject;
    if (q.via.length > 0) rec.request_path = q.via;
    if (r !== undefined && r.via.length > 0) rec.response_path = r.via;
    if (q.userAgent !== undefined) rec.user_agent = q.userAgent;
    if (r !== undefined) {
      rec.status_code = r.code;
      rec.status_msg = r.reason;
      if (r.warning !== undefined) rec.warning = r.warning;
    }
    if (t.bodyLen >= 0) rec.request_body_len = t.bodyLen;
    if (answer !== null) rec.response_body_len = answer.bodyLen;
    const contentType = r?.contentType ?? q.contentType;
    if (contentType !== undefined) rec.content_type = contentType;
    const ev: SipLogEvent = { type: 'sip', log: 'sip', ts: rec.ts, uid: c.uid, record: rec, request_from_orig: t.fromOrig, transport: this.#tcp ? 'tcp' : 'udp' };
    if (q.credentialsUser !== undefined) ev.auth_user = q.credentialsUser;
    this.#log(ev);
  }

  /** The request's sign-in outcome, when it has one (see the file comment). */
  #signIn(t: Transaction, a: Answer | null): void {
    const q = t.msg;
    const answer = a?.msg ?? null;
    const code = answer?.code ?? 0;
    let outcome: AuthOutcome;
    let unknownUser = false;
    if (q.credentials) {
      if (answer === null) outcome = 'unknown';
      else if (code >= 200 && code < 300) outcome = 'success';
      else if (code === FORBIDDEN || ((code === UNAUTHORIZED || code === PROXY_AUTH_REQUIRED) && !answer.stale)) outcome = 'failure';
      else if (code === UNAUTHORIZED || code === PROXY_AUTH_REQUIRED) return;
      else outcome = 'unknown';
    } else if (q.method === 'REGISTER' && code === NOT_FOUND) {
      outcome = 'failure';
      unknownUser = true;
    } else {
      return;
    }
    const ts = a === null ? t.ts : a.ts;
    const user = q.credentialsUser ?? (q.method === 'REGISTER' && q.to !== undefined ? uriUser(q.to) : q.from !== undefined ? uriUser(q.from) : undefined);
    const detail = answer === null ? `${q.method} without a final answer` : `${q.method} ${code} ${answer.reason}`;
    // A request from the responder: it is the client here.
    this.#auth.report(ts, outcome, user, detail, false, { unknownUser, byResponder: !t.fromOrig });
  }

}

/** Requests from one side and their answers from the other share a key: direction, Call-ID, CSeq number and method. */
function transactionKey(requestFromOrig: boolean, msg: SipMessage): string {
  const method = msg.cseqMethod !== '' ? msg.cseqMethod : msg.method;
  return `${requestFromOrig ? 'o' : 'r'}|${msg.callId ?? ''}|${msg.cseqNum}|${method}`;
}

/** The request side of a transaction known only from its answer (method from the CSeq). */
function emptyRequest(answer: SipMessage): SipMessage {
  return {
    request: true,
    method: answer.cseqMethod,
    uri: '',
    code: 0,
    reason: '',
    via: [],
    cseqNum: answer.cseqNum,
    cseqMethod: answer.cseqMethod,
    contentLength: -1,
    credentials: false,
    stale: false,
    bodyStart: 0,
  };
}

function skipBlankLines(b: Uint8Array, i: number, end: number): number {
  while (i < end && (b[i] === 0x0d || b[i] === 0x0a)) i++;
  return i;
}
