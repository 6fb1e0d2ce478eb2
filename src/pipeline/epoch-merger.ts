/**
 * The main thread's side of a multi-threaded replay's events: collects each
 * worker's events epoch by epoch and emits an epoch on the bus once every
 * worker has sent it, in the order one pipeline would have made them (by
 * the capture index of the packet that made each event; ties, such as
 * flows of two workers expiring at one packet, go worker by worker). After
 * each epoch it publishes how many it has emitted, which is what holds back
 * a worker that runs too far ahead.
 */
import type { EventBus } from '../events/bus.js';
import type { PicketEvent } from '../events/types.js';
import { unpackConn } from './conn-transfer.js';
import type { EpochEvents } from './worker-messages.js';

export class EpochMerger {
  readonly #bus: EventBus;
  readonly #workers: number;
  /** Int32 [epochs emitted], shared with the workers. */
  readonly #progress: Int32Array;
  readonly #epochs = new Map<number, (EpochEvents | undefined)[]>();
  #next = 0;

  constructor(bus: EventBus, workers: number, progress: Int32Array) {
    this.#bus = bus;
    this.#workers = workers;
    this.#progress = progress;
  }

  /** Worker `shard`'s events of `epoch`; emits every epoch that is now complete. */
  add(shard: number, epoch: number, events: EpochEvents): void {
    let lists = this.#epochs.get(epoch);
    if (lists === undefined) {
      lists = new Array<EpochEvents | undefined>(this.#workers).fill(undefined);
      this.#epochs.set(epoch, lists);
    }
    lists[shard] = events;
    this.#emitReady();
  }

  /** The end: emits what is complete, then every worker's last events (made after its last epoch). */
  finish(last: readonly EpochEvents[]): void {
    this.#emitReady();
    this.#emit(last);
  }

  #emitReady(): void {
    for (;;) {
      const lists = this.#epochs.get(this.#next);
      if (lists === undefined || lists.some((l) => l === undefined)) return;
      this.#epochs.delete(this.#next);
      this.#next++;
      this.#emit(lists as EpochEvents[]);
      Atomics.store(this.#progress, 0, this.#next);
      Atomics.notify(this.#progress, 0);
    }
  }

  #emit(lists: readonly EpochEvents[]): void {
    const bus = this.#bus;
    const cursors = lists.filter((l) => l.order.length > 0).map((l) => new EpochCursor(l));
    if (cursors.length === 1) {
      const only = cursors[0]!;
      while (!only.done) bus.emit(only.next());
      return;
    }
    for (;;) {
      let best: EpochCursor | null = null;
      for (const c of cursors) if (!c.done && (best === null || c.seq < best.seq)) best = c;
      if (best === null) return;
      bus.emit(best.next());
    }
  }
}

/** Walks one worker's events of an epoch in their order, unpacking flow.end records as they come. */
class EpochCursor {
  readonly #epoch: EpochEvents;
  #at = 0;
  #event = 0;
  #conn = 0;

  constructor(epoch: EpochEvents) {
    this.#epoch = epoch;
  }

  get done(): boolean {
    return this.#at >= this.#epoch.order.length;
  }

  /** Capture index of the packet that made the next event (call only when not done). */
  get seq(): number {
    return this.#epoch.seq[this.#at]!;
  }

  next(): PicketEvent {
    const e = this.#epoch;
    return e.order[this.#at++] === 1 ? unpackConn(e.conns, this.#conn++) : e.events[this.#event++]!;
  }
}
