/**
 * Timers a live sensor needs (with or without a server): packet time keeps
 * moving on an idle link — the newest packet's time plus the wall-clock time
 * since it arrived — so flows and held alerts still expire; and a health line
 * on stderr every `statsIntervalS` seconds.
 */
import type { Pipeline } from '../pipeline/pipeline.js';
import type { LiveCaptureSource } from '../capture/live-source.js';
import { formatCount, sumCounts, type DetectionHealth } from './summary.js';

/** The detection engine as the timers see it: its clock, and its health for the health line. */
export interface LiveDetection {
  engine: { tick(ts: number): void };
  health(): DetectionHealth;
}

export function startLiveTimers(
  pipeline: Pipeline,
  detection: LiveDetection,
  source: LiveCaptureSource,
  iface: string,
  statsIntervalS: number,
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
  return [idle, health];
}
