/**
 * Registration of the HTTP/1.x analyzer: TCP, the usual web and proxy ports
 * first, and a content probe (request line or status line) for any other port.
 */
import type { ProtocolSpec } from '../analyzer.js';
import { HttpAnalyzer } from './analyzer.js';
import { HTTP_PORTS } from './consts.js';
import { probeHttp } from './parser.js';

export const httpSpec: ProtocolSpec = {
  name: 'http',
  transports: ['tcp'],
  ports: HTTP_PORTS,
  probe: (data, fromOrig, transport) => transport === 'tcp' && probeHttp(data, fromOrig),
  create: (ctx) => new HttpAnalyzer(ctx),
};

export type { HttpEvent, HttpLogEvent, HttpRecord } from './events.js';
