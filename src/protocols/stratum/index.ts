/**
 * Registration of the Stratum analyzer (cryptocurrency mining pools):
 * TCP, recognised by content only (pools listen on any port: 3333, 4444,
 * 14444, 443...), from the miner's first message. conn.log service
 * "stratum".
 */
import type { ProtocolSpec } from '../analyzer.js';
import { StratumAnalyzer } from './analyzer.js';
import { probeStratum } from './parser.js';

export const stratumSpec: ProtocolSpec = {
  name: 'stratum',
  transports: ['tcp'],
  ports: [],
  probe: (data, fromOrig, transport) => transport === 'tcp' && probeStratum(data, fromOrig),
  create: (ctx) => new StratumAnalyzer(ctx),
};

export type { StratumEvent, StratumLoginEvent } from './events.js';
