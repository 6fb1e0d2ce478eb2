/**
 * Adds up the statistics of several pipelines (the workers of a
 * multi-threaded one): every number is summed, field by field and reason
 * by reason, so counts by reason keep their names.
 */
import type { PipelineStats } from './pipeline.js';

type Counts = { [key: string]: number | Counts };

function addInto(target: Counts, source: Counts): void {
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'number') {
      const cur = target[key];
      target[key] = (typeof cur === 'number' ? cur : 0) + value;
    } else if (value !== null && typeof value === 'object') {
      let sub = target[key];
      if (sub === undefined || typeof sub === 'number') {
        sub = {};
        target[key] = sub;
      }
      addInto(sub, value);
    }
  }
}

/** The sum of `parts` (an empty pipeline's shape when there are none). */
export function sumPipelineStats(parts: readonly PipelineStats[]): PipelineStats {
  const total: PipelineStats = {
    packets: 0,
    bytes: 0,
    decoded: 0,
    malformed: {},
    unsupported: {},
    fragments: { seen: 0, reassembled: 0, pending: 0, expired: 0, dropped: 0 },
    tunnels: {},
    anomalies: {},
    flows: { created: 0, live: 0, maxLive: 0, ended: 0, evicted: 0, untracked: 0 },
    app: { flows: {}, anomalies: {}, exceptions: {}, abandoned: {} },
    reassembly: { heldBytes: 0, overflows: 0, gapBytes: 0 },
    handlerErrors: {},
  };
  for (const part of parts) addInto(total as unknown as Counts, part as unknown as Counts);
  return total;
}
