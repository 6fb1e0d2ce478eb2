/**
 * Renders one resource record the way Zeek's dns.log `answers` shows it
 * (base/protocols/dns/main.zeek: addresses, target names, "TXT <len> <text>",
 * "RRSIG <type> <signer>", "<unknown type=N>", ...). Record types for which
 * Zeek logs nothing (OPT, TSIG, TKEY, CAA, HINFO, SVCB/HTTPS, NetBIOS NB and
 * NBSTAT) return null: they neither add an answer nor count as one for
 * `rtt`/`AA`/`RA`, exactly as in Zeek.
 */
import { Opcode, RRType } from './consts.js';
import type { DnsResourceRecord } from './parser.js';

/** ASCII A-Z -> a-z only (Zeek lower-cases DNS names with C-locale tolower). */
export function asciiLower(s: string): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : s[i]!;
  }
  return out;
}

function strings(prefix: string, list: string[], lengths: number[]): string {
  let out = '';
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += ' ';
    out += `${prefix} ${lengths[i]!} ${list[i]!}`;
  }
  return out;
}

/**
 * The answer string for `rr`, "" when Zeek counts the record but logs no text
 * (WKS), or null when Zeek ignores the record type in dns.log.
 */
export function renderAnswer(rr: DnsResourceRecord, opcode: number, netbios: boolean): string | null {
  const d = rr.rdata;
  switch (d.kind) {
    case 'addr':
      if (opcode === Opcode.UPDATE && !netbios) {
        const t = rr.type === RRType.A ? 'A' : rr.type === RRType.A6 ? 'A6' : 'AAAA';
        return `${t} ${asciiLower(rr.name)} ${d.addr}`;
      }
      return d.addr;
    case 'name':
      if (rr.type === RRType.NS || rr.type === RRType.CNAME || rr.type === RRType.PTR) return asciiLower(d.name);
      return `<unknown type=${rr.type}>`;
    case 'mx':
      return asciiLower(d.exchange);
    case 'soa':
      return asciiLower(d.mname);
    case 'srv':
      return asciiLower(d.target);
    case 'wks':
      return '';
    case 'txt':
      return strings(rr.type === RRType.SPF ? 'SPF' : 'TXT', d.strings, d.lengths);
    case 'naptr': {
      let tmp = d.regexp;
      const repl = asciiLower(d.replacement);
      if (repl.length > 0) tmp += (tmp.length > 0 ? ' ' : '') + repl;
      return `NAPTR ${d.order} ${d.preference} ${d.flags} ${d.service} ${tmp}`;
    }
    case 'rrsig':
      return `RRSIG ${d.typeCovered} ${d.signer === '' ? '<Root>' : asciiLower(d.signer)}`;
    case 'dnskey':
      return `DNSKEY ${d.algorithm}`;
    case 'nsec':
      return `NSEC ${asciiLower(rr.name)} ${asciiLower(d.next)}`;
    case 'nsec3':
      return 'NSEC3';
    case 'nsec3param':
      return 'NSEC3PARAM';
    case 'ds':
      return `DS ${d.algorithm} ${d.digestType}`;
    case 'binds':
      return 'BIND9 signing signal';
    case 'sshfp':
      return `SSHFP: ${d.fingerprint}`;
    case 'loc':
      return `LOC:  ${d.size} ${d.horizPre} ${d.vertPre}`;
    case 'unknown':
      return `<unknown type=${rr.type}>`;
    default:
      return null;
  }
}
