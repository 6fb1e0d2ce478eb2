/**
 * Byte readers shared by the layer decoders and the protocol parsers. All
 * values are big-endian (network order) and read with index arithmetic from
 * a Uint8Array; callers check bounds first, so these never test lengths
 * themselves. Small enough for V8 to inline into the per-packet path.
 */

/** Unsigned 16-bit value at `o`. */
export function u16(buf: Uint8Array, o: number): number {
  return (buf[o] << 8) | buf[o + 1];
}

/** Unsigned 24-bit value at `o` (TLS handshake lengths). */
export function u24(buf: Uint8Array, o: number): number {
  return (buf[o] << 16) | (buf[o + 1] << 8) | buf[o + 2];
}

/** Unsigned 32-bit value at `o` (as a non-negative number). */
export function u32(buf: Uint8Array, o: number): number {
  return ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;
}

/** 48-bit value at `o` (a MAC address) as an integer, exact in a double. */
export function readMac(buf: Uint8Array, o: number): number {
  return ((buf[o] << 8) | buf[o + 1]) * 4294967296 + u32(buf, o + 2);
}
