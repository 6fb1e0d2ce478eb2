/**
 * SSH wire constants (RFC 4253) and the bounds on per-flow state, each with
 * its reason.
 */

/** Longest identification line: 255 characters including CR LF (RFC 4253 section 4.2). Some servers exceed it slightly. */
export const MAX_BANNER_LINE = 512;
/** Lines a server may send before its identification (RFC 4253 section 4.2 allows some); more means this is not SSH. */
export const MAX_PRE_BANNER_LINES = 32;
/** Largest cleartext binary packet read: implementations must accept 35000 bytes (RFC 4253 section 6.1). */
export const MAX_PACKET_LENGTH = 35000;
/** Most names kept from one KEXINIT name-list. */
export const MAX_NAMES = 128;

export const SSH_PORTS = [22, 2222] as const;

export const Msg = {
  KEXINIT: 20,
  NEWKEYS: 21,
  /** KEXDH_REPLY / KEX_ECDH_REPLY, or KEX_DH_GEX_GROUP in group exchange. */
  KEX_31: 31,
  /** KEX_DH_GEX_REPLY. */
  KEX_DH_GEX_REPLY: 33,
} as const;

/** Compression that hides packet sizes during authentication (Zeek skips the heuristic for these). */
export const SIZE_HIDING_COMPRESSION: readonly string[] = ['zlib', 'zlib@openssh.com'];

/** Zeek's value when no common algorithm exists. */
export const NEGOTIATION_FAILED = 'Algorithm negotiation failed';

export const SshAnomaly = {
  BAD_BANNER: 'ssh_malformed_identification',
  BANNER_TOO_LONG: 'ssh_identification_too_long',
  PACKET_TOO_LONG: 'ssh_packet_too_long',
  BAD_PACKET: 'ssh_malformed_packet',
  BAD_KEXINIT: 'ssh_malformed_kexinit',
  VERSION_MISMATCH: 'ssh_version_mismatch',
  CONTENT_GAP: 'ssh_content_gap',
} as const;
