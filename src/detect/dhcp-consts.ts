/**
 * DHCP message types (RFC 2132 option 53) the DHCP rules compare against,
 * and the unspecified address DHCP uses before a client has one.
 */
export const DHCP = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

export const UNSPECIFIED_V4 = '0.0.0.0';
