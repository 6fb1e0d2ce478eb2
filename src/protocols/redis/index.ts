/**
 * Registration of the Redis analyzer: TCP 6379, and on other ports a
 * content probe (a client's first bytes are a RESP array of bulk strings:
 * "*<n>\r\n$<len>\r\n"). The conn.log service is "redis".
 *
 * redis.log events go to the bus by default; the `log` option redirects
 * them (tests).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { RedisAnalyzer, type RedisLogSink } from './analyzer.js';
import { REDIS_PORTS } from './consts.js';

/** True for client bytes that begin a RESP command array: `*` digits CR LF `$` digit. */
export function probeRedis(data: Uint8Array, fromOrig: boolean): boolean {
  if (!fromOrig || data.length < 6 || data[0] !== 0x2a) return false;
  let i = 1;
  while (i < data.length && i < 8 && data[i]! >= 0x30 && data[i]! <= 0x39) i++;
  if (i === 1 || data[i] !== 0x0d || data[i + 1] !== 0x0a) return false;
  const d = data[i + 3];
  return data[i + 2] === 0x24 && d !== undefined && d >= 0x30 && d <= 0x39;
}

export interface RedisSpecOptions {
  /** Receives each command's redis.log event. */
  log?: RedisLogSink;
}

export function createRedisSpec(opts: RedisSpecOptions = {}): ProtocolSpec {
  const log = opts.log;
  return {
    name: 'redis',
    transports: ['tcp'],
    ports: REDIS_PORTS,
    probe: (data, fromOrig, transport) => transport === 'tcp' && probeRedis(data, fromOrig),
    create: (ctx) => new RedisAnalyzer(ctx, log ?? ((e) => ctx.emit(e))),
  };
}

export const redisSpec: ProtocolSpec = createRedisSpec();

export type { RedisEvent, RedisLogEvent, RedisRecord } from './events.js';
