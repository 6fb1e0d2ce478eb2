/**
 * Per-connection RDP state: reads the client's X.224 Connection Request and
 * the server's Connection Confirm, each framed by TPKT and buffered (bounded)
 * until whole, then asks for nothing more: everything after is TLS/CredSSP
 * or RC4-encrypted, so the login outcome is never visible. Emits one rdp.log
 * record and one `auth` event (outcome "unknown", user from the mstshash
 * cookie) per connection that sent a Connection Request.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { startRecord } from '../zeek-record.js';
import { StreamBuffer } from '../asn1/stream-buffer.js';
import { AuthReporter } from '../mail/auth-reporter.js';
import { MAX_TPDU, RdpAnomaly, failureName, protocolName, requestedNames } from './consts.js';
import type { RdpLogEvent, RdpRecord } from './events.js';
import { parseConnectionConfirm, parseConnectionRequest, tpktLength } from './parser.js';

/** Where rdp.log events go until the event union carries them (see index.ts). */
export type RdpLogSink = (event: RdpLogEvent) => void;

export class RdpAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #log: RdpLogSink | undefined;
  readonly #auth: AuthReporter;
  readonly #cli = new StreamBuffer(MAX_TPDU);
  readonly #srv = new StreamBuffer(MAX_TPDU);
  #cliDone = false;
  #srvDone = false;
  /** Time of the Connection Request; -1 until one was read. */
  #ts = -1;
  #cookie: string | undefined = undefined;
  #requested: number | undefined = undefined;
  #selected: number | undefined = undefined;
  #failure: number | undefined = undefined;
  #logged = false;

  constructor(ctx: AnalyzerContext, log: RdpLogSink | undefined) {
    this.#ctx = ctx;
    this.#log = log;
    this.#auth = new AuthReporter(ctx, 'rdp');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (fromOrig ? this.#cliDone : this.#srvDone) return;
    const buf = fromOrig ? this.#cli : this.#srv;
    if (!buf.push(data)) {
      this.#ctx.anomaly(RdpAnomaly.TPDU_TOO_LONG);
      this.#stopDirection(fromOrig);
      return;
    }
    const len = tpktLength(buf.bytes, buf.offset, buf.length);
    if (len === 0) return;
    if (len < 0) {
      this.#ctx.anomaly(RdpAnomaly.NOT_TPKT);
      this.#stopDirection(fromOrig);
      return;
    }
    if (len > MAX_TPDU) {
      this.#ctx.anomaly(RdpAnomaly.TPDU_TOO_LONG);
      this.#stopDirection(fromOrig);
      return;
    }
    if (buf.length < len) return;
    if (fromOrig) this.#request(buf, len, ts);
    else this.#confirm(buf, len, ts);
  }

  gap(fromOrig: boolean, _len: number): void {
    this.#ctx.anomaly(RdpAnomaly.CONTENT_GAP);
    this.#stopDirection(fromOrig);
  }

  wants(fromOrig: boolean): boolean {
    return fromOrig ? !this.#cliDone : !this.#srvDone;
  }

  end(ts: number): void {
    this.#cliDone = true;
    this.#srvDone = true;
    this.#finish(ts);
  }

  #request(buf: StreamBuffer, len: number, ts: number): void {
    const cr = parseConnectionRequest(buf.bytes, buf.offset, len);
    this.#stopDirection(true);
    if (cr === null) {
      this.#ctx.anomaly(RdpAnomaly.BAD_TPDU);
      this.#srvDone = true;
      return;
    }
    this.#ctx.confirm('rdp');
    this.#ts = ts;
    this.#cookie = cr.cookie;
    this.#requested = cr.requested;
  }

  #confirm(buf: StreamBuffer, len: number, ts: number): void {
    const cc = parseConnectionConfirm(buf.bytes, buf.offset, len);
    this.#stopDirection(false);
    if (cc === null) {
      this.#ctx.anomaly(RdpAnomaly.BAD_TPDU);
    } else {
      this.#selected = cc.selected;
      this.#failure = cc.failure;
      // A confirm without RDP_NEG_RSP means standard RDP security ([MS-RDPBCGR] 2.2.1.2).
      if (cc.selected === undefined && cc.failure === undefined) this.#selected = 0;
    }
    this.#finish(ts);
  }

  #stopDirection(fromOrig: boolean): void {
    if (fromOrig) {
      this.#cliDone = true;
      this.#cli.clear();
    } else {
      this.#srvDone = true;
      this.#srv.clear();
    }
  }

  /** Logs the connection and its one unknown outcome (once). */
  #finish(ts: number): void {
    if (this.#logged || this.#ts < 0) return;
    this.#logged = true;
    this.#cliDone = true;
    this.#srvDone = true;
    const c = this.#ctx.conn;
    // Zeek's field order (insertion order is the key order); unset fields stay absent.
    const rec = startRecord<RdpRecord>(c, this.#ts);
    if (this.#cookie !== undefined) rec.cookie = this.#cookie;
    if (this.#failure !== undefined) rec.result = failureName(this.#failure);
    if (this.#selected !== undefined) rec.security_protocol = protocolName(this.#selected);
    if (this.#requested !== undefined) rec.requested_protocols = requestedNames(this.#requested);
    if (this.#log !== undefined) this.#log({ type: 'rdp', log: 'rdp', ts: rec.ts, uid: rec.uid, record: rec });
    const detail = rec.result ?? (rec.security_protocol !== undefined ? `${rec.security_protocol} security` : 'no connection confirm');
    this.#auth.finish(ts, true, this.#cookie, detail);
  }
}
