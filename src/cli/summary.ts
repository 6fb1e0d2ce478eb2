/**
 * Human-readable run summaries for stderr: what was read, what was skipped
 * and why, and how fast.
 */
import type { CaptureStats, TruncationRecord } from '../capture/file-source.js';
import type { PipelineStats } from '../pipeline/pipeline.js';
import type { SinkStats } from '../sinks/runner.js';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return int.format(n);
}

function byReason(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '';
  return ` (${entries.map(([k, n]) => `${k} ${int.format(n)}`).join(', ')})`;
}

export function sumCounts(counts: Record<string, number>): number {
  let sum = 0;
  for (const n of Object.values(counts)) sum += n;
  return sum;
}

export interface SummaryInput {
  command: string;
  capture: CaptureStats;
  pipeline: PipelineStats;
  elapsed: number;
  logs?: Record<string, number> | undefined;
  logsDir?: string | undefined;
  alerts?: number | undefined;
  kernelDrops?: number | undefined;
  /** Pipeline threads, when more than one. */
  workers?: number | undefined;
  decodeThread?: boolean | undefined;
  connLogThread?: boolean | undefined;
  /** The detection engine's health, when detectors ran. */
  detection?: DetectionHealth | undefined;
  /** The alert sinks' counters, when sinks are configured. */
  sinks?: readonly SinkStats[] | undefined;
}

/**
 * One line per sink: what it delivered, and what it could not (still queued
 * for a later run, refused for good, dropped at the queue bound), with the
 * last error, so an alert that did not leave is never a silent loss.
 */
export function sinkLines(sinks: readonly SinkStats[]): string[] {
  return sinks.map((s) => {
    const parts = [`delivered ${int.format(s.delivered)}`];
    if (s.queued > 0) parts.push(`${int.format(s.queued)} still queued (sent when a later run with the same data directory reaches the receiver)`);
    if (s.rejected > 0) parts.push(`refused by the receiver ${int.format(s.rejected)}`);
    if (s.dropped > 0) parts.push(`dropped at the queue bound ${int.format(s.dropped)}`);
    if (s.truncated > 0) parts.push(`shortened to fit the message size limit ${int.format(s.truncated)}`);
    const lost = sumCounts(s.lost);
    if (lost > 0) parts.push(`not queued ${int.format(lost)}${byReason(s.lost)}`);
    if (s.corrupt > 0) parts.push(`damaged queue records skipped ${int.format(s.corrupt)}`);
    if (s.malformed > 0) parts.push(`malformed alerts skipped ${int.format(s.malformed)}`);
    const trouble = s.queued > 0 || s.rejected > 0 || s.dropped > 0 || lost > 0;
    return `  sink ${s.name} (${s.type}): ${parts.join(', ')}${trouble && s.lastError !== null ? `; last error: ${s.lastError}` : ''}`;
  });
}

/** What can make detectors miss or mis-time alerts, from EngineStats. */
export interface DetectionHealth {
  /** Handler exceptions by rule. */
  errors: Record<string, number>;
  /** Keys forgotten by full counting state, by rule. */
  evictions: Record<string, number>;
  /** Alerts emitted before their dedup interval ended (the hold table was full). */
  earlyEmits: number;
}

/** The summary lines of a detection engine's health (none when all is well). */
export function detectionHealthLines(d: DetectionHealth): string[] {
  const lines: string[] = [];
  if (sumCounts(d.errors) > 0) {
    lines.push(`  detector failures ${int.format(sumCounts(d.errors))}${byReason(d.errors)}: those events were not judged by the rule`);
  }
  if (sumCounts(d.evictions) > 0) {
    lines.push(
      `  detector state full: ${int.format(sumCounts(d.evictions))} tracked keys dropped${byReason(d.evictions)}; ` +
        `those rules may have missed activity (raise their max_tracked where they have one)`,
    );
  }
  if (d.earlyEmits > 0) {
    lines.push(`  alerts emitted before their dedup interval ended ${int.format(d.earlyEmits)} (max_open_alerts reached)`);
  }
  return lines;
}

