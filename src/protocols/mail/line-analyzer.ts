/**
 * What the SMTP, IMAP and POP3 analyzers share: one line reader per
 * direction, the auth reporter, content gaps (counted, the broken line
 * dropped), over-long lines (counted, kept truncated), confirming the
 * service once, and stopping both directions when nothing more can be
 * learned (TLS started, login succeeded). Each protocol only reads its
 * client and server lines.
 */
import type { Analyzer, AnalyzerContext, TunnelledStream } from '../analyzer.js';
import { AuthReporter } from './auth-reporter.js';
import { MailAnomaly } from './consts.js';
import { LineReader, divertToTls, type LineSink } from './lines.js';

export abstract class MailLineAnalyzer implements Analyzer, LineSink {
  protected readonly ctx: AnalyzerContext;
  protected readonly client: LineReader;
  protected readonly server: LineReader;
  protected readonly auth: AuthReporter;
  protected confirmed = false;
  readonly #service: string;
  /** The TLS after an accepted STARTTLS (null before, or where tunnels are not followed). */
  #tls: TunnelledStream | null = null;

  /** `service` names the conn.log service and the auth events; lines longer than `maxLine` are truncated. */
  constructor(ctx: AnalyzerContext, service: string, maxLine: number) {
    this.ctx = ctx;
    this.#service = service;
    this.client = new LineReader(true, maxLine);
    this.server = new LineReader(false, maxLine);
    this.auth = new AuthReporter(ctx, service);
  }

  /**
   * One client line, `buf[s..e)` without CR LF (valid only during the call),
   * seen at `ts`; `truncated` when it was longer than the reader keeps.
   */
  protected abstract command(buf: Uint8Array, s: number, e: number, ts: number, truncated: boolean): void;
  /** One server line, `buf[s..e)` without CR LF (valid only during the call); `truncated` as for commands. */
  protected abstract reply(buf: Uint8Array, s: number, e: number, ts: number, truncated: boolean): void;
  abstract end(ts: number): void;

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    (fromOrig ? this.client : this.server).feed(data, ts, this);
  }

  gap(fromOrig: boolean, len: number): void {
    if (this.#tls !== null) {
      this.#tls.gap(fromOrig, len);
      return;
    }
    this.ctx.anomaly(MailAnomaly.CONTENT_GAP);
    (fromOrig ? this.client : this.server).resync();
  }

  wants(fromOrig: boolean): boolean {
    if (this.#tls !== null) return this.#tls.wants(fromOrig);
    return (fromOrig ? this.client : this.server).active;
  }

  line(fromOrig: boolean, buf: Uint8Array, start: number, end: number, ts: number, truncated: boolean): void {
    if (truncated) this.ctx.anomaly(MailAnomaly.LINE_TOO_LONG);
    if (fromOrig) this.command(buf, start, end, ts, truncated);
    else this.reply(buf, start, end, ts, truncated);
  }

  /** Marks the service on the connection (first well-formed server line). */
  protected confirm(): void {
    if (this.confirmed) return;
    this.confirmed = true;
    this.ctx.confirm(this.#service);
  }

  /** Stops reading both directions. */
  protected stop(): void {
    this.client.stop();
    this.server.stop();
  }

  /**
   * The server accepted STARTTLS (STLS): no more lines. The TLS handshake
   * that follows is read on the same connection where the pipeline follows
   * tunnels (ssl.log under this connection's uid; service "smtp,ssl"), so
   * its SNI, fingerprints and, before TLS 1.3, certificates reach the rules.
   */
  protected startTls(): void {
    this.stop();
    this.#tls = divertToTls(this.ctx, this.client, this.server);
  }

  /** The connection ended: the TLS after STARTTLS, if any, ends too (subclasses call it from `end`). */
  protected endTls(ts: number): void {
    this.#tls?.end(ts);
  }
}
