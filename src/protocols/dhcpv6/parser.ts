/**
 * Pure DHCPv6 message parser (RFC 8415): the client/server header
 * (msg-type, 24-bit transaction id), relay messages (RELAY-FORW/RELAY-REPL,
 * unwrapped through their Relay Message option down to the client's or
 * server's message, at most HOP_COUNT_LIMIT + 1 levels), and the options
 * Picket uses: Client and Server ID (DUIDs, RFC 8415 §11), IA_NA, IA_TA and
 * IA_PD with their addresses and prefixes, Status Code, Elapsed Time,
 * Rapid Commit, Preference, Vendor Class, DNS servers and domain search list
 * (RFC 3646), Client FQDN (RFC 4704). Bytes in, a `Dhcp6Message` out; never
 * throws. Problems are bits in `flags` (see Dhcp6ParseFlag), the rest of
 * the message is still returned. Every list is capped (named constants
 * below), so a datagram cannot make the parser allocate more than a few
 * kilobytes whatever its lengths claim.
 */
import { Dhcp6Option, DuidType, HOP_COUNT_LIMIT, HWTYPE_ETHERNET, Dhcp6MessageType } from './consts.js';
import { bytesToText, hexAt, ipv6At, macAt } from '../dns/format.js';

/** msg-type + transaction-id (RFC 8415 §8). */
export const CLIENT_HEADER_LEN = 4;
/** msg-type, hop-count, link-address, peer-address (RFC 8415 §9). */
export const RELAY_HEADER_LEN = 34;
/** Options read per datagram, all nesting levels together; past it the message is junk and parsing stops (flagged). */
export const MAX_OPTIONS = 256;
/** Addresses and prefixes kept per message (IA_NA/IA_TA/IA_PD together). */
export const MAX_LEASES = 32;
/** DNS servers and search domains kept per message: bounds the event size. */
export const MAX_ADDR_LIST = 32;
export const MAX_DOMAINS = 16;
/** Vendor class data items kept. */
export const MAX_VENDOR_ITEMS = 8;
/** Longest DUID: a 2-byte type and at most 128 bytes (RFC 8415 §11.1). */
export const MAX_DUID_LEN = 130;
/** Longest domain name in wire form (RFC 1035 §2.3.4). */
const MAX_NAME_LEN = 255;

export const Dhcp6ParseFlag = {
  /** Shorter than its header: nothing parsed. */
  SHORT: 0x01,
  /** An option's length ran past the end of its area. */
  TRUNCATED_OPTIONS: 0x02,
  /** An option had a length its type does not allow. */
  BAD_OPTION_LENGTH: 0x04,
  /** More than MAX_OPTIONS options. */
  TOO_MANY_OPTIONS: 0x08,
  /** Relay messages nested deeper than HOP_COUNT_LIMIT + 1. */
  RELAY_TOO_DEEP: 0x10,
  /** A relay message without a Relay Message option. */
  NO_RELAY_MESSAGE: 0x20,
  /** A domain name that is not valid wire format. */
  BAD_NAME: 0x40,
  /** More addresses, prefixes, servers or domains than kept. */
  TOO_MANY_ENTRIES: 0x80,
} as const;

/** A DUID (RFC 8415 §11): its type, the whole value as hex, and the MAC of an Ethernet DUID-LLT/LL. */
export interface Dhcp6Duid {
  type: number;
  hex: string;
  mac?: string;
}

/** One relay agent the message passed (outermost first). */
export interface Dhcp6Relay {
  msgType: number;
  hopCount: number;
  /** The link the client is on (unspecified when the relay does not say). */
  linkAddr: string;
  /** The address the relay received the message from: the client's, or the next relay's. */
  peerAddr: string;
}

/** An address of an IA_NA or IA_TA (IA Address option, RFC 8415 §21.6). */
export interface Dhcp6Lease {
  kind: 'na' | 'ta';
  iaid: number;
  addr: string;
  /** Lifetimes in seconds (0xffffffff: infinite). */
  preferred: number;
  valid: number;
}

/** A delegated prefix of an IA_PD (IA Prefix option, RFC 8415 §21.22). */
export interface Dhcp6Prefix {
  iaid: number;
  /** "2001:db8:1::/56" */
  prefix: string;
  preferred: number;
  valid: number;
}

