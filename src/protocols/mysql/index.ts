/**
 * Registration of the MySQL analyzer: TCP 3306 first, and a content probe
 * for the server's greeting (sequence 0, protocol 10, a version starting
 * with a digit).
 *
 * mysql.log events go to the bus by default; the `log` option redirects
 * them (tests).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { MysqlAnalyzer, type MysqlLogSink } from './analyzer.js';
import { MAX_PACKET, MYSQL_PORTS, PROTOCOL_V10 } from './consts.js';

/** True for a server packet that looks like a HandshakeV10 greeting. */
export function probeMysql(data: Uint8Array, fromOrig: boolean): boolean {
  if (fromOrig || data.length < 6) return false;
  const len = data[0]! | (data[1]! << 8) | (data[2]! << 16);
  return len > 1 && len <= MAX_PACKET && data[3] === 0 && data[4] === PROTOCOL_V10 && data[5]! >= 0x30 && data[5]! <= 0x39;
}

export interface MysqlSpecOptions {
  /** Receives the login's mysql.log event. */
  log?: MysqlLogSink;
}

export function createMysqlSpec(opts: MysqlSpecOptions = {}): ProtocolSpec {
  const log = opts.log;
  return {
    name: 'mysql',
    transports: ['tcp'],
    ports: MYSQL_PORTS,
    probe: (data, fromOrig, transport) => transport === 'tcp' && probeMysql(data, fromOrig),
    create: (ctx) => new MysqlAnalyzer(ctx, log ?? ((e) => ctx.emit(e))),
  };
}

/** The default MySQL spec: auth events only (see above). */
export const mysqlSpec: ProtocolSpec = createMysqlSpec();

export type { MysqlEvent, MysqlLogEvent, MysqlRecord } from './events.js';
