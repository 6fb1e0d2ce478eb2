/**
 * Registration of the RFB (VNC) analyzer: TCP 5900-5910 first, and a
 * content probe for the server's "RFB 003.00x" version line. The conn.log
 * service is "rfb" (Zeek's name); auth events say "vnc".
 *
 * rfb.log events go to the bus by default; the `log` option redirects
 * them (tests).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { VncAnalyzer, type RfbLogSink } from './analyzer.js';
import { VNC_PORTS } from './consts.js';

/** True for bytes starting "RFB 0" (a version line) from either side. */
export function probeVnc(data: Uint8Array): boolean {
  return data.length >= 5 && data[0] === 0x52 && data[1] === 0x46 && data[2] === 0x42 && data[3] === 0x20 && data[4] === 0x30;
}

export interface VncSpecOptions {
  /** Receives the one rfb.log event of each connection. */
  log?: RfbLogSink;
}

export function createVncSpec(opts: VncSpecOptions = {}): ProtocolSpec {
  const log = opts.log;
  return {
    name: 'rfb',
    transports: ['tcp'],
    ports: VNC_PORTS,
    probe: (data, _fromOrig, transport) => transport === 'tcp' && probeVnc(data),
    create: (ctx) => new VncAnalyzer(ctx, log ?? ((e) => ctx.emit(e))),
  };
}

/** The default VNC spec: auth events only (see above). */
export const vncSpec: ProtocolSpec = createVncSpec();

export type { VncEvent, RfbLogEvent, RfbRecord } from './events.js';
