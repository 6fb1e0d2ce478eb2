/**
 * Replay on several threads. Each worker thread parses the whole capture,
 * from buffers one reader thread fills for all of them (each file is read
 * once), and runs a whole ordinary Pipeline on its share of the traffic,
 * chosen per address pair (flow-shard.ts), so every flow, fragment and
 * DHCP transaction is seen by exactly one worker; the other packets only
 * move that worker's clock, so flows time out as in one pipeline.
 *
 * Everything after the pipeline stays on this thread: when the bus
 * listens to events (detectors, the store, a caller's onEvent), workers
 * send them once per epoch (EPOCH_PACKETS capture packets) and this thread
 * emits an epoch when every worker has sent it, the workers' lists merged
 * by the capture index of the packet that made each event (the order of one
 * pipeline); logs are then written here from those events. When the bus
 * listens to nothing, each worker writes its own part of every log and the
 * parts are joined at the end (part after part: lines are grouped by
 * worker, not interleaved by time).
 *
 * What differs from one pipeline: the order of events that one packet
 * makes on several workers at once (flows of both expiring together, and
 * the end of the capture), the order of log lines, uids (each worker numbers its flows in its own residue
 * class, so they stay unique), and `flows.maxLive`, the sum of the
 * workers' peaks. The flow limit is split evenly between workers. Only
 * files can be read this way (the reader opens them by name), not standard
 * input.
 */
import { Worker } from 'node:worker_threads';
import { REGULAR_READ_CHUNK, STDIN_PATH } from '../capture/file-source.js';
import { SharedReadRing } from '../capture/shared-read.js';
import type { AnalyzerOptions } from '../protocols/index.js';
import type { CaptureStats } from '../capture/stats.js';
import type { DecoderOptions } from '../decode/decoder.js';
import type { EventBus } from '../events/bus.js';
import { DEFAULT_MAX_FLOWS, type FlowTrackerOptions } from '../flows/tracker.js';
import { JsonlLogWriter } from '../logs/jsonl-writer.js';
import { joinLogParts, removeLogParts } from '../logs/log-parts.js';
import { PicketError } from '../util/errors.js';
import type { PipelineStats } from './pipeline.js';
import { sumPipelineStats } from './stats-sum.js';
import { EpochMerger } from './epoch-merger.js';
import { failureError, type EpochEvents, type ToMain, type WorkerInit } from './worker-messages.js';

/** Most pipeline workers accepted. */
export const MAX_PIPELINE_WORKERS = 16;
/**
 * Read buffers in the ring all workers parse: the reader may run this many
 * buffers ahead of the slowest worker, and one worker as far ahead of another.
 */
export const SHARED_READ_SLOTS = 8;
/** Capture packets per epoch: how often workers hand their events over. */
export const EPOCH_PACKETS = 16_384;

export interface ShardedReplayOptions {
  files: string[];
  bus: EventBus;
  /** Worker threads, 2..MAX_PIPELINE_WORKERS. */
  workers: number;
  /** Run every shipped analyzer (true) or connection tracking only. */
  analyzers: boolean;
  /** How the analyzers are set up (the site's `files.hashes`). */
  analyzerOptions?: AnalyzerOptions;
  decoder?: DecoderOptions;
  flows?: FlowTrackerOptions;
  logsDir?: string;
}

export interface ShardedReplayResult {
  capture: CaptureStats;
  pipeline: PipelineStats;
  logs?: Record<string, number>;
}

interface Finished {
  events: EpochEvents;
  stats: PipelineStats;
  capture: CaptureStats;
  logs: Record<string, number>;
}

