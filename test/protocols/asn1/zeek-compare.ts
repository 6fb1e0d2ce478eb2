/**
 * Conformance helpers: turn Picket records into Zeek's TSV text form (times
 * with 6 decimals, booleans as T/F, vectors comma-joined) and pair them with
 * baseline rows by connection endpoints, so tests can compare field by field
 * and name every remaining difference.
 */
import type { ZeekRow } from '../../helpers/zeek-log.js';

/** A record value as Zeek's TSV writer prints it (undefined stays undefined). */
export function zeekText(v: unknown, time: boolean): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'number') return time ? v.toFixed(6) : String(v);
  if (Array.isArray(v)) return v.length === 0 ? '' : v.join(',');
  return String(v);
}

/** Zeek's TSV escapes a backslash as "\\\\"; undo it for comparison. */
export function unescapeZeek(v: string | undefined): string | undefined {
  return v === undefined ? undefined : v.replace(/\\\\/g, '\\');
}

export interface FieldDiff {
  key: string;
  field: string;
  zeek: string | undefined;
  picket: string | undefined;
}

/**
 * Compares `fields` of baseline rows with Picket records. Rows and records
 * are matched in order within the same `key` (e.g. "orig_p/resp_p"); missing
 * rows or records show up as diffs on the field "<row>".
 */
export function compareRows(
  zeek: ZeekRow[],
  picket: Record<string, unknown>[],
  key: (r: Record<string, unknown> | ZeekRow) => string,
  fields: readonly string[],
  timeFields: readonly string[] = [],
): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const byKey = new Map<string, Record<string, unknown>[]>();
  for (const r of picket) {
    const k = key(r);
    let l = byKey.get(k);
    if (l === undefined) byKey.set(k, (l = []));
    l.push(r);
  }
  const used = new Map<string, number>();
  for (const z of zeek) {
    const k = key(z);
    const i = used.get(k) ?? 0;
    used.set(k, i + 1);
    const p = byKey.get(k)?.[i];
    if (p === undefined) {
      diffs.push({ key: k, field: '<row>', zeek: 'present', picket: undefined });
      continue;
    }
    for (const f of fields) {
      const zv = unescapeZeek(z[f]);
      const pv = zeekText(p[f], timeFields.includes(f));
      if (zv !== pv) diffs.push({ key: k, field: f, zeek: zv, picket: pv });
    }
  }
  for (const [k, l] of byKey) {
    const n = used.get(k) ?? 0;
    for (let i = n; i < l.length; i++) diffs.push({ key: k, field: '<row>', zeek: undefined, picket: 'present' });
  }
  return diffs;
}

/** Reads a btest baseline whose header lines lack '#' (btest-diff-cut -m output): first line names the fields. */
export function readCutLog(text: string): ZeekRow[] {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const fields = lines[0]!.split('\t');
  return lines.slice(1).map((l) => {
    const vals = l.split('\t');
    const row: ZeekRow = {};
    fields.forEach((f, i) => {
      const v = vals[i];
      row[f] = v === undefined || v === '-' ? undefined : v === '(empty)' ? '' : v;
    });
    return row;
  });
}
