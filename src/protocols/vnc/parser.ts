/**
 * Pure parsers for the RFB handshake pieces: the protocol version line and
 * big-endian integers. Never throws.
 */

/** The version line's major and minor fields, or null when `buf[off..off+12)` is not "RFB ddd.ddd\n". */
export function parseVersion(buf: Uint8Array, off: number): { major: string; minor: string } | null {
  if (buf[off] !== 0x52 || buf[off + 1] !== 0x46 || buf[off + 2] !== 0x42 || buf[off + 3] !== 0x20) return null;
  if (buf[off + 7] !== 0x2e || buf[off + 11] !== 0x0a) return null;
  for (let i = 4; i < 11; i++) {
    if (i === 7) continue;
    const b = buf[off + i]!;
    if (b < 0x30 || b > 0x39) return null;
  }
  return {
    major: String.fromCharCode(buf[off + 4]!, buf[off + 5]!, buf[off + 6]!),
    minor: String.fromCharCode(buf[off + 8]!, buf[off + 9]!, buf[off + 10]!),
  };
}

/**
 * Which handshake a version speaks: 8 (3.8 and later, including Apple's
 * 3.889), 7, or 3. RFC 6143 section 7.1.1: other 3.x versions are 3.3.
 */
export function protocolLevel(minor: string): 3 | 7 | 8 {
  const m = Number(minor);
  if (m >= 8) return 8;
  if (m === 7) return 7;
  return 3;
}

export function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

export function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}
