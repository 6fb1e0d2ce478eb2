/**
 * Turns Picket log records into Zeek TSV field text (T/F booleans, 6-digit
 * intervals, comma-joined vectors, \xNN escapes for non-printable bytes) so
 * they can be compared with the corpus baselines field by field.
 */
import type { ZeekRow } from '../../helpers/zeek-log.js';

/** Fields Zeek logs as `interval` (printed with 6 decimals). */
const INTERVAL_FIELDS = new Set(['rtt', 'TTLs', 'duration', 'lease_time']);

function escapeBytes(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out += b < 0x20 || b >= 0x7f || b === 0x5c ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

function scalar(field: string, v: unknown): string {
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'number') return INTERVAL_FIELDS.has(field) ? v.toFixed(6) : String(v);
  return escapeBytes(String(v)).replace(/,/g, '\\x2c');
}

/** Our record as a Zeek row restricted to `fields` (undefined = unset). */
export function toZeekRow(rec: Record<string, unknown>, fields: readonly string[]): ZeekRow {
  const row: ZeekRow = {};
  for (const f of fields) {
    const v = rec[f];
    if (v === undefined) row[f] = undefined;
    else if (Array.isArray(v)) row[f] = v.map((x) => scalar(f, x)).join(',');
    else row[f] = scalar(f, v);
  }
  return row;
}

/** Zeek's own escaping of a baseline value is kept as is, except a literal backslash. */
export function normaliseZeek(row: ZeekRow, fields: readonly string[]): ZeekRow {
  const out: ZeekRow = {};
  for (const f of fields) out[f] = row[f];
  return out;
}

/** Sort key for multiset comparison. */
export function rowKey(row: ZeekRow, fields: readonly string[]): string {
  return fields.map((f) => `${f}=${row[f] ?? '-'}`).join('\t');
}
