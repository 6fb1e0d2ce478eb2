/**
 * Registration of the PostgreSQL analyzer: TCP 5432 first, and a content
 * probe for the client's first message (StartupMessage for protocol 3, or an
 * SSLRequest / GSSENCRequest). The service name is Zeek's, "postgresql".
 */
import type { ProtocolSpec } from '../analyzer.js';
import { PostgresAnalyzer } from './analyzer.js';
import { Code, MAX_STARTUP, POSTGRES_PORTS } from './consts.js';
import { u32 } from './parser.js';

/** True for a client's first message that is a v3 StartupMessage, an SSLRequest or a GSSENCRequest. */
export function probePostgres(data: Uint8Array, fromOrig: boolean): boolean {
  if (!fromOrig || data.length < 8) return false;
  const len = u32(data, 0);
  const code = u32(data, 4);
  if (len === 8) return code === Code.SSL_REQUEST || code === Code.GSSENC_REQUEST;
  return len > 8 && len <= MAX_STARTUP && code === Code.PROTOCOL_3;
}

export const postgresSpec: ProtocolSpec = {
  name: 'postgresql',
  transports: ['tcp'],
  ports: POSTGRES_PORTS,
  probe: (data, fromOrig, transport) => transport === 'tcp' && probePostgres(data, fromOrig),
  create: (ctx) => new PostgresAnalyzer(ctx),
};

export type { PostgresEvent } from './events.js';
