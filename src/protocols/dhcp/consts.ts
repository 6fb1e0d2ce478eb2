/**
 * DHCPv4 wire values (RFC 2131, RFC 2132 and the option RFCs named below)
 * and the message type names Zeek's dhcp.log uses (DHCP::message_types);
 * unknown types fall back to "unknown-message-type-<n>", never empty.
 * Parser-free, so the DHCP detectors share these values with the analyzer.
 */

/** BOOTP op codes (RFC 951). */
export const BootpOp = { REQUEST: 1, REPLY: 2 } as const;

/** The unspecified address DHCP uses before a client has one (ciaddr/yiaddr/giaddr unset). */
export { UNSPECIFIED_V4 } from '../../config/ip.js';

/** The magic cookie that starts the options field (RFC 2131 §3). */
export const DHCP_MAGIC_COOKIE = 0x63825363;

/** Option codes Picket decodes. */
export const DhcpOption = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVER: 6,
  HOST_NAME: 12,
  DOMAIN_NAME: 15,
  REQUESTED_ADDR: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAM_LIST: 55,
  MESSAGE: 56,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  /** RFC 4702 */
  CLIENT_FQDN: 81,
  /** RFC 3046 */
  RELAY_AGENT: 82,
  END: 255,
} as const;

/** Relay agent sub-options (RFC 3046 §2.0, RFC 3993 subscriber id). */
export const RelaySubOption = { CIRCUIT_ID: 1, REMOTE_ID: 2, SUBSCRIBER_ID: 6 } as const;

/** Message types (option 53). */
export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

const MESSAGE_TYPE_NAMES = [
  '',
  'DISCOVER',
  'OFFER',
  'REQUEST',
  'DECLINE',
  'ACK',
  'NAK',
  'RELEASE',
  'INFORM',
  'FORCERENEW',
  'LEASEQUERY',
  'LEASEUNASSIGNED',
  'LEASEUNKNOWN',
  'LEASEACTIVE',
  'BULKLEASEQUERY',
  'LEASEQUERYDONE',
  'ACTIVELEASEQUERY',
  'LEASEQUERYSTATUS',
  'TLS',
] as const;

/** Zeek's DHCP::message_types name. */
export function messageTypeName(n: number): string {
  const name = n > 0 && n < MESSAGE_TYPE_NAMES.length ? MESSAGE_TYPE_NAMES[n] : undefined;
  return name ?? `unknown-message-type-${n}`;
}

/** Server and client ports (RFC 2131 §4.1). */
export const DhcpPort = { SERVER: 67, CLIENT: 68 } as const;
