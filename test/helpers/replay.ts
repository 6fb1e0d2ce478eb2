/**
 * Replays captures through the real pipeline and returns every event, for
 * conformance tests of decoders, flows and analyzers.
 */
import type { PicketEvent } from '../../src/events/types.js';
import type { ProtocolSpec } from '../../src/protocols/analyzer.js';
import { replayCaptures, type ReplaySummary } from '../../src/pipeline/replay.js';

export async function replayEvents(files: string[], protocols?: readonly ProtocolSpec[]): Promise<PicketEvent[]> {
  const events: PicketEvent[] = [];
  await replayCaptures(files, { onEvent: (e) => events.push(e), ...(protocols !== undefined ? { protocols } : {}) });
  return events;
}

export async function replayWithSummary(
  files: string[],
  protocols?: readonly ProtocolSpec[],
): Promise<{ events: PicketEvent[]; summary: ReplaySummary }> {
  const events: PicketEvent[] = [];
  const summary = await replayCaptures(files, {
    onEvent: (e) => events.push(e),
    ...(protocols !== undefined ? { protocols } : {}),
  });
  return { events, summary };
}
