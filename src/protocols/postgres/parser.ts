/**
 * Pure parsers for PostgreSQL's start-up phase: the untyped first client
 * message (its code, and the StartupMessage's parameters), typed backend
 * message framing, the Authentication request code and ErrorResponse
 * fields. Bytes in, plain values or null out; never throws.
 */
import { logString } from '../wire-text.js';
import { MAX_PARAMS } from './consts.js';

export function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function cstringEnd(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i] !== 0) i++;
  return i < end ? i : -1;
}

/**
 * StartupMessage parameters from the bytes after length and code
 * (`b[s..e)`: name NUL value NUL ... NUL), or null when malformed.
 */
export function parseStartupParams(b: Uint8Array, s: number, e: number): Map<string, string> | null {
  const out = new Map<string, string>();
  let i = s;
  while (i < e && b[i] !== 0) {
    const k = cstringEnd(b, i, e);
    if (k < 0) return null;
    const v = cstringEnd(b, k + 1, e);
    if (v < 0) return null;
    if (out.size < MAX_PARAMS) out.set(logString(b, i, k), logString(b, k + 1, v));
    i = v + 1;
  }
  return i < e ? out : null;
}

export interface PgError {
  severity?: string;
  code?: string;
  message?: string;
}

/** ErrorResponse fields from its body `b[s..e)` (type byte, cstring; ... ; 0). */
export function parseError(b: Uint8Array, s: number, e: number): PgError {
  const out: PgError = {};
  let i = s;
  while (i < e && b[i] !== 0) {
    const t = b[i]!;
    const z = cstringEnd(b, i + 1, e);
    if (z < 0) break;
    // 'V' is the untranslated severity (9.6+); 'S' may be localised.
    if (t === 0x56 || (t === 0x53 && out.severity === undefined)) out.severity = logString(b, i + 1, z);
    else if (t === 0x43) out.code = logString(b, i + 1, z);
    else if (t === 0x4d) out.message = logString(b, i + 1, z);
    i = z + 1;
  }
  return out;
}
