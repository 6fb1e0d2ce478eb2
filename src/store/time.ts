/**
 * Times given by people and URLs ("2024-05-01", "2024-05-01T10:00:00Z",
 * "1714557600") to the epoch seconds the store compares with, and back.
 */

/** Epoch seconds from ISO 8601 or a plain number of seconds; null when it is neither. */
export function parseTime(text: string): number | null {
  const t = text.trim();
  if (t.length === 0) return null;
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(t)) {
    const n = Number(t);
    return Number.isFinite(n) ? n : null;
  }
  // Date.parse reads a bare date as UTC and anything else through ISO rules; no other formats.
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/.test(t)) return null;
  let iso = t.replace(' ', 'T');
  // A time of day without a zone is UTC, like a bare date: answers must not depend on the machine's zone.
  if (iso.includes('T') && !/(Z|[+-][0-9]{2}:?[0-9]{2})$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms / 1000;
}

/** ISO 8601 with milliseconds, or null for an absent/invalid time. */
export function isoOrNull(sec: number | undefined | null): string | null {
  if (sec === undefined || sec === null || !Number.isFinite(sec)) return null;
  const d = new Date(Math.round(sec * 1000));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** UTC day "YYYY-MM-DD" of a time (ClickHouse partitions). */
export function utcDay(sec: number): string {
  const d = new Date(Math.floor(sec) * 1000);
  return Number.isNaN(d.getTime()) ? '1970-01-01' : d.toISOString().slice(0, 10);
}
