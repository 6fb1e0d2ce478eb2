/**
 * Timers a live sensor needs (with or without a server): packet time keeps
 * moving on an idle link — the newest packet's time plus the wall-clock time
 * since it arrived — so flows and held alerts still expire; a health line
 * on stderr every `statsIntervalS` seconds; and the logs written out every
 * second, so they do not wait in memory for a buffer to fill on a quiet link.
 */
import type { Pipeline } from '../pipeline/pipeline.js';
import type { LiveCaptureSource } from '../capture/live-source.js';
import { formatCount, sumCounts, type DetectionHealth } from './summary.js';

/** The detection engine as the timers see it: its clock, and its health for the health line. */
export interface LiveDetection {
  engine: { tick(ts: number): void };
  health(): DetectionHealth;
}

/** How often a live sensor writes out its log buffers (a connection is logged about this soon after it ends). */
const LOG_FLUSH_MS = 1000;

export function startLiveTimers(
  pipeline: Pipeline,
  detection: LiveDetection,
  source: LiveCaptureSource,
  iface: string,
  statsIntervalS: number,
  logs: { flush(): void } | null = null,
): NodeJS.Timeout[] {
  const engine = detection.engine;
  let lastSeenPackets = -1;
  let lastPacketWall = Date.now();
  const idle = setInterval(() => {
    const packets = pipeline.stats().packets;
    const wall = Date.now();
    if (packets !== lastSeenPackets) {
      lastSeenPackets = packets;
      lastPacketWall = wall;
      return;
    }
    if (pipeline.now === 0) return;
    const ts = pipeline.now + (wall - lastPacketWall) / 1000;
    pipeline.advanceTime(ts);
    engine.tick(ts);
  }, 1000);
  idle.unref();
  let lastPackets = 0;
  let lastTime = Date.now();
  const health = setInterval(() => {
    // Fresh counters for the next line (tcpdump answers on stderr in a moment).
    source.requestCounters();
    const now = Date.now();
    const st = pipeline.stats();
    const pps = ((st.packets - lastPackets) * 1000) / Math.max(1, now - lastTime);
    lastPackets = st.packets;
    lastTime = now;
    const h = detection.health();
    const failures = sumCounts(h.errors);
    const dropped = sumCounts(h.evictions);
    process.stderr.write(
      `picket sensor: ${iface}: ${formatCount(pps)} packets/s, ${formatCount(st.packets)} packets, ` +
        `${formatCount(st.flows.live)} live flows, kernel drops ${source.kernelDrops ?? 'n/a'}` +
        (failures > 0 ? `, detector failures ${formatCount(failures)}` : '') +
        (dropped > 0 ? `, detector state full (${formatCount(dropped)} keys dropped)` : '') +
        '\n',
    );
  }, statsIntervalS * 1000);
  health.unref();
  if (logs === null) return [idle, health];
  const flush = setInterval(() => logs.flush(), LOG_FLUSH_MS);
  flush.unref();
  return [idle, health, flush];
}
