/**
 * TFTP datagrams: the opcode, a request's file name, mode and options, a
 * DATA or ACK block number, an ERROR's code and message, an OACK's options.
 * Pure functions; null for a datagram that is not what its opcode says.
 */
import { u16 } from '../../decode/bytes.js';
import { logString } from '../wire-text.js';
import { MAX_TEXT, Opcode } from './consts.js';

export interface TftpRequest {
  write: boolean;
  fileName: string;
  mode: string;
  /** Options by lower-case name ("blksize", "tsize", ...). */
  options: Map<string, string>;
}

/** The opcode of a datagram, or -1 when it has none. */
export function opcodeOf(d: Uint8Array): number {
  return d.length >= 2 && d[0] === 0 ? d[1]! : -1;
}

/** NUL-ended strings from `start`: at most `max` of them; null when the last is not ended. */
function strings(d: Uint8Array, start: number, max: number): string[] | null {
  const out: string[] = [];
  let i = start;
  while (i < d.length && out.length < max) {
    let j = i;
    while (j < d.length && d[j] !== 0) j++;
    if (j >= d.length) return null;
    out.push(logString(d, i, Math.min(j, i + MAX_TEXT)));
    i = j + 1;
  }
  return out;
}

/** A RRQ or WRQ; null when it is not one. */
export function parseRequest(d: Uint8Array): TftpRequest | null {
  const op = opcodeOf(d);
  if (op !== Opcode.RRQ && op !== Opcode.WRQ) return null;
  const s = strings(d, 2, 2 + 2 * 16);
  if (s === null || s.length < 2 || s[0] === '') return null;
  return { write: op === Opcode.WRQ, fileName: s[0]!, mode: s[1]!.toLowerCase(), options: options(s.slice(2)) };
}

/** An OACK's options; null when it is not one. */
export function parseOack(d: Uint8Array): Map<string, string> | null {
  if (opcodeOf(d) !== Opcode.OACK) return null;
  const s = strings(d, 2, 2 * 16);
  return s === null ? null : options(s);
}

function options(s: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < s.length; i += 2) m.set(s[i]!.toLowerCase(), s[i + 1]!);
  return m;
}

/** A DATA or ACK block number, or -1 when the datagram is too short. */
export function blockOf(d: Uint8Array): number {
  return d.length >= 4 ? u16(d, 2) : -1;
}

/** An ERROR's code and message; null when it is not one. */
export function parseError(d: Uint8Array): { code: number; message: string } | null {
  if (opcodeOf(d) !== Opcode.ERROR || d.length < 4) return null;
  let j = 4;
  while (j < d.length && d[j] !== 0) j++;
  return { code: u16(d, 2), message: logString(d, 4, Math.min(j, 4 + MAX_TEXT)) };
}
