/**
 * Pure DHCPv4 message parser: the fixed BOOTP header (RFC 2131 §2) and the
 * options Picket uses (RFC 2132 and others), including option overload
 * (options continued in the `file` and `sname` fields, RFC 2132 §9.3).
 * Bytes in, a `DhcpMessage` out; never throws. Problems are bits in
 * `flags` (see DhcpParseFlag), the rest of the message is still returned.
 */
import { BootpOp, DHCP_MAGIC_COOKIE, DhcpOption, RelaySubOption, UNSPECIFIED_V4 } from './consts.js';
import { bytesToText, hexAt, ipv4At, macAt } from '../dns/format.js';

/** BOOTP fixed part before the options (op .. file) plus the 4-byte cookie. */
export const BOOTP_FIXED_LEN = 236;
export const DHCP_OPTIONS_OFFSET = 240;
/** `sname` field: 64 bytes at offset 44. */
const SNAME_OFFSET = 44;
const SNAME_LEN = 64;
/** `file` field: 128 bytes at offset 108. */
const FILE_OFFSET = 108;
const FILE_LEN = 128;
/**
 * Options read per message across all areas: 255 codes exist, and a repeat
 * of the same option is legal (RFC 3396 concatenation), so twice that is
 * plenty; past it the message is junk and parsing stops (flagged).
 */
export const MAX_OPTIONS = 512;
/** Addresses kept from list options (router, DNS servers): bounds the event size. */
export const MAX_ADDR_LIST = 32;

export const DhcpParseFlag = {
  /** Shorter than the fixed BOOTP header: nothing parsed. */
  SHORT: 0x01,
  /** No DHCP magic cookie: plain BOOTP or not DHCP at all; no options parsed. */
  NO_MAGIC: 0x02,
  /** An option's length ran past the end of its area. */
  TRUNCATED_OPTIONS: 0x04,
  /** An option had a length its type does not allow. */
  BAD_OPTION_LENGTH: 0x08,
  /** The options area had no END option. */
  NO_END: 0x10,
  /** More than MAX_OPTIONS options. */
  TOO_MANY_OPTIONS: 0x20,
} as const;

export interface DhcpClientFqdn {
  flags: number;
  rcode1: number;
  rcode2: number;
  domain_name: string;
}

export interface DhcpClientId {
  hwtype: number;
  /** MAC text when hwtype is 1 (Ethernet) with 6 bytes. */
  hwaddr?: string;
  /** Whole value, hex (type byte included). */
  hex: string;
}

