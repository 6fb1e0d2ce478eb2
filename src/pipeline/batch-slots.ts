/**
 * The hand-over protocol of a one-producer, one-consumer ring of batches in
 * shared memory (packet-batch.ts, conn-log-thread.ts): one Int32 word per
 * slot, 0 while the slot is free, the number of records once the producer
 * filled it, END_OF_INPUT after the last batch, FAILED when the producer
 * stopped on an error; and a stop word the consumer sets to end the
 * producer early. Slots are taken in order by both sides.
 */
import { waitWhileEqual } from '../util/atomics-wait.js';

/** Slot word of a batch after the last one. */
export const END_OF_INPUT = -1;
/** Slot word when the producer failed (its error travels separately). */
export const FAILED = -2;

const CTRL_STOP = 0;
/** Longest single wait before checking for a stop or a dead peer. */
const WAIT_SLICE_MS = 200;

/** Control words for `slots` slots. */
export function newSlotControl(slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (1 + slots));
}

/** The filling side (it may block: it runs on a thread of its own). */
export class SlotProducer {
  readonly #ctrl: Int32Array;
  readonly #slots: number;
  /** The slot being filled. */
  slot = 0;

  constructor(ctrl: SharedArrayBuffer) {
    this.#ctrl = new Int32Array(ctrl);
    this.#slots = this.#ctrl.length - 1;
  }

  /** True once the consumer asked to stop. */
  get stopped(): boolean {
    return Atomics.load(this.#ctrl, CTRL_STOP) !== 0;
  }

  /** Slots handed over and not yet taken back by the consumer. */
  filled(): number {
    let n = 0;
    for (let i = 1; i < this.#ctrl.length; i++) if (Atomics.load(this.#ctrl, i) > 0) n++;
    return n;
  }

  /** Hands the current slot over with `value` (a count, END_OF_INPUT or FAILED). */
  publish(value: number): void {
    const word = 1 + this.slot;
    Atomics.store(this.#ctrl, word, value);
    Atomics.notify(this.#ctrl, word);
  }

  /** Moves to the next slot and waits until it is free; false when asked to stop. */
  advance(): boolean {
    this.slot = (this.slot + 1) % this.#slots;
    const ctrl = this.#ctrl;
    const word = 1 + this.slot;
    for (;;) {
      if (this.stopped) return false;
      const v = Atomics.load(ctrl, word);
      if (v === 0) return true;
      Atomics.wait(ctrl, word, v, WAIT_SLICE_MS);
    }
  }
}

/** The taking side (it waits asynchronously, so its thread's event loop keeps running). */
export class SlotConsumer {
  readonly #ctrl: Int32Array;
  readonly #slots: number;
  /** The slot being read. */
  slot = 0;

  constructor(ctrl: SharedArrayBuffer) {
    this.#ctrl = new Int32Array(ctrl);
    this.#slots = this.#ctrl.length - 1;
  }

  /**
   * Waits for the current slot: its record count, END_OF_INPUT or FAILED.
   * `alive` is asked between waits: false ends the wait with FAILED (the producer is gone).
   */
  async next(alive: () => boolean): Promise<number> {
    const ctrl = this.#ctrl;
    const word = 1 + this.slot;
    for (;;) {
      const v = Atomics.load(ctrl, word);
      if (v !== 0) return v;
      if (!alive()) return FAILED;
      await waitWhileEqual(ctrl, word, 0, WAIT_SLICE_MS);
    }
  }

  /** Gives the current slot back to the producer and moves to the next. */
  release(): void {
    const word = 1 + this.slot;
    Atomics.store(this.#ctrl, word, 0);
    Atomics.notify(this.#ctrl, word);
    this.slot = (this.slot + 1) % this.#slots;
  }

  /** Asks the producer to stop (it notices while waiting for a free slot). */
  stop(): void {
    Atomics.store(this.#ctrl, CTRL_STOP, 1);
    for (let i = 1; i < this.#ctrl.length; i++) Atomics.notify(this.#ctrl, i);
  }
}
