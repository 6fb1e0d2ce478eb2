/**
 * Times given by people and URLs ("2024-05-01", "2024-05-01T10:00:00Z",
 * "1714557600") to the epoch seconds the store compares with, and back.
 */

/**
 * Epoch numbers this large are milliseconds (what JavaScript and many APIs
 * give): as seconds they would be past the year 5000.
 */
const EPOCH_MS_FROM = 1e11;

/**
 * Epoch seconds from ISO 8601 or a plain number of seconds (or of
 * milliseconds, from 12 digits up); null when it is neither, or names a day
 * the calendar does not have ("2011-02-30": Date.parse would read March 2).
 */
export function parseTime(text: string): number | null {
  const t = text.trim();
  if (t.length === 0) return null;
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(t)) {
    const n = Number(t);
    if (!Number.isFinite(n)) return null;
    return Math.abs(n) >= EPOCH_MS_FROM ? n / 1000 : n;
  }
  // Date.parse reads a bare date as UTC and anything else through ISO rules; no other formats.
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/.test(t)) return null;
  let iso = t.replace(' ', 'T');
  // A time of day without a zone is UTC, like a bare date: answers must not depend on the machine's zone.
  if (iso.includes('T') && !/(Z|[+-][0-9]{2}:?[0-9]{2})$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || !isCalendarDay(t)) return null;
  return ms / 1000;
}

/** True when the "YYYY-MM-DD" that `t` starts with is a real day. */
function isCalendarDay(t: string): boolean {
  const y = Number(t.slice(0, 4));
  const m = Number(t.slice(5, 7));
  const d = Number(t.slice(8, 10));
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
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
