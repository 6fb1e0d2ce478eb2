/**
 * Registration of the LDAP analyzer: TCP 389 and 3268 (global catalog), and
 * CLDAP on UDP 389, plus content probing for LDAP binds/searches elsewhere.
 */
import type { ProtocolSpec, Transport } from '../analyzer.js';
import { LdapAnalyzer } from './analyzer.js';

export { LdapAnalyzer } from './analyzer.js';
export { parseLdapMessage } from './parser.js';
export type { LdapEvent, LdapRecord, LdapSearchRecord, LdapSearchEvent } from './events.js';

export const ldapSpec: ProtocolSpec = {
  name: 'ldap',
  transports: ['tcp', 'udp'],
  ports: [389, 3268],
  probe(data: Uint8Array, fromOrig: boolean, _transport: Transport): boolean {
    // SEQUENCE, length, INTEGER message id, then a bind (0x60) or search (0x63) request.
    if (!fromOrig || data.length < 7 || data[0] !== 0x30) return false;
    const l = data[1]!;
    let p = l < 0x80 ? 2 : 2 + (l & 0x7f);
    if (l > 0x84 || p + 2 > data.length || data[p] !== 0x02) return false;
    const idLen = data[p + 1]!;
    if (idLen < 1 || idLen > 4) return false;
    p += 2 + idLen;
    return p < data.length && (data[p] === 0x60 || data[p] === 0x63);
  },
  create: (ctx) => new LdapAnalyzer(ctx),
};
