/**
 * Durations in the config: "500ms", "30s", "5m", "1h", "24h", "7d", "2w", or a
 * plain number of seconds. Everything downstream works in (float) seconds of
 * packet time, the unit of event `ts`.
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = Object.freeze({
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
});

const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/;

/** Seconds for a duration text or number; null when malformed or negative. */
export function parseDuration(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  const m = DURATION_RE.exec(value);
  if (m === null) return null;
  return Number(m[1]) * UNIT_SECONDS[m[2] ?? 's']!;
}

/** Short human form for messages: "12 s", "4 min", "1.5 h", "2 d". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round((s / 3600) * 10) / 10} h`;
  return `${Math.round((s / 86400) * 10) / 10} d`;
}
