/**
 * Reading a source's text from a file or an http(s) URL, with the limits a
 * refresh needs: a timeout, a size cap (a misconfigured URL must not fill
 * memory), and an error message naming the source. URLs go through the
 * global fetch; only a MISP server with `verify_tls: false` needs node:https
 * directly, because fetch offers no way to accept a self-signed certificate.
 * Relative paths resolve against the configuration file's folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { PicketError } from '../../util/errors.js';

/** A whole refresh of one document must finish within this (slow feeds, not hung servers). */
export const FETCH_TIMEOUT_MS = 60_000;
/** Largest document read (the full Tor consensus is ~3 MB, big blocklists tens of MB). */
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

export function isUrl(origin: string): boolean {
  return /^https?:\/\//i.test(origin);
}

/** `origin` as an absolute path (files) or unchanged (URLs). */
export function resolveOrigin(origin: string, baseDir: string): string {
  return isUrl(origin) ? origin : path.resolve(baseDir, origin);
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Accept any TLS certificate (MISP `verify_tls: false`). */
  insecure?: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  /** Aborts the request (a stopping sensor); the request then fails with PKT_ERR_INTEL_ABORTED. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  body: string;
  /** A response header (name in any case), or undefined. */
  header(name: string): string | undefined;
}

/** One HTTP request; never throws for an HTTP status (the caller judges it), throws PicketError for transport failures. */
export async function httpRequest(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  const timeoutMs = opts.timeoutMs ?? FETCH_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? MAX_DOCUMENT_BYTES;
  // A function, not a narrowed test: the signal is aborted while the request runs.
  const stopped = (): boolean => opts.signal?.aborted === true;
  if (stopped()) throw aborted(url);
  if (opts.insecure === true && url.toLowerCase().startsWith('https:')) return nodeRequest(url, opts, timeoutMs, maxBytes);
  let res: Response;
  // One signal for the timeout and the caller's stop (AbortSignal.any is newer than some Node 20 releases).
  const { signal, release } = eitherSignal(AbortSignal.timeout(timeoutMs), opts.signal);
  try {
    const init: RequestInit = { method: opts.method ?? 'GET', signal, redirect: 'follow' };
    if (opts.headers !== undefined) init.headers = opts.headers;
    if (opts.body !== undefined) init.body = opts.body;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await fetch(url, init);
        break;
      } catch (err) {
        if (stopped()) throw aborted(url);
        // A kept-alive connection the server closed meanwhile (an hour between refreshes, a busy host
        // late to expire it) fails before any answer: once more on a new connection. Every request
        // here reads (documents, MISP searches), so asking again changes nothing on the server.
        if (attempt === 1 && closedConnection(err)) continue;
        throw new PicketError('PKT_ERR_INTEL_FETCH', `${url}: ${describe(err)}`, { cause: err });
      }
    }
    const declared = Number(res.headers.get('content-length') ?? '');
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel();
      throw new PicketError('PKT_ERR_INTEL_TOO_LARGE', `${url}: ${declared} bytes is more than the ${maxBytes} allowed`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      if (res.body !== null) {
        for await (const chunk of res.body) {
          total += chunk.byteLength;
          if (total > maxBytes) {
            throw new PicketError('PKT_ERR_INTEL_TOO_LARGE', `${url}: more than the ${maxBytes} bytes allowed`);
          }
          chunks.push(chunk);
        }
      }
    } catch (err) {
      if (err instanceof PicketError) throw err;
      if (stopped()) throw aborted(url);
      throw new PicketError('PKT_ERR_INTEL_FETCH', `${url}: ${describe(err)}`, { cause: err });
    }
    const headers = res.headers;
    return { status: res.status, body: Buffer.concat(chunks).toString('utf8'), header: (name) => headers.get(name) ?? undefined };
  } finally {
    release();
  }
}

