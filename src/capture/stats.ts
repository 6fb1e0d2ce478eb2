/**
 * Counters a capture source keeps while it reads: what was delivered, where a
 * stream ended early, and which records were skipped and why. One object is
 * shared by every file of a multi-file read so the caller sees one total.
 */

/** A place where a capture stream stopped being readable. */
export interface TruncationRecord {
  /** File name as given by the caller ("-" for standard input, "tcpdump -i IF" for live). */
  file: string;
  /** Byte offset in that stream where the unreadable record starts. */
  offset: number;
  /** Why reading stopped (one of the TRUNCATION_* reasons). */
  reason: string;
}

export interface CaptureStats {
  /** Packets delivered. */
  packets: number;
  /** Sum of caplen delivered. */
  bytes: number;
  /** Files (or streams) opened. */
  files: number;
  /** Where a stream ended mid-record or hit a corrupt record length. */
  truncated: TruncationRecord[];
  /** Records skipped by reason (e.g. "unknown_interface", "caplen_exceeds_block"). */
  skipped: Record<string, number>;
}

export function createCaptureStats(): CaptureStats {
  return { packets: 0, bytes: 0, files: 0, truncated: [], skipped: {} };
}

/** Counts one skipped record under `reason` (rare path: never run for a good packet). */
export function countSkipped(stats: CaptureStats, reason: string): void {
  stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
}
