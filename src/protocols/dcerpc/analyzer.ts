/**
 * DCE/RPC over its own TCP connection (the endpoint mapper on 135, and the
 * dynamic ports it hands out, found by the content probe): the connection
 * is one association, read by a `DceRpcConversation`.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { DceRpcConversation } from './conversation.js';

export class DceRpcAnalyzer implements Analyzer {
  readonly #conv: DceRpcConversation;
  /** Per direction: the next chunk follows a gap, so a PDU may start there. */
  readonly #afterGap: [boolean, boolean] = [false, false];

  constructor(ctx: AnalyzerContext) {
    this.#conv = new DceRpcConversation(ctx, 'tcp');
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    const i = fromOrig ? 0 : 1;
    const boundary = this.#afterGap[i];
    this.#afterGap[i] = false;
    this.#conv.feed(fromOrig, data, 0, data.length, ts, boundary);
  }

  gap(fromOrig: boolean, _len: number): void {
    this.#conv.gap(fromOrig);
    this.#afterGap[fromOrig ? 0 : 1] = true;
  }

  end(ts: number): void {
    this.#conv.end(ts);
  }
}
