/**
 * Registration of the Kerberos analyzer (TCP/UDP 88, plus content probing of
 * other ports for AS/TGS messages).
 */
import type { ProtocolSpec, Transport } from '../analyzer.js';
import { KerberosAnalyzer } from './analyzer.js';
import { looksLikeKrb } from './parser.js';

export { KerberosAnalyzer } from './analyzer.js';
export { KrbSession } from './session.js';
export { parseKrbMessage } from './parser.js';
export type { KerberosEvent, KerberosKdcEvent, KerberosLogEvent, KerberosRecord } from './events.js';

export const kerberosSpec: ProtocolSpec = {
  name: 'krb',
  transports: ['tcp', 'udp'],
  ports: [88],
  probe(data: Uint8Array, fromOrig: boolean, transport: Transport): boolean {
    if (!fromOrig) return false;
    if (transport === 'udp') return looksLikeKrb(data, 0, data.length);
    // TCP: 4-byte length, then the message.
    if (data.length < 8 || data[0] !== 0) return false;
    return looksLikeKrb(data, 4, data.length);
  },
  create: (ctx) => new KerberosAnalyzer(ctx),
};
