/**
 * tls.bad_fingerprint — a TLS client whose ClientHello fingerprint (JA3 or
 * JA4, from `ssl` events) is listed as an indicator: abuse.ch's SSLBL JA3
 * list, MISP `ja3-fingerprint-md5` attributes, a team's own JA3 or JA4
 * lists; or a TLS server whose ServerHello fingerprint (JA3S) is listed
 * (the JA3S of a C2 framework's listener, shared alongside its JA3). A
 * server's JA3S depends on what the client offered too, so a JA3S list
 * names a server program for the clients it was made with. A fingerprint names the TLS library and its settings, not the
 * program: malware built on a common library shares its fingerprint with
 * everything else built on it, so a match is a lead to check, not proof
 * (medium severity; pair the lists with `exclude` or suppressions for the
 * software you know). Each event costs one hash-map probe per fingerprint.
 * One alert per (client, fingerprint) within the dedup interval; the
 * evidence names the fingerprint, the list or MISP event, the list's reason
 * when it gives one, the server and the server name (SNI). Only alerting
 * indicators (every plain-list entry, MISP `to_ids`) fire; quiet without
 * indicator sources.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { describeSources, fingerprintHit, matchEvidence } from '../intel/store/evidence.js';
import { hostPort } from '../util/host-port.js';

export const OPTIONS = detectorOptions({
  /** Match the client's JA3 (turn off where a JA3 list catches too many shared libraries). */
  ja3: z.boolean().default(true),
  /** Match the client's JA4. */
  ja4: z.boolean().default(true),
  /** Match the server's JA3S. */
  ja3s: z.boolean().default(true),
});

export default defineDetector({
  id: 'tls.bad_fingerprint',
  name: 'Listed TLS fingerprint',
  description: 'A TLS client sent a ClientHello whose JA3 or JA4 fingerprint is listed as an indicator, or a server answered with a listed JA3S.',
  severity: 2,
  category: ['network', 'threat'],
  technique: 'T1573',
  subscribes: ['ssl'],
  options: OPTIONS,
  create(ctx) {
    const idx = ctx.intel.indicators;
    if (idx === undefined) return {};
    const o = ctx.options;
    return {
      ssl(e) {
        const r = e.record;
        // Named after the first listed one in a fixed order (JA3, JA4, then the server's JA3S): one program, one key.
        const hit = fingerprintHit(idx, [
          { kind: 'ja3', value: r.ja3, on: o.ja3 },
          { kind: 'ja4', value: r.ja4, on: o.ja4 },
          { kind: 'ja3s', value: r.ja3s, on: o.ja3s },
        ]);
        if (hit === null) return;
        const client = r['id.orig_h'];
        const server = r['id.resp_h'];
        if (ctx.excluded(client) || ctx.excluded(server)) return;
        const kind = (['JA3', 'JA4', 'JA3S'] as const)[hit.which]!;
        const fingerprint = hit.which === 0 ? r.ja3! : hit.which === 1 ? r.ja4! : r.ja3s!;
        const { all, first, reason } = hit;
        const port = r['id.resp_p'];
        const sni = r.server_name;
        ctx.report({
          ts: r.ts,
          key: `${client}\u0002${fingerprint}`,
          source: { ip: client, port: r['id.orig_p'] },
          destination: { ip: server, port },
          transport: e.transport ?? 'tcp',
          message:
            `${client} made a TLS connection ${e.inside === 'http' ? `through its web proxy ${hostPort(server, port)} to ${sni ?? 'an unnamed server'}` : `to ${hostPort(server, port)}${sni !== undefined ? ` (${sni})` : ''}`}` +
            `${kind === 'JA3S' ? ` and the server answered with ${kind} ${fingerprint}` : ` with ${kind} ${fingerprint}`}, ` +
            `listed in ${describeSources(all)}${reason !== null ? ` as "${reason}"` : ''}`,
          evidence: {
            fingerprint_kind: kind.toLowerCase(),
            fingerprint,
            ja3: r.ja3 ?? null,
            ja4: r.ja4 ?? null,
            ja3s: r.ja3s ?? null,
            server_name: sni ?? null,
            version: r.version ?? null,
            established: r.established,
            listing_reason: reason,
            indicator: first.indicator,
            matches: matchEvidence(all),
          },
        });
      },
    };
  },
});
