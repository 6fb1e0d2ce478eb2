/**
 * Registration of the SIP analyzer: UDP and TCP 5060, and on other ports a
 * content probe (a first line that is a SIP request or status line). The
 * conn.log service is "sip".
 *
 * sip.log events go to the bus by default; the `log` option redirects them
 * (tests).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { SipAnalyzer, type SipLogSink } from './analyzer.js';
import { SIP_PORTS } from './consts.js';
import { looksLikeSip } from './parser.js';

export interface SipSpecOptions {
  /** Receives each transaction's sip.log event. */
  log?: SipLogSink;
}

export function createSipSpec(opts: SipSpecOptions = {}): ProtocolSpec {
  const log = opts.log;
  return {
    name: 'sip',
    transports: ['udp', 'tcp'],
    ports: SIP_PORTS,
    probe: (data) => looksLikeSip(data, 0, data.length),
    create: (ctx) => new SipAnalyzer(ctx, log ?? ((e) => ctx.emit(e))),
  };
}

export const sipSpec: ProtocolSpec = createSipSpec();

export type { SipEvent, SipLogEvent, SipRecord } from './events.js';
