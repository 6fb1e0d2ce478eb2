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
 *
 * The end of the capture ends every live flow at once (often a hundred
 * thousand), and one thread formatting them all left the other core idle
 * at the end of the run. So `splitTail` ships the first part of that flush
 * and has this thread write the rest itself, to a part file appended once
 * the conn log thread is done: the same lines in the same order. The split
 * evens out the two threads' remaining work, counting what is still queued.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { F_UID_NUM, REC_F64, REC_U32, RECORD_BYTES, type FlowStore } from '../flows/flow-store.js';
import { buildConnRecord } from '../flows/record.js';
import { makeUid } from '../flows/uid.js';
import { JsonlLogWriter } from '../logs/jsonl-writer.js';
import { appendLogPart } from '../logs/log-parts.js';
import { KEY_WORDS } from '../flows/flow-table.js';
import { END_OF_INPUT, newSlotControl, SlotProducer } from './batch-slots.js';
import { failureError, workerOutcome, type WorkerFailure } from './worker-messages.js';

/** Flows per batch. */
export const CONN_BATCH_FLOWS = 1024;
/**
 * Batches in the ring. Measured on the bench capture: with 8 the pipeline
 * thread waited about half a second for free batches (the conn log thread,
 * sharing two cores with three others, is not always running when one is
 * handed over); with 32 it no longer waited before the end of the capture.
 * 96 also hold the shipped part of the final flush without waiting (see
 * splitTail).
 */
const CONN_BATCH_SLOTS = 96;

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

/**
 * Share of the remaining conn lines (queued and flushed) this thread
 * writes at the end. Measured on the bench capture, the time after the
 * last packet went from 0.45-0.59 s to 0.39-0.53 s with half; 0.4 measured
 * the same as half.
 */
const HERE_SHARE = 0.5;

/** The part file of the final flush's part written here, appended to conn.jsonl at the end. */
const TAIL_SUFFIX = '.tail';

/** Writes the conn line of ended flow `f` (its record in `store`, its key at `keyOffset` in `words`). */
export function writeEndedFlow(writer: JsonlLogWriter, store: FlowStore, words: Uint32Array, keyOffset: number, f: number, uidSeed: number): void {
  const uid = makeUid(uidSeed, store.f64[f * REC_F64 + F_UID_NUM]!);
  writer.write('conn', buildConnRecord(store, words, keyOffset, f, uid, uidSeed));
}

export class ConnLogThread {
  readonly #worker: Worker;
  readonly #hand: SlotProducer;
  readonly #records: Uint32Array[] = [];
  readonly #keys: Uint32Array[] = [];
  readonly #flows: number;
  readonly #done: Promise<FromConnLogThread>;
  readonly #logsDir: string;
  readonly #uidSeed: number;
  #n = 0;
  /** Set once the conn log thread stopped taking batches (it failed): later flows are not shipped. */
  #broken = false;
  /** During the final flush: flows still to ship before this thread writes the rest itself. */
  #shipLeft = 0;
  /** This thread's writer of its part of the final flush (splitTail). */
  #tail: JsonlLogWriter | null = null;

  constructor(logsDir: string, uidSeed: number, flows = CONN_BATCH_FLOWS) {
    this.#logsDir = logsDir;
    this.#uidSeed = uidSeed;
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
    if (this.#tail !== null) {
      if (this.#shipLeft === 0) {
        writeEndedFlow(this.#tail, s, words, keyOffset, f, this.#uidSeed);
        return;
      }
      this.#shipLeft--;
    }
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

  /** Removes this thread's part of the final flush (the run failed). */
  #removeTail(): void {
    if (this.#tail !== null) fs.rmSync(path.join(this.#logsDir, `conn.jsonl${TAIL_SUFFIX}`), { force: true });
  }

  #handOver(): void {
    this.#hand.publish(this.#n);
    this.#n = 0;
    if (!this.#hand.advance()) this.#broken = true;
  }

  /**
   * The next `flows` ended flows are the final flush. The conn log thread
   * still has the queued batches and the current one to write; of the flush
   * it gets as many as even out the two threads' work, and this thread
   * writes the rest.
   */
  splitTail(flows: number): void {
    const queued = this.#n + this.#hand.filled() * this.#flows;
    const here = Math.max(0, Math.min(flows, Math.floor((queued + flows) * HERE_SHARE)));
    this.#shipLeft = flows - here;
    this.#tail = new JsonlLogWriter(this.#logsDir, ['conn'], TAIL_SUFFIX);
  }

  /** Hands over the last flows and waits for the thread to write them; the number of lines written. */
  async finish(): Promise<number> {
    if (!this.#broken && this.#n > 0) this.#handOver();
    if (!this.#broken) this.#hand.publish(END_OF_INPUT);
    const tail = this.#tail;
    tail?.close();
    const msg = await this.#done;
    await this.#worker.terminate();
    if (msg.kind === 'failed') {
      this.#removeTail();
      throw failureError(msg);
    }
    if (tail === null) return msg.lines;
    try {
      tail.check();
    } catch (err) {
      this.#removeTail();
      throw err;
    }
    const tailLines = tail.counts()['conn'] ?? 0;
    if (tailLines > 0) appendLogPart(this.#logsDir, 'conn', TAIL_SUFFIX);
    return msg.lines + tailLines;
  }
}
