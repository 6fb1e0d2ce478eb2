/**
 * TFTP (RFC 1350, options RFC 2347-2349) wire values and bounds.
 */

/** Requests go to UDP 69; the transfer then runs between two other ports. */
export const TFTP_PORTS = [69] as const;

export const Opcode = {
  RRQ: 1,
  WRQ: 2,
  DATA: 3,
  ACK: 4,
  ERROR: 5,
  OACK: 6,
} as const;

/** Block size without a blksize option. */
export const DEFAULT_BLOCK_SIZE = 512;
/** The largest block size RFC 2348 allows. */
export const MAX_BLOCK_SIZE = 65_464;
/** Seconds a request waits for its transfer's first packet from the server. */
export const TRANSFER_WAIT_SECONDS = 30;
/** Longest file name, mode or error message kept. */
export const MAX_TEXT = 512;
/** Requests one control flow announces (retransmissions of the same one are not new requests). */
export const MAX_REQUESTS_PER_FLOW = 256;

export const TftpAnomaly = {
  /** A datagram too short for its opcode, an unknown opcode, or a request without its NUL-ended strings. */
  BAD_PACKET: 'tftp.bad_packet',
  /** More requests on one flow than MAX_REQUESTS_PER_FLOW. */
  TOO_MANY_REQUESTS: 'tftp.too_many_requests',
} as const;
