/**
 * TCP stream reassembly for the protocol analyzers: turns segments into the
 * in-order byte stream of each direction.
 *
 * - Retransmissions and overlaps: bytes below the next expected sequence
 *   number are trimmed (first arrival wins, as most end hosts do).
 * - Out-of-order segments are copied and held until the hole fills, within a
 *   per-flow byte bound and a process-wide budget shared by all flows. When a
 *   bound is hit the hole is declared a gap (the analyzer is told how many
 *   bytes it will never see) and delivery resumes after it: memory stays
 *   bounded on hostile or lossy traffic, and the overflow is counted.
 * - Capture loss: once the receiver acknowledges bytes past a hole, it has
 *   them and the sender will never send them again, so waiting is pointless:
 *   the acknowledged part of the hole is declared a gap at once and the held
 *   data after it is delivered (what Zeek does on an ACK above a hole). At
 *   the end, acknowledged bytes never seen are a gap too (lost last segments).
 * - Sequence numbers are compared with 32-bit signed differences, so streams
 *   that wrap around 2^32 reassemble correctly.
 */

/** Limits on what reassembly may hold. */
export interface ReassemblyLimits {
  /** Bytes of out-of-order data held per direction of one flow (default 256 KiB: a large receive window). */
  maxBytesPerDirection: number;
  /** Segments held per direction (default 512), a bound on bookkeeping for tiny-segment floods. */
  maxSegmentsPerDirection: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxBytesPerDirection: 256 * 1024,
  maxSegmentsPerDirection: 512,
};

/** Process-wide accounting shared by every reassembler (the global bound). */
export class ReassemblyBudget {
  /** Bytes currently held out of order across all flows. */
  heldBytes = 0;
  /** Times a per-flow or global bound forced a gap. */
  overflows = 0;
  /** Bytes declared missing (capture loss or overflow). */
  gapBytes = 0;
  constructor(readonly maxBytes = 64 * 1024 * 1024) {}
}

export interface StreamConsumer {
  data(fromOrig: boolean, data: Uint8Array, ts: number): void;
  gap(fromOrig: boolean, len: number): void;
}

interface HeldSegment {
  seq: number;
  data: Uint8Array;
}

/**
 * Farthest an acknowledgement may lie ahead of the stream and still be
 * believed: the largest TCP window (1 GiB with window scaling, RFC 7323).
 * Farther is another numbering (a SYN not seen, a crafted packet).
 */
const MAX_ACK_AHEAD = 1 << 30;

/** Signed distance a - b in 32-bit sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** Segments a direction holds out of order. */
function heldCount(dir: Direction): number {
  return dir.held === null ? 0 : dir.held.length;
}

class Direction {
  /** Next sequence number expected (unsigned 32-bit), valid once `started`. */
  next = 0;
  started = false;
  finished = false;
  /**
   * Segments held out of order, by sequence number; null until the first
   * one (most streams never hold any, and a reassembler lives as long as
   * its flow).
   */
  held: HeldSegment[] | null = null;
  heldBytes = 0;
  /** Highest acknowledgement the receiver sent for this direction, valid once `acked`. */
  ackedTo = 0;
  acked = false;
  /** Sequence number of this direction's FIN, valid once `finSeen`. */
  finSeq = 0;
  finSeen = false;
}

export class TcpReassembler {
  readonly #orig = new Direction();
  readonly #resp = new Direction();
  readonly #consumer: StreamConsumer;
  readonly #limits: ReassemblyLimits;
  readonly #budget: ReassemblyBudget;

  constructor(consumer: StreamConsumer, budget: ReassemblyBudget, limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS) {
    this.#consumer = consumer;
    this.#budget = budget;
    this.#limits = limits;
  }

  /**
   * Offers one segment. `data` is a view valid only during the call; it is
   * copied only when held out of order. `syn`/`fin` mark the flags.
   */
  segment(fromOrig: boolean, seq: number, syn: boolean, fin: boolean, data: Uint8Array, ts: number): void {
    const dir = fromOrig ? this.#orig : this.#resp;
    if (dir.finished) return;
    if (syn) {
      // The SYN consumes one sequence number; data may ride on it (TCP Fast Open).
      if (!dir.started) {
        dir.started = true;
        dir.next = (seq + 1) >>> 0;
      }
      seq = (seq + 1) >>> 0;
    } else if (!dir.started) {
      // Picked up mid-stream (no SYN seen): start where the first data is.
      if (data.length === 0) return;
      dir.started = true;
      dir.next = seq >>> 0;
    }
    if (fin) {
      dir.finSeq = (seq + data.length) >>> 0;
      dir.finSeen = true;
    }
    if (data.length > 0) this.#accept(fromOrig, dir, seq >>> 0, data, ts);
    if (fin && heldCount(dir) === 0 && seqDiff((seq + data.length) >>> 0, dir.next) <= 0) dir.finished = true;
  }

  /**
   * An acknowledgement, sent by the receiver of direction `fromOrig`: it
   * holds that direction's bytes below `ack`. A hole below it, with data
   * held after it, is capture loss and becomes a gap now, not when the
   * bounds or the flow end force it.
   */
  ack(fromOrig: boolean, ack: number, ts: number): void {
    const dir = fromOrig ? this.#orig : this.#resp;
    if (!dir.started || dir.finished) return;
    ack >>>= 0;
    const ahead = seqDiff(ack, dir.next);
    if (ahead <= 0 || ahead > MAX_ACK_AHEAD) return;
    if (!dir.acked || seqDiff(ack, dir.ackedTo) > 0) {
      dir.ackedTo = ack;
      dir.acked = true;
    }
    if (heldCount(dir) > 0) this.#skipAckedHole(fromOrig, dir, ts);
  }

