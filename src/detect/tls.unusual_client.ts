/**
 * tls.unusual_client — a TLS client fingerprint (JA4) rare in its network:
 * first seen there after the learning period, from only a few of its
 * hosts. Most traffic is encrypted, so the user-agent is gone, but the
 * ClientHello still names the TLS stack: browsers and the operating
 * system's library make a handful of JA4s in a network, and an implant
 * built on its own stack (Go, Python, a C2 framework's own client) or an
 * unapproved tool adds one that nobody else sends. The TLS counterpart of
 * ua.unusual, persistent the same way: fingerprints and the hosts that sent
 * them are kept per network in the state (`user-agent-hosts.json`, under
 * "tls:<network>"); one first seen inside the site's learning period is
 * part of the baseline and never alerts. JA4 sorts the cipher and extension
 * lists, so browsers that shuffle their order (Chrome) keep one
 * fingerprint, and minor updates rarely change it.
 *
 * Low severity: a new program or an update can bring a new stack too; the
 * alert is a lead, with the server name and the JA3 beside. Clients outside
 * the site are not judged. `ignore_fingerprints` takes JA4s (or prefixes
 * ending in "*", such as a whole "t13d1516h2_*" family) known to be fine.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, thresholdField } from '../config/fields.js';

/** Network name for internal clients outside every configured network. */
const UNCONFIGURED = 'internal';

export const OPTIONS = detectorOptions({
  /** A fingerprint sent by more than this many hosts of a network is ordinary there. */
  max_hosts: thresholdField(2),
  /** JA4s never judged (exact, or a prefix ending in "*"), compared without regard to case. */
  ignore_fingerprints: z.array(z.string().min(1)).default([]),
});

export default defineDetector({
  id: 'tls.unusual_client',
  name: 'Unusual TLS client',
  description: 'A TLS client fingerprint (JA4) new to its network after the learning period, sent by only a few of its hosts.',
  severity: 1,
  category: ['network'],
  technique: 'T1071.001',
  subscribes: ['ssl'],
  learns: true,
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const exact = new Set<string>();
    const prefixes: string[] = [];
    for (const f of o.ignore_fingerprints) {
      const t = f.toLowerCase();
      if (t.endsWith('*')) prefixes.push(t.slice(0, -1));
      else exact.add(t);
    }
    const ignored = (ja4: string): boolean => exact.has(ja4) || prefixes.some((p) => ja4.startsWith(p));
    return {
      ssl(e) {
        const r = e.record;
        const raw = r.ja4;
        if (raw === undefined || raw === '') return;
        const src = r['id.orig_h'];
        if (!ctx.site.isInternal(src)) return;
        const ja4 = raw.toLowerCase();
        if (ignored(ja4) || ctx.excluded(src) || ctx.excluded(r['id.resp_h'])) return;
        const network = ctx.site.networkOf(src)?.name ?? UNCONFIGURED;
        const note = ctx.state.noteTlsClientHost(network, ja4, src, r.ts);
        if (note === undefined || !note.newHost) return;
        const rec = note.record;
        const start = ctx.state.firstStart ?? r.ts;
        if (rec.first_seen < start + ctx.config.learning_period) return;
        if (rec.hosts.length > o.max_hosts) return;
        const sni = r.server_name;
        ctx.report({
          ts: r.ts,
          key: `${network}|${ja4}`,
          source: { ip: src, port: r['id.orig_p'] },
          destination: { ip: r['id.resp_h'], port: r['id.resp_p'] },
          transport: e.transport ?? 'tcp',
          network,
          message:
            `${src} made a TLS connection with a client fingerprint not seen before in ${network}${rec.hosts.length > 1 ? ` (now ${rec.hosts.length} hosts)` : ''}: ` +
            `JA4 ${raw}, to ${sni ?? r['id.resp_h']}`,
          evidence: {
            ja4: raw,
            ja3: r.ja3 ?? null,
            server_name: sni ?? null,
            network,
            hosts: [...rec.hosts],
            first_seen: rec.first_seen,
            uid: r.uid,
          },
        });
      },
    };
  },
});