export async function runShardedReplay(opts: ShardedReplayOptions): Promise<ShardedReplayResult> {
  const n = opts.workers;
  if (!Number.isInteger(n) || n < 2 || n > MAX_PIPELINE_WORKERS) {
    throw new PicketError('PKT_ERR_PIPELINE_WORKERS', `pipeline workers must be an integer from 2 to ${MAX_PIPELINE_WORKERS}, got ${String(n)}`);
  }
  if (opts.files.includes(STDIN_PATH)) {
    throw new PicketError('PKT_ERR_PIPELINE_WORKERS', 'pipeline workers read capture files; standard input needs a single pipeline (workers: 1)');
  }
  const bus = opts.bus;
  const listening = bus.listening();
  const busWantsEvents = listening.any || listening.logs || listening.types.length > 0;
  // Logs are written here only when events come here anyway.
  const mainWriter = busWantsEvents && opts.logsDir !== undefined ? new JsonlLogWriter(opts.logsDir) : null;
  if (mainWriter !== null) bus.onLog(mainWriter.handle);
  // Asked again: the log writer just subscribed, so workers must now send log events too.
  const forward = busWantsEvents ? bus.listening() : null;
  const partSuffixes = Array.from({ length: n }, (_, i) => `.part${i}`);

  const flows = opts.flows ?? {};
  const maxFlows = flows.maxFlows ?? DEFAULT_MAX_FLOWS;
  // One seed for all, distinct flow numbers per worker: uids stay unique across workers.
  const uidSeed = flows.uidSeed ?? Math.floor(Math.random() * 4294967296);
  const progress = new Int32Array(new SharedArrayBuffer(4));

  const ring = new SharedReadRing(opts.files, { consumers: n, chunk: REGULAR_READ_CHUNK, slots: SHARED_READ_SLOTS });
  const workers: Worker[] = [];
  const finished: (Finished | undefined)[] = new Array<Finished | undefined>(n).fill(undefined);
  const merger = new EpochMerger(bus, n, progress);

  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      for (let shard = 0; shard < n; shard++) {
        const init: WorkerInit = {
          files: opts.files,
          read: ring.handle,
          shard,
          shards: n,
          analyzers: opts.analyzers,
          ...(opts.analyzerOptions !== undefined ? { analyzerOptions: opts.analyzerOptions } : {}),
          ...(opts.decoder !== undefined ? { decoder: opts.decoder } : {}),
          flows: { ...flows, maxFlows: Math.max(1, Math.ceil(maxFlows / n)), uidSeed, flowNumbers: { first: shard, step: n } },
          forward,
          ...(forward === null && opts.logsDir !== undefined ? { logsDir: opts.logsDir, logSuffix: partSuffixes[shard]! } : {}),
          epochPackets: EPOCH_PACKETS,
          progress: progress.buffer as SharedArrayBuffer,
        };
        const worker = new Worker(new URL('./pipeline-worker.js', import.meta.url), { workerData: init });
        workers.push(worker);
        worker.on('message', (msg: ToMain) => {
          try {
            if (msg.kind === 'events') {
              merger.add(shard, msg.epoch, msg.events);
            } else if (msg.kind === 'finished') {
              finished[shard] = msg;
              if (++done === n) {
                merger.finish(finished.map((f) => f!.events));
                resolve();
              }
            } else {
              reject(failureError(msg));
            }
          } catch (err) {
            reject(err as Error);
          }
        });
        worker.on('error', (err) => reject(new PicketError('PKT_ERR_PIPELINE_WORKER', `pipeline worker ${shard} failed: ${err.message}`, { cause: err })));
        worker.on('exit', (code) => {
          if (finished[shard] === undefined) reject(new PicketError('PKT_ERR_PIPELINE_WORKER', `pipeline worker ${shard} exited (code ${code}) before the end of the input`));
        });
      }
    });
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    // Cleanup must not replace the error that stopped the run (a logs
    // "folder" that is a file makes the listing fail too).
    if (opts.logsDir !== undefined) {
      try {
        removeLogParts(opts.logsDir, partSuffixes);
      } catch {
        // the parts stay; the run's own error says what went wrong
      }
    }
    throw err;
  } finally {
    mainWriter?.close();
    await Promise.all(workers.map((w) => w.terminate()));
    await ring.close();
  }

  mainWriter?.check();
  const parts = finished as Finished[];
  const pipeline = sumPipelineStats(parts.map((f) => f.stats));
  for (const [type, count] of bus.handlerErrors) pipeline.handlerErrors[type] = (pipeline.handlerErrors[type] ?? 0) + count;
  let logs: Record<string, number> | undefined;
  if (mainWriter !== null) {
    logs = mainWriter.counts();
  } else if (opts.logsDir !== undefined) {
    joinLogParts(opts.logsDir, partSuffixes);
    logs = {};
    for (const f of parts) for (const [name, count] of Object.entries(f.logs)) logs[name] = (logs[name] ?? 0) + count;
  }
  // Every worker read the same input: any one's capture statistics are the capture's.
  return { capture: parts[0]!.capture, pipeline, ...(logs !== undefined ? { logs } : {}) };
}

