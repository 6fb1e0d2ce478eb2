/**
 * Registration of the RDP analyzer: TCP 3389 first, and a content probe for
 * a client TPKT carrying an X.224 Connection Request.
 *
 * rdp.log events go to the bus by default; the `log` option redirects
 * them (tests).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { RdpAnalyzer, type RdpLogSink } from './analyzer.js';
import { RDP_PORTS, X224 } from './consts.js';

/** True for a client's TPKT (version 3) whose X.224 TPDU is a Connection Request. */
export function probeRdp(data: Uint8Array, fromOrig: boolean): boolean {
  return fromOrig && data.length >= 6 && data[0] === 3 && data[1] === 0 && (data[5]! & 0xf0) === X224.CR;
}

export interface RdpSpecOptions {
  /** Receives the one rdp.log event of each connection. */
  log?: RdpLogSink;
}

export function createRdpSpec(opts: RdpSpecOptions = {}): ProtocolSpec {
  const log = opts.log;
  return {
    name: 'rdp',
    transports: ['tcp'],
    ports: RDP_PORTS,
    probe: (data, fromOrig, transport) => transport === 'tcp' && probeRdp(data, fromOrig),
    create: (ctx) => new RdpAnalyzer(ctx, log ?? ((e) => ctx.emit(e))),
  };
}

/** The default RDP spec: auth events only (see above). */
export const rdpSpec: ProtocolSpec = createRdpSpec();

export type { RdpEvent, RdpLogEvent, RdpRecord } from './events.js';
