/**
 * A small HTTP server on 127.0.0.1 for the MISP and URL-source tests: a MISP
 * REST endpoint (`POST /attributes/restSearch`, answering in MISP's
 * documented `{"response": {"Attribute": [...]}}` shape, honouring
 * Authorization, type, timestamp (the attribute's), published and
 * publish_timestamp (its event's), deleted, limit and page) over a mutable
 * upstream attribute table, plus static files (feeds, lists) that the test
 * can change, and a log of every request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamAttribute {
  id: string;
  event_id: string;
  type: string;
  value: string;
  to_ids: boolean;
  timestamp: number;
  deleted?: boolean;
  /** `published` false: an event edited and not yet published again (MISP unpublishes on every edit). */
  Event: { id: string; info: string; uuid: string; published?: boolean; publish_timestamp?: number };
  Tag?: Array<{ name: string }>;
}

export interface LoggedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: Record<string, unknown> | null;
}

export interface Fixture {
  base: string;
  key: string;
  attributes: Map<string, UpstreamAttribute>;
  files: Map<string, string>;
  requests: LoggedRequest[];
  /** When set and returning an answer, it replaces the normal one (outages, error pages, broken servers). */
  override: ((req: LoggedRequest) => { status: number; headers?: Record<string, string>; body: string } | null) | null;
  close(): Promise<void>;
}

export async function startFixture(key = 'test-key-123'): Promise<Fixture> {
  const attributes = new Map<string, UpstreamAttribute>();
  const files = new Map<string, string>();
  const requests: LoggedRequest[] = [];
  const fixture: Fixture = { base: '', key, attributes, files, requests, override: null, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | null = null;
      try {
        body = raw.length > 0 ? (JSON.parse(raw) as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      const logged: LoggedRequest = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body };
      requests.push(logged);
      const special = fixture.override?.(logged) ?? null;
      if (special !== null) {
        res.writeHead(special.status, special.headers ?? {});
        res.end(special.body);
        return;
      }
      if (req.method === 'POST' && req.url === '/attributes/restSearch') {
        if (req.headers.authorization !== key) {
          res.writeHead(403, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ name: 'Authentication failed.', message: 'Authentication failed.', url: '/attributes/restSearch' }));
          return;
        }
        if (req.headers['content-type'] !== 'application/json' || req.headers.accept !== 'application/json' || body === null) {
          res.writeHead(400);
          res.end('{"message":"bad request"}');
          return;
        }
        const types = body.type as string[];
        const since = Number(body.timestamp ?? 0);
        const deleted = Array.isArray(body.deleted) ? (body.deleted as number[]) : [0];
        const limit = Number(body.limit ?? 1e9);
        const page = Number(body.page ?? 1);
        const publishedSince = body.publish_timestamp === undefined ? undefined : Number(body.publish_timestamp);
        const all = [...attributes.values()].filter(
          (a) =>
            types.includes(a.type) &&
            a.timestamp >= since &&
            deleted.includes(a.deleted === true ? 1 : 0) &&
            (body.published !== true || a.Event.published !== false) &&
            (publishedSince === undefined || (a.Event.publish_timestamp ?? 0) >= publishedSince),
        );
        const slice = all.slice((page - 1) * limit, page * limit).map((a) => ({ ...a, timestamp: String(a.timestamp), deleted: a.deleted === true }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ response: { Attribute: slice } }));
        return;
      }
      const file = files.get(req.url ?? '');
      if (req.method === 'GET' && file !== undefined) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(file);
        return;
      }
      res.writeHead(404);
      res.end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  fixture.base = `http://127.0.0.1:${port}`;
  fixture.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fixture;
}
