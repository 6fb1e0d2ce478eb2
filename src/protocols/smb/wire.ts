/**
 * Little-endian field readers and SMB string decoding shared by the SMB1 and
 * SMB2 parsers. Callers bounds-check offsets before reading fixed fields;
 * the string readers check their own bounds and stop at the limit.
 */

export function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** 64-bit little-endian value as a number (exact below 2^53, which message and session ids stay under). */
export function u64(b: Uint8Array, o: number): number {
  return u32(b, o) + u32(b, o + 4) * 0x100000000;
}

/** Longest SMB string decoded (bytes): UNC paths are limited to about 32 KiB by Windows; names far less. */
export const SMB_MAX_STRING_BYTES = 4096;

const utf16 = new TextDecoder('utf-16le', { fatal: false });
const latin1 = new TextDecoder('latin1');

/** UTF-16LE text of [start, end), capped at SMB_MAX_STRING_BYTES. */
export function utf16Text(b: Uint8Array, start: number, end: number): string {
  if (end > b.length) end = b.length;
  if (end - start > SMB_MAX_STRING_BYTES) end = start + SMB_MAX_STRING_BYTES;
  if (end <= start) return '';
  return utf16.decode(b.subarray(start, end - ((end - start) & 1)));
}

/** A NUL-terminated string read by `readCString`: its text and the offset after the terminator. */
export interface CString {
  text: string;
  next: number;
}

/**
 * Reads a NUL-terminated string at `p` (UTF-16LE when `unicode`, else OEM
 * read as latin1), stopping at `end`. Unicode strings are 2-byte aligned
 * relative to `align0` (the SMB header start), as MS-SMB requires.
 */
export function readCString(b: Uint8Array, p: number, end: number, unicode: boolean, align0: number, out: CString): void {
  if (end > b.length) end = b.length;
  if (unicode) {
    if (((p - align0) & 1) !== 0) p++;
    let q = p;
    while (q + 1 < end && (b[q] !== 0 || b[q + 1] !== 0)) q += 2;
    out.text = utf16Text(b, p, Math.min(q, end));
    out.next = Math.min(q + 2, end);
  } else {
    let q = p;
    while (q < end && b[q] !== 0) q++;
    const stop = Math.min(q, p + SMB_MAX_STRING_BYTES);
    out.text = stop > p ? latin1.decode(b.subarray(p, stop)) : '';
    out.next = Math.min(q + 1, end);
  }
}
