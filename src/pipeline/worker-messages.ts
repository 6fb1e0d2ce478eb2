/** Messages between the main thread and pipeline worker threads (sharded-replay.ts, pipeline-worker.ts). */
import type { SharedReadHandle } from '../capture/shared-read.js';
import type { CaptureStats } from '../capture/stats.js';
import type { DecoderOptions } from '../decode/decoder.js';
import type { PicketEvent, PicketEventType } from '../events/types.js';
import type { FlowTrackerOptions } from '../flows/tracker.js';
import type { PipelineStats } from './pipeline.js';
import type { PackedConns } from './conn-transfer.js';

export interface WorkerInit {
  files: string[];
  /** The ring the main thread's reader fills with `files`, read once for all workers. */
  read: SharedReadHandle;
  shard: number;
  shards: number;
  analyzers: boolean;
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
  | { kind: 'failed'; code: string | null; message: string };
