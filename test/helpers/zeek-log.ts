/**
 * Reads Zeek's TSV logs (the corpus baselines) into plain objects keyed by
 * the `#fields` header. "-" (unset) becomes undefined, "(empty)" an empty string.
 */
import fs from 'node:fs';

export type ZeekRow = Record<string, string | undefined>;

export function readZeekLog(file: string): ZeekRow[] {
  const rows: ZeekRow[] = [];
  let fields: string[] = [];
  let unset = '-';
  let empty = '(empty)';
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const parts = line.split('\t');
      if (parts[0] === '#fields') fields = parts.slice(1);
      else if (parts[0] === '#unset_field') unset = parts[1] ?? unset;
      else if (parts[0] === '#empty_field') empty = parts[1] ?? empty;
      continue;
    }
    const values = line.split('\t');
    const row: ZeekRow = {};
    for (let i = 0; i < fields.length; i++) {
      const v = values[i];
      row[fields[i]!] = v === undefined || v === unset ? undefined : v === empty ? '' : v;
    }
    rows.push(row);
  }
  return rows;
}