  /**
   * The sequence number of a direction's first stream byte, known from its
   * SYN before this reassembler existed (the pipeline chooses an analyzer on
   * the first payload, after the handshake). Without it, a first data
   * segment that arrives out of order would be taken as the stream start and
   * the bytes before it dropped as retransmissions. Ignored once started.
   */
  begin(fromOrig: boolean, next: number): void {
    const dir = fromOrig ? this.#orig : this.#resp;
    if (dir.started) return;
    dir.started = true;
    dir.next = next >>> 0;
  }

  /**
   * Delivers whatever is still held, declaring the holes as gaps, then the
   * acknowledged bytes never seen after them (flow end).
   */
  flush(ts: number): void {
    this.#flushDirection(true, this.#orig, ts);
    this.#flushDirection(false, this.#resp, ts);
  }

  #flushDirection(fromOrig: boolean, dir: Direction, ts: number): void {
    if (dir.finished) return;
    this.#drainWithGaps(fromOrig, dir, ts);
    if (!dir.acked) return;
    // The peer acknowledges the FIN as one more sequence number: it is no data.
    const end = dir.finSeen && seqDiff(dir.ackedTo, dir.finSeq) > 0 ? dir.finSeq : dir.ackedTo;
    const tail = seqDiff(end, dir.next);
    if (tail > 0) this.#declareGap(fromOrig, dir, tail);
  }

  /** Stops work on one direction (the analyzer needs no more); releases held bytes. */
  stop(fromOrig: boolean): void {
    const dir = fromOrig ? this.#orig : this.#resp;
    dir.finished = true;
    this.#release(dir);
  }

  /** Releases everything held (flow end without delivery). */
  release(): void {
    this.#release(this.#orig);
    this.#release(this.#resp);
  }

  #release(dir: Direction): void {
    this.#budget.heldBytes -= dir.heldBytes;
    dir.heldBytes = 0;
    dir.held = null;
  }

  #accept(fromOrig: boolean, dir: Direction, seq: number, data: Uint8Array, ts: number): void {
    const diff = seqDiff(seq, dir.next);
    if (diff <= 0) {
      const skip = -diff;
      if (skip >= data.length) return; // pure retransmission
      const fresh = skip === 0 ? data : data.subarray(skip);
      dir.next = (dir.next + fresh.length) >>> 0;
      this.#consumer.data(fromOrig, fresh, ts);
      if (heldCount(dir) > 0) this.#drain(fromOrig, dir, ts);
      return;
    }
    // A hole before this segment: hold a copy if the bounds allow it.
    const limits = this.#limits;
    if (
      dir.heldBytes + data.length > limits.maxBytesPerDirection ||
      heldCount(dir) >= limits.maxSegmentsPerDirection ||
      this.#budget.heldBytes + data.length > this.#budget.maxBytes
    ) {
      this.#budget.overflows++;
      // Give up on the hole: everything held plus this segment is delivered with gaps.
      this.#insert(dir, seq, data.slice());
      this.#drainWithGaps(fromOrig, dir, ts);
      return;
    }
    // Held even when an acknowledgement seen before already covers the hole: captures
    // often show the ACK ahead of the data it acknowledges, which then follows at once.
    // The receiver's next packet, acknowledging past the hole while this waits, settles it.
    this.#insert(dir, seq, data.slice());
  }

  /**
   * Declares the acknowledged part of the hole before the first held
   * segment a gap and delivers what then continues the stream.
   */
  #skipAckedHole(fromOrig: boolean, dir: Direction, ts: number): void {
    const first = dir.held![0]!;
    const end = seqDiff(dir.ackedTo, first.seq) >= 0 ? first.seq : dir.ackedTo;
    const hole = seqDiff(end, dir.next);
    if (hole <= 0) return;
    this.#declareGap(fromOrig, dir, hole);
    this.#drain(fromOrig, dir, ts);
  }

  #declareGap(fromOrig: boolean, dir: Direction, len: number): void {
    this.#budget.gapBytes += len;
    dir.next = (dir.next + len) >>> 0;
    this.#consumer.gap(fromOrig, len);
  }

  #insert(dir: Direction, seq: number, copy: Uint8Array): void {
    const held = (dir.held ??= []);
    let i = held.length;
    while (i > 0 && seqDiff(held[i - 1]!.seq, seq) > 0) i--;
    held.splice(i, 0, { seq, data: copy });
    dir.heldBytes += copy.length;
    this.#budget.heldBytes += copy.length;
  }

  /** Delivers held segments that now continue the stream. */
  #drain(fromOrig: boolean, dir: Direction, ts: number): void {
    const held = dir.held;
    if (held === null) return;
    let taken = 0;
    while (taken < held.length) {
      const seg = held[taken]!;
      const diff = seqDiff(seg.seq, dir.next);
      if (diff > 0) break;
      taken++;
      dir.heldBytes -= seg.data.length;
      this.#budget.heldBytes -= seg.data.length;
      const skip = -diff;
      if (skip < seg.data.length) {
        const fresh = seg.data.subarray(skip);
        dir.next = (dir.next + fresh.length) >>> 0;
        this.#consumer.data(fromOrig, fresh, ts);
      }
    }
    if (taken > 0) held.splice(0, taken);
  }

  /** Delivers all held segments in order, reporting each hole as a gap. */
  #drainWithGaps(fromOrig: boolean, dir: Direction, ts: number): void {
    while (heldCount(dir) > 0) {
      const first = dir.held![0]!;
      const hole = seqDiff(first.seq, dir.next);
      if (hole > 0) this.#declareGap(fromOrig, dir, hole);
      this.#drain(fromOrig, dir, ts);
    }
  }
}
