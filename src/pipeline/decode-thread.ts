/**
 * A pipeline whose decoding runs on a second thread: the decode thread
 * (decode-worker.ts) reads the capture files and decodes every packet, and
 * this thread runs the rest of the pipeline (flows, analyzers, events) on
 * the decoded packets it hands over (packet-batch.ts). Unlike sharded
 * pipelines (sharded-replay.ts) nothing is done twice and nothing changes
 * order: events, logs and uids are exactly those of one thread. What moves
 * is reading, capture parsing and decoding, about a quarter of the work of
 * a connection-log replay.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { CaptureStats } from '../capture/stats.js';
import type { DecodeStats } from '../decode/counters.js';
import { DecodedPacket } from '../decode/decoded.js';
import type { DecoderOptions } from '../decode/decoder.js';
import { BatchReader, newBatchRing, type BatchRing } from './packet-batch.js';
import { END_OF_INPUT, FAILED } from './batch-slots.js';
import type { Pipeline } from './pipeline.js';
import { failureError, workerOutcome, type WorkerFailure } from './worker-messages.js';

export interface DecodeThreadInit {
  files: string[];
  ring: BatchRing;
  /** Copy payload bytes (the pipeline runs analyzers). */
  payloads: boolean;
  decoder?: DecoderOptions;
}

export type FromDecodeThread = { kind: 'finished'; capture: CaptureStats; decode: DecodeStats } | WorkerFailure;

/** Batches between event-loop turns (signals and timers are still served during a long replay). */
const BATCHES_PER_TURN = 64;

/**
 * Feeds `pipeline` every packet of `files`, decoded on a second thread.
 * Returns the capture statistics and the decoder's (the pipeline's own
 * decoder is not used). The caller calls `pipeline.finish()`.
 */
export async function runDecodeThread(
  files: string[],
  pipeline: Pipeline,
  opts: { payloads: boolean; decoder?: DecoderOptions; batchRecords?: number; batchPayloadBytes?: number },
): Promise<{ capture: CaptureStats; decode: DecodeStats }> {
  const ring = newBatchRing(opts.batchRecords, opts.payloads ? opts.batchPayloadBytes : 0);
  const init: DecodeThreadInit = { files, ring, payloads: opts.payloads, ...(opts.decoder !== undefined ? { decoder: opts.decoder } : {}) };
  const worker = new Worker(new URL('./decode-worker.js', import.meta.url), { workerData: init });
  let exited = false;
  const done = workerOutcome<FromDecodeThread>(worker, 'decode thread', () => {
    exited = true;
  });
  const reader = new BatchReader(ring);
  const d = new DecodedPacket();
  let batches = 0;
  try {
    for (;;) {
      const n = await reader.next(() => !exited);
      if (n === END_OF_INPUT || n === FAILED) break;
      for (let i = 0; i < n; i++) {
        const carrier = reader.carrierKind(i);
        if (carrier === 0) pipeline.decodedPacket(d, reader.ts(i), reader.caplen(i), reader.read(i, d));
        else if (reader.read(i, d)) pipeline.carrierPacket(d, carrier);
      }
      reader.release();
      if (++batches % BATCHES_PER_TURN === 0) await nextTurn();
    }
  } catch (err) {
    reader.stop();
    await worker.terminate();
    throw err;
  }
  reader.stop();
  const msg = await done;
  await worker.terminate();
  if (msg.kind === 'failed') throw failureError(msg);
  return { capture: msg.capture, decode: msg.decode };
}
