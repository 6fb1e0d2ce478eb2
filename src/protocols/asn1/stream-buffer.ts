/**
 * A bounded byte accumulator for one direction of a TCP stream, used by the
 * LDAP, SMB and Kerberos analyzers (and SOCKS's handshake) to frame messages
 * that arrive split across (or packed into) reassembled chunks. It lives
 * beside the BER reader because those three analyzers share it; nothing in
 * it is ASN.1-specific.
 *
 * Bytes are appended into one growable buffer and consumed from the front;
 * the buffer is compacted lazily so steady-state framing does not allocate.
 * Appending beyond `capacity` fails instead of growing without bound: the
 * caller counts that as an anomaly and resynchronises or stops.
 *
 * Nothing is allocated before the first byte, and the buffer grows (by
 * doubling) with the bytes actually held: two 4 KiB buffers made up front
 * were 9 KB for every LDAP, SMB, Kerberos, RDP, MySQL, PostgreSQL and VNC
 * flow, UDP and silent ones included (9 GB at the flow table's million).
 * What it allocates comes from the thread's parser buffer budget
 * (buffer-budget.ts): growth the budget refuses fails like growth past
 * `capacity`, and a large buffer that empties is given back.
 */
import { growBuffer, parserBuffers, type BufferBudget, type BufferClaim } from '../buffer-budget.js';

/** First allocation (or more, to fit the first bytes); small control messages fit in it. */
const MIN_SIZE = 256;
const EMPTY = new Uint8Array(0);
/** An emptied buffer larger than this is dropped (its bytes go back to the budget); smaller ones are kept for the next message. */
const KEEP_EMPTY = 4096;

export class StreamBuffer {
  readonly capacity: number;
  #buf: Uint8Array = EMPTY;
  #start = 0;
  #end = 0;
  readonly #budget: BufferBudget;
  #claim: BufferClaim | null = null;

  constructor(capacity: number, budget: BufferBudget = parserBuffers) {
    this.capacity = capacity;
    this.#budget = budget;
  }

  /** Bytes currently held. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** The backing array; valid bytes are [offset, offset + length). */
  get bytes(): Uint8Array {
    return this.#buf;
  }

  /** Offset of the first held byte in `bytes`. */
  get offset(): number {
    return this.#start;
  }

  /**
   * Appends `data[from, to)`; false (and nothing appended) when it would
   * exceed `capacity` or the parser buffer budget.
   */
  push(data: Uint8Array, from = 0, to = data.length): boolean {
    const n = to - from;
    if (n <= 0) return true;
    const held = this.#end - this.#start;
    if (held + n > this.capacity) return false;
    if (this.#end + n > this.#buf.length) {
      if (held + n <= this.#buf.length && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        this.#claim ??= this.#budget.claim(this);
        const next = growBuffer(this.#claim, this.#buf, held, held + n, this.capacity, this.#start, MIN_SIZE);
        if (next === null) return false;
        this.#buf = next;
      }
      this.#end = held;
      this.#start = 0;
    }
    this.#buf.set(data.subarray(from, to), this.#end);
    this.#end += n;
    return true;
  }

  /** Drops `n` bytes from the front. */
  consume(n: number): void {
    this.#start += Math.min(n, this.#end - this.#start);
    if (this.#start === this.#end) this.clear();
  }

  /** Drops everything (a large buffer goes back to the budget). */
  clear(): void {
    this.#start = 0;
    this.#end = 0;
    if (this.#buf.length > KEEP_EMPTY) this.release();
  }

  /** Drops everything and gives the buffer back to the budget. */
  release(): void {
    this.#start = 0;
    this.#end = 0;
    this.#buf = EMPTY;
    this.#claim?.release();
  }
}
