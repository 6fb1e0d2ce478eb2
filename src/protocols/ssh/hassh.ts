/**
 * HASSH, the SSH client and server fingerprints shared by threat feeds
 * (MISP `hassh-md5` / `hasshserver-md5`): the MD5 of four of a KEXINIT's
 * name-lists joined by ';' — key exchange, then encryption, MAC and
 * compression of one direction (client to server for the client's `hassh`,
 * server to client for the server's `hasshServer`). The host key and
 * language lists are left out by the method's definition.
 *
 * Computed from the KEXINIT payload as sent, not from parseKexInit's lists:
 * those keep at most MAX_NAMES names a list, and a fingerprint of a cut
 * list would match nobody's. One MD5 per KEXINIT, fed the list bytes in
 * place.
 */
import { createHash } from 'node:crypto';
import { logString } from '../wire-text.js';

export interface Hassh {
  /** MD5, 32 lower-case hex digits. */
  hash: string;
  /** The text that was hashed ("kex;enc;mac;comp"), non-printable bytes escaped as in the logs. */
  algorithms: string;
}

/** Name-lists of a KEXINIT in wire order: kex, host key, enc c2s, enc s2c, mac c2s, mac s2c, comp c2s, comp s2c, lang c2s, lang s2c. */
const LISTS = 10;
/** Which of them a fingerprint covers, by side. */
const CLIENT_LISTS = [0, 2, 4, 6] as const;
const SERVER_LISTS = [0, 3, 5, 7] as const;
const SEPARATOR = Buffer.from(';', 'latin1');

/**
 * The HASSH of a KEXINIT payload (message number 20 first): the client's
 * when `fromClient`, else the server's. Null when a name-list runs past the
 * end of the payload.
 */
export function hasshOf(p: Uint8Array, fromClient: boolean): Hassh | null {
  // msg(1) + cookie(16), then ten (uint32 length, bytes) name-lists.
  const starts = new Array<number>(LISTS);
  const ends = new Array<number>(LISTS);
  let i = 17;
  for (let k = 0; k < LISTS; k++) {
    if (i + 4 > p.length) return null;
    const len = ((p[i]! << 24) | (p[i + 1]! << 16) | (p[i + 2]! << 8) | p[i + 3]!) >>> 0;
    i += 4;
    if (len > p.length - i) return null;
    starts[k] = i;
    ends[k] = i + len;
    i += len;
  }
  const md5 = createHash('md5');
  let algorithms = '';
  const lists = fromClient ? CLIENT_LISTS : SERVER_LISTS;
  for (let n = 0; n < lists.length; n++) {
    const k = lists[n]!;
    if (n > 0) {
      md5.update(SEPARATOR);
      algorithms += ';';
    }
    md5.update(p.subarray(starts[k], ends[k]));
    algorithms += logString(p, starts[k]!, ends[k]!);
  }
  return { hash: md5.digest('hex'), algorithms };
}
