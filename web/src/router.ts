// A tiny history-API router: the current path as a preact signal-like state and link handling.
import { useEffect, useState } from 'preact/hooks';

export function navigate(to: string): void {
  history.pushState(null, '', to);
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

/** Click handler for in-app links: no reload. */
export function go(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement | null)?.getAttribute('href');
  if (a === null || a === undefined || e.ctrlKey || e.metaKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a);
}
