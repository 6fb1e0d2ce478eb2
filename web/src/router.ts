// A tiny history-API router: the current path (with its query) as state, link handling, and the
// query string as each page's state, so a page can be bookmarked, shared, reloaded and gone back to.
import { useEffect, useState } from 'preact/hooks';
import { qs } from './api';

/** Shows `to` (path and query). `replace` changes the current history entry instead of adding one. */
export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname + location.search);
  useEffect(() => {
    const on = (): void => setPath(location.pathname + location.search);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return path;
}

/** Click handler for in-app links: no reload (a modified or middle click opens a tab as usual). */
export function go(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement | null)?.getAttribute('href');
  if (a === null || a === undefined || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a);
}

export type Params = Record<string, string>;

/** The query of a path ("/hosts/x?from=a") as a plain object, first value of each name. */
export function paramsOf(path: string): Params {
  const i = path.indexOf('?');
  const out: Params = {};
  if (i < 0) return out;
  for (const [k, v] of new URLSearchParams(path.slice(i + 1))) if (!(k in out)) out[k] = v;
  return out;
}

/** Shows the current page with these query values (empty ones left out), as a new history entry. */
export function setParams(params: Record<string, string | number | undefined>): void {
  navigate(location.pathname + qs(params));
}
