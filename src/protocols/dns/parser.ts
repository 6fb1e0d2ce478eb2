/**
 * Pure DNS message parser (RFC 1035 wire format, also used by mDNS, LLMNR
 * and, with `netbios`, NBNS). Bytes in, a `DnsMessage` out; it never throws.
 * Oddities do not abort silently: each one sets a bit in `flags` (see
 * `DnsParseFlag`) and parsing keeps whatever was understood before it.
 *
 * Names are decompressed with loop protection: a compression pointer must
 * point strictly before the pointer itself (so every jump moves backwards
 * and a cycle is impossible), and the number of jumps is capped as well.
 */
import { EdnsOption, RRType, SvcParamKey } from './consts.js';
import { bytesToText, hexAt, ipv4At, ipv6At } from './format.js';

/** Fixed header size (RFC 1035 §4.1.1). */
export const DNS_HEADER_LEN = 12;
/** Longest name on the wire, length octets included (RFC 1035 §3.1). */
export const MAX_NAME_WIRE_LEN = 255;
/** Longest label (RFC 1035 §2.3.4); the two top bits of a length octet mark pointers. */
export const MAX_LABEL_LEN = 63;
/** Compression jumps allowed in one name: a 255-octet name has at most 127 labels. */
export const MAX_POINTER_HOPS = 127;
/**
 * Questions accepted per message: more means the traffic is not DNS (Zeek's
 * `dns_max_queries` default, used the same way).
 */
export const MAX_QUESTIONS = 25;
/**
 * Resource records parsed per message (all sections). A 64 KiB TCP message
 * could carry ~6000 tiny records; past this the rest is skipped and flagged
 * so one hostile message cannot cost unbounded work and log size.
 */
export const MAX_RECORDS = 1000;
/** TXT character-strings kept per record (bounds the log line; more are flagged). */
export const MAX_TXT_STRINGS = 256;
/** SvcParams kept per SVCB/HTTPS record (RFC 9460 defines 7 keys; more are junk). */
export const MAX_SVC_PARAMS = 64;
/** EDNS options kept per OPT record. */
export const MAX_EDNS_OPTIONS = 64;

/** Bits of `DnsMessage.flags`: what was wrong with the message. */
export const DnsParseFlag = {
  /** Shorter than the 12-byte header: nothing else was parsed. */
  SHORT_HEADER: 0x0001,
  /** Data ended before all the records the header announced. */
  TRUNCATED: 0x0002,
  /** A compression pointer pointed forward or at itself (loop), or too many jumps. */
  BAD_POINTER: 0x0004,
  /** A name longer than 255 octets (it is cut there). */
  NAME_TOO_LONG: 0x0008,
  /** A label length octet of the reserved 01/10 types, or > 63 outside NBNS. */
  BAD_LABEL: 0x0010,
  /** RDATA did not have the size its type requires, or RDLENGTH disagreed with its content. */
  BAD_RDATA: 0x0020,
  /** More than MAX_QUESTIONS questions: not parsed further. */
  TOO_MANY_QUESTIONS: 0x0040,
  /** More than MAX_RECORDS records, or a per-record list cap was hit. */
  TOO_MANY_RECORDS: 0x0080,
} as const;

