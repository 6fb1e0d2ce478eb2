/**
 * Timers a live sensor needs (with or without a server): packet time keeps
 * moving on an idle link — the newest packet's time plus the wall-clock time
 * since it arrived — so flows and held alerts still expire; and a health line
 * on stderr every `statsIntervalS` seconds.
 */
import type { Pipeline } from '../pipeline/pipeline.js';
import type { LiveCaptureSource } from '../capture/live-source.js';
import { formatCount } from './summary.js';

export function startLiveTimers(
  pipeline: Pipeline,
  engine: { tick(ts: number): void },
  source: LiveCaptureSource,
  iface: string,
  statsIntervalS: number,
): NodeJS.Timeout[] {
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
    process.stderr.write(
      `picket sensor: ${iface}: ${formatCount(pps)} packets/s, ${formatCount(st.packets)} packets, ` +
        `${formatCount(st.flows.live)} live flows, kernel drops ${source.kernelDrops ?? 'n/a'}\n`,
    );
  }, statsIntervalS * 1000);
  health.unref();
  return [idle, health];
}
