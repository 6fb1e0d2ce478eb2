/**
 * tls.bad_certificate — a TLS server presented a certificate whose SHA-1 or
 * SHA-256 is listed as an indicator: abuse.ch's SSLBL certificate blacklist
 * (the SHA-1s of botnet C&C servers' certificates), MISP
 * `x509-fingerprint-sha1` / `x509-fingerprint-sha256` attributes, a team's
 * own lists. A client fingerprint names a TLS library that many programs
 * share; a certificate belongs to whoever holds its private key, so a listed
 * one identifies the server itself (high severity). Every certificate of the
 * chain is looked up, leaf first, two hash-map probes each, from the
 * `certificates` of ssl events: only handshakes that send them in clear
 * (TLS 1.2 and earlier) have them; TLS 1.3 and QUIC encrypt them. One alert
 * per (client, certificate) within the dedup interval; the evidence names
 * the certificate (digests, subject, issuer, place in the chain), the list
 * or MISP event and the list's reason. Only alerting indicators (every
 * plain-list entry, MISP `to_ids`) fire; quiet without indicator sources.
 */
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { describeSources, fingerprintHit, matchEvidence, type FingerprintProbe } from '../intel/store/evidence.js';
import type { ChainCertificate } from '../protocols/tls/events.js';
import { hostPort } from '../util/host-port.js';

export const OPTIONS = detectorOptions({});

export default defineDetector({
  id: 'tls.bad_certificate',
  name: 'Listed TLS server certificate',
  description: 'A TLS server presented a certificate whose SHA-1 or SHA-256 fingerprint is listed as an indicator.',
  severity: 3,
  category: ['network', 'threat'],
  technique: 'T1573',
  subscribes: ['ssl'],
  options: OPTIONS,
  create(ctx) {
    const idx = ctx.intel.indicators;
    if (idx === undefined) return {};
    // One pair of probes, refilled for each certificate: the lookups allocate nothing when nothing is listed.
    const sha1: FingerprintProbe = { kind: 'cert_sha1', value: undefined, on: true };
    const sha256: FingerprintProbe = { kind: 'cert_sha256', value: undefined, on: true };
    const probes: readonly FingerprintProbe[] = [sha1, sha256];
    return {
      ssl(e) {
        const chain = e.certificates;
        if (chain === undefined) return;
        const r = e.record;
        for (let i = 0; i < chain.length; i++) {
          const cert = chain[i]!;
          sha1.value = cert.sha1;
          sha256.value = cert.sha256;
          const hit = fingerprintHit(idx, probes);
          if (hit === null) continue;
          const client = r['id.orig_h'];
          const server = r['id.resp_h'];
          if (ctx.excluded(client) || ctx.excluded(server)) return;
          const { all, first, reason } = hit;
          const port = r['id.resp_p'];
          const sni = r.server_name;
          ctx.report({
            ts: r.ts,
            // Keyed by the certificate, whichever of its digests is listed.
            key: `${client}\u0002${cert.sha1}`,
            source: { ip: client, port: r['id.orig_p'] },
            destination: { ip: server, port },
            transport: e.transport ?? 'tcp',
            message:
              `${client} made a TLS connection ${e.inside === 'http' ? `through its web proxy ${hostPort(server, port)} to ${sni ?? 'an unnamed server'}` : `to ${hostPort(server, port)}${sni !== undefined ? ` (${sni})` : ''}`} ` +
              `and was shown ${describeCertificate(cert, i)}, listed in ${describeSources(all)}${reason !== null ? ` as "${reason}"` : ''}`,
            evidence: {
              fingerprint_kind: hit.which === 0 ? 'cert_sha1' : 'cert_sha256',
              fingerprint: hit.which === 0 ? cert.sha1 : cert.sha256,
              sha1: cert.sha1,
              sha256: cert.sha256,
              subject: cert.subject ?? null,
              issuer: cert.issuer ?? null,
              chain_position: i,
              server_name: sni ?? null,
              version: r.version ?? null,
              established: r.established,
              listing_reason: reason,
              indicator: first.indicator,
              matches: matchEvidence(all),
            },
          });
        }
      },
    };
  },
});

/** "the server's certificate "c2.example" (SHA-1 ...)", or for a CA certificate sent along, its place in the chain. */
function describeCertificate(cert: ChainCertificate, position: number): string {
  const which = position === 0 ? "the server's certificate" : `certificate ${position + 1} of the server's chain`;
  const name = cert.commonName !== undefined ? ` "${cert.commonName}"` : '';
  return `${which}${name} (SHA-1 ${cert.sha1})`;
}