export interface DnsHeader {
  id: number;
  /** True for responses. */
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The three bits between RA and RCODE (Z, AD, CD; NBNS puts its broadcast flag here). */
  z: number;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface DnsQuestion {
  /** Name as on the wire (case kept), without the trailing dot; "" for the root. */
  name: string;
  qtype: number;
  /** Class as on the wire (mDNS puts its unicast-response bit in bit 15). */
  qclass: number;
}

/** 1 answer, 2 authority (update in dynamic updates), 3 additional. */
export type DnsSection = 1 | 2 | 3;

export interface SvcParam {
  key: number;
  /** key 0 */
  mandatory?: number[];
  /** key 1 */
  alpn?: string[];
  /** key 3 */
  port?: number;
  /** key 4 / key 6 */
  hint?: string[];
  /** key 5, hex */
  ech?: string;
  /** any other key, hex */
  raw?: string;
}

export interface EdnsOptionValue {
  code: number;
  length: number;
  /** Option 11 (RFC 7828): timeout in units of 100 ms, or null when omitted (queries). */
  keepalive?: number | null;
  /** Option 8 (RFC 7871). */
  ecs?: { family: number; sourcePrefix: number; scopePrefix: number; address: string };
}

export type DnsRData =
  | { kind: 'addr'; addr: string }
  | { kind: 'name'; name: string }
  | { kind: 'mx'; preference: number; exchange: string }
  | {
      kind: 'soa';
      mname: string;
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    }
  | { kind: 'txt'; strings: string[]; lengths: number[] }
  | { kind: 'srv'; priority: number; weight: number; port: number; target: string }
  | {
      kind: 'naptr';
      order: number;
      preference: number;
      flags: string;
      service: string;
      regexp: string;
      replacement: string;
    }
  | { kind: 'ds'; keyTag: number; algorithm: number; digestType: number; digest: string }
  | {
      kind: 'rrsig';
      typeCovered: number;
      algorithm: number;
      labels: number;
      originalTtl: number;
      expiration: number;
      inception: number;
      keyTag: number;
      signer: string;
      signatureLength: number;
    }
  | { kind: 'nsec'; next: string; types: number[] }
  | { kind: 'nsec3' }
  | { kind: 'nsec3param' }
  | { kind: 'dnskey'; flags: number; protocol: number; algorithm: number; keyLength: number }
  | { kind: 'caa'; flags: number; tag: string; value: string }
  | { kind: 'svcb'; priority: number; target: string; params: SvcParam[] }
  | {
      kind: 'opt';
      udpPayloadSize: number;
      extendedRcode: number;
      version: number;
      dnssecOk: boolean;
      options: EdnsOptionValue[];
    }
  | {
      kind: 'tkey';
      algorithm: string;
      inception: number;
      expiration: number;
      mode: number;
      error: number;
      keySize: number;
      otherSize: number;
    }
  | {
      kind: 'tsig';
      algorithm: string;
      timeSigned: number;
      fudge: number;
      macSize: number;
      originalId: number;
      error: number;
    }
  | { kind: 'sshfp'; algorithm: number; fpType: number; fingerprint: string }
  | { kind: 'loc'; version: number; size: number; horizPre: number; vertPre: number }
  | { kind: 'hinfo'; cpu: string; os: string }
  | { kind: 'wks' }
  | { kind: 'binds' }
  /** NBNS NB record (RFC 1002 §4.2.2): one entry per address. */
  | { kind: 'nb'; entries: { flags: number; addr: string }[] }
  /** NBNS NBSTAT record (RFC 1002 §4.2.18): the node's name table. */
  | { kind: 'nbstat'; names: { name: string; suffix: number; flags: number }[]; unitId: string }
  | { kind: 'unknown'; length: number }
  /** RDATA that could not be read for its type (flagged BAD_RDATA). */
  | { kind: 'malformed'; length: number };

export interface DnsResourceRecord {
  section: DnsSection;
  /** Owner name as on the wire, without the trailing dot. */
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: DnsRData;
}

export interface DnsMessage {
  header: DnsHeader;
  questions: DnsQuestion[];
  answers: DnsResourceRecord[];
  authority: DnsResourceRecord[];
  additional: DnsResourceRecord[];
  /** DnsParseFlag bits; 0 for a clean message. */
  flags: number;
}

export interface DnsParseOptions {
  /** NBNS (port 137): labels may exceed 63 bytes, type 32 is NB and 33 is NBSTAT. */
  netbios?: boolean;
}

// Scratch for name bytes: names are assembled here, then turned into one
// string. A module-level buffer is safe because parsing is synchronous.
const nameScratch = new Uint8Array(MAX_NAME_WIRE_LEN + 64);

/** Cursor and state of one parse (created once per message). */
class Reader {
  readonly buf: Uint8Array;
  /** Message start inside buf (compression offsets are relative to it). */
  readonly base: number;
  readonly end: number;
  pos: number;
  flags = 0;
  readonly netbios: boolean;
  /** False when the last name read was cut short by the end of the data. */
  nameOk = true;

  constructor(buf: Uint8Array, base: number, end: number, netbios: boolean) {
    this.buf = buf;
    this.base = base;
    this.end = end;
    this.pos = base;
    this.netbios = netbios;
  }

