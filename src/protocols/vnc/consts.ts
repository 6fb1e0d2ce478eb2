/**
 * RFB (VNC) wire values from RFC 6143 and the IANA RFB security-type
 * registry, Zeek's names for the security types, and the bounds on
 * per-flow state.
 */

/** VNC's display ports: 5900 + display number, displays 0..10. */
export const VNC_PORTS = [5900, 5901, 5902, 5903, 5904, 5905, 5906, 5907, 5908, 5909, 5910] as const;

/** "RFB xxx.yyy\n" (RFC 6143 section 7.1.1). */
export const VERSION_LENGTH = 12;
/** VNC authentication challenge and response (RFC 6143 section 7.2.2). */
export const CHALLENGE_LENGTH = 16;
/** ServerInit before the name: width, height (2 each), pixel format (16), name length (4). */
export const SERVER_INIT_FIXED = 24;
/** Bytes buffered per direction: the handshake is small; the desktop name is the only variable part. */
export const MAX_BUFFER = 8192;
/** Longest reason or desktop name read; longer ones are a length lie or abuse. */
export const MAX_STRING = 4096;

export const SecType = {
  INVALID: 0,
  NONE: 1,
  VNC: 2,
} as const;

const SEC_NAMES: Readonly<Record<number, string>> = {
  0: 'Invalid',
  1: 'None',
  2: 'VNC',
  16: 'Tight',
  17: 'Ultra',
  18: 'TLS',
  19: 'VeNCrypt',
  20: 'GTK-VNC SASL',
  21: 'MD5 hash authentication',
  22: 'Colin Dean xvp',
  30: 'Apple Remote Desktop',
};

/**
 * Zeek's name for a security type. Types 3..15 are RealVNC's block in the
 * IANA registry; anything else is `type-N` (Zeek says "RealVNC" for every
 * unknown type, which hides what was offered).
 */
export function secTypeName(t: number): string {
  const n = SEC_NAMES[t];
  if (n !== undefined) return n;
  if (t >= 3 && t <= 15) return 'RealVNC';
  return `type-${t}`;
}

export const VncAnomaly = {
  BAD_VERSION: 'rfb_malformed_version',
  BAD_STRING: 'rfb_string_too_long',
  BUFFER_FULL: 'rfb_buffer_full',
  NO_SECURITY_TYPES: 'rfb_no_security_types',
  CONTENT_GAP: 'rfb_content_gap',
} as const;