/** A signal aborted when `a` or `b` is; `release` drops its listeners once the request is over (`b` outlives many requests). */
function eitherSignal(a: AbortSignal, b: AbortSignal | undefined): { signal: AbortSignal; release(): void } {
  if (b === undefined) return { signal: a, release: () => undefined };
  const both = new AbortController();
  const onA = (): void => both.abort(a.reason);
  const onB = (): void => both.abort(b.reason);
  if (a.aborted) onA();
  else if (b.aborted) onB();
  a.addEventListener('abort', onA, { once: true });
  b.addEventListener('abort', onB, { once: true });
  return {
    signal: both.signal,
    release: () => {
      a.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
    },
  };
}

function nodeRequest(url: string, opts: RequestOptions, timeoutMs: number, maxBytes: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const mod = url.toLowerCase().startsWith('https:') ? https : http;
    const options: https.RequestOptions = { method: opts.method ?? 'GET', headers: opts.headers ?? {}, rejectUnauthorized: opts.insecure !== true, timeout: timeoutMs };
    if (opts.signal !== undefined) options.signal = opts.signal;
    const req = mod.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (c: Buffer) => {
        total += c.length;
        if (total > maxBytes) {
          req.destroy(new PicketError('PKT_ERR_INTEL_TOO_LARGE', `${url}: more than the ${maxBytes} bytes allowed`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return Array.isArray(v) ? v.join(', ') : v;
          },
        }),
      );
      res.on('error', (err) => reject(opts.signal?.aborted === true ? aborted(url) : wrap(url, err)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err) => reject(opts.signal?.aborted === true ? aborted(url) : wrap(url, err)));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** The error of a request given up because its caller stopped (not a failure of the source). */
function aborted(url: string): PicketError {
  return new PicketError('PKT_ERR_INTEL_ABORTED', `${url}: the refresh was stopped`);
}

/** True for the error of a request its caller aborted. */
export function isAbortedFetch(err: unknown): boolean {
  return err instanceof PicketError && err.code === 'PKT_ERR_INTEL_ABORTED';
}

function wrap(url: string, err: unknown): PicketError {
  return err instanceof PicketError ? err : new PicketError('PKT_ERR_INTEL_FETCH', `${url}: ${describe(err)}`, { cause: err });
}

/** Socket errors of a connection the other side closed before answering. */
const CLOSED_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** True for a fetch that failed because its connection was closed under it (fetch's TypeError with the socket error as cause). */
function closedConnection(err: unknown): boolean {
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  const code = cause instanceof Error ? (cause as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && CLOSED_CONNECTION.has(code);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out';
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message !== '') return `${err.message} (${cause.message})`;
    return err.message;
  }
  return String(err);
}

/** GET a URL and insist on 2xx. */
export async function fetchText(url: string, opts: RequestOptions = {}): Promise<string> {
  const res = await httpRequest(url, opts);
  if (res.status < 200 || res.status > 299) {
    throw new PicketError('PKT_ERR_INTEL_HTTP', `${url}: HTTP ${res.status}${snippet(res.body)}`);
  }
  return res.body;
}

/** The start of an error body, for messages ("HTTP 403: Authentication failed"). */
export function snippet(body: string): string {
  const t = body.replace(/\s+/g, ' ').trim();
  return t.length === 0 ? '' : `: ${t.slice(0, 200)}`;
}

/** A file's text (size-capped) or a URL's body. */
export async function readOrigin(origin: string, opts: RequestOptions = {}): Promise<string> {
  if (isUrl(origin)) return fetchText(origin, opts);
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(origin);
  } catch (err) {
    throw new PicketError('PKT_ERR_INTEL_READ', `${origin}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describe(err)}`, { cause: err });
  }
  const maxBytes = opts.maxBytes ?? MAX_DOCUMENT_BYTES;
  if (st.size > maxBytes) throw new PicketError('PKT_ERR_INTEL_TOO_LARGE', `${origin}: ${st.size} bytes is more than the ${maxBytes} allowed`);
  try {
    return await fs.promises.readFile(origin, 'utf8');
  } catch (err) {
    throw new PicketError('PKT_ERR_INTEL_READ', `${origin}: ${describe(err)}`, { cause: err });
  }
}
