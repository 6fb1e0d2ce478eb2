/**
 * Registration of the SOCKS analyzer (v4, 4a, 5): TCP 1080 first, and a
 * strict content probe for a client's first bytes that are exactly a
 * greeting (parser.ts probeSocks), so a SOCKS proxy on another port (an
 * implant's pivot, `ssh -D`) is read too. The conn.log service is "socks"
 * (Zeek's name); what a granted CONNECT carries joins it ("socks,ssl").
 *
 * socks.log events go to the bus by default; the `log` option redirects
 * them (tests).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { SocksAnalyzer, type SocksLogSink } from './analyzer.js';
import { SOCKS_PORTS } from './consts.js';
import { probeSocks } from './parser.js';

export interface SocksSpecOptions {
  /** Receives each socks.log event. */
  log?: SocksLogSink;
}

export function createSocksSpec(opts: SocksSpecOptions = {}): ProtocolSpec {
  const log = opts.log;
  return {
    name: 'socks',
    transports: ['tcp'],
    ports: SOCKS_PORTS,
    probe: (data, fromOrig, transport) => transport === 'tcp' && fromOrig && probeSocks(data),
    create: (ctx) => new SocksAnalyzer(ctx, log ?? ((e) => ctx.emit(e))),
  };
}

/** The default SOCKS spec. */
export const socksSpec: ProtocolSpec = createSocksSpec();

export type { SocksEvent, SocksLogEvent, SocksRecord } from './events.js';
