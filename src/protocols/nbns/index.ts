/**
 * Registration of the nbns analyzer (UDP 137). Its records go to dns.log and
 * it confirms the "dns" service, as Zeek does for NetBIOS name service.
 */
import type { ProtocolSpec } from '../analyzer.js';
import { NbnsAnalyzer } from './analyzer.js';
import { NBNS_PORT } from './consts.js';

export const nbnsSpec: ProtocolSpec = {
  name: 'nbns',
  transports: ['udp'],
  ports: [NBNS_PORT],
  create: (ctx) => new NbnsAnalyzer(ctx),
};
