/**
 * The one HTTP call agents make: POST a JSON (optionally gzip'd) body to the
 * Picket server and read a bounded JSON answer. Built on node:http/https
 * rather than fetch so a server that dies mid-request, a connection refused
 * and a timeout all come back as one kind of result instead of exceptions,
 * and no connection is kept alive past the request (a restarted server is
 * reached on the next try without a stale socket).
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/** Answers larger than this are cut off (the server's answers are a few hundred bytes). */
const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Longest Retry-After honoured, in seconds (a misconfigured server must not park an agent for days). */
export const MAX_RETRY_AFTER_S = 300;

export interface PostOptions {
  /** Full URL, e.g. http://127.0.0.1:8080/api/v1/ingest. */
  url: string;
  body: Buffer;
  gzip?: boolean;
  bearer?: string;
  timeoutMs: number;
  /** Extra CA certificates for a server with a private certificate. */
  ca?: Buffer;
}

export type PostResult =
  | { ok: true; status: number; json: unknown; retryAfterS: number | undefined }
  /** No HTTP answer: connection refused, reset, timeout, DNS failure. */
  | { ok: false; error: string };

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), bounded. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  let s: number;
  if (/^\s*\d+\s*$/.test(v)) s = Number(v);
  else {
    const t = Date.parse(v);
    if (Number.isNaN(t)) return undefined;
    s = Math.max(0, (t - now) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_S, s);
}

export function postJson(opts: PostOptions): Promise<PostResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      resolve({ ok: false, error: `bad URL ${opts.url}` });
      return;
    }
    const body = opts.gzip === true ? zlib.gzipSync(opts.body) : opts.body;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': body.length,
      accept: 'application/json',
      connection: 'close',
    };
    if (opts.gzip === true) headers['content-encoding'] = 'gzip';
    if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`;
    const mod = url.protocol === 'https:' ? https : http;
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      resolve({ ok: false, error: `unsupported URL scheme ${url.protocol}` });
      return;
    }
    let done = false;
    const finish = (r: PostResult): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const req = mod.request(
      url,
      { method: 'POST', headers, agent: false, timeout: opts.timeoutMs, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
        });
        res.on('error', (err) => finish({ ok: false, error: err.message }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          if (text !== '') {
            try {
              json = JSON.parse(text);
            } catch {
              json = null;
            }
          }
          finish({ ok: true, status: res.statusCode ?? 0, json, retryAfterS: parseRetryAfter(res.headers['retry-after']) });
        });
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: err.code ?? err.message }));
    req.end(body);
  });
}

/** Joins a server base URL and an API path without doubling slashes. */
export function apiUrl(server: string, pathname: string): string {
  return `${server.replace(/\/+$/, '')}${pathname}`;
}
