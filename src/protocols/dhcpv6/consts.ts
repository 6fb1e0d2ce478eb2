/**
 * DHCPv6 wire values (RFC 8415, with the DNS options of RFC 3646 and the
 * Client FQDN option of RFC 4704) and the message type names the logs and
 * alerts use (RFC 8415 §7.3 spelling); unknown types fall back to
 * "unknown-message-type-<n>", never empty. Parser-free, so the DHCP rules
 * share these values with the analyzer.
 */

/** Client and server/relay ports (RFC 8415 §7.2). */
export const Dhcp6Port = { CLIENT: 546, SERVER: 547 } as const;

/** Message types (RFC 8415 §7.3). */
export const Dhcp6MessageType = {
  SOLICIT: 1,
  ADVERTISE: 2,
  REQUEST: 3,
  CONFIRM: 4,
  RENEW: 5,
  REBIND: 6,
  REPLY: 7,
  RELEASE: 8,
  DECLINE: 9,
  RECONFIGURE: 10,
  INFORMATION_REQUEST: 11,
  RELAY_FORW: 12,
  RELAY_REPL: 13,
} as const;

const MESSAGE_TYPE_NAMES = [
  '',
  'SOLICIT',
  'ADVERTISE',
  'REQUEST',
  'CONFIRM',
  'RENEW',
  'REBIND',
  'REPLY',
  'RELEASE',
  'DECLINE',
  'RECONFIGURE',
  'INFORMATION-REQUEST',
  'RELAY-FORW',
  'RELAY-REPL',
] as const;

/** The RFC 8415 name of a message type. */
export function dhcp6MessageTypeName(n: number): string {
  const name = n > 0 && n < MESSAGE_TYPE_NAMES.length ? MESSAGE_TYPE_NAMES[n] : undefined;
  return name ?? `unknown-message-type-${n}`;
}

/** Messages a client sends (RFC 8415 §7.3); ADVERTISE, REPLY and RECONFIGURE come from servers. */
export function isDhcp6ClientType(n: number): boolean {
  return (
    n === Dhcp6MessageType.SOLICIT ||
    n === Dhcp6MessageType.REQUEST ||
    n === Dhcp6MessageType.CONFIRM ||
    n === Dhcp6MessageType.RENEW ||
    n === Dhcp6MessageType.REBIND ||
    n === Dhcp6MessageType.RELEASE ||
    n === Dhcp6MessageType.DECLINE ||
    n === Dhcp6MessageType.INFORMATION_REQUEST
  );
}

/** Option codes Picket decodes (RFC 8415 §21 unless noted). */
export const Dhcp6Option = {
  CLIENT_ID: 1,
  SERVER_ID: 2,
  IA_NA: 3,
  IA_TA: 4,
  IAADDR: 5,
  ORO: 6,
  PREFERENCE: 7,
  ELAPSED_TIME: 8,
  RELAY_MSG: 9,
  STATUS_CODE: 13,
  RAPID_COMMIT: 14,
  VENDOR_CLASS: 16,
  INTERFACE_ID: 18,
  /** RFC 3646 */
  DNS_SERVERS: 23,
  /** RFC 3646 */
  DOMAIN_LIST: 24,
  IA_PD: 25,
  IAPREFIX: 26,
  /** RFC 4704 */
  CLIENT_FQDN: 39,
} as const;

/** DUID types (RFC 8415 §11; UUID: RFC 6355). */
export const DuidType = { LLT: 1, EN: 2, LL: 3, UUID: 4 } as const;

/** ARP hardware type of Ethernet (the link-layer type in DUID-LLT/LL). */
export const HWTYPE_ETHERNET = 1;

const STATUS_NAMES = ['Success', 'UnspecFail', 'NoAddrsAvail', 'NoBinding', 'NotOnLink', 'UseMulticast', 'NoPrefixAvail'] as const;

/** The RFC 8415 §21.13 name of a status code. */
export function dhcp6StatusName(n: number): string {
  return (n >= 0 && n < STATUS_NAMES.length ? STATUS_NAMES[n] : undefined) ?? `status-${n}`;
}

/** Relay agents drop messages nested deeper than this (HOP_COUNT_LIMIT, RFC 8415 §7.6). */
export const HOP_COUNT_LIMIT = 8;
