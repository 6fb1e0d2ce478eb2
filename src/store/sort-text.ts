/**
 * A list's order as text, the one spelling the API, the command line and the
 * console's URLs share: `field` ascending, `-field` descending. Pure (no
 * Node modules), so the console's pages use it too.
 */
import type { Sort } from './types.js';

/** The order `text` names, the field one of `fields`; null when it names none of them. */
export function parseSort<F extends string>(text: string, fields: readonly F[]): Sort<F> | null {
  const desc = text.startsWith('-');
  const name = desc ? text.slice(1) : text;
  const field = fields.find((f) => f === name);
  return field === undefined ? null : { field, dir: desc ? 'desc' : 'asc' };
}

/** `text` for an order: `field` or `-field`. */
export function formatSort(s: Sort<string>): string {
  return s.dir === 'desc' ? `-${s.field}` : s.field;
}
