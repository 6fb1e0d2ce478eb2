/**
 * Pure parsers for FTP control lines: a client command ("VERB arg") and a
 * server reply line ("ddd text", "ddd-text" opening a multi-line reply).
 * Bytes in, numbers and offsets out; never throws.
 */
import { MAX_VERB } from './consts.js';

/** Where a command's verb and argument lie in the line; `verbEnd` 0 means not a command. */
export interface CommandSpan {
  verbEnd: number;
  argStart: number;
}

function isLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * Splits a command line: the verb is 1..MAX_VERB letters, then one space and
 * the argument (possibly empty). Writes into `out`; returns false when the
 * line is not a command.
 */
export function parseCommand(buf: Uint8Array, start: number, end: number, out: CommandSpan): boolean {
  let i = start;
  while (i < end && i - start < MAX_VERB && isLetter(buf[i]!)) i++;
  if (i === start) return false;
  if (i < end && buf[i] !== 0x20) return false;
  out.verbEnd = i;
  out.argStart = i < end ? i + 1 : end;
  return true;
}

/** The 3-digit reply code at `start` (100..599), or -1. */
export function replyCode(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 3) return -1;
  const a = buf[start]! - 0x30;
  const b = buf[start + 1]! - 0x30;
  const c = buf[start + 2]! - 0x30;
  if (a < 1 || a > 5 || b < 0 || b > 9 || c < 0 || c > 9) return -1;
  return a * 100 + b * 10 + c;
}

/** Separator after the code: 0x20 (last line), 0x2d '-' (more lines follow), 0 (code alone), -1 (not a reply). */
export function replySeparator(buf: Uint8Array, start: number, end: number): number {
  if (end - start === 3) return 0;
  const s = buf[start + 3]!;
  return s === 0x20 || s === 0x2d ? s : -1;
}

/** Upper-case ASCII of a verb (verbs are letters only). */
export function verbText(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    s += String.fromCharCode(b >= 0x61 ? b - 0x20 : b);
  }
  return s;
}
