/**
 * ssh.bad_fingerprint — an SSH connection whose client HASSH (`hassh` of
 * ssh.log) or server HASSH (`hasshServer`) is listed as an indicator: MISP
 * `hassh-md5` / `hasshserver-md5` attributes or a team's own lists of the
 * fingerprints of brute-force tools, SSH-based malware and attacker
 * servers. Like every client fingerprint it names an SSH library and its
 * settings, not a program: scripts built on a common library share one, so
 * a match is a lead, not proof (medium severity; pair the lists with
 * `exclude` or suppressions for your own automation). Each event costs one
 * hash-map probe per fingerprint. One alert per (client, fingerprint) within
 * the dedup interval; the evidence names the fingerprint, the list or MISP
 * event, the list's reason when it gives one, and both identification
 * lines. Only alerting indicators (every plain-list entry, MISP `to_ids`)
 * fire; quiet without indicator sources.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { describeSources, fingerprintHit, matchEvidence } from '../intel/store/evidence.js';
import { hostPort } from '../util/host-port.js';

export const OPTIONS = detectorOptions({
  /** Match the client's HASSH (`hassh`). */
  client: z.boolean().default(true),
  /** Match the server's HASSH (`hasshServer`): a listed server, whoever the client is. */
  server: z.boolean().default(true),
});

export default defineDetector({
  id: 'ssh.bad_fingerprint',
  name: 'Listed SSH fingerprint',
  description: 'An SSH client or server offered key exchange algorithms whose HASSH fingerprint is listed as an indicator.',
  severity: 2,
  category: ['network', 'threat'],
  technique: 'T1021.004',
  subscribes: ['ssh'],
  options: OPTIONS,
  create(ctx) {
    const idx = ctx.intel.indicators;
    if (idx === undefined) return {};
    const o = ctx.options;
    return {
      ssh(e) {
        const r = e.record;
        // Named after the first listed one in a fixed order (client, then server): one pair of programs, one key.
        const hit = fingerprintHit(idx, [
          { kind: 'hassh', value: r.hassh, on: o.client },
          { kind: 'hassh_server', value: r.hasshServer, on: o.server },
        ]);
        if (hit === null) return;
        const client = r['id.orig_h'];
        const server = r['id.resp_h'];
        if (ctx.excluded(client) || ctx.excluded(server)) return;
        const side = hit.which === 0 ? 'client' : 'server';
        const fingerprint = side === 'client' ? r.hassh! : r.hasshServer!;
        const { all, first, reason } = hit;
        const port = r['id.resp_p'];
        const banner = side === 'client' ? r.client : r.server;
        ctx.report({
          ts: r.ts,
          key: `${client}\u0002${fingerprint}`,
          source: { ip: client, port: r['id.orig_p'] },
          destination: { ip: server, port },
          transport: 'tcp',
          message:
            `${side === 'client' ? `SSH client ${client}` : `SSH server ${hostPort(server, port)}`}` +
            `${banner !== undefined ? ` (${banner})` : ''} ` +
            `${side === 'client' ? `connected to ${hostPort(server, port)}` : `answered ${client}`} with HASSH${side === 'server' ? ' server' : ''} ${fingerprint}, ` +
            `listed in ${describeSources(all)}${reason !== null ? ` as "${reason}"` : ''}`,
          evidence: {
            fingerprint_kind: side === 'client' ? 'hassh' : 'hassh_server',
            fingerprint,
            hassh: r.hassh ?? null,
            hassh_server: r.hasshServer ?? null,
            client_banner: r.client ?? null,
            server_banner: r.server ?? null,
            auth_success: r.auth_success ?? null,
            auth_attempts: r.auth_attempts,
            listing_reason: reason,
            indicator: first.indicator,
            matches: matchEvidence(all),
          },
        });
      },
    };
  },
});
