/**
 * A minimal `/metrics` HTTP endpoint for processes without the server (the
 * sensor): Prometheus text format from a registry, nothing else served.
 */
import http from 'node:http';
import { METRICS_CONTENT_TYPE, type Registry } from './registry.js';

export interface MetricsEndpoint {
  /** The address it listens on, e.g. "http://127.0.0.1:9108/metrics". */
  url: string;
  close(): Promise<void>;
}

/** Listens on `listen` ("HOST:PORT"; port 0 picks a free one) and serves GET /metrics. */
export async function serveMetrics(registry: Registry, listen: string): Promise<MetricsEndpoint> {
  const i = listen.lastIndexOf(':');
  const host = i > 0 ? listen.slice(0, i).replace(/^\[|\]$/g, '') : '127.0.0.1';
  const port = Number(i >= 0 ? listen.slice(i + 1) : listen);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(registry.render());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = addr !== null && typeof addr === 'object' ? addr.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
