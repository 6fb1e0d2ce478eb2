// The console's calls to /api/v1/console: JSON in and out, the session cookie sent by the
// browser, and the CSRF token (from /login or /me) echoed on every write.
let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const r = await fetch(`/api/v1/console${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  const json = text === '' ? null : JSON.parse(text);
  if (!r.ok) throw new HttpError(r.status, json?.error?.message ?? `HTTP ${r.status}`);
  return json as T;
}

export function qs(params: Record<string, string | number | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s === '' ? '' : `?${s}`;
}

export const SEVERITY = ['', 'low', 'medium', 'high', 'critical'];

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
