/**
 * The HTTP calls agents make to the Picket server: POST a JSON (optionally
 * gzip'd) body and read a bounded JSON answer, or GET (the suppression
 * list). Built on node:http/https
 * rather than fetch so a server that dies mid-request, a connection refused
 * and a timeout all come back as one kind of result instead of exceptions,
 * and no connection is kept alive past the request (a restarted server is
 * reached on the next try without a stale socket).
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { retryAfterMs } from '../util/retry-after.js';

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
function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const ms = retryAfterMs(value, now);
  return ms === undefined ? undefined : Math.min(MAX_RETRY_AFTER_S, ms / 1000);
}

export function postJson(opts: PostOptions): Promise<PostResult> {
  const body = opts.gzip === true ? zlib.gzipSync(opts.body) : opts.body;
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': body.length };
  if (opts.gzip === true) headers['content-encoding'] = 'gzip';
  if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`;
  return agentRequest({ url: opts.url, method: 'POST', headers, body, timeoutMs: opts.timeoutMs, maxBytes: MAX_RESPONSE_BYTES, cut: 'truncate', ...(opts.ca !== undefined ? { ca: opts.ca } : {}) }).then((r) => {
    if (!r.ok) return r;
    const text = r.body.toString('utf8');
    let json: unknown = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    return { ok: true, status: r.status, json, retryAfterS: parseRetryAfter(r.headers['retry-after']) };
  });
}

export interface AgentRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: http.OutgoingHttpHeaders;
  body?: Buffer;
  timeoutMs: number;
  ca?: Buffer;
  /** Largest answer read. */
  maxBytes: number;
  /** Past maxBytes: keep the first maxBytes ("truncate") or fail the request ("fail", for answers a cut would make wrong). */
  cut: 'truncate' | 'fail';
}

export type AgentResponse =
  | { ok: true; status: number; headers: http.IncomingHttpHeaders; body: Buffer }
  /** No (complete) HTTP answer: bad URL, connection refused, reset, timeout, answer too large. */
  | { ok: false; error: string };

/**
 * One request to the server on a fresh connection (closed after it), JSON
 * accepted. Never rejects: every failure is an `ok: false` result.
 */
export function agentRequest(opts: AgentRequest): Promise<AgentResponse> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      resolve({ ok: false, error: `bad URL ${opts.url}` });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      resolve({ ok: false, error: `unsupported URL scheme ${url.protocol}` });
      return;
    }
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', connection: 'close', ...opts.headers };
    let done = false;
    const finish = (r: AgentResponse): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      { method: opts.method, headers, agent: false, timeout: opts.timeoutMs, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= opts.maxBytes) chunks.push(c);
          else if (opts.cut === 'fail') req.destroy(new Error(`answer larger than ${opts.maxBytes} bytes`));
        });
        res.on('error', (err) => finish({ ok: false, error: err.message }));
        res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: err.code ?? err.message }));
    req.end(opts.body);
  });
}

/** Joins a server base URL and an API path without doubling slashes. */
export function apiUrl(server: string, pathname: string): string {
  return `${server.replace(/\/+$/, '')}${pathname}`;
}
