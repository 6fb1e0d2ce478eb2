/**
 * conn.long — an internal host holding one connection to a public address
 * open for hours: a reverse shell, a tunnel (SSH -R, chisel, ngrok), an
 * interactive C2 channel, or data leaving slowly. RITA reports connections
 * from 1 h; Zeek's conn-long policy and the long-connections package log
 * them at 10 min, 1 h, 12 h and a day. T1071 / T1572.
 *
 * Judged on the connection's `flow.long` snapshots (10 min, 1 h, 6 h, 1 day,
 * then daily) and on its end, whichever first shows it open for
 * `min_duration`; each connection alerts once, naming how long it has lasted
 * (still open or ended) and the bytes each way.
 *
 * What keeps false alarms down: only internal -> public, on `protocols`
 * (TCP by default: UDP "connections" are flows of datagrams, VPNs and QUIC
 * keep them alive for hours by design), not on `ignore_ports`, and not to
 * a destination whose TLS server name or HTTP Host (else the name its
 * client resolved the address from) is on the bundled
 * popular-domains list (push channels, chat and meeting clients, cloud
 * sync: apple.com, google.com, microsoft.com, slack.com, zoom.us hold
 * connections open all day) or on `allow`. Company VPN concentrators, SSH
 * jump hosts and remote-support tools that run over TCP belong in
 * `exclude` or `allow`.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, portField } from '../config/fields.js';
import { formatDuration } from '../config/duration.js';
import { formatBytes } from '../alerts/alert.js';
import { NameAllowlist, ResolvedNames, ServerNames, connectionName, namesFeed } from './server-names.js';

export const OPTIONS = detectorOptions({
  /** A connection open at least this long alerts (RITA's base for long connections: 1 h). */
  min_duration: durationField('1h'),
  /** Transports judged. */
  protocols: z.array(z.enum(['tcp', 'udp'])).default(['tcp']),
  /** Destination ports never judged. */
  ignore_ports: z.array(portField).default([]),
  /** Skip destinations whose registrable domain is on the bundled popular-domains list. */
  skip_popular: z.boolean().default(true),
  /** Domains (and their subdomains) never judged. */
  allow: z.array(z.string().min(1)).default([]),
});

export default defineDetector({
  id: 'conn.long',
  name: 'Long connection',
  description: 'An internal host kept one connection to a public address open for hours, as reverse shells, tunnels and interactive C2 channels do.',
  severity: 2,
  category: ['network'],
  technique: 'T1071',
  subscribes: ['flow.end', 'ssl', 'http', 'dns.answer'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const protocols = new Set<string>(o.protocols);
    const ignorePorts = new Set(o.ignore_ports);
    const allowlist = new NameAllowlist(o.allow, o.skip_popular ? ctx.intel.dga : undefined);
    const names = new ServerNames(ResolvedNames.of(ctx.site));
    return {
      ...namesFeed(names),
      'flow.end'(e) {
        const rec = e.record;
        const { open, name: sni } = connectionName(names, e);
        // A snapshot's age is the time it was taken at (its duration runs to the last packet only).
        const duration = open ? Math.max(e.ts - rec.ts, rec.duration ?? 0) : (rec.duration ?? 0);
        if (duration < o.min_duration || !protocols.has(rec.proto)) return;
        const src = rec['id.orig_h'];
        const dst = rec['id.resp_h'];
        const port = rec['id.resp_p'];
        if (ignorePorts.has(port) || !ctx.site.isInternal(src) || ctx.site.isInternal(dst)) return;
        if (ctx.excluded(src) || ctx.excluded(dst)) return;
        const name = sni ?? names.resolved(src, dst);
        if (name !== undefined && allowlist.allowed(name)) return;
        if (open) names.forget(rec.uid);
        const sent = rec.orig_bytes ?? 0;
        const received = rec.resp_bytes ?? 0;
        const where = name !== undefined ? `${name} (${dst})` : dst;
        ctx.report({
          ts: rec.ts + duration,
          key: rec.uid,
          source: { ip: src, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
          destination: { ip: dst, port },
          transport: rec.proto === 'udp' ? 'udp' : 'tcp',
          firstSeen: rec.ts,
          message:
            `${src} ${open ? 'has held' : 'held'} a ${rec.proto.toUpperCase()} connection to ${where} port ${port} open for ${formatDuration(Math.round(duration))}` +
            `${open ? ' (still open)' : ''}: ${formatBytes(sent)} sent, ${formatBytes(received)} received`,
          evidence: {
            duration_seconds: Math.round(duration),
            still_open: open,
            server_name: name ?? null,
            service: rec.service ?? null,
            orig_bytes: sent,
            resp_bytes: received,
            conn_state: rec.conn_state,
            uid: rec.uid,
            min_duration: o.min_duration,
          },
        });
      },
    };
  },
});
