/**
 * DNS wire values (RFC 1035 and successors) and the code -> name tables the
 * dns log uses. Names follow Zeek's `base/protocols/dns/consts.zeek` so the
 * log matches Zeek's; an unknown code falls back to e.g. "query-65280",
 * never to an empty field.
 */

/** Resource record types the parser treats specially. */
export const RRType = {
  A: 1,
  NS: 2,
  MD: 3,
  MF: 4,
  CNAME: 5,
  SOA: 6,
  MB: 7,
  MG: 8,
  MR: 9,
  NULL: 10,
  WKS: 11,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  LOC: 29,
  /** Also NetBIOS "NB" (general name record) on port 137. */
  NIMLOC: 32,
  /** Also NetBIOS "NBSTAT" (node status) on port 137. */
  SRV: 33,
  NAPTR: 35,
  A6: 38,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  NSEC3PARAM: 51,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  TKEY: 249,
  TSIG: 250,
  ANY: 255,
  CAA: 257,
  /** BIND9's private "signing signal" record. */
  BINDS: 65534,
} as const;

/** Header opcodes (RFC 1035 §4.1.1, RFC 1996, RFC 2136, RFC 8490). */
export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5, DSO: 6 } as const;

/** EDNS option codes Picket decodes (RFC 7871 client subnet, RFC 7828 TCP keepalive). */
export const EdnsOption = { ECS: 8, TCP_KEEPALIVE: 11 } as const;

/** SvcParamKeys (RFC 9460 §14.3.2). */
export const SvcParamKey = {
  MANDATORY: 0,
  ALPN: 1,
  NO_DEFAULT_ALPN: 2,
  PORT: 3,
  IPV4HINT: 4,
  ECH: 5,
  IPV6HINT: 6,
} as const;

/** Well-known ports of the name services handled here. */
export const DnsPort = { DNS: 53, NBNS: 137, MDNS: 5353, LLMNR: 5355 } as const;

const QTYPE_NAMES = new Map<number, string>([
  [1, 'A'], [2, 'NS'], [3, 'MD'], [4, 'MF'], [5, 'CNAME'], [6, 'SOA'], [7, 'MB'], [8, 'MG'], [9, 'MR'],
  [10, 'NULL'], [11, 'WKS'], [12, 'PTR'], [13, 'HINFO'], [14, 'MINFO'], [15, 'MX'], [16, 'TXT'], [17, 'RP'],
  [18, 'AFSDB'], [19, 'X25'], [20, 'ISDN'], [21, 'RT'], [22, 'NSAP'], [23, 'NSAP-PTR'], [24, 'SIG'],
  [25, 'KEY'], [26, 'PX'], [27, 'GPOS'], [28, 'AAAA'], [29, 'LOC'], [30, 'NXT'], [31, 'EID'],
  [32, 'NIMLOC'], [33, 'SRV'], [34, 'ATMA'], [35, 'NAPTR'], [36, 'KX'], [37, 'CERT'], [38, 'A6'],
  [39, 'DNAME'], [40, 'SINK'], [41, 'OPT'], [42, 'APL'], [43, 'DS'], [44, 'SSHFP'], [45, 'IPSECKEY'],
  [46, 'RRSIG'], [47, 'NSEC'], [48, 'DNSKEY'], [49, 'DHCID'], [50, 'NSEC3'], [51, 'NSEC3PARAM'],
  [52, 'TLSA'], [53, 'SMIMEA'], [55, 'HIP'], [56, 'NINFO'], [57, 'RKEY'], [58, 'TALINK'], [59, 'CDS'],
  [60, 'CDNSKEY'], [61, 'OPENPGPKEY'], [62, 'CSYNC'], [63, 'ZONEMD'], [64, 'SVCB'], [65, 'HTTPS'],
  [99, 'SPF'], [100, 'UINFO'], [101, 'UID'], [102, 'GID'], [103, 'UNSPEC'], [104, 'NID'], [105, 'L32'],
  [106, 'L64'], [107, 'LP'], [108, 'EUI48'], [109, 'EUI64'], [249, 'TKEY'], [250, 'TSIG'], [251, 'IXFR'],
  [252, 'AXFR'], [253, 'MAILB'], [254, 'MAILA'], [255, '*'], [256, 'URI'], [257, 'CAA'], [32768, 'TA'],
  [32769, 'DLV'], [65281, 'WINS'], [65282, 'WINS-R'], [65422, 'XPF'], [65521, 'INTEGRITY'],
]);

const RCODE_NAMES = new Map<number, string>([
  [0, 'NOERROR'], [1, 'FORMERR'], [2, 'SERVFAIL'], [3, 'NXDOMAIN'], [4, 'NOTIMP'], [5, 'REFUSED'],
  [6, 'YXDOMAIN'], [7, 'YXRRSET'], [8, 'NXRRSet'], [9, 'NOTAUTH'], [10, 'NOTZONE'], [16, 'BADVERS'],
  [17, 'BADKEY'], [18, 'BADTIME'], [19, 'BADMODE'], [20, 'BADNAME'], [21, 'BADALG'], [22, 'BADTRUNC'],
  [23, 'BADCOOKIE'], [3842, 'BADSIG'],
]);

const CLASS_NAMES = new Map<number, string>([
  [1, 'C_INTERNET'], [2, 'C_CSNET'], [3, 'C_CHAOS'], [4, 'C_HESIOD'], [254, 'C_NONE'], [255, 'C_ANY'],
]);

const OPCODE_NAMES = new Map<number, string>([
  [0, 'query'], [1, 'iquery'], [2, 'server-status'], [4, 'notify'], [5, 'dynamic-update'], [6, 'dso'],
]);

/** NBNS opcodes (RFC 1002 §4.2.1.1). */
const NETBIOS_OPCODE_NAMES = new Map<number, string>([
  [0, 'netbios-query'], [5, 'netbios-registration'], [6, 'netbios-release'], [7, 'netbios-wack'],
  [8, 'netbios-refresh'],
]);

const SVC_PARAM_NAMES = new Map<number, string>([
  [0, 'mandatory'], [1, 'alpn'], [2, 'no-default-alpn'], [3, 'port'], [4, 'ipv4hint'], [5, 'ech'], [6, 'ipv6hint'],
]);

/** Zeek's query_types name, "query-<n>" when unknown. */
export function qtypeName(n: number): string {
  return QTYPE_NAMES.get(n) ?? `query-${n}`;
}

/** Zeek's base_errors name; 11-15 are "unassigned-<n>", other unknowns "rcode-<n>". */
export function rcodeName(n: number): string {
  const name = RCODE_NAMES.get(n);
  if (name !== undefined) return name;
  return n >= 11 && n <= 15 ? `unassigned-${n}` : `rcode-${n}`;
}

/** Zeek's classes name, "qclass-<n>" when unknown. */
export function qclassName(n: number): string {
  return CLASS_NAMES.get(n) ?? `qclass-${n}`;
}

/** Zeek's opcodes / netbios_opcodes name. */
export function opcodeName(n: number, netbios: boolean): string {
  if (netbios) return NETBIOS_OPCODE_NAMES.get(n) ?? `netbios-opcode-${n}`;
  return OPCODE_NAMES.get(n) ?? `opcode-${n}`;
}

/** RFC 9460 key name, "key<n>" (the RFC's presentation form) when unknown. */
export function svcParamKeyName(n: number): string {
  return SVC_PARAM_NAMES.get(n) ?? `key${n}`;
}
