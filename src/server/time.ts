/**
 * Times in query strings: ISO 8601 ("2024-05-01", "2024-05-01T10:00:00Z")
 * or epoch seconds (integer or fractional), as server-common.md says. The
 * store works in float epoch seconds, the unit of every log's `ts`.
 */

/** Epoch seconds for `text`, or null when it is neither form. */
export function parseTime(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return Number.isFinite(n) ? n : null;
  }
  // Only strings that start like a date: Date.parse accepts too much else ("1", "May").
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms / 1000;
}
