/**
 * A minimal `/metrics` HTTP endpoint for processes without the server (the
 * sensor): Prometheus text format from a registry, nothing else served.
 */
import http from 'node:http';
import { parseListen, type ListenAddress } from '../server/listen.js';
import { METRICS_CONTENT_TYPE, type Registry } from './registry.js';
import { hostPort } from '../util/host-port.js';

export interface MetricsEndpoint {
  /** The address it listens on, e.g. "http://127.0.0.1:9108/metrics". */
  url: string;
  close(): Promise<void>;
}

/** Where a metrics endpoint listens: "HOST:PORT", or a bare PORT on 127.0.0.1; a usage error naming `option` otherwise. */
export function parseMetricsListen(listen: string, option = '--metrics'): ListenAddress {
  return /^\d{1,5}$/.test(listen.trim()) && Number(listen) <= 65535 ? { host: '127.0.0.1', port: Number(listen) } : parseListen(listen, option);
}

/**
 * Listens on `listen` ("HOST:PORT"; port 0 picks a free one; a bare PORT
 * means 127.0.0.1) and serves GET /metrics. Anything else is a usage error
 * naming `option` and the form it wants, not a crash in http.listen.
 */
export async function serveMetrics(registry: Registry, listen: string, option = '--metrics'): Promise<MetricsEndpoint> {
  const { host, port } = parseMetricsListen(listen, option);
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
    url: `http://${hostPort(host, bound)}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
