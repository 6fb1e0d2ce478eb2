/**
 * Registration of the SNMP analyzer: UDP 161 (agents) and 162 (trap
 * receivers), by port as Zeek does. The conn.log service is "snmp".
 *
 * snmp.log events go to the bus by default; the `log` option redirects
 * them (tests).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { SnmpAnalyzer, type SnmpLogSink } from './analyzer.js';
import { SNMP_PORTS } from './consts.js';

export interface SnmpSpecOptions {
  /** Receives the one snmp.log event of each flow. */
  log?: SnmpLogSink;
}

export function createSnmpSpec(opts: SnmpSpecOptions = {}): ProtocolSpec {
  const log = opts.log;
  return {
    name: 'snmp',
    transports: ['udp'],
    ports: SNMP_PORTS,
    create: (ctx) => new SnmpAnalyzer(ctx, log ?? ((e) => ctx.emit(e))),
  };
}

export const snmpSpec: ProtocolSpec = createSnmpSpec();

export type { SnmpAccepted, SnmpEvent, SnmpLogEvent, SnmpRecord } from './events.js';
