/**
 * Small pure helpers shared by the SMTP, IMAP and POP3 analyzers: words of a
 * command line, case-insensitive keyword tests, IMAP literal markers and
 * quoted strings. Offsets in, offsets or strings out; never throws.
 */
import { logString } from '../wire-text.js';

/** End of the word starting at `i` (first space or `end`). */
export function wordEnd(buf: Uint8Array, i: number, end: number): number {
  while (i < end && buf[i] !== 0x20) i++;
  return i;
}

/** First non-space at or after `i`. */
export function skipSpaces(buf: Uint8Array, i: number, end: number): number {
  while (i < end && buf[i] === 0x20) i++;
  return i;
}

/** True when `buf[s..e)` equals the upper-case ASCII `word`, ignoring case. */
export function isWord(buf: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    let b = buf[s + i]!;
    if (b >= 0x61 && b <= 0x7a) b -= 0x20;
    if (b !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** Upper-case text of a short keyword. */
export function upperWord(buf: Uint8Array, s: number, e: number): string {
  return logString(buf, s, e).toUpperCase();
}

/** Largest IMAP literal we step over; a bigger one is a length lie (or a mailbox upload, which we do not need). */
export const MAX_LITERAL = 64 * 1024 * 1024;

/**
 * The size of an IMAP literal announced at the end of a line ("{42}" or the
 * non-synchronising "{42+}"), or -1 when the line does not end with one.
 */
export function literalAtEnd(buf: Uint8Array, s: number, e: number): number {
  if (e - s < 3 || buf[e - 1] !== 0x7d) return -1;
  let i = e - 2;
  if (buf[i] === 0x2b) i--;
  let n = 0;
  let mul = 1;
  let digits = 0;
  while (i > s && buf[i]! >= 0x30 && buf[i]! <= 0x39) {
    n += (buf[i]! - 0x30) * mul;
    mul *= 10;
    digits++;
    i--;
    if (digits > 10) return -1;
  }
  if (digits === 0 || buf[i] !== 0x7b || n > MAX_LITERAL) return -1;
  return n;
}

/**
 * An IMAP astring at `i` (atom or quoted string with backslash escapes):
 * its text and where it ends, or null for a literal or nothing.
 */
export function astring(buf: Uint8Array, i: number, end: number): { text: string; next: number } | null {
  if (i >= end || buf[i] === 0x7b) return null;
  if (buf[i] !== 0x22) {
    const e = wordEnd(buf, i, end);
    return { text: logString(buf, i, e), next: e };
  }
  const out: number[] = [];
  let j = i + 1;
  while (j < end && buf[j] !== 0x22) {
    if (buf[j] === 0x5c && j + 1 < end) j++;
    out.push(buf[j]!);
    j++;
  }
  if (j >= end) return null;
  const bytes = Uint8Array.from(out);
  return { text: logString(bytes, 0, bytes.length), next: j + 1 };
}