export interface Dhcp6Message {
  /** The inner (client or server) message's type; a relay message's when nothing was inside. */
  msgType: number;
  /** 24-bit transaction id; 0 for a relay message with nothing inside. */
  transId: number;
  /** Relays the message passed, outermost first; empty for a direct message. */
  relays: Dhcp6Relay[];
  clientId?: Dhcp6Duid;
  serverId?: Dhcp6Duid;
  addrs: Dhcp6Lease[];
  prefixes: Dhcp6Prefix[];
  dnsServers?: string[];
  domainSearch?: string[];
  /** Client FQDN (RFC 4704): flags and the (possibly partial) name. */
  clientFqdn?: { flags: number; name: string };
  vendorClass?: { enterprise: number; data: string[] };
  /** Status Code option of the message itself. */
  statusCode?: number;
  statusMessage?: string;
  /** First status other than Success inside an IA or its addresses. */
  iaStatus?: number;
  /** Elapsed Time, hundredths of a second. */
  elapsedTime?: number;
  rapidCommit: boolean;
  preference?: number;
  /** Option Request option codes. */
  oro?: number[];
  /** Option codes of the inner message, in order. */
  optionCodes: number[];
  /** Dhcp6ParseFlag bits; 0 for a clean message. */
  flags: number;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Options left to read in this datagram (shared by every nesting level). */
interface Budget {
  left: number;
}

function duid(buf: Uint8Array, p: number, len: number, m: Dhcp6Message): Dhcp6Duid | undefined {
  if (len < 3) {
    m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
    return undefined;
  }
  if (len > MAX_DUID_LEN) {
    m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
    len = MAX_DUID_LEN;
  }
  const type = u16(buf, p);
  const d: Dhcp6Duid = { type, hex: hexAt(buf, p, len) };
  // DUID-LLT: type, hardware type, time, address; DUID-LL: type, hardware type, address.
  const llOff = type === DuidType.LLT ? 8 : type === DuidType.LL ? 4 : -1;
  if (llOff > 0 && len === llOff + 6 && u16(buf, p + 2) === HWTYPE_ETHERNET) d.mac = macAt(buf, p + llOff);
  return d;
}

/** A name's labels joined with dots, built here before it becomes one flat string. */
const NAME_BYTES = new Uint8Array(MAX_NAME_LEN + 1);
const DOT = 0x2e;

/**
 * One wire-format name at [p, end) (RFC 1035 §3.1, no compression: RFC 8415
 * §10). Returns the offset after it, or -1 when malformed; `out[0]` gets the
 * text, without the root dot. A name that ends at `end` without its zero
 * label is accepted (RFC 4704 §4.1 allows partial names in Client FQDN).
 */
function wireName(buf: Uint8Array, p: number, end: number, out: string[]): number {
  let n = 0;
  let wire = 0;
  while (p < end) {
    const len = buf[p]!;
    if (len === 0) {
      out[0] = bytesToText(NAME_BYTES, 0, n);
      return p + 1;
    }
    wire += len + 1;
    if (len > 63 || p + 1 + len > end || wire > MAX_NAME_LEN) return -1;
    if (n > 0) NAME_BYTES[n++] = DOT;
    NAME_BYTES.set(buf.subarray(p + 1, p + 1 + len), n);
    n += len;
    p += 1 + len;
  }
  out[0] = bytesToText(NAME_BYTES, 0, n);
  return p;
}

const NAME_SCRATCH: string[] = [''];

function domainList(buf: Uint8Array, p: number, end: number, m: Dhcp6Message): string[] {
  const out: string[] = [];
  while (p < end) {
    const next = wireName(buf, p, end, NAME_SCRATCH);
    if (next < 0) {
      m.flags |= Dhcp6ParseFlag.BAD_NAME;
      break;
    }
    if (out.length >= MAX_DOMAINS) {
      m.flags |= Dhcp6ParseFlag.TOO_MANY_ENTRIES;
      break;
    }
    if (NAME_SCRATCH[0]!.length > 0) out.push(NAME_SCRATCH[0]!);
    p = next;
  }
  return out;
}

function addrList(buf: Uint8Array, p: number, len: number, m: Dhcp6Message): string[] {
  const out: string[] = [];
  if (len === 0 || len % 16 !== 0) m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
  for (let q = 0; q + 16 <= len; q += 16) {
    if (out.length >= MAX_ADDR_LIST) {
      m.flags |= Dhcp6ParseFlag.TOO_MANY_ENTRIES;
      break;
    }
    out.push(ipv6At(buf, p + q));
  }
  return out;
}

function vendorClass(buf: Uint8Array, p: number, len: number, m: Dhcp6Message): void {
  if (len < 4) {
    m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
    return;
  }
  const data: string[] = [];
  const end = p + len;
  for (let q = p + 4; q < end; ) {
    if (q + 2 > end || q + 2 + u16(buf, q) > end) {
      m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
      break;
    }
    const n = u16(buf, q);
    if (data.length >= MAX_VENDOR_ITEMS) {
      m.flags |= Dhcp6ParseFlag.TOO_MANY_ENTRIES;
      break;
    }
    data.push(bytesToText(buf, q + 2, q + 2 + n));
    q += 2 + n;
  }
  m.vendorClass = { enterprise: u32(buf, p), data };
}

/**
 * Walks the options at [p, end), calling `each(code, valueOffset, valueLen)`.
 * Returns false when it stopped early (truncated, or the budget ran out).
 */
function walk(buf: Uint8Array, p: number, end: number, m: Dhcp6Message, budget: Budget, each: (code: number, v: number, len: number) => void): boolean {
  while (p < end) {
    if (p + 4 > end) {
      m.flags |= Dhcp6ParseFlag.TRUNCATED_OPTIONS;
      return false;
    }
    const code = u16(buf, p);
    const len = u16(buf, p + 2);
    if (p + 4 + len > end) {
      m.flags |= Dhcp6ParseFlag.TRUNCATED_OPTIONS;
      return false;
    }
    if (--budget.left < 0) {
      m.flags |= Dhcp6ParseFlag.TOO_MANY_OPTIONS;
      return false;
    }
    each(code, p + 4, len);
    p += 4 + len;
  }
  return true;
}

/** A Status Code option's code (and message text when `top`). */
function status(buf: Uint8Array, p: number, len: number, m: Dhcp6Message, top: boolean): void {
  if (len < 2) {
    m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
    return;
  }
  const code = u16(buf, p);
  if (top) {
    m.statusCode = code;
    if (len > 2) m.statusMessage = bytesToText(buf, p + 2, p + len);
  } else if (code !== 0 && m.iaStatus === undefined) {
    m.iaStatus = code;
  }
}

/** The options inside an IA Address or IA Prefix (only Status Code matters). */
function leaseOptions(buf: Uint8Array, p: number, end: number, m: Dhcp6Message, budget: Budget): void {
  walk(buf, p, end, m, budget, (code, v, len) => {
    if (code === Dhcp6Option.STATUS_CODE) status(buf, v, len, m, false);
  });
}

/** IA_NA / IA_TA / IA_PD at [p, p+len). */
function ia(buf: Uint8Array, code: number, p: number, len: number, m: Dhcp6Message, budget: Budget): void {
  const head = code === Dhcp6Option.IA_TA ? 4 : 12;
  if (len < head) {
    m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
    return;
  }
  const iaid = u32(buf, p);
  const kind = code === Dhcp6Option.IA_TA ? 'ta' : 'na';
  walk(buf, p + head, p + len, m, budget, (sub, v, n) => {
    if (sub === Dhcp6Option.STATUS_CODE) {
      status(buf, v, n, m, false);
    } else if (sub === Dhcp6Option.IAADDR && code !== Dhcp6Option.IA_PD) {
      if (n < 24) {
        m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
        return;
      }
      if (m.addrs.length + m.prefixes.length >= MAX_LEASES) {
        m.flags |= Dhcp6ParseFlag.TOO_MANY_ENTRIES;
        return;
      }
      m.addrs.push({ kind, iaid, addr: ipv6At(buf, v), preferred: u32(buf, v + 16), valid: u32(buf, v + 20) });
      leaseOptions(buf, v + 24, v + n, m, budget);
    } else if (sub === Dhcp6Option.IAPREFIX && code === Dhcp6Option.IA_PD) {
      if (n < 25 || buf[v + 8]! > 128) {
        m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
        return;
      }
      if (m.addrs.length + m.prefixes.length >= MAX_LEASES) {
        m.flags |= Dhcp6ParseFlag.TOO_MANY_ENTRIES;
        return;
      }
      m.prefixes.push({ iaid, prefix: `${ipv6At(buf, v + 9)}/${buf[v + 8]!}`, preferred: u32(buf, v), valid: u32(buf, v + 4) });
      leaseOptions(buf, v + 25, v + n, m, budget);
    }
  });
}

/** One option of the client or server message. */
function option(buf: Uint8Array, code: number, p: number, len: number, m: Dhcp6Message, budget: Budget): void {
  switch (code) {
    case Dhcp6Option.CLIENT_ID: {
      const d = duid(buf, p, len, m);
      if (d !== undefined) m.clientId = d;
      break;
    }
    case Dhcp6Option.SERVER_ID: {
      const d = duid(buf, p, len, m);
      if (d !== undefined) m.serverId = d;
      break;
    }
    case Dhcp6Option.IA_NA:
    case Dhcp6Option.IA_TA:
    case Dhcp6Option.IA_PD:
      ia(buf, code, p, len, m, budget);
      break;
    case Dhcp6Option.ORO: {
      if (len % 2 !== 0) m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
      const list: number[] = [];
      for (let q = 0; q + 2 <= len && list.length < MAX_OPTIONS; q += 2) list.push(u16(buf, p + q));
      m.oro = list;
      break;
    }
    case Dhcp6Option.PREFERENCE:
      if (len === 1) m.preference = buf[p]!;
      else m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
      break;
    case Dhcp6Option.ELAPSED_TIME:
      if (len === 2) m.elapsedTime = u16(buf, p);
      else m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
      break;
    case Dhcp6Option.STATUS_CODE:
      status(buf, p, len, m, true);
      break;
    case Dhcp6Option.RAPID_COMMIT:
      if (len !== 0) m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
      m.rapidCommit = true;
      break;
    case Dhcp6Option.VENDOR_CLASS:
      vendorClass(buf, p, len, m);
      break;
    case Dhcp6Option.DNS_SERVERS:
      m.dnsServers = addrList(buf, p, len, m);
      break;
    case Dhcp6Option.DOMAIN_LIST:
      m.domainSearch = domainList(buf, p, p + len, m);
      break;
    case Dhcp6Option.CLIENT_FQDN: {
      if (len < 1) {
        m.flags |= Dhcp6ParseFlag.BAD_OPTION_LENGTH;
        break;
      }
      const next = wireName(buf, p + 1, p + len, NAME_SCRATCH);
      if (next < 0) m.flags |= Dhcp6ParseFlag.BAD_NAME;
      else m.clientFqdn = { flags: buf[p]!, name: NAME_SCRATCH[0]! };
      break;
    }
    default:
      break;
  }
}

/** Is `t` a relay message type? */
function isRelay(t: number): boolean {
  return t === Dhcp6MessageType.RELAY_FORW || t === Dhcp6MessageType.RELAY_REPL;
}

/** Parse the DHCPv6 message in buf[off, off+len). Never throws. */
export function parseDhcp6Message(buf: Uint8Array, off: number, len: number): Dhcp6Message {
  let end = Math.min(buf.length, off + Math.max(0, len));
  const m: Dhcp6Message = { msgType: 0, transId: 0, relays: [], addrs: [], prefixes: [], rapidCommit: false, optionCodes: [], flags: 0 };
  const budget: Budget = { left: MAX_OPTIONS };
  let p = off;
  // Relay layers: find each one's Relay Message option and step inside.
  for (;;) {
    if (end - p < 1) {
      m.flags |= Dhcp6ParseFlag.SHORT;
      return m;
    }
    const t = buf[p]!;
    m.msgType = t;
    if (!isRelay(t)) break;
    if (end - p < RELAY_HEADER_LEN) {
      m.flags |= Dhcp6ParseFlag.SHORT;
      return m;
    }
    if (m.relays.length > HOP_COUNT_LIMIT) {
      m.flags |= Dhcp6ParseFlag.RELAY_TOO_DEEP;
      return m;
    }
    m.relays.push({ msgType: t, hopCount: buf[p + 1]!, linkAddr: ipv6At(buf, p + 2), peerAddr: ipv6At(buf, p + 18) });
    let inner = -1;
    let innerEnd = -1;
    walk(buf, p + RELAY_HEADER_LEN, end, m, budget, (code, v, n) => {
      if (code === Dhcp6Option.RELAY_MSG && inner < 0) {
        inner = v;
        innerEnd = v + n;
      }
    });
    if (inner < 0) {
      m.flags |= Dhcp6ParseFlag.NO_RELAY_MESSAGE;
      return m;
    }
    p = inner;
    end = innerEnd;
  }
  if (end - p < CLIENT_HEADER_LEN) {
    m.flags |= Dhcp6ParseFlag.SHORT;
    return m;
  }
  m.transId = (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
  walk(buf, p + CLIENT_HEADER_LEN, end, m, budget, (code, v, n) => {
    m.optionCodes.push(code);
    option(buf, code, v, n, m, budget);
  });
  return m;
}