  u16(at: number): number {
    return (this.buf[at]! << 8) | this.buf[at + 1]!;
  }

  u32(at: number): number {
    return ((this.buf[at]! << 24) | (this.buf[at + 1]! << 16) | (this.buf[at + 2]! << 8) | this.buf[at + 3]!) >>> 0;
  }

  /**
   * Read the name at `this.pos` (advancing past it, pointers count 2 bytes)
   * limited to `limit`. Returns the name text; sets `nameOk` false when the
   * name was cut short by the end of data.
   */
  name(limit: number): string {
    const buf = this.buf;
    let p = this.pos;
    let resume = -1;
    let hops = 0;
    let outLen = 0;
    let wireLen = 1;
    let cut = false;
    this.nameOk = true;
    for (;;) {
      if (p >= limit) {
        // Before any jump this is the end of the data; after one, the labels
        // ran into the pointer they came from, which only a crafted name does.
        if (resume < 0) {
          this.flags |= DnsParseFlag.TRUNCATED;
          this.nameOk = false;
        } else {
          this.flags |= DnsParseFlag.BAD_POINTER;
        }
        break;
      }
      const len = buf[p]!;
      if (len === 0) {
        p++;
        break;
      }
      const top = len & 0xc0;
      if (top === 0xc0) {
        if (p + 1 >= limit) {
          this.flags |= resume < 0 ? DnsParseFlag.TRUNCATED : DnsParseFlag.BAD_POINTER;
          this.nameOk = resume >= 0;
          break;
        }
        const target = this.base + (((len & 0x3f) << 8) | buf[p + 1]!);
        if (resume < 0) resume = p + 2;
        if (target >= p || ++hops > MAX_POINTER_HOPS) {
          this.flags |= DnsParseFlag.BAD_POINTER;
          break;
        }
        // The pointed-to labels must end before this pointer: every jump then
        // lands strictly lower than the last, so no sequence of pointers loops.
        limit = p;
        p = target;
        continue;
      }
      if (top !== 0 && !this.netbios) {
        // 01xxxxxx (extended, deprecated by RFC 6891) and 10xxxxxx are not labels.
        this.flags |= DnsParseFlag.BAD_LABEL;
        break;
      }
      if (p + 1 + len > limit) {
        if (resume < 0) {
          this.flags |= DnsParseFlag.TRUNCATED;
          this.nameOk = false;
          p = limit;
        } else {
          this.flags |= DnsParseFlag.BAD_POINTER;
        }
        break;
      }
      wireLen += len + 1;
      if (wireLen > MAX_NAME_WIRE_LEN && !cut) {
        this.flags |= DnsParseFlag.NAME_TOO_LONG;
        cut = true;
      }
      if (!cut) {
        if (outLen > 0) nameScratch[outLen++] = 0x2e;
        for (let i = 0; i < len; i++) nameScratch[outLen++] = buf[p + 1 + i]!;
      }
      p += 1 + len;
    }
    this.pos = resume >= 0 ? resume : p;
    return bytesToText(nameScratch, 0, outLen);
  }
}

function readCharString(r: Reader, at: number, end: number): { text: string; next: number; len: number } | null {
  if (at >= end) return null;
  const len = r.buf[at]!;
  if (at + 1 + len > end) return null;
  return { text: bytesToText(r.buf, at + 1, at + 1 + len), next: at + 1 + len, len };
}

function parseSvcb(r: Reader, start: number, end: number): DnsRData {
  if (end - start < 3) return bad(r, end - start);
  const priority = r.u16(start);
  r.pos = start + 2;
  const rawTarget = r.name(end);
  // RFC 9460 presentation form: the root target is ".".
  const target = rawTarget === '' ? '.' : rawTarget;
  const params: SvcParam[] = [];
  let p = r.pos;
  while (p + 4 <= end) {
    const key = r.u16(p);
    const len = r.u16(p + 2);
    p += 4;
    if (p + len > end) {
      r.flags |= DnsParseFlag.BAD_RDATA;
      break;
    }
    if (params.length >= MAX_SVC_PARAMS) {
      r.flags |= DnsParseFlag.TOO_MANY_RECORDS;
      break;
    }
    const param: SvcParam = { key };
    const vEnd = p + len;
    if (key === SvcParamKey.MANDATORY) {
      const keys: number[] = [];
      for (let q = p; q + 2 <= vEnd; q += 2) keys.push(r.u16(q));
      param.mandatory = keys;
    } else if (key === SvcParamKey.ALPN) {
      const ids: string[] = [];
      let q = p;
      while (q < vEnd) {
        const s = readCharString(r, q, vEnd);
        if (s === null) {
          r.flags |= DnsParseFlag.BAD_RDATA;
          break;
        }
        ids.push(s.text);
        q = s.next;
      }
      param.alpn = ids;
    } else if (key === SvcParamKey.PORT && len === 2) {
      param.port = r.u16(p);
    } else if (key === SvcParamKey.IPV4HINT && len % 4 === 0) {
      const hints: string[] = [];
      for (let q = p; q < vEnd; q += 4) hints.push(ipv4At(r.buf, q));
      param.hint = hints;
    } else if (key === SvcParamKey.IPV6HINT && len % 16 === 0) {
      const hints: string[] = [];
      for (let q = p; q < vEnd; q += 16) hints.push(ipv6At(r.buf, q));
      param.hint = hints;
    } else if (key === SvcParamKey.ECH) {
      param.ech = hexAt(r.buf, p, len);
    } else if (key !== SvcParamKey.NO_DEFAULT_ALPN) {
      param.raw = hexAt(r.buf, p, len);
    }
    params.push(param);
    p = vEnd;
  }
  if (p !== end) r.flags |= DnsParseFlag.BAD_RDATA;
  return { kind: 'svcb', priority, target, params };
}

function parseOpt(r: Reader, rrClass: number, ttl: number, start: number, end: number): DnsRData {
  const options: EdnsOptionValue[] = [];
  let p = start;
  while (p + 4 <= end) {
    const code = r.u16(p);
    const len = r.u16(p + 2);
    p += 4;
    if (p + len > end) {
      r.flags |= DnsParseFlag.BAD_RDATA;
      break;
    }
    if (options.length >= MAX_EDNS_OPTIONS) {
      r.flags |= DnsParseFlag.TOO_MANY_RECORDS;
      break;
    }
    const opt: EdnsOptionValue = { code, length: len };
    if (code === EdnsOption.TCP_KEEPALIVE) {
      if (len === 0) opt.keepalive = null;
      else if (len === 2) opt.keepalive = r.u16(p);
      else r.flags |= DnsParseFlag.BAD_RDATA;
    } else if (code === EdnsOption.ECS && len >= 4) {
      const family = r.u16(p);
      const sourcePrefix = r.buf[p + 2]!;
      const scopePrefix = r.buf[p + 3]!;
      const addrBytes = new Uint8Array(family === 2 ? 16 : 4);
      const n = Math.min(len - 4, addrBytes.length);
      for (let i = 0; i < n; i++) addrBytes[i] = r.buf[p + 4 + i]!;
      const address = family === 2 ? ipv6At(addrBytes, 0) : ipv4At(addrBytes, 0);
      opt.ecs = { family, sourcePrefix, scopePrefix, address };
    }
    options.push(opt);
    p += len;
  }
  if (p !== end) r.flags |= DnsParseFlag.BAD_RDATA;
  return {
    kind: 'opt',
    udpPayloadSize: rrClass,
    extendedRcode: ttl >>> 24,
    version: (ttl >>> 16) & 0xff,
    dnssecOk: (ttl & 0x8000) !== 0,
    options,
  };
}

function bad(r: Reader, length: number): DnsRData {
  r.flags |= DnsParseFlag.BAD_RDATA;
  return { kind: 'malformed', length };
}

/** RDATA of one record in [start, end). Names inside may point anywhere before them. */
function parseRData(r: Reader, type: number, rrClass: number, ttl: number, start: number, end: number): DnsRData {
  const len = end - start;
  const buf = r.buf;
  if (r.netbios && type === RRType.NIMLOC) {
    // NB: 6-byte entries of NB_FLAGS + IPv4 address.
    if (len % 6 !== 0) return bad(r, len);
    const entries: { flags: number; addr: string }[] = [];
    for (let p = start; p < end && entries.length < MAX_TXT_STRINGS; p += 6) {
      entries.push({ flags: r.u16(p), addr: ipv4At(buf, p + 2) });
    }
    return { kind: 'nb', entries };
  }
  if (r.netbios && type === RRType.SRV) {
    // NBSTAT: count, then 18-byte entries (15-char name, suffix, 2 flag bytes), then the unit id.
    if (len < 1) return bad(r, len);
    const count = buf[start]!;
    if (1 + count * 18 > len) return bad(r, len);
    const names: { name: string; suffix: number; flags: number }[] = [];
    for (let i = 0; i < count; i++) {
      const p = start + 1 + i * 18;
      let e = p + 15;
      while (e > p && (buf[e - 1] === 0x20 || buf[e - 1] === 0)) e--;
      names.push({ name: bytesToText(buf, p, e), suffix: buf[p + 15]!, flags: r.u16(p + 16) });
    }
    const u = start + 1 + count * 18;
    const unitId = end - u >= 6 ? hexAt(buf, u, 6) : '';
    return { kind: 'nbstat', names, unitId };
  }
  switch (type) {
    case RRType.A:
      return len === 4 ? { kind: 'addr', addr: ipv4At(buf, start) } : bad(r, len);
    case RRType.AAAA:
    case RRType.A6:
      return len === 16 ? { kind: 'addr', addr: ipv6At(buf, start) } : bad(r, len);
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.DNAME:
    case RRType.MD:
    case RRType.MF:
    case RRType.MB:
    case RRType.MG:
    case RRType.MR: {
      r.pos = start;
      const name = r.name(end);
      if (!r.nameOk) return bad(r, len);
      if (r.pos !== end) r.flags |= DnsParseFlag.BAD_RDATA;
      return { kind: 'name', name };
    }
    case RRType.MX: {
      if (len < 3) return bad(r, len);
      r.pos = start + 2;
      const exchange = r.name(end);
      if (!r.nameOk) return bad(r, len);
      return { kind: 'mx', preference: r.u16(start), exchange };
    }
    case RRType.SOA: {
      r.pos = start;
      const mname = r.name(end);
      const rname = r.name(end);
      if (!r.nameOk || end - r.pos < 20) return bad(r, len);
      const p = r.pos;
      return {
        kind: 'soa',
        mname,
        rname,
        serial: r.u32(p),
        refresh: r.u32(p + 4),
        retry: r.u32(p + 8),
        expire: r.u32(p + 12),
        minimum: r.u32(p + 16),
      };
    }
    case RRType.TXT:
    case RRType.SPF: {
      const strings: string[] = [];
      const lengths: number[] = [];
      let p = start;
      while (p < end) {
        const s = readCharString(r, p, end);
        if (s === null) {
          r.flags |= DnsParseFlag.BAD_RDATA;
          break;
        }
        if (strings.length >= MAX_TXT_STRINGS) {
          r.flags |= DnsParseFlag.TOO_MANY_RECORDS;
          break;
        }
        strings.push(s.text);
        lengths.push(s.len);
        p = s.next;
      }
      return { kind: 'txt', strings, lengths };
    }
    case RRType.SRV: {
      if (len < 7) return bad(r, len);
      r.pos = start + 6;
      const target = r.name(end);
      if (!r.nameOk) return bad(r, len);
      return { kind: 'srv', priority: r.u16(start), weight: r.u16(start + 2), port: r.u16(start + 4), target };
    }
    case RRType.NAPTR: {
      if (len < 4) return bad(r, len);
      const f = readCharString(r, start + 4, end);
      const s = f === null ? null : readCharString(r, f.next, end);
      const x = s === null ? null : readCharString(r, s.next, end);
      if (f === null || s === null || x === null) return bad(r, len);
      r.pos = x.next;
      const replacement = r.name(end);
      if (!r.nameOk) return bad(r, len);
      return {
        kind: 'naptr',
        order: r.u16(start),
        preference: r.u16(start + 2),
        flags: f.text,
        service: s.text,
        regexp: x.text,
        replacement,
      };
    }
    case RRType.DS:
      if (len < 4) return bad(r, len);
      return {
        kind: 'ds',
        keyTag: r.u16(start),
        algorithm: buf[start + 2]!,
        digestType: buf[start + 3]!,
        digest: hexAt(buf, start + 4, len - 4),
      };
    case RRType.RRSIG: {
      if (len < 19) return bad(r, len);
      r.pos = start + 18;
      const signer = r.name(end);
      if (!r.nameOk) return bad(r, len);
      return {
        kind: 'rrsig',
        typeCovered: r.u16(start),
        algorithm: buf[start + 2]!,
        labels: buf[start + 3]!,
        originalTtl: r.u32(start + 4),
        expiration: r.u32(start + 8),
        inception: r.u32(start + 12),
        keyTag: r.u16(start + 16),
        signer,
        signatureLength: end - r.pos,
      };
    }
    case RRType.NSEC: {
      r.pos = start;
      const next = r.name(end);
      if (!r.nameOk) return bad(r, len);
      // Type bitmaps (RFC 4034 §4.1.2): window, length, bits.
      const types: number[] = [];
      let p = r.pos;
      while (p + 2 <= end) {
        const win = buf[p]!;
        const blen = buf[p + 1]!;
        if (blen < 1 || blen > 32 || p + 2 + blen > end) {
          r.flags |= DnsParseFlag.BAD_RDATA;
          break;
        }
        for (let i = 0; i < blen; i++) {
          const byte = buf[p + 2 + i]!;
          for (let bit = 0; bit < 8; bit++) if ((byte & (0x80 >> bit)) !== 0) types.push(win * 256 + i * 8 + bit);
        }
        p += 2 + blen;
      }
      return { kind: 'nsec', next, types };
    }
    case RRType.NSEC3:
      return { kind: 'nsec3' };
    case RRType.NSEC3PARAM:
      return { kind: 'nsec3param' };
    case RRType.DNSKEY:
      if (len < 4) return bad(r, len);
      return { kind: 'dnskey', flags: r.u16(start), protocol: buf[start + 2]!, algorithm: buf[start + 3]!, keyLength: len - 4 };
    case RRType.CAA: {
      if (len < 2) return bad(r, len);
      const tagLen = buf[start + 1]!;
      if (2 + tagLen > len) return bad(r, len);
      return {
        kind: 'caa',
        flags: buf[start]!,
        tag: bytesToText(buf, start + 2, start + 2 + tagLen),
        value: bytesToText(buf, start + 2 + tagLen, end),
      };
    }
    case RRType.SVCB:
    case RRType.HTTPS:
      return parseSvcb(r, start, end);
    case RRType.OPT:
      return parseOpt(r, rrClass, ttl, start, end);
    case RRType.TKEY: {
      r.pos = start;
      const algorithm = r.name(end);
      const p = r.pos;
      if (!r.nameOk || p + 16 > end) return bad(r, len);
      const keySize = r.u16(p + 12);
      if (p + 16 + keySize > end) return bad(r, len);
      const otherSize = r.u16(p + 14 + keySize);
      return {
        kind: 'tkey',
        algorithm,
        inception: r.u32(p),
        expiration: r.u32(p + 4),
        mode: r.u16(p + 8),
        error: r.u16(p + 10),
        keySize,
        otherSize,
      };
    }
    case RRType.TSIG: {
      r.pos = start;
      const algorithm = r.name(end);
      const p = r.pos;
      if (!r.nameOk || p + 10 > end) return bad(r, len);
      const macSize = r.u16(p + 8);
      if (p + 16 + macSize > end) return bad(r, len);
      const q = p + 10 + macSize;
      return {
        kind: 'tsig',
        algorithm,
        // 48-bit seconds: high 16 bits then low 32 bits.
        timeSigned: r.u16(p) * 4294967296 + r.u32(p + 2),
        fudge: r.u16(p + 6),
        macSize,
        originalId: r.u16(q),
        error: r.u16(q + 2),
      };
    }
    case RRType.SSHFP:
      if (len < 2) return bad(r, len);
      return { kind: 'sshfp', algorithm: buf[start]!, fpType: buf[start + 1]!, fingerprint: hexAt(buf, start + 2, len - 2) };
    case RRType.LOC:
      if (len < 4) return bad(r, len);
      return { kind: 'loc', version: buf[start]!, size: buf[start + 1]!, horizPre: buf[start + 2]!, vertPre: buf[start + 3]! };
    case RRType.HINFO: {
      const cpu = readCharString(r, start, end);
      const os = cpu === null ? null : readCharString(r, cpu.next, end);
      if (cpu === null || os === null) return bad(r, len);
      return { kind: 'hinfo', cpu: cpu.text, os: os.text };
    }
    case RRType.WKS:
      return { kind: 'wks' };
    case RRType.BINDS:
      return { kind: 'binds' };
    default:
      return { kind: 'unknown', length: len };
  }
}

function emptyHeader(): DnsHeader {
  return {
    id: 0,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: false,
    ra: false,
    z: 0,
    rcode: 0,
    qdcount: 0,
    ancount: 0,
    nscount: 0,
    arcount: 0,
  };
}

/** Read `count` records of one section; false when the data ran out or a cap was hit. */
function parseSection(r: Reader, count: number, section: DnsSection, out: DnsResourceRecord[], budget: { left: number }): boolean {
  for (let i = 0; i < count; i++) {
    if (budget.left <= 0) {
      r.flags |= DnsParseFlag.TOO_MANY_RECORDS;
      return false;
    }
    if (r.pos >= r.end) {
      r.flags |= DnsParseFlag.TRUNCATED;
      return false;
    }
    const name = r.name(r.end);
    if (!r.nameOk || r.pos + 10 > r.end) {
      r.flags |= DnsParseFlag.TRUNCATED;
      return false;
    }
    const p = r.pos;
    const type = r.u16(p);
    const rrClass = r.u16(p + 2);
    const ttl = r.u32(p + 4);
    const rdlen = r.u16(p + 8);
    const start = p + 10;
    if (start + rdlen > r.end) {
      r.flags |= DnsParseFlag.TRUNCATED;
      return false;
    }
    const rdata = parseRData(r, type, rrClass, ttl, start, start + rdlen);
    out.push({ section, name, type, class: rrClass, ttl, rdata });
    budget.left--;
    r.pos = start + rdlen;
  }
  return true;
}

/**
 * Parse the DNS message in buf[off, off+len). Never throws: a message shorter
 * than the header comes back with SHORT_HEADER and nothing else.
 */
export function parseDnsMessage(buf: Uint8Array, off: number, len: number, opts?: DnsParseOptions): DnsMessage {
  const end = Math.min(buf.length, off + Math.max(0, len));
  const r = new Reader(buf, off, end, opts?.netbios === true);
  const msg: DnsMessage = { header: emptyHeader(), questions: [], answers: [], authority: [], additional: [], flags: 0 };
  if (end - off < DNS_HEADER_LEN) {
    msg.flags = DnsParseFlag.SHORT_HEADER;
    return msg;
  }
  const h = msg.header;
  h.id = r.u16(off);
  const f = r.u16(off + 2);
  h.qr = (f & 0x8000) !== 0;
  h.opcode = (f >> 11) & 0xf;
  h.aa = (f & 0x0400) !== 0;
  h.tc = (f & 0x0200) !== 0;
  h.rd = (f & 0x0100) !== 0;
  h.ra = (f & 0x0080) !== 0;
  h.z = (f >> 4) & 0x7;
  h.rcode = f & 0xf;
  h.qdcount = r.u16(off + 4);
  h.ancount = r.u16(off + 6);
  h.nscount = r.u16(off + 8);
  h.arcount = r.u16(off + 10);
  r.pos = off + DNS_HEADER_LEN;

  if (h.qdcount > MAX_QUESTIONS) {
    msg.flags = DnsParseFlag.TOO_MANY_QUESTIONS;
    return msg;
  }
  for (let i = 0; i < h.qdcount; i++) {
    const name = r.name(end);
    if (!r.nameOk || r.pos + 4 > end) {
      r.flags |= DnsParseFlag.TRUNCATED;
      msg.flags = r.flags;
      return msg;
    }
    msg.questions.push({ name, qtype: r.u16(r.pos), qclass: r.u16(r.pos + 2) });
    r.pos += 4;
  }
  const budget = { left: MAX_RECORDS };
  if (parseSection(r, h.ancount, 1, msg.answers, budget) && parseSection(r, h.nscount, 2, msg.authority, budget)) {
    parseSection(r, h.arcount, 3, msg.additional, budget);
  }
  msg.flags = r.flags;
  return msg;
}