export function formatSummary(s: SummaryInput): string {
  const p = s.pipeline;
  const secs = Math.max(s.elapsed, 1e-9);
  const lines: string[] = [];
  lines.push(
    `${s.command}: ${int.format(s.capture.files)} input(s), ${int.format(p.packets)} packets, ` +
      `${dec.format(p.bytes / 1e6)} MB in ${s.elapsed.toFixed(2)} s: ` +
      `${int.format(p.packets / secs)} packets/s, ${dec.format(p.bytes / 1e6 / secs)} MB/s` +
      (s.workers !== undefined && s.workers > 1 ? ` on ${s.workers} pipeline threads` : '') +
      (s.decodeThread === true ? (s.connLogThread === true ? ' (decode and conn log threads)' : ' (decode thread)') : ''),
  );
  lines.push(
    `  decoded ${int.format(p.decoded)}; malformed ${int.format(sumCounts(p.malformed))}${byReason(p.malformed)}; ` +
      `not decoded ${int.format(sumCounts(p.unsupported))}${byReason(p.unsupported)}`,
  );
  if (p.fragments.seen > 0) {
    lines.push(
      `  fragments ${int.format(p.fragments.seen)}: reassembled ${int.format(p.fragments.reassembled)} datagrams, ` +
        `expired ${int.format(p.fragments.expired)}, dropped ${int.format(p.fragments.dropped)}`,
    );
  }
  if (sumCounts(p.anomalies) > 0) lines.push(`  decoder anomalies ${int.format(sumCounts(p.anomalies))}${byReason(p.anomalies)}`);
  if (sumCounts(p.tunnels) > 0) lines.push(`  out of tunnels ${int.format(sumCounts(p.tunnels))} packets${byReason(p.tunnels)}`);
  lines.push(
    // Pipeline threads each report their own peak; their sum bounds the real one from above.
    `  flows ${int.format(p.flows.created)} (max live ${s.workers !== undefined && s.workers > 1 ? 'at most ' : ''}${int.format(p.flows.maxLive)}, evicted ${int.format(p.flows.evicted)}, ` +
      `packets not tracked ${int.format(p.flows.untracked)})`,
  );
  const analyzed = byReason(p.app.flows);
  if (analyzed !== '') lines.push(`  analyzed flows${analyzed}`);
  if (sumCounts(p.app.anomalies) > 0) lines.push(`  protocol anomalies ${int.format(sumCounts(p.app.anomalies))}${byReason(p.app.anomalies)}`);
  if (sumCounts(p.app.abandoned) > 0) lines.push(`  analysis stopped after repeated anomalies ${int.format(sumCounts(p.app.abandoned))} flows${byReason(p.app.abandoned)}`);
  if (sumCounts(p.app.exceptions) > 0) lines.push(`  analyzer failures ${int.format(sumCounts(p.app.exceptions))}${byReason(p.app.exceptions)}`);
  if (p.reassembly.overflows > 0 || p.reassembly.gapBytes > 0) {
    lines.push(`  reassembly: ${int.format(p.reassembly.overflows)} overflows, ${int.format(p.reassembly.gapBytes)} bytes missing`);
  }
  if (sumCounts(s.capture.skipped) > 0) lines.push(`  capture records skipped ${int.format(sumCounts(s.capture.skipped))}${byReason(s.capture.skipped)}`);
  if (s.kernelDrops !== undefined) lines.push(`  kernel drops ${int.format(s.kernelDrops)}`);
  if (s.alerts !== undefined) lines.push(`  alerts ${int.format(s.alerts)}`);
  if (s.detection !== undefined) lines.push(...detectionHealthLines(s.detection));
  if (s.sinks !== undefined) lines.push(...sinkLines(s.sinks));
  if (s.logs !== undefined) {
    const logs = Object.entries(s.logs).map(([k, n]) => `${k} ${int.format(n)}`).join(', ');
    lines.push(`  logs${s.logsDir !== undefined ? ` in ${s.logsDir}` : ''}: ${logs === '' ? 'none' : logs}`);
  }
  lines.push(...truncationWarnings(s.capture.truncated).map((w) => `  ${w}`));
  return lines.join('\n') + '\n';
}

/**
 * One warning per capture that was cut off (file, byte offset, reason). Part
 * of the summary, and written on their own by a quiet run: -q silences the
 * summary, never the news that the results cover only part of a file.
 */
export function truncationWarnings(truncated: readonly TruncationRecord[]): string[] {
  return truncated.map((t) => `warning: ${t.file} is truncated: reading stopped at byte ${int.format(t.offset)} (${t.reason}); results cover the packets before it`);
}
