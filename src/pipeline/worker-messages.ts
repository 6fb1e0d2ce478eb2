/** Messages between the main thread and pipeline worker threads (sharded-replay.ts, pipeline-worker.ts). */
import type { SharedReadHandle } from '../capture/shared-read.js';
import type { CaptureStats } from '../capture/stats.js';
import type { DecoderOptions } from '../decode/decoder.js';
import type { AnalyzerOptions } from '../protocols/index.js';
import type { PicketEvent, PicketEventType } from '../events/types.js';
import type { FlowTrackerOptions } from '../flows/tracker.js';
import type { PipelineStats } from './pipeline.js';
import type { PackedConns } from './conn-transfer.js';
import type { Worker } from 'node:worker_threads';
import { PicketError } from '../util/errors.js';

/** How a helper thread reports the error that ended it. */
export interface WorkerFailure {
  kind: 'failed';
  /** The PicketError code, when it was one. */
  code: string | null;
  message: string;
}

/**
 * The one message a helper thread ends with, or a failure naming `what`
 * when the thread errs or exits without sending it. `onExit` runs when the
 * thread is gone.
 */
export function workerOutcome<T>(worker: Worker, what: string, onExit?: () => void): Promise<T | WorkerFailure> {
  return new Promise((resolve) => {
    worker.once('message', (msg: T) => resolve(msg));
    worker.once('error', (err) => resolve({ kind: 'failed', code: null, message: `${what} failed: ${err.message}` }));
    worker.once('exit', (code) => {
      onExit?.();
      resolve({ kind: 'failed', code: null, message: `${what} exited (code ${code}) before the end of its work` });
    });
  });
}

/** The error a failure message stands for, on the receiving thread (its code kept; PKT_ERR_PIPELINE_WORKER when it had none). */
export function failureError(msg: WorkerFailure): PicketError {
  return new PicketError(msg.code ?? 'PKT_ERR_PIPELINE_WORKER', msg.message);
}

/** The failure message for `err` (a PicketError keeps its code). */
export function workerFailure(err: unknown): WorkerFailure {
  return {
    kind: 'failed',
    code: err instanceof PicketError ? err.code : null,
    message: err instanceof Error ? err.message : String(err),
  };
}

export interface WorkerInit {
  files: string[];
  /** The ring the main thread's reader fills with `files`, read once for all workers. */
  read: SharedReadHandle;
  shard: number;
  shards: number;
  analyzers: boolean;
  /** How the analyzers are set up (plain data: it crosses to the worker thread). */
  analyzerOptions?: AnalyzerOptions;
  decoder?: DecoderOptions;
  flows: FlowTrackerOptions;
  /** Which events to send to the main thread (what its bus listens to); null sends none. */
  forward: { any: boolean; logs: boolean; types: PicketEventType[] } | null;
  /** Write logs here as `<log>.jsonl<logSuffix>` parts (only when nothing is forwarded). */
  logsDir?: string;
  logSuffix?: string;
  /** Packets per epoch: events go to the main thread once per epoch. */
  epochPackets: number;
  /** Int32 [epochs emitted by the main thread]: a worker runs at most a few epochs ahead. */
  progress: SharedArrayBuffer;
}

/**
 * A worker's events of one epoch, in the order they happened: `order[i]`
 * is 1 when the i-th is the next packed flow.end, 0 when it is the next of
 * `events`; `seq[i]` is the index in the capture of the packet whose
 * processing made it (every worker counts every packet), which is the
 * order one pipeline would have made it in.
 */
export interface EpochEvents {
  events: PicketEvent[];
  conns: PackedConns;
  order: Uint8Array;
  seq: Float64Array;
}

export type ToMain =
  | { kind: 'events'; epoch: number; events: EpochEvents }
  | {
      kind: 'finished';
      events: EpochEvents;
      stats: PipelineStats;
      capture: CaptureStats;
      logs: Record<string, number>;
    }
  | WorkerFailure;
