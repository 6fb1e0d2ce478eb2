/**
 * Kerberos analyzer for TCP and UDP port 88. UDP datagrams carry one message
 * each; TCP prefixes every message with a 4-byte big-endian length (RFC 4120
 * §7.2.2), buffered here across chunks with a bound. Messages are parsed by
 * `parser.ts` and fed to a `KrbSession`, which builds kerberos.log records
 * and auth events.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { u32 } from '../../decode/bytes.js';
import { KrbMsgType } from './consts.js';
import { parseKrbMessage, type KrbMessage } from './parser.js';
import { KrbSession } from './session.js';

/**
 * Largest TCP Kerberos message buffered. Tickets carrying a big PAC reach
 * tens of KiB (Windows' MaxTokenSize defaults to 48 KiB); 256 KiB leaves
 * room while bounding memory per direction.
 */
export const KRB_MAX_TCP_MESSAGE = 256 * 1024;
/** The high bit of the TCP length is reserved for extensions (RFC 4120 §7.2.2); such frames are not parsed. */
const TCP_LENGTH_RESERVED_BIT = 0x80000000;

export class KerberosAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #tcp: boolean;
  readonly #session: KrbSession;
  readonly #buf: [StreamBuffer, StreamBuffer];
  readonly #stopped: [boolean, boolean] = [false, false];
  #confirmed = false;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
    this.#tcp = ctx.conn.proto === 'tcp';
    this.#session = new KrbSession(ctx);
    this.#buf = [new StreamBuffer(KRB_MAX_TCP_MESSAGE + 4), new StreamBuffer(KRB_MAX_TCP_MESSAGE + 4)];
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    const d = fromOrig ? 0 : 1;
    if (this.#stopped[d]) return;
    if (!this.#tcp) {
      this.#message(data, 0, data.length, ts);
      return;
    }
    const buf = this.#buf[d];
    if (!buf.push(data)) {
      this.#ctx.anomaly('krb_message_too_large');
      this.#stop(d);
      return;
    }
    for (;;) {
      const b = buf.bytes;
      const o = buf.offset;
      if (buf.length < 4) return;
      const len = u32(b, o);
      if (len >= TCP_LENGTH_RESERVED_BIT || len > KRB_MAX_TCP_MESSAGE) {
        this.#ctx.anomaly('krb_bad_tcp_length');
        this.#stop(d);
        return;
      }
      if (buf.length < 4 + len) return;
      this.#message(b, o + 4, o + 4 + len, ts);
      buf.consume(4 + len);
    }
  }

  #message(buf: Uint8Array, start: number, end: number, ts: number): void {
    const msg = parseKrbMessage(buf, start, end);
    if (msg.msgType === -1) {
      this.#ctx.anomaly(msg.reason);
      return;
    }
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm(this.#tcp ? 'krb_tcp' : 'krb');
    }
    dispatch(this.#session, msg, ts);
  }

  #stop(d: number): void {
    this.#stopped[d] = true;
    this.#buf[d]!.clear();
  }

  gap(fromOrig: boolean, _len: number): void {
    // Framing is lost after a gap: drop the partial message and stop that direction.
    this.#ctx.anomaly('krb_gap');
    this.#stop(fromOrig ? 0 : 1);
  }

  wants(fromOrig: boolean): boolean {
    return !this.#stopped[fromOrig ? 0 : 1];
  }

  end(_ts: number): void {
    this.#session.flush();
  }
}

/** Routes one parsed message to the session (shared with the SPNEGO users). */
export function dispatch(session: KrbSession, msg: KrbMessage, ts: number): void {
  switch (msg.msgType) {
    case KrbMsgType.AS_REQ:
    case KrbMsgType.TGS_REQ:
      session.kdcRequest(msg, ts);
      break;
    case KrbMsgType.AS_REP:
    case KrbMsgType.TGS_REP:
      session.kdcReply(msg, ts);
      break;
    case KrbMsgType.ERROR:
      session.error(msg, ts);
      break;
    case KrbMsgType.AP_REQ:
      session.apRequest(msg, ts);
      break;
    case KrbMsgType.AP_REP:
      session.apReply(msg, ts);
      break;
  }
}
