/**
 * A document publisher on 127.0.0.1 for the conditional-fetch tests: it
 * serves documents the test can change, each with an optional ETag and
 * Last-Modified, answers 304 Not Modified when a validator sent matches,
 * follows configured redirects, and logs every request with the validators
 * it carried and the status answered.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PublishedDoc {
  body: string;
  etag?: string;
  lastModified?: string;
}

export interface PublisherRequest {
  path: string;
  inm: string | undefined;
  ims: string | undefined;
  status: number;
}

export interface Publisher {
  base: string;
  docs: Map<string, PublishedDoc>;
  /** Path -> where it redirects (301). */
  redirects: Map<string, string>;
  log: PublisherRequest[];
  close(): Promise<void>;
}

export async function startPublisher(): Promise<Publisher> {
  const docs = new Map<string, PublishedDoc>();
  const redirects = new Map<string, string>();
  const log: PublisherRequest[] = [];
  const server = http.createServer((req, res) => {
    const p = req.url ?? '';
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const answer = (status: number, headers: Record<string, string>, body = ''): void => {
      log.push({ path: p, inm, ims, status });
      res.writeHead(status, headers);
      res.end(body);
    };
    const to = redirects.get(p);
    if (to !== undefined) return answer(301, { location: to });
    const d = docs.get(p);
    if (d === undefined) return answer(404, {}, 'not found');
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (d.etag !== undefined) headers.etag = d.etag;
    if (d.lastModified !== undefined) headers['last-modified'] = d.lastModified;
    // Either validator matching is "not modified" (RFC 9110 prefers If-None-Match when both are sent).
    if ((d.etag !== undefined && inm === d.etag) || (inm === undefined && d.lastModified !== undefined && ims === d.lastModified)) return answer(304, headers);
    answer(200, headers, d.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    docs,
    redirects,
    log,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
