/**
 * DCE/RPC over its own TCP connection (the endpoint mapper on 135, and the
 * dynamic ports it hands out, found by the content probe): the connection
 * is one association, read by a `DceRpcConversation`.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { DceRpcConversation } from './conversation.js';

export class DceRpcAnalyzer implements Analyzer {
  readonly #conv: DceRpcConversation;

  constructor(ctx: AnalyzerContext) {
    this.#conv = new DceRpcConversation(ctx, 'tcp');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    // A chunk may start a PDU: after a gap or garbage, reading resumes at one that does.
    this.#conv.feed(fromOrig, data, 0, data.length, ts, true);
  }

  gap(fromOrig: boolean, _len: number): void {
    this.#conv.gap(fromOrig);
  }

  end(ts: number): void {
    this.#conv.end(ts);
  }
}
