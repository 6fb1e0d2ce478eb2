/**
 * Applying suppressions to alert lists. The store leaves suppressed alerts out
 * in SQL (AlertFilter.exclude), so a page of visible alerts is one query and
 * its total is exact however many alerts exist; `hidden` counts the alerts
 * matching the filter that are suppressed. (Reading store pages and skipping
 * suppressed rows here took tens of seconds per request on 100k alerts:
 * docs/console.md, "Scale".)
 */
import type { AlertFilter, MetadataStore, Page, StoredAlert } from '../../store/types.js';
import type { Suppression } from './console-store.js';

// The matching itself is shared with networked sensors; re-exported for the server's callers.
export { ruleMatches, suppressedBy } from '../../alerts/suppression.js';

export interface VisiblePage extends Page<StoredAlert> {
  /** Alerts matching the filter that suppressions hide. */
  hidden: number;
  /** Always true now that the store counts exactly; kept for the pages that read it. */
  total_exact: boolean;
}

export async function visibleAlerts(store: MetadataStore, filter: AlertFilter, sups: readonly Suppression[]): Promise<VisiblePage> {
  if (sups.length === 0) {
    const p = await store.alerts(filter);
    return { ...p, hidden: 0, total_exact: true };
  }
  // The visible page, and the count of every match (a one-row page) to tell how many are hidden.
  const [p, all] = await Promise.all([store.alerts({ ...filter, exclude: sups }), store.alerts({ ...filter, limit: 1, offset: 0 })]);
  return { ...p, hidden: all.total - p.total, total_exact: true };
}
