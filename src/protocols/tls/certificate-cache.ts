/**
 * Certificates already read. The same server chain comes with every
 * connection to a server, so each certificate is parsed once per thread
 * (keyed by its SHA-256; what it says depends on its bytes alone), and a
 * pipeline logs it to x509.log once a day of packet time, as Zeek relogs
 * known certificates after a day. Both maps are bounded; the oldest
 * entries go first.
 */
import { createHash } from 'node:crypto';
import { describeCertificate, type CertificateFacts } from './x509.js';

/** Certificates whose facts are kept. */
const MAX_CACHED = 10_000;
/** Certificates whose last x509.log time is kept, per pipeline. */
const MAX_LOGGED = 100_000;
/** A certificate seen again after this long (packet time) is logged again. */
export const RELOG_AFTER_SECONDS = 86_400;

const facts = new Map<string, CertificateFacts | null>();

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}

/** The SHA-256 of `der` and what the certificate says (null: not a certificate). */
export function certificateFacts(der: Uint8Array): { sha256: string; facts: CertificateFacts | null } {
  const sha256 = createHash('sha256').update(der).digest('hex');
  let f = facts.get(sha256);
  if (f === undefined) {
    f = describeCertificate(der);
    remember(facts, sha256, f, MAX_CACHED);
  }
  return { sha256, facts: f };
}

/** When one pipeline last logged each certificate. */
export class CertificateLogTimes {
  readonly #loggedAt = new Map<string, number>();

  /** True when the certificate should go to x509.log at `ts` (first sight, or a day since); records it. */
  shouldLog(sha256: string, ts: number): boolean {
    const last = this.#loggedAt.get(sha256);
    if (last !== undefined && ts - last < RELOG_AFTER_SECONDS && ts >= last) return false;
    remember(this.#loggedAt, sha256, ts, MAX_LOGGED);
    return true;
  }
}
