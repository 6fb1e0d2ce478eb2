/**
 * Registration of the Telnet analyzer: TCP 23 first, and a content probe for
 * a server that opens with option negotiation (IAC WILL/WONT/DO/DONT).
 */
import type { ProtocolSpec } from '../analyzer.js';
import { TelnetAnalyzer } from './analyzer.js';
import { Iac, TELNET_PORTS } from './consts.js';

/** True for a server's first bytes that are a Telnet option command (IAC followed by WILL/WONT/DO/DONT). */
export function probeTelnet(data: Uint8Array, fromOrig: boolean): boolean {
  return !fromOrig && data.length >= 3 && data[0] === Iac.IAC && data[1]! >= Iac.WILL && data[1]! <= Iac.DONT;
}

export const telnetSpec: ProtocolSpec = {
  name: 'telnet',
  transports: ['tcp'],
  ports: TELNET_PORTS,
  probe: (data, fromOrig, transport) => transport === 'tcp' && probeTelnet(data, fromOrig),
  create: (ctx) => new TelnetAnalyzer(ctx),
};

export type { TelnetEvent } from './events.js';
