/**
 * The alerts of a stored batch that go on to the sinks and the console's live
 * list: exactly those the store kept. The store skips (and counts) alerts
 * that fail its check and keeps at most MAX_ROWS_PER_INSERT per kind; the
 * same rules are applied here so an alert that is not in the store is not
 * delivered either, and a malformed one never reaches a sink's filter.
 */
import type { Alert } from '../alerts/alert.js';
import { MAX_ROWS_PER_INSERT } from '../store/columns.js';
import { checkAlert } from '../store/records.js';

export function storedAlerts(records: ReadonlyArray<{ kind: string; data: unknown }>): Alert[] {
  const out: Alert[] = [];
  let seen = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.kind !== 'alert') continue;
    if (seen++ >= MAX_ROWS_PER_INSERT) break;
    if ('values' in checkAlert(r.data)) out.push(r.data as Alert);
  }
  return out;
}
