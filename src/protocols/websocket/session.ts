/**
 * The WebSocket connection after an accepted upgrade: each direction's
 * frames read (frames.ts), the data frames' payload fed on as one byte
 * stream per direction to the tunnel the pipeline gives
 * (AnalyzerContext.tunnel), which picks the inner protocol by content, as
 * Zeek's WebSocket analyzer hands its payload on. Once the inner protocol
 * is known, one `websocket.inner` event says which.
 */
import type { AnalyzerContext, TunnelledStream } from '../analyzer.js';
import { FrameReader, type DeflateTerms, type FrameSink } from './frames.js';
import type { WebSocketRecord } from './events.js';

export class WebSocketSession implements TunnelledStream {
  readonly #ctx: AnalyzerContext;
  readonly #inner: TunnelledStream | null;
  readonly #client: FrameReader;
  readonly #server: FrameReader;

  constructor(ctx: AnalyzerContext, handshake: WebSocketRecord) {
    this.#ctx = ctx;
    this.#inner =
      ctx.tunnel?.((protocol, ts) => ctx.emit({ type: 'websocket.inner', ts, uid: ctx.conn.uid, handshake, protocol })) ?? null;
    const deflate = deflateOf(handshake.server_extensions);
    this.#client = new FrameReader(true, this.#sink(true), deflate?.client ?? null);
    this.#server = new FrameReader(false, this.#sink(false), deflate?.server ?? null);
  }

  #sink(fromOrig: boolean): FrameSink {
    return {
      payload: (data, start, end, ts) => {
        const inner = this.#inner;
        if (inner === null || !inner.wants(fromOrig)) return;
        inner.data(fromOrig, start === 0 && end === data.length ? data : data.subarray(start, end), ts);
      },
      close: () => {},
      anomaly: (code) => this.#ctx.anomaly(code),
    };
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    (fromOrig ? this.#client : this.#server).feed(data, ts);
  }

  gap(fromOrig: boolean, len: number): void {
    (fromOrig ? this.#client : this.#server).lost();
    this.#inner?.gap(fromOrig, len);
  }

  wants(fromOrig: boolean): boolean {
    // The frames are read for the inner protocol only.
    const inner = this.#inner;
    return inner !== null && inner.wants(fromOrig) && (fromOrig ? this.#client : this.#server).active;
  }

  end(ts: number): void {
    this.#inner?.end(ts);
  }
}

/**
 * permessage-deflate as the server accepted it (RFC 7692), for each side's
 * messages: `client_no_context_takeover` makes the client start every
 * message with an empty window, `server_no_context_takeover` the server.
 * Null when the server did not accept the extension.
 */
export function deflateOf(serverExtensions: readonly string[] | undefined): { client: DeflateTerms; server: DeflateTerms } | null {
  const ext = serverExtensions?.find((e) => /^permessage-deflate\s*(;|$)/i.test(e.trim()));
  if (ext === undefined) return null;
  const params = new Set(ext.split(';').slice(1).map((p) => p.trim().split('=')[0]!.trim().toLowerCase()));
  return {
    client: { resetEachMessage: params.has('client_no_context_takeover') },
    server: { resetEachMessage: params.has('server_no_context_takeover') },
  };
}
