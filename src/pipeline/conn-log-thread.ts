/**
 * conn.jsonl written on a thread of its own: the pipeline thread copies
 * each ended flow's state (its flow-store record and its key, 360 bytes)
 * into a ring of shared batches (batch-slots.ts), and the conn log thread
 * (conn-log-worker.ts) turns them into ConnRecords and lines with the same
 * code one thread uses (buildConnRecord, writeConnRecordJson), in the same
 * order, so the file is the same byte for byte. Building the record and its
 * line is most of what a flow's end costs. Only for runs where nothing but
 * the conn log reads flow ends and no analyzer adds to them
 * (FlowTracker.endedRecords).
 */
import { Worker } from 'node:worker_threads';
import { REC_U32, RECORD_BYTES, type FlowStore } from '../flows/flow-store.js';
import { KEY_WORDS } from '../flows/flow-table.js';
import { PicketError } from '../util/errors.js';
import { END_OF_INPUT, newSlotControl, SlotProducer } from './batch-slots.js';
import { workerOutcome, type WorkerFailure } from './worker-messages.js';

/** Flows per batch. */
export const CONN_BATCH_FLOWS = 1024;
/**
 * Batches in the ring. Measured on the bench capture: with 8 the pipeline
 * thread waited about half a second for free batches (the conn log thread,
 * sharing two cores with three others, is not always running when one is
 * handed over); with 32 it no longer waits.
 */
const CONN_BATCH_SLOTS = 32;

/** The ring's memory and sizes (what the conn log thread needs to read it). */
export interface ConnLogRing {
  data: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  flows: number;
  slots: number;
}

/** Bytes of one slot: `flows` records, then their keys. */
export function connSlotBytes(flows: number): number {
  return flows * (RECORD_BYTES + KEY_WORDS * 4);
}

export interface ConnLogThreadInit {
  ring: ConnLogRing;
  logsDir: string;
  uidSeed: number;
}

export type FromConnLogThread = { kind: 'finished'; lines: number } | WorkerFailure;

export class ConnLogThread {
  readonly #worker: Worker;
  readonly #hand: SlotProducer;
  readonly #records: Uint32Array[] = [];
  readonly #keys: Uint32Array[] = [];
  readonly #flows: number;
  readonly #done: Promise<FromConnLogThread>;
  #n = 0;
  /** Set once the conn log thread stopped taking batches (it failed): later flows are not shipped. */
  #broken = false;

  constructor(logsDir: string, uidSeed: number, flows = CONN_BATCH_FLOWS) {
    const ring: ConnLogRing = {
      data: new SharedArrayBuffer(CONN_BATCH_SLOTS * connSlotBytes(flows)),
      ctrl: newSlotControl(CONN_BATCH_SLOTS),
      flows,
      slots: CONN_BATCH_SLOTS,
    };
    for (let s = 0; s < CONN_BATCH_SLOTS; s++) {
      const at = s * connSlotBytes(flows);
      this.#records.push(new Uint32Array(ring.data, at, flows * REC_U32));
      this.#keys.push(new Uint32Array(ring.data, at + flows * RECORD_BYTES, flows * KEY_WORDS));
    }
    this.#flows = flows;
    this.#hand = new SlotProducer(ring.ctrl);
    const init: ConnLogThreadInit = { ring, logsDir, uidSeed };
    this.#worker = new Worker(new URL('./conn-log-worker.js', import.meta.url), { workerData: init });
    this.#done = workerOutcome<FromConnLogThread>(this.#worker, 'conn log thread');
  }

  /** FlowTracker.endedRecords: copies the ended flow `f` into the current batch. */
  readonly sink = (s: FlowStore, words: Uint32Array, keyOffset: number, f: number): void => {
    if (this.#broken) return;
    const slot = this.#hand.slot;
    const rec = this.#records[slot]!;
    const key = this.#keys[slot]!;
    const src = s.u32;
    const from = f * REC_U32;
    const to = this.#n * REC_U32;
    for (let i = 0; i < REC_U32; i++) rec[to + i] = src[from + i]!;
    const k = this.#n * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) key[k + i] = words[keyOffset + i]!;
    if (++this.#n === this.#flows) this.#handOver();
  };

  #handOver(): void {
    this.#hand.publish(this.#n);
    this.#n = 0;
    if (!this.#hand.advance()) this.#broken = true;
  }

  /** Hands over the last flows and waits for the thread to write them; the number of lines written. */
  async finish(): Promise<number> {
    if (!this.#broken && this.#n > 0) this.#handOver();
    if (!this.#broken) this.#hand.publish(END_OF_INPUT);
    const msg = await this.#done;
    await this.#worker.terminate();
    if (msg.kind === 'failed') throw new PicketError(msg.code ?? 'PKT_ERR_PIPELINE_WORKER', msg.message);
    return msg.lines;
  }

  /** Ends the thread without waiting for its work (the run failed). */
  async abort(): Promise<void> {
    await this.#worker.terminate();
  }
}
