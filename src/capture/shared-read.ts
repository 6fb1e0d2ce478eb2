/**
 * Capture files read once by a helper thread into a ring of shared buffers,
 * for one or several parsers (consumers) that may run on other threads.
 *
 * One consumer: the read-ahead of a single-threaded replay, so the copy out
 * of the page cache (a quarter of the time of a replay) runs on the other
 * core while the parser works. Several consumers: the pipeline threads of a
 * multi-threaded replay, which all parse the whole capture; the files are
 * then copied out of the page cache once, not once per thread.
 *
 * The helper reads the files in order, buffer after buffer; a buffer of 0
 * bytes marks the end of each file, -1 a read error (its message is in
 * shared memory, so a consumer on any thread can name it). A buffer is
 * reused once every consumer has released it. Each consumer walks the ring
 * in the same order, so each sees every buffer of every file exactly once.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { waitWhileEqual } from '../util/atomics-wait.js';

/** What a consumer needs, on any thread (every field can go through postMessage). */
export interface SharedReadHandle {
  data: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  error: SharedArrayBuffer;
  slots: number;
  chunk: number;
}

export interface SharedReadOptions {
  /** Parsers that each take every buffer. */
  consumers: number;
  /** Bytes per buffer. */
  chunk: number;
  /** Buffers in the ring: how far the reader may run ahead of the slowest consumer. */
  slots: number;
}

/**
 * Buffers start this many bytes past a page boundary. Measured on the
 * development VM (Linux, page-cache reads of 4 MiB): read(2) into a
 * page-aligned buffer cost 0.70 s of system time per 1.7 GB, into one 64
 * bytes further 0.18 s. The kernel's copy to user space is that much slower
 * for page-aligned destinations there; an offset costs nothing elsewhere.
 */
export const READ_SKEW = 64;
/** Longest single wait on the other side before checking for a stop. */
const WAIT_SLICE_MS = 200;
/** How long close() lets the reader notice the stop before releasing it from a named pipe's open. */
const RELEASE_AFTER_MS = 100;
/** Bytes of a read error's message kept for consumers. */
const ERROR_BYTES = 1024;

// Control words: [stop, error length, then per slot: sequence, bytes, consumers still holding it].
const CTRL_STOP = 0;
const CTRL_ERROR_LEN = 1;
const CTRL_HEADER = 2;
const SLOT_WORDS = 3;
const SLOT_SEQ = 0;
const SLOT_BYTES = 1;
const SLOT_HELD = 2;

/**
 * The reader thread's program (plain JavaScript, so it needs no module of
 * its own). Buffer number c goes to slot c % slots once no consumer holds
 * that slot; its sequence word becomes c + 1 when it is filled.
 */
