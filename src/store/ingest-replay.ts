/**
 * Replays capture files through the pipeline (and, when given, the detection
 * engine) straight into a store: every log record the bus carries and every
 * alert. Used by tests and by `npm start` to give the console data without a
 * sensor. The bus handler is synchronous, so records are buffered per kind and
 * handed to the store in chunks of FLUSH_ROWS; the inserts run one after the
 * other while the replay waits on file reads (the file source yields between
 * blocks). Chunks queue when the store is slower than the replay, which the
 * appender (hundreds of thousands of rows a second) rarely is.
 */
import { EventBus } from '../events/bus.js';
import type { PicketEvent } from '../events/types.js';
import type { Alert } from '../alerts/alert.js';
import { replayCaptures, type ReplayOptions, type ReplaySummary } from '../pipeline/replay.js';
import type { MetadataStore } from './types.js';
import { countSkip } from './columns.js';

/** Rows per insert: large enough for the appender to run at full speed, small enough to bound memory. */
export const FLUSH_ROWS = 10_000;

export interface IngestReplayOptions {
  /** Bus already wired to a detection engine (src/cli/detection.ts); a private one when absent. */
  bus?: EventBus;
  /** Agent name recorded with the rows (absent = local). */
  agent?: string;
  /** Extra replay options (decoder, flows, protocols). */
  replay?: Omit<ReplayOptions, 'bus'>;
  /** Called after the pipeline has finished, to flush held alerts into `addAlert` (engine.flush()). */
  beforeFinish?: () => void;
}

export interface IngestReplayResult {
  replay: ReplaySummary;
  /** Rows stored per kind. */
  stored: Record<string, number>;
  /** Rows refused, by reason. */
  skipped: Record<string, number>;
}

export interface IngestReplay {
  /** Hands an alert (from the engine's onAlert) to the store. */
  addAlert(alert: Alert): void;
  run(): Promise<IngestReplayResult>;
}

/**
 * Prepares an ingest of `files` into `store`. Call `addAlert` from the
 * engine's onAlert, then `run()`. For the common case without detection use
 * `ingestReplay`.
 */
export function createIngestReplay(store: MetadataStore, files: string[], opts: IngestReplayOptions = {}): IngestReplay {
  const bus = opts.bus ?? new EventBus();
  const buffers = new Map<string, unknown[]>();
  const stored: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown = null;

  const flush = (kind: string): void => {
    const rows = buffers.get(kind);
    if (rows === undefined || rows.length === 0) return;
    buffers.set(kind, []);
    chain = chain.then(async () => {
      if (failure !== null) return;
      try {
        const r = await store.insert(kind, rows, opts.agent);
        stored[kind] = (stored[kind] ?? 0) + r.stored;
        for (const [k, v] of Object.entries(r.skipped)) countSkip(skipped, k, v);
      } catch (err) {
        failure = err;
      }
    });
  };

  const push = (kind: string, record: unknown): void => {
    let list = buffers.get(kind);
    if (list === undefined) {
      list = [];
      buffers.set(kind, list);
    }
    list.push(record);
    if (list.length >= FLUSH_ROWS) flush(kind);
  };

  const onLog = (event: PicketEvent): void => {
    if ('log' in event && 'record' in event) push(event.log, event.record);
  };
  bus.onLog(onLog);

  return {
    addAlert(alert: Alert): void {
      push('alert', alert);
    },
    async run(): Promise<IngestReplayResult> {
      const replay = await replayCaptures(files, { ...(opts.replay ?? {}), bus });
      opts.beforeFinish?.();
      for (const kind of [...buffers.keys()]) flush(kind);
      await chain;
      if (failure !== null) throw failure;
      return { replay, stored, skipped };
    },
  };
}

/** Replays `files` and stores every log record (no detection). */
export async function ingestReplay(store: MetadataStore, files: string[], opts: IngestReplayOptions = {}): Promise<IngestReplayResult> {
  return createIngestReplay(store, files, opts).run();
}
