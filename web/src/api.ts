// The console's calls to /api/v1/console: JSON in and out, the session cookie sent by the
// browser, and the CSRF token (from /login or /me) echoed on every write.
import { useEffect, useState } from 'preact/hooks';

let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

export class HttpError extends Error {
  /** 0 when the server could not be reached at all. */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Fired on window when the server says the session is gone (expired, logged out elsewhere): main.tsx shows the login form. */
export const LOGGED_OUT_EVENT = 'picket:logged-out';

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  let r: Response;
  try {
    r = await fetch(`/api/v1/console${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new HttpError(0, 'The Picket server did not answer: is it running? Try again once it is.');
  }
  const text = await r.text();
  let json: { error?: { message?: string } } | null = null;
  try {
    json = text === '' ? null : (JSON.parse(text) as { error?: { message?: string } });
  } catch {
    // A proxy's error page, or a server that stopped half-way through the answer.
    if (r.ok) throw new HttpError(r.status, 'The server sent an answer that is not JSON.');
  }
  if (!r.ok) {
    if (r.status === 401 && path !== '/login' && path !== '/me') dispatchEvent(new Event(LOGGED_OUT_EVENT));
    throw new HttpError(r.status, json?.error?.message ?? `The server answered HTTP ${r.status}.`);
  }
  return json as T;
}

export function qs(params: Record<string, string | number | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s === '' ? '' : `?${s}`;
}

export interface Loaded<T> {
  data: T | null;
  error: string;
  loading: boolean;
  /** Ask again (after a write, or on a timer). */
  reload: () => void;
}

/**
 * GET `path` whenever it changes (null: nothing to load). The last answer stays
 * shown while the next one loads; an answer to an older path is dropped, so a
 * slow request cannot overwrite a newer one. An error clears the data: old
 * figures must not stand for a window that failed.
 */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string; loading: boolean }>({ data: null, error: '', loading: path !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) {
      setState({ data: null, error: '', loading: false });
      return undefined;
    }
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>('GET', path).then(
      (data) => current && setState({ data, error: '', loading: false }),
      (e: Error) => current && setState({ data: null, error: e.message, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [path, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** Sets the browser tab's title for the page shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Picket`;
  }, [title]);
}

export const SEVERITY = ['', 'low', 'medium', 'high', 'critical'];

/** A time as the console shows it everywhere: UTC, "2024-05-01 10:00:00" (headings say UTC). */
export function fmtTime(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString().replace('T', ' ').slice(0, 19);
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** The console API's path (api() calls it; EventSource needs the whole URL). */
export const API_BASE = '/api/v1/console';

/** Server-sent events from the console API; same origin, so the session cookie goes with it. */
export function eventStream(path: string): EventSource {
  return new EventSource(`${API_BASE}${path}`);
}

/** The host page of an address (any spelling; the page shows the store's). */
export function hostHref(ip: string, query = ''): string {
  return `/hosts/${encodeURIComponent(ip)}${query}`;
}
