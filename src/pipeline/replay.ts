/**
 * Offline analysis: read capture files through the pipeline, optionally
 * writing JSON-lines logs, and report what was seen.
 */
import { openCaptureFiles, STDIN_PATH, type CaptureStats } from '../capture/file-source.js';
import { createCaptureStats } from '../capture/stats.js';
import { EventBus } from '../events/bus.js';
import type { PicketEvent } from '../events/types.js';
import type { ProtocolSpec } from '../protocols/analyzer.js';
import { createProtocols, type AnalyzerOptions } from '../protocols/index.js';
import type { DecoderOptions } from '../decode/decoder.js';
import type { FlowTrackerOptions } from '../flows/tracker.js';
import { JsonlLogWriter } from '../logs/jsonl-writer.js';
import { Pipeline, type PipelineStats } from './pipeline.js';
import { runShardedReplay } from './sharded-replay.js';
import { runDecodeThread } from './decode-thread.js';
import { ConnLogThread } from './conn-log-thread.js';
import type { DecodeStats } from '../decode/counters.js';
import { PicketError } from '../util/errors.js';
import { checkCaptureFiles } from '../capture/capture-check.js';
import { checkLogsDir } from '../logs/logs-dir.js';
import { clearEarlierLogs } from '../logs/log-names.js';

export interface ReplayOptions {
  /** Bus to publish on (detectors subscribe to it); a private one when absent. */
  bus?: EventBus;
  /** Called for every event (after the bus's own subscribers are set up). */
  onEvent?: (event: PicketEvent) => void;
  /** Analyzers to run; every shipped analyzer when absent. */
  protocols?: readonly ProtocolSpec[];
  /** How the shipped analyzers are set up when `protocols` is absent (the site's `files.hashes`). */
  analyzers?: AnalyzerOptions;
  /** Write `<log>.jsonl` files here. */
  logsDir?: string;
  decoder?: DecoderOptions;
  flows?: FlowTrackerOptions;
  /** Called once the pipeline exists, before the first packet (e.g. to wire detectors). Single-threaded runs only. */
  onPipeline?: (pipeline: Pipeline) => void;
  /**
   * Pipeline threads (default 1: the pipeline runs on this thread). With 2
   * or more, the traffic is split by address pair between worker threads
   * (sharded-pipeline.ts); `protocols` must then be absent (every analyzer)
   * or empty (none).
   */
  workers?: number;
  /**
   * Decode on a second thread (decode-thread.ts), with `workers` 1: the
   * same output as one thread, with reading, capture parsing and decoding
   * moved off the pipeline's thread. When nothing but the log writer reads
   * flow ends and no analyzer runs (`protocols` empty), conn.jsonl is also
   * built and written on a thread of its own (conn-log-thread.ts), still
   * byte for byte what one thread writes. An object sets the hand-over batch
   * sizes (tests use small ones).
   */
  decodeThread?: boolean | { batchRecords?: number; batchPayloadBytes?: number; connBatchFlows?: number };
}

export interface ReplaySummary {
  capture: CaptureStats;
  pipeline: PipelineStats;
  /** Wall-clock seconds the replay took. */
  elapsed: number;
  /** Lines written per log, when logsDir was set. */
  logs?: Record<string, number>;
  /** Pipeline threads, when more than one. */
  workers?: number;
  /** True when packets were decoded on a thread of their own (ReplayOptions.decodeThread). */
  decodeThread?: boolean;
  /** True when conn.jsonl was written on a thread of its own (see ReplayOptions.decodeThread). */
  connLogThread?: boolean;
}

