/**
 * Applying suppressions to alert lists. The store's alert filter has no
 * "not matching" clause, so the console reads store pages in order and skips
 * suppressed alerts, up to MAX_SCAN_ROWS rows per request: a page stays cheap
 * however many alerts exist. When the scan stops early, the total is the
 * store's total minus the hidden alerts seen so far and is marked inexact.
 */
import type { AlertFilter, MetadataStore, Page, StoredAlert } from '../../store/types.js';
import { suppressedBy } from '../../alerts/suppression.js';
import type { Suppression } from './console-store.js';

// The matching itself is shared with networked sensors; re-exported for the server's callers.
export { ruleMatches, suppressedBy } from '../../alerts/suppression.js';

/** Store rows read per step while skipping suppressed alerts. */
export const SCAN_PAGE = 500;
/** Most store rows one alert-list request reads (keeps a request bounded on 100k alerts). */
export const MAX_SCAN_ROWS = 20_000;

export interface VisiblePage extends Page<StoredAlert> {
  /** Suppressed alerts skipped among the rows read. */
  hidden: number;
  /** False when the scan stopped at MAX_SCAN_ROWS and `total` is an estimate. */
  total_exact: boolean;
}

export async function visibleAlerts(store: MetadataStore, filter: AlertFilter, sups: readonly Suppression[]): Promise<VisiblePage> {
  const limit = filter.limit ?? 100;
  const offset = filter.offset ?? 0;
  if (sups.length === 0) {
    const p = await store.alerts(filter);
    return { ...p, hidden: 0, total_exact: true };
  }
  const rows: StoredAlert[] = [];
  let visibleSeen = 0;
  let hidden = 0;
  let read = 0;
  let total = 0;
  let exhausted = false;
  while (read < MAX_SCAN_ROWS) {
    const p = await store.alerts({ ...filter, limit: SCAN_PAGE, offset: read });
    total = p.total;
    for (const a of p.rows) {
      if (suppressedBy(a, sups) !== undefined) {
        hidden++;
        continue;
      }
      if (visibleSeen >= offset && rows.length < limit) rows.push(a);
      visibleSeen++;
    }
    read += p.rows.length;
    if (p.rows.length < SCAN_PAGE || read >= p.total) {
      exhausted = true;
      break;
    }
    // Reading on (rather than stopping once the page is full) keeps `total` exact within the bound.
  }
  return { total: total - hidden, limit, offset, rows, hidden, total_exact: exhausted };
}
