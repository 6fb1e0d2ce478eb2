/**
 * The parts every Zeek-style protocol log record shares: the leading
 * `ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p` columns built from
 * the analyzer's connection, and putting a record's fields in the log's
 * column order. Log lines are written in key insertion order, so records
 * that are filled as messages arrive (in whatever order that is) are
 * re-ordered before they are emitted. Runs once per log record, not per
 * packet.
 */
import type { ConnId } from '../events/conn-id.js';

/** The columns that open every protocol log line. */
export interface ZeekIdFields {
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
}

/** Names of the opening columns, in log order: the start of every record's column list. */
export const ZEEK_ID_COLUMNS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'] as const;

/**
 * A new record of type `T` holding only the opening columns (time `ts`, the
 * connection's uid and address tuple); the caller adds the rest in column
 * order. The other fields of `T` are absent until set, which is why the
 * result is typed as `T`: callers fill required fields before emitting.
 */
export function startRecord<T extends ZeekIdFields>(conn: ConnId, ts: number): T {
  const rec: ZeekIdFields = {
    ts,
    uid: conn.uid,
    'id.orig_h': conn.orig_h,
    'id.orig_p': conn.orig_p,
    'id.resp_h': conn.resp_h,
    'id.resp_p': conn.resp_p,
  };
  return rec as T;
}

/** A copy of `rec` with its fields in the order of `columns`; unset (undefined) fields are left out. */
export function orderFields<T extends object>(rec: T, columns: readonly (keyof T)[]): T {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const k = columns[i]!;
    if (rec[k] !== undefined) out[k as string] = rec[k];
  }
  return out as T;
}
