/**
 * File ids: "F" followed by base62 text, like Zeek's fuids in files.log and
 * http.log's orig_fuids/resp_fuids. A fuid is a pure function of the
 * connection's uid and the file's number within the connection, so a
 * replay with the same uid seed gives the same fuids, and two files of one
 * connection never share one.
 */
import { base62Id, fmix32 } from '../flows/uid.js';

const FUID_PREFIX = 0x46; // 'F'

/** The fuid of the `n`th file (0, 1, 2, ...) carried by the connection `uid`. */
export function makeFuid(uid: string, n: number): string {
  // Two independent 32-bit digests of the uid text, then the file number mixed into each.
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < uid.length; i++) {
    const c = uid.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = fmix32(b ^ c);
  }
  const w0 = fmix32((a ^ n) >>> 0);
  const w1 = fmix32((b + Math.imul(n, 0x85ebca6b)) >>> 0);
  const w2 = fmix32((w0 ^ w1 ^ 0x27d4eb2f) >>> 0);
  return base62Id(FUID_PREFIX, w0, w1, w2);
}
