/**
 * Certificates already read. The same server chain comes with every
 * connection to a server, so each certificate is parsed once per thread
 * (keyed by its SHA-256; what it says depends on its bytes alone), and a
 * pipeline logs it to x509.log once a day of packet time, as Zeek relogs
 * known certificates after a day. Both maps are bounded; the least
 * recently used entries go first.
 */
import { createHash } from 'node:crypto';
import { LruMap } from '../../state/lru.js';
import { certificateDigests, describeCertificate, type CertificateFacts } from './x509.js';
import type { ChainCertificate } from './events.js';

/** Certificates whose facts are kept. */
const MAX_CACHED = 10_000;
/** Certificates whose last x509.log time is kept, per pipeline. */
const MAX_LOGGED = 100_000;
/** A certificate seen again after this long (packet time) is logged again. */
export const RELOG_AFTER_SECONDS = 86_400;

/** One certificate read: its digests, what it says, and what ssl events carry of it. */
export interface ReadCertificate {
  sha256: string;
  sha1: string;
  /** Null: the bytes are not a readable X.509 certificate (its digests still identify it). */
  facts: CertificateFacts | null;
  /** The entry of ssl events' `certificates`, made once and shared by every connection presenting it. */
  summary: ChainCertificate;
}

const cache = new LruMap<string, ReadCertificate>(MAX_CACHED);

/** The digests of `der`, what the certificate says (null: not a certificate) and its summary for ssl events. */
export function certificateFacts(der: Uint8Array): ReadCertificate {
  const sha256 = createHash('sha256').update(der).digest('hex');
  let c = cache.get(sha256);
  if (c === undefined) {
    const digests = certificateDigests(der, sha256);
    const facts = describeCertificate(der, digests);
    c = { sha256, sha1: digests.sha1, facts, summary: chainCertificate(sha256, digests.sha1, facts) };
    cache.set(sha256, c);
  }
  return c;
}

function chainCertificate(sha256: string, sha1: string, facts: CertificateFacts | null): ChainCertificate {
  if (facts === null) return Object.freeze({ sha256, sha1 });
  const named = { sha256, sha1, subject: facts.subject, issuer: facts.issuer };
  return Object.freeze(facts.commonName === undefined ? named : { ...named, commonName: facts.commonName });
}

/** When one pipeline last logged each certificate. */
export class CertificateLogTimes {
  readonly #loggedAt = new LruMap<string, number>(MAX_LOGGED);

  /** True when the certificate should go to x509.log at `ts` (first sight, or a day since); records it. */
  shouldLog(sha256: string, ts: number): boolean {
    const last = this.#loggedAt.get(sha256);
    if (last !== undefined && ts - last < RELOG_AFTER_SECONDS && ts >= last) return false;
    this.#loggedAt.set(sha256, ts);
    return true;
  }
}
