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

/** Seconds from the FILETIME epoch (1601-01-01) to the Unix epoch. */
const FILETIME_UNIX_OFFSET = 11644473600;
/** 2^32 = FILETIME_HI_SECONDS * 10^7 + FILETIME_HI_REST: splits the high word's ticks into whole seconds. */
const FILETIME_HI_SECONDS = 429;
const FILETIME_HI_REST = 4967296;

/**
 * A FILETIME (100 ns ticks since 1601, little-endian 64 bits) at `o` as
 * epoch seconds; undefined when zero (no time) or before 1970. The ticks
 * pass 2^53, so whole seconds and the remainder are worked out separately
 * to keep every tick: `hi * 2^32 + lo` as one number would round to 1.6 µs.
 */
export function filetimeAt(b: Uint8Array, o: number): number | undefined {
  const lo = u32(b, o);
  const hi = u32(b, o + 4);
  const hiRest = hi % 1e7;
  const low = hiRest * FILETIME_HI_REST + lo;
  const seconds = (hi - hiRest) / 1e7 * 0x100000000 + hiRest * FILETIME_HI_SECONDS + Math.floor(low / 1e7) - FILETIME_UNIX_OFFSET;
  if (seconds < 0) return undefined;
  return seconds + (low % 1e7) / 1e7;
}

/** A file's times as Zeek's MACTimes name them (epoch seconds; absent when the protocol gave none). */
export interface FileTimes {
  modified?: number;
  accessed?: number;
  created?: number;
  changed?: number;
}

/**
 * The four FILETIMEs at `o` in the order both create responses carry them
 * (MS-SMB2 §2.2.14, MS-CIFS §2.2.4.64.2): creation, last access, last
 * write, change.
 */
export function fileTimesAt(b: Uint8Array, o: number): FileTimes {
  const t: FileTimes = {};
  const created = filetimeAt(b, o);
  const accessed = filetimeAt(b, o + 8);
  const modified = filetimeAt(b, o + 16);
  const changed = filetimeAt(b, o + 24);
  if (modified !== undefined) t.modified = modified;
  if (accessed !== undefined) t.accessed = accessed;
  if (created !== undefined) t.created = created;
  if (changed !== undefined) t.changed = changed;
  return t;
}

/** What a successful create response says of the file it opened (SMB1 and SMB2 alike). */
export interface SmbOpened {
  /** The handle as a map key: `smb2FileKey` / `smb1FileKey`. */
  fileKey: string;
  times: FileTimes;
  /** End-of-file size in bytes. */
  size: number;
  directory: boolean;
}

/**
 * An SMB2 FileId (16 bytes at `o`) as a map key: eight UTF-16 code units
 * made in one call, so the string is flat (hashing it does not copy it
 * again). Used once per READ/WRITE request, so it stays this cheap.
 */
export function smb2FileKey(b: Uint8Array, o: number): string {
  return String.fromCharCode(u16(b, o), u16(b, o + 2), u16(b, o + 4), u16(b, o + 6), u16(b, o + 8), u16(b, o + 10), u16(b, o + 12), u16(b, o + 14));
}

/** An SMB1 FID as a map key: one code unit, so it never equals an SMB2 key. */
export function smb1FileKey(fid: number): string {
  return String.fromCharCode(fid);
}
