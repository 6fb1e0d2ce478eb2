/**
 * Reads ip-location-db's ASN CSV files ("num" flavour: start,end,asn,org with
 * addresses as decimal integers, inclusive ranges, organisation quoted when
 * it holds a comma) into step functions. Malformed lines are counted by
 * reason and skipped.
 */
import { AsnDictionary } from './dict.js';
import { StepBuilder, V4_OPS, V6_OPS, type KeyOps, type Steps } from './steps.js';

/** Lines longer than this are malformed (real ones are < 200 bytes). */
const MAX_LINE = 4096;
const DECIMAL = /^[0-9]{1,39}$/;
const V6_MAX = (1n << 128n) - 1n;

export interface CsvProblems {
  /** Fewer than four fields, or an over-long line. */
  fields: number;
  /** Start, end or ASN is not a number in range. */
  number: number;
  /** Range starts inside the previous one. */
  overlap: number;
  /** End before start. */
  reversed: number;
}

export interface CsvResult<K> {
  steps: Steps<K>;
  rows: number;
  problems: CsvProblems;
}

/** The organisation field: unquoted as written, or a quoted field with "" for a quote. */
function orgField(text: string): string {
  if (text.length >= 2 && text.charCodeAt(0) === 34 && text.charCodeAt(text.length - 1) === 34) {
    return text.slice(1, -1).replace(/""/g, '"');
  }
  return text;
}

interface Row<K> {
  start: K;
  end: K;
  entry: number;
}

function parse<K>(
  text: string,
  dict: AsnDictionary,
  ops: KeyOps<K>,
  toKey: (s: string) => K | undefined,
): CsvResult<K> {
  const problems: CsvProblems = { fields: 0, number: 0, overlap: 0, reversed: 0 };
  const rows: Row<K>[] = [];
  let sorted = true;
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    const line = text.slice(pos, end);
    pos = nl + 1;
    if (line.length === 0) continue;
    if (line.length > MAX_LINE) {
      problems.fields++;
      continue;
    }
    const c1 = line.indexOf(',');
    const c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
    const c3 = c2 < 0 ? -1 : line.indexOf(',', c2 + 1);
    if (c3 < 0) {
      problems.fields++;
      continue;
    }
    const start = toKey(line.slice(0, c1));
    const last = toKey(line.slice(c1 + 1, c2));
    if (start === undefined || last === undefined) {
      problems.number++;
      continue;
    }
    let asn = c3 - c2 - 1 > 0 && c3 - c2 - 1 <= 10 ? 0 : -1;
    for (let i = c2 + 1; i < c3 && asn >= 0; i++) {
      const d = line.charCodeAt(i) - 48;
      asn = d >= 0 && d <= 9 ? asn * 10 + d : -1;
    }
    if (asn < 0 || asn > 0xffffffff) {
      problems.number++;
      continue;
    }
    const entry = dict.intern(asn, orgField(line.slice(c3 + 1)));
    if (rows.length > 0 && ops.lt(start, rows[rows.length - 1]!.start)) sorted = false;
    rows.push({ start, end: last, entry });
  }
  if (!sorted) rows.sort((a, b) => (ops.lt(a.start, b.start) ? -1 : ops.lt(b.start, a.start) ? 1 : 0));
  const builder = new StepBuilder(ops);
  for (let i = 0; i < rows.length; i++) builder.range(rows[i]!.start, rows[i]!.end, rows[i]!.entry);
  problems.overlap = builder.problems.overlap;
  problems.reversed = builder.problems.reversed;
  return { steps: builder.finish(), rows: rows.length, problems };
}

function v4Key(s: string): number | undefined {
  if (s.length === 0 || s.length > 10) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n <= 0xffffffff ? n : undefined;
}

function v6Key(s: string): bigint | undefined {
  if (!DECIMAL.test(s)) return undefined;
  const n = BigInt(s);
  return n <= V6_MAX ? n : undefined;
}

/** Parses asn-ipv4-num.csv text. */
export function parseAsnCsvV4(text: string, dict: AsnDictionary): CsvResult<number> {
  return parse(text, dict, V4_OPS, v4Key);
}

/** Parses asn-ipv6-num.csv text. */
export function parseAsnCsvV6(text: string, dict: AsnDictionary): CsvResult<bigint> {
  return parse(text, dict, V6_OPS, v6Key);
}
