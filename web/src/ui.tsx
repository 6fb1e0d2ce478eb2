// Small pieces the pages share: a filter text box, a pager, sortable column headings, the loading
// and error lines.
import { useEffect, useState } from 'preact/hooks';
// A list's order as the store takes it (type only).
import type { Sort, SortDir } from '../../src/store/types.js';
import { formatSort, parseSort } from '../../src/store/sort-text.js';

/**
 * A text filter: what is typed stays a draft until Enter or leaving the box, then
 * `onCommit` applies it (the page puts it in the URL). A page that re-renders
 * meanwhile (a live list, polling) does not wipe what is being typed.
 */
export function TextFilter(props: { name: string; label: string; value: string; placeholder?: string; title?: string; onCommit: (v: string) => void }) {
  const [draft, setDraft] = useState(props.value);
  useEffect(() => setDraft(props.value), [props.value]);
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        value={draft}
        placeholder={props.placeholder}
        title={props.title}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onChange={(e) => props.onCommit(e.currentTarget.value.trim())}
      />
    </label>
  );
}

/** "1–50 of 163" with Previous/Next; `onOffset` gets the new offset. */
export function Pager(props: { offset: number; shown: number; total: number; page: number; label: string; onOffset: (o: number) => void }) {
  const { offset, shown, total, page } = props;
  if (total === 0 && offset === 0) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" disabled={offset === 0} onClick={() => props.onOffset(Math.max(0, offset - page))}>Previous</button>
      <span>{shown === 0 ? 0 : offset + 1}–{offset + shown} of {total}</span>
      <button type="button" disabled={offset + page >= total} onClick={() => props.onOffset(offset + page)}>Next</button>
    </nav>
  );
}

/** The page's state line: an error (announced at once) or "Loading…" (announced politely). */
export function Status(props: { error: string; loading: boolean }) {
  if (props.error !== '') return <p class="error" role="alert">{props.error}</p>;
  return <p class="hint" role="status" aria-live="polite">{props.loading ? 'Loading…' : ''}</p>;
}

/** Whole seconds from an offset parameter; 0 when absent or not a number. */
export function offsetParam(v: string | undefined): number {
  const n = Number(v ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/**
 * The order a list's URL asks for (`sort=severity`, `sort=-severity`), or the
 * list's default when it asks for none. Null for a field the list does not
 * have: the text still goes to the server, whose refusal the page shows.
 */
export function sortOf<F extends string>(text: string | undefined, fields: Readonly<Record<F, SortDir>>, fallback: Sort<F>): Sort<F> | null {
  if (text === undefined || text === '') return fallback;
  return parseSort(text, Object.keys(fields) as F[]);
}

/** The URL's text for an order ("-severity"); undefined for the list's default, which the URL leaves out. */
export function sortText<F extends string>(s: Sort<F>, fallback: Sort<F>): string | undefined {
  if (s.field === fallback.field && s.dir === fallback.dir) return undefined;
  return formatSort(s);
}

/**
 * A column heading that sorts its list in the store: a button inside the <th>,
 * whose aria-sort tells the order shown. The first click sorts by the column in
 * its natural direction (`first`: newest, biggest, most severe first; names
 * A to Z), a click on the sorted column turns it round.
 */
export function SortHeader<F extends string>(props: { field: F; label: string; first: SortDir; sort: Sort<F> | null; onSort: (s: Sort<F>) => void }) {
  const dir = props.sort?.field === props.field ? props.sort.dir : undefined;
  const next: SortDir = dir === undefined ? props.first : dir === 'asc' ? 'desc' : 'asc';
  return (
    <th aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}>
      <button type="button" class="sort" onClick={() => props.onSort({ field: props.field, dir: next })}>
        {props.label}
        <span class="arrow" aria-hidden="true">{dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : '↕'}</span>
      </button>
    </th>
  );
}