const READER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { files, data, ctrl: ctrlBuf, error: errorBuf, slots, chunk, consumers } = workerData;
const ctrl = new Int32Array(ctrlBuf);
const views = [];
for (let s = 0; s < slots; s++) views.push(new Uint8Array(data, s * (chunk + ${READ_SKEW}) + ${READ_SKEW}, chunk));
let c = 0;
const stopped = () => Atomics.load(ctrl, ${CTRL_STOP}) !== 0;
function publish(n) {
  const base = ${CTRL_HEADER} + (c % slots) * ${SLOT_WORDS};
  ctrl[base + ${SLOT_BYTES}] = n;
  Atomics.store(ctrl, base + ${SLOT_HELD}, consumers);
  Atomics.store(ctrl, base + ${SLOT_SEQ}, c + 1);
  Atomics.notify(ctrl, base + ${SLOT_SEQ});
  c++;
}
function fail(err) {
  const bytes = new TextEncoder().encode(String(err && err.message)).subarray(0, ${ERROR_BYTES});
  new Uint8Array(errorBuf).set(bytes);
  ctrl[${CTRL_ERROR_LEN}] = bytes.length;
  publish(-1);
}
/** Waits until no consumer holds the next slot; false when asked to stop. */
function slotFree() {
  const held = ${CTRL_HEADER} + (c % slots) * ${SLOT_WORDS} + ${SLOT_HELD};
  for (;;) {
    if (stopped()) return false;
    const v = Atomics.load(ctrl, held);
    if (v === 0) return true;
    Atomics.wait(ctrl, held, v, ${WAIT_SLICE_MS});
  }
}
(function run() {
  for (const file of files) {
    if (!slotFree()) return;
    let fd;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      fail(err);
      return;
    }
    try {
      for (;;) {
        if (!slotFree()) return;
        let n;
        try {
          n = fs.readSync(fd, views[c % slots], 0, chunk, null);
        } catch (err) {
          fail(err);
          return;
        }
        publish(n);
        if (n === 0) break;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
})();
`;

/**
 * The owner's side: starts the reader thread on `files` and hands out the
 * handle consumers are made from. close() stops the thread and waits until
 * it is gone; a thread that dies on its own stops the ring, so no consumer
 * waits for it forever.
 *
 * A reader opening a named pipe waits in open(2) until a writer comes,
 * where it cannot see a stop, and a process cannot even exit while one of
 * its threads waits there. So when the thread is still there shortly after
 * the stop, close() opens the write end of each named pipe among the files
 * for a moment: the reader's open returns, it reads end of file and
 * stops. (A reader waiting in read(2) on a pipe whose writer stays silent
 * can only be released by that writer.)
 */
export class SharedReadRing {
  readonly handle: SharedReadHandle;
  readonly #ctrl: Int32Array;
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  readonly #files: readonly string[];

  constructor(files: string[], opts: SharedReadOptions) {
    this.#files = [...files];
    const { consumers, chunk, slots } = opts;
    const data = new SharedArrayBuffer(slots * (chunk + READ_SKEW));
    const ctrl = new SharedArrayBuffer(4 * (CTRL_HEADER + SLOT_WORDS * slots));
    const error = new SharedArrayBuffer(ERROR_BYTES);
    this.handle = { data, ctrl, error, slots, chunk };
    this.#ctrl = new Int32Array(ctrl);
    this.#worker = new Worker(READER_SOURCE, {
      eval: true,
      workerData: { files, data, ctrl, error, slots, chunk, consumers },
      // Node options of the parent (e.g. --cpu-prof) are not needed by a thread that only reads.
      execArgv: [],
    });
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', () => {
        this.#stop();
        resolve();
      });
      // An error (e.g. the thread could not start) also ends in 'exit'; keep it from being unhandled.
      this.#worker.once('error', () => undefined);
    });
  }

  #stop(): void {
    Atomics.store(this.#ctrl, CTRL_STOP, 1);
    for (let i = CTRL_HEADER; i < this.#ctrl.length; i++) Atomics.notify(this.#ctrl, i);
  }

  /** Stops the reader and waits until its thread is gone. */
  async close(): Promise<void> {
    this.#stop();
    const gone = this.#exited.then(() => true);
    if (!(await Promise.race([gone, sleep(RELEASE_AFTER_MS, false, { ref: false })]))) releasePipeOpens(this.#files);
    await this.#exited;
  }
}

/**
 * Opens and at once closes the write end of every named pipe among `files`
 * (see SharedReadRing), so a reader waiting in open(2) on one goes on.
 * Without a reader waiting, the open fails (ENXIO) and nothing happens.
 */
function releasePipeOpens(files: readonly string[]): void {
  for (const file of files) {
    try {
      if (!fs.statSync(file).isFIFO()) continue;
      fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      // no reader is waiting on it, or it is gone: nothing to release
    }
  }
}

/**
 * One parser's side of the ring: `next()` waits for the next buffer,
 * `chunk` is it, `release()` hands it back. Buffers come file after file,
 * each file ended by a buffer of 0 bytes.
 */
export class SharedReadConsumer {
  readonly #ctrl: Int32Array;
  readonly #views: Uint8Array[] = [];
  readonly #error: Uint8Array;
  readonly #slots: number;
  /** Number of the buffer next() waits for. */
  #c = 0;
  /** The buffer `next()` made current. */
  chunk: Uint8Array = new Uint8Array(0);
  /** The read error's message after `next()` returned -1. */
  error = '';

  constructor(handle: SharedReadHandle) {
    this.#ctrl = new Int32Array(handle.ctrl);
    this.#error = new Uint8Array(handle.error);
    this.#slots = handle.slots;
    for (let s = 0; s < handle.slots; s++) {
      this.#views.push(new Uint8Array(handle.data, s * (handle.chunk + READ_SKEW) + READ_SKEW, handle.chunk));
    }
  }

  /** Bytes in the next buffer (now `chunk`): 0 at the end of a file, -1 on a read error or a stopped ring (`error`). */
  async next(): Promise<number> {
    const ctrl = this.#ctrl;
    const slot = this.#c % this.#slots;
    const seq = CTRL_HEADER + slot * SLOT_WORDS + SLOT_SEQ;
    const want = this.#c + 1;
    for (;;) {
      const v = Atomics.load(ctrl, seq);
      if (v === want) break;
      if (Atomics.load(ctrl, CTRL_STOP) !== 0) {
        this.error = 'the reader thread stopped';
        return -1;
      }
      await waitWhileEqual(ctrl, seq, v, WAIT_SLICE_MS);
    }
    const n = ctrl[seq - SLOT_SEQ + SLOT_BYTES]!;
    if (n < 0) {
      this.error = new TextDecoder().decode(this.#error.slice(0, Atomics.load(ctrl, CTRL_ERROR_LEN)));
    }
    this.chunk = this.#views[slot]!;
    return n;
  }

  /** Gives the current buffer back; the reader refills it once every consumer has. */
  release(): void {
    const held = CTRL_HEADER + (this.#c % this.#slots) * SLOT_WORDS + SLOT_HELD;
    if (Atomics.sub(this.#ctrl, held, 1) === 1) Atomics.notify(this.#ctrl, held);
    this.#c++;
  }
}
