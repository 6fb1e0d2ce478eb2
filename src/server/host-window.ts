/**
 * The time window of a host summary request: `from`/`to` as given, or
 * `span` (a duration such as 24h or 7d) meaning the last stretch of the
 * host's own activity, ending just after its newest connection. Shared by
 * the console's and the admin API's host routes.
 */
import { parseDuration } from '../config/duration.js';
import type { MetadataStore } from '../store/types.js';
import { badRequest } from './api-error.js';

/** How far past the host's newest connection a `span` window ends, at least. */
export const END_PAST_LAST = 1e-6;

/**
 * Where a span ending at the newest connection `last` ends: just past it
 * (times have microsecond resolution; the end is exclusive), rounded up to
 * the millisecond. The summary hands its window on as ISO 8601 text with
 * milliseconds, and the console lists the host's connections with it; an
 * end inside the newest connection's millisecond would round down to before
 * it, and the list would lack the very connection the summary counted.
 */
export function spanEnd(last: number): number {
  return Math.ceil((last + END_PAST_LAST) * 1000) / 1000;
}

export interface HostWindow {
  from: number | undefined;
  to: number | undefined;
}

export async function hostWindow(
  store: Pick<MetadataStore, 'hostLastSeen'>,
  ip: string,
  from: number | undefined,
  to: number | undefined,
  spanText: string | undefined,
): Promise<HostWindow> {
  if (from !== undefined && to !== undefined && from > to) throw badRequest('from is after to');
  if (spanText === undefined) return { from, to };
  const span = parseDuration(spanText);
  if (span === null || span <= 0) throw badRequest(`span: "${spanText}" is not a duration (e.g. 24h, 7d)`);
  if (from !== undefined || to !== undefined) throw badRequest('span cannot be combined with from or to');
  // A window ending at the host's newest connection: a busy host's whole history is the slow case, and an
  // old or replayed capture still shows its data.
  const last = await store.hostLastSeen(ip);
  if (last === null) return { from: undefined, to: undefined };
  // Just past the newest connection, so a short span still holds it (rounding up to the next second left
  // a 10 ms span empty), on a whole millisecond (spanEnd).
  const end = spanEnd(last);
  return { from: end - span, to: end };
}