export async function replayCaptures(files: string[], opts: ReplayOptions = {}): Promise<ReplaySummary> {
  // Before anything is analysed or written: a bad file late in the list must
  // not throw away the analysis (and the logs) of the files before it.
  await checkCaptureFiles(files);
  if (opts.logsDir !== undefined) {
    checkLogsDir(opts.logsDir);
    clearEarlierLogs(opts.logsDir);
  }
  const bus = opts.bus ?? new EventBus();
  if (opts.onEvent !== undefined) bus.onAny(opts.onEvent);
  const workers = opts.workers ?? 1;
  if (workers > 1) {
    if (opts.decodeThread !== undefined && opts.decodeThread !== false) {
      throw new PicketError('PKT_ERR_PIPELINE_WORKERS', 'a decode thread serves one pipeline thread (workers: 1)');
    }
    return replaySharded(files, opts, bus, workers);
  }
  const decodeThread = opts.decodeThread ?? false;
  if (decodeThread !== false && files.includes(STDIN_PATH)) {
    throw new PicketError('PKT_ERR_PIPELINE_WORKERS', 'the decode thread reads capture files; standard input is read on the pipeline thread');
  }
  const writer = opts.logsDir === undefined ? null : new JsonlLogWriter(opts.logsDir);
  if (writer !== null) bus.onLog(writer.handle);
  const pipeline = new Pipeline({
    bus,
    protocols: opts.protocols ?? createProtocols(opts.analyzers),
    ...(opts.decoder !== undefined ? { decoder: opts.decoder } : {}),
    ...(opts.flows !== undefined ? { flows: opts.flows } : {}),
  });
  opts.onPipeline?.(pipeline);
  pipeline.refreshSubscriptions();
  const started = process.hrtime.bigint();
  const connLog = connLogThreadFor(opts, bus, writer, pipeline);
  let fed: Fed = { capture: createCaptureStats() };
  let failure: { error: unknown } | null = null;
  try {
    fed = await feed(files, pipeline, opts);
  } catch (error) {
    failure = { error };
  }
  // Flows still open are logged even when reading failed, as far as it got.
  let connLines = 0;
  try {
    // The end of the input ends every live flow: their lines are split between two threads.
    connLog?.splitTail(pipeline.tracker.stats.live);
    pipeline.finish();
    if (connLog !== null) connLines = await connLog.finish();
  } finally {
    writer?.close();
  }
  if (failure !== null) throw failure.error;
  writer?.check();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    capture: fed.capture,
    pipeline: pipeline.stats(fed.decoding),
    elapsed,
    ...(writer !== null ? { logs: connLines > 0 ? { ...writer.counts(), conn: connLines } : writer.counts() } : {}),
    ...(decodeThread !== false ? { decodeThread: true } : {}),
    ...(connLog !== null ? { connLogThread: true } : {}),
  };
}

/** What feeding the pipeline reports: the capture's statistics, and the decoder's when it ran on its own thread. */
interface Fed {
  capture: CaptureStats;
  decoding?: DecodeStats;
}

/** Runs every packet of `files` through `pipeline`: read and decoded here, or on a decode thread. */
async function feed(files: string[], pipeline: Pipeline, opts: ReplayOptions): Promise<Fed> {
  const decodeThread = opts.decodeThread ?? false;
  if (decodeThread === false) return { capture: await openCaptureFiles(files).run((pkt) => pipeline.packet(pkt)) };
  const protocols = opts.protocols ?? null;
  const { capture, decode } = await runDecodeThread(files, pipeline, {
    payloads: protocols === null || protocols.length > 0,
    ...(decodeThread === true ? {} : { batchRecords: decodeThread.batchRecords, batchPayloadBytes: decodeThread.batchPayloadBytes }),
    ...(opts.decoder !== undefined ? { decoder: opts.decoder } : {}),
  });
  return { capture, decoding: decode };
}

/**
 * A conn log thread for this run, or null: only with a decode thread, a
 * log writer, no analyzers, and nothing but the writer reading flow ends
 * (an analyzer adds services to the records, a listener needs them here).
 */
function connLogThreadFor(opts: ReplayOptions, bus: EventBus, writer: JsonlLogWriter | null, pipeline: Pipeline): ConnLogThread | null {
  const decodeThread = opts.decodeThread ?? false;
  if (decodeThread === false || writer === null) return null;
  if (opts.protocols === undefined || opts.protocols.length > 0) return null;
  if (bus.has('flow.end') || bus.logListeners !== 1) return null;
  const connLog = new ConnLogThread(writer.dir, pipeline.tracker.uidSeed, decodeThread === true ? undefined : decodeThread.connBatchFlows);
  pipeline.tracker.endedRecords = connLog.sink;
  return connLog;
}

async function replaySharded(files: string[], opts: ReplayOptions, bus: EventBus, workers: number): Promise<ReplaySummary> {
  if (opts.onPipeline !== undefined) {
    throw new PicketError('PKT_ERR_PIPELINE_WORKERS', 'onPipeline needs the single-threaded pipeline (workers: 1)');
  }
  if (opts.protocols !== undefined && opts.protocols.length > 0) {
    throw new PicketError('PKT_ERR_PIPELINE_WORKERS', 'with pipeline workers the analyzers are all or none: leave protocols unset or empty');
  }
  const started = process.hrtime.bigint();
  const result = await runShardedReplay({
    files,
    bus,
    workers,
    analyzers: opts.protocols === undefined,
    ...(opts.analyzers !== undefined ? { analyzerOptions: opts.analyzers } : {}),
    ...(opts.decoder !== undefined ? { decoder: opts.decoder } : {}),
    ...(opts.flows !== undefined ? { flows: opts.flows } : {}),
    ...(opts.logsDir !== undefined ? { logsDir: opts.logsDir } : {}),
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...result, elapsed, workers };
}
