/**
 * How a sensor's capture ends, shared by `picket sensor` and the networked
 * sensor (src/agents/sensor-agent.ts). A live tcpdump that fails after
 * packets were seen is not a start failure: what was seen must still be
 * ended, logged, alerted on and summarised before the error is reported,
 * so the failure is handed back instead of thrown. A stream that turned
 * invalid stops capture with its offset in the summary, and is not a clean
 * stop either.
 */
import type { CaptureSource } from '../capture/file-source.js';
import type { LiveCaptureSource } from '../capture/live-source.js';
import type { CaptureStats } from '../capture/stats.js';
import type { PacketHandler } from '../capture/packet.js';

export interface CaptureEnd {
  capture: CaptureStats;
  /** The live capture's error after packets were seen (throw it once the run is finished), else null. */
  failure: unknown;
}

/**
 * Runs `source`. An error is thrown at once when nothing was seen yet
 * (`packetsSeen() === 0`) or the source is not the live one (`live`);
 * otherwise it comes back in `failure`, with what the live capture read.
 */
export async function runCapture(
  source: CaptureSource,
  live: LiveCaptureSource | null,
  onPacket: PacketHandler,
  packetsSeen: () => number,
): Promise<CaptureEnd> {
  try {
    return { capture: await source.run(onPacket), failure: null };
  } catch (err) {
    if (live === null || packetsSeen() === 0) throw err;
    return { capture: live.stats, failure: err };
  }
}

/** True, and says so on stderr, when a live capture stopped because the stream from tcpdump turned invalid. */
export function streamBroke(capture: CaptureStats): boolean {
  if (capture.truncated.length === 0) return false;
  process.stderr.write(`picket sensor: capture stopped early: the stream from tcpdump was not a valid capture\n`);
  return true;
}
