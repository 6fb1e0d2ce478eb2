/**
 * Registration of the dns analyzer: DNS over UDP and TCP on 53, mDNS on
 * 5353 and LLMNR on 5355 (NBNS on 137 is the nbns analyzer). The probe
 * recognises DNS on other ports from a plausible header and first question.
 */
import type { ProtocolSpec, Transport } from '../analyzer.js';
import { DnsPort } from './consts.js';
import { DnsAnalyzer } from './analyzer.js';
import { DNS_HEADER_LEN, MAX_QUESTIONS } from './parser.js';

/**
 * Cheap content check: a query header (QR clear, opcode 0, 1..MAX_QUESTIONS
 * questions, no answers) followed by a well-formed first label sequence.
 * Only queries are claimed: a response-looking first packet on a random
 * port is far more likely to be something else.
 */
export function looksLikeDnsQuery(data: Uint8Array, transport: Transport): boolean {
  let off = 0;
  if (transport === 'tcp') {
    if (data.length < 2) return false;
    const mlen = (data[0]! << 8) | data[1]!;
    if (mlen < DNS_HEADER_LEN + 5) return false;
    off = 2;
  }
  if (data.length - off < DNS_HEADER_LEN + 5) return false;
  const flags = (data[off + 2]! << 8) | data[off + 3]!;
  if ((flags & 0xf800) !== 0) return false;
  const qd = (data[off + 4]! << 8) | data[off + 5]!;
  const an = (data[off + 6]! << 8) | data[off + 7]!;
  const ns = (data[off + 8]! << 8) | data[off + 9]!;
  if (qd < 1 || qd > MAX_QUESTIONS || an !== 0 || ns !== 0) return false;
  let p = off + DNS_HEADER_LEN;
  let labels = 0;
  for (;;) {
    if (p >= data.length) return false;
    const len = data[p]!;
    if (len === 0) break;
    if (len > 63 || ++labels > 127) return false;
    for (let i = 1; i <= len; i++) {
      if (p + i >= data.length) return false;
      const c = data[p + i]!;
      // Host names: letters, digits, '-', '_' (SRV/DKIM labels).
      const ok = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x2d || c === 0x5f;
      if (!ok) return false;
    }
    p += 1 + len;
  }
  return p + 5 <= data.length;
}

export const dnsSpec: ProtocolSpec = {
  name: 'dns',
  transports: ['udp', 'tcp'],
  ports: [DnsPort.DNS, DnsPort.MDNS, DnsPort.LLMNR],
  probe(data: Uint8Array, fromOrig: boolean, transport: Transport): boolean {
    return fromOrig && looksLikeDnsQuery(data, transport);
  },
  create: (ctx) => new DnsAnalyzer(ctx, { netbios: false, service: 'dns' }),
};
