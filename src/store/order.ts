/**
 * ORDER BY text for the sortable lists, shared by both engines. A sort names a
 * field of the list's allowlist (types.ts); each engine maps every field to its
 * own SQL expression, so the text of the clause comes only from those maps and
 * never from the caller. The list's default order follows the chosen key as the
 * tie-breaker: it ends in a unique key, so every order is total and pages read
 * with LIMIT/OFFSET neither repeat nor skip rows. Without a sort the clause is
 * the default order alone, exactly as it was before lists could be sorted.
 */
import { PicketError } from '../util/errors.js';
import type { Sort } from './types.js';

/** One key of an ORDER BY: SQL from the engine's own map, never from a request. */
export interface OrderKey {
  sql: string;
  desc?: boolean;
  /** The expression may be NULL: NULLs go last in either direction (both engines spelled alike). */
  nullable?: boolean;
}

function keyText(k: OrderKey): string {
  return `${k.sql}${k.desc === true ? ' DESC' : ''}${k.nullable === true ? ' NULLS LAST' : ''}`;
}

/**
 * The ORDER BY list (without the keywords) for `sort` over `keys`, followed by
 * `fallback` (the list's default order). A fallback key on the sorted
 * expression is left out: it could never break a tie, and the default spelled
 * as a sort ("-time") gives the default clause itself.
 */
export function orderBy<F extends string>(sort: Sort<F> | undefined, keys: Readonly<Record<F, OrderKey>>, fallback: readonly OrderKey[]): string {
  if (sort === undefined) return fallback.map(keyText).join(', ');
  // Own properties only: a field such as "constructor" must not find something of Object's.
  const key = Object.hasOwn(keys, sort.field) ? keys[sort.field] : undefined;
  if (key === undefined) throw new PicketError('PKT_ERR_STORE_QUERY', `cannot sort by "${String(sort.field)}"; fields: ${Object.keys(keys).join(', ')}`);
  if (sort.dir !== 'asc' && sort.dir !== 'desc') throw new PicketError('PKT_ERR_STORE_QUERY', `sort direction must be asc or desc, got "${String(sort.dir)}"`);
  const first: OrderKey = { ...key, desc: sort.dir === 'desc' };
  return [first, ...fallback.filter((k) => k.sql !== key.sql)].map(keyText).join(', ');
}