export interface DhcpMessage {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  bflags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Client hardware address (first `hlen` bytes, at most 16) as "aa:bb:..". */
  chaddr: string;
  /** Option 53, 0 when absent (BOOTP). */
  msgType: number;
  subnetMask?: string;
  routers?: string[];
  dnsServers?: string[];
  hostName?: string;
  domainName?: string;
  requestedAddr?: string;
  leaseTime?: number;
  overload?: number;
  serverId?: string;
  paramList?: number[];
  message?: string;
  renewalTime?: number;
  rebindingTime?: number;
  vendorClass?: string;
  clientId?: DhcpClientId;
  clientFqdn?: DhcpClientFqdn;
  circuitId?: string;
  remoteId?: string;
  subscriberId?: string;
  /** Every option code seen, in order (pad and end excluded). */
  optionCodes: number[];
  /** DhcpParseFlag bits; 0 for a clean message. */
  flags: number;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function addrList(buf: Uint8Array, p: number, len: number, m: DhcpMessage): string[] {
  const out: string[] = [];
  if (len === 0 || len % 4 !== 0) m.flags |= DhcpParseFlag.BAD_OPTION_LENGTH;
  for (let q = 0; q + 4 <= len && out.length < MAX_ADDR_LIST; q += 4) out.push(ipv4At(buf, p + q));
  return out;
}

/** Wire-format (RFC 1035) name inside an option value, uncompressed; "" when malformed. */
function wireName(buf: Uint8Array, p: number, end: number): string {
  let out = '';
  while (p < end) {
    const len = buf[p]!;
    if (len === 0) break;
    if (len > 63 || p + 1 + len > end) return out;
    if (out.length > 0) out += '.';
    out += bytesToText(buf, p + 1, p + 1 + len);
    p += 1 + len;
  }
  return out;
}

function relayAgent(buf: Uint8Array, p: number, end: number, m: DhcpMessage): void {
  while (p + 2 <= end) {
    const code = buf[p]!;
    const len = buf[p + 1]!;
    const v = p + 2;
    if (v + len > end) {
      m.flags |= DhcpParseFlag.TRUNCATED_OPTIONS;
      return;
    }
    const text = bytesToText(buf, v, v + len);
    if (code === RelaySubOption.CIRCUIT_ID) m.circuitId = text;
    else if (code === RelaySubOption.REMOTE_ID) m.remoteId = text;
    else if (code === RelaySubOption.SUBSCRIBER_ID) m.subscriberId = text;
    p = v + len;
  }
}

/** True when an option has the one length its type allows; flags it otherwise. */
function fixed(m: DhcpMessage, len: number, n: number): boolean {
  if (len === n) return true;
  m.flags |= DhcpParseFlag.BAD_OPTION_LENGTH;
  return false;
}

/** One option value at buf[p, p+len). */
function option(buf: Uint8Array, code: number, p: number, len: number, m: DhcpMessage): void {
  switch (code) {
    case DhcpOption.SUBNET_MASK:
      if (fixed(m, len, 4)) m.subnetMask = ipv4At(buf, p);
      break;
    case DhcpOption.ROUTER:
      m.routers = addrList(buf, p, len, m);
      break;
    case DhcpOption.DNS_SERVER:
      m.dnsServers = addrList(buf, p, len, m);
      break;
    case DhcpOption.HOST_NAME:
      m.hostName = bytesToText(buf, p, p + len);
      break;
    case DhcpOption.DOMAIN_NAME:
      m.domainName = bytesToText(buf, p, p + len);
      break;
    case DhcpOption.REQUESTED_ADDR:
      if (fixed(m, len, 4)) m.requestedAddr = ipv4At(buf, p);
      break;
    case DhcpOption.LEASE_TIME:
      if (fixed(m, len, 4)) m.leaseTime = u32(buf, p);
      break;
    case DhcpOption.OVERLOAD:
      if (fixed(m, len, 1)) m.overload = buf[p]!;
      break;
    case DhcpOption.MESSAGE_TYPE:
      if (fixed(m, len, 1)) m.msgType = buf[p]!;
      break;
    case DhcpOption.SERVER_ID:
      if (fixed(m, len, 4)) m.serverId = ipv4At(buf, p);
      break;
    case DhcpOption.PARAM_LIST: {
      const list: number[] = [];
      for (let i = 0; i < len; i++) list.push(buf[p + i]!);
      m.paramList = list;
      break;
    }
    case DhcpOption.MESSAGE:
      m.message = bytesToText(buf, p, p + len);
      break;
    case DhcpOption.RENEWAL_TIME:
      if (fixed(m, len, 4)) m.renewalTime = u32(buf, p);
      break;
    case DhcpOption.REBINDING_TIME:
      if (fixed(m, len, 4)) m.rebindingTime = u32(buf, p);
      break;
    case DhcpOption.VENDOR_CLASS:
      m.vendorClass = bytesToText(buf, p, p + len);
      break;
    case DhcpOption.CLIENT_ID: {
      if (len < 2) {
        m.flags |= DhcpParseFlag.BAD_OPTION_LENGTH;
        break;
      }
      const id: DhcpClientId = { hwtype: buf[p]!, hex: hexAt(buf, p, len) };
      if (id.hwtype === 1 && len === 7) id.hwaddr = macAt(buf, p + 1);
      m.clientId = id;
      break;
    }
    case DhcpOption.CLIENT_FQDN: {
      if (len < 3) {
        m.flags |= DhcpParseFlag.BAD_OPTION_LENGTH;
        break;
      }
      const flags = buf[p]!;
      // RFC 4702 §2.1: the E bit (0x04) says the name is in DNS wire format.
      const domain = (flags & 0x04) !== 0 ? wireName(buf, p + 3, p + len) : bytesToText(buf, p + 3, p + len);
      m.clientFqdn = { flags, rcode1: buf[p + 1]!, rcode2: buf[p + 2]!, domain_name: domain };
      break;
    }
    case DhcpOption.RELAY_AGENT:
      relayAgent(buf, p, p + len, m);
      break;
    default:
      break;
  }
}

/** Walk one options area [p, end). Returns true when an END option closed it. */
function options(buf: Uint8Array, p: number, end: number, m: DhcpMessage, budget: { left: number }): boolean {
  while (p < end) {
    const code = buf[p]!;
    if (code === DhcpOption.PAD) {
      p++;
      continue;
    }
    if (code === DhcpOption.END) return true;
    if (p + 1 >= end) {
      m.flags |= DhcpParseFlag.TRUNCATED_OPTIONS;
      return false;
    }
    const len = buf[p + 1]!;
    if (p + 2 + len > end) {
      m.flags |= DhcpParseFlag.TRUNCATED_OPTIONS;
      return false;
    }
    if (--budget.left < 0) {
      m.flags |= DhcpParseFlag.TOO_MANY_OPTIONS;
      return false;
    }
    m.optionCodes.push(code);
    option(buf, code, p + 2, len, m);
    p += 2 + len;
  }
  return false;
}

/** Parse the DHCP message in buf[off, off+len). Never throws. */
export function parseDhcpMessage(buf: Uint8Array, off: number, len: number): DhcpMessage {
  const end = Math.min(buf.length, off + Math.max(0, len));
  const m: DhcpMessage = {
    op: 0,
    htype: 0,
    hlen: 0,
    hops: 0,
    xid: 0,
    secs: 0,
    bflags: 0,
    ciaddr: UNSPECIFIED_V4,
    yiaddr: UNSPECIFIED_V4,
    siaddr: UNSPECIFIED_V4,
    giaddr: UNSPECIFIED_V4,
    chaddr: '',
    msgType: 0,
    optionCodes: [],
    flags: 0,
  };
  if (end - off < BOOTP_FIXED_LEN) {
    m.flags = DhcpParseFlag.SHORT;
    return m;
  }
  m.op = buf[off]!;
  m.htype = buf[off + 1]!;
  m.hlen = buf[off + 2]!;
  m.hops = buf[off + 3]!;
  m.xid = u32(buf, off + 4);
  m.secs = (buf[off + 8]! << 8) | buf[off + 9]!;
  m.bflags = (buf[off + 10]! << 8) | buf[off + 11]!;
  m.ciaddr = ipv4At(buf, off + 12);
  m.yiaddr = ipv4At(buf, off + 16);
  m.siaddr = ipv4At(buf, off + 20);
  m.giaddr = ipv4At(buf, off + 24);
  m.chaddr = macAt(buf, off + 28, Math.min(m.hlen, 16));
  if (end - off < DHCP_OPTIONS_OFFSET || u32(buf, off + BOOTP_FIXED_LEN) !== DHCP_MAGIC_COOKIE) {
    m.flags |= DhcpParseFlag.NO_MAGIC;
    return m;
  }
  const budget = { left: MAX_OPTIONS };
  const closed = options(buf, off + DHCP_OPTIONS_OFFSET, end, m, budget);
  if (!closed && (m.flags & (DhcpParseFlag.TRUNCATED_OPTIONS | DhcpParseFlag.TOO_MANY_OPTIONS)) === 0) {
    m.flags |= DhcpParseFlag.NO_END;
  }
  // RFC 2132 §9.3: 1 = file holds options, 2 = sname, 3 = both; file is read first.
  const ov = m.overload ?? 0;
  if ((ov & 1) !== 0) options(buf, off + FILE_OFFSET, off + FILE_OFFSET + FILE_LEN, m, budget);
  if ((ov & 2) !== 0) options(buf, off + SNAME_OFFSET, off + SNAME_OFFSET + SNAME_LEN, m, budget);
  return m;
}

/** True for client-to-server messages (BOOTREQUEST). */
export function isClientMessage(m: DhcpMessage): boolean {
  return m.op === BootpOp.REQUEST;
}
