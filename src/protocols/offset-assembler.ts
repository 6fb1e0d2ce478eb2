/**
 * Bytes that arrive as pieces at any offset, in any order and repeated,
 * read once those from offset 0 are all there: QUIC's CRYPTO stream
 * (browsers scatter a ClientHello over several frames and packets,
 * shuffled, and retransmit it whole) and DTLS handshake message fragments.
 * Bounded: at most `maxBytes` from offset 0 and `maxPieces` separate
 * pieces; the buffer's bytes come from the thread's parser buffer budget
 * and go back on `release`.
 */
import { growBuffer, parserBuffers, type BufferBudget, type BufferClaim } from './buffer-budget.js';

const EMPTY = new Uint8Array(0);

export class OffsetAssembler {
  readonly #maxBytes: number;
  readonly #maxPieces: number;
  #buf: Uint8Array = EMPTY;
  /** Received ranges [starts[i], ends[i]), sorted, disjoint and not touching. */
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  readonly #budget: BufferBudget;
  #claim: BufferClaim | null = null;

  constructor(maxBytes: number, maxPieces: number, budget: BufferBudget = parserBuffers) {
    this.#maxBytes = maxBytes;
    this.#maxPieces = maxPieces;
    this.#budget = budget;
  }

  /** Bytes available in order from offset 0. */
  get contiguous(): number {
    return this.#starts.length > 0 && this.#starts[0] === 0 ? this.#ends[0]! : 0;
  }

  /** The stream's bytes [from, to), within `contiguous`; valid until the next `add`. */
  view(from: number, to: number): Uint8Array {
    return this.#buf.subarray(from, to);
  }

  /** Adds `data` at `offset`; false when it would pass the bounds (nothing is kept then). */
  add(offset: number, data: Uint8Array): boolean {
    const end = offset + data.length;
    if (data.length === 0) return true;
    if (end > this.#maxBytes) return false;
    if (end > this.#buf.length) {
      this.#claim ??= this.#budget.claim(this);
      const grown = growBuffer(this.#claim, this.#buf, this.#buf.length, end, this.#maxBytes, 0, 2048);
      if (grown === null) return false;
      this.#buf = grown;
    }
    if (!this.#cover(offset, end)) return false;
    this.#buf.set(data, offset);
    return true;
  }

  /** Gives the buffer back to the budget. */
  release(): void {
    this.#buf = EMPTY;
    this.#starts.length = 0;
    this.#ends.length = 0;
    this.#claim?.release();
  }

  /** Merges [s, e) into the received ranges; false when that would make too many pieces. */
  #cover(s: number, e: number): boolean {
    const starts = this.#starts;
    const ends = this.#ends;
    // First range that ends at or after s: it and those after it that start at or before e merge.
    let i = 0;
    while (i < starts.length && ends[i]! < s) i++;
    let j = i;
    let ns = s;
    let ne = e;
    while (j < starts.length && starts[j]! <= e) {
      ns = Math.min(ns, starts[j]!);
      ne = Math.max(ne, ends[j]!);
      j++;
    }
    if (j === i && starts.length >= this.#maxPieces) return false;
    starts.splice(i, j - i, ns);
    ends.splice(i, j - i, ne);
    return true;
  }
}
