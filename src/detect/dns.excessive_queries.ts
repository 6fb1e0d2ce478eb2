/**
 * dns.excessive_queries — one client sending an unusual number of address
 * lookups (A, AAAA, HTTPS) in a short time: subdomain brute forcing
 * (dnsrecon, gobuster dns, fierce), host discovery by name, or tunneling over
 * address records. No public system ships a per-host count (ntopng's closest
 * check, >250 distinct names, is off by default), so the default is ours: a
 * busy workstation makes a few hundred lookups in five minutes; enumeration
 * tools make thousands per minute. Evidence carries counts by type, NXDOMAIN
 * answers (brute force mostly misses) and distinct names. Exclude your
 * resolvers, proxies and mail servers: they query for everyone.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf } from './burst.js';
import { detectorOptions, durationField, portField, thresholdField } from '../config/fields.js';
import { RateWindow } from '../state/window.js';
import { DnsTallies, clientFinding, countedQuery, namesText, tallyEvidence } from './dns-tally.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';

const MAX_CLIENTS = 50000;
/** A, AAAA, HTTPS (RFC 9460). */
const WATCHED = new Set([1, 28, 65]);
const TYPE_NAMES: Readonly<Record<number, string>> = { 1: 'A', 28: 'AAAA', 65: 'HTTPS' };

export const OPTIONS = detectorOptions({
  /** A/AAAA/HTTPS queries from one client within the window. */
  threshold: thresholdField(1000),
  window: durationField('5m'),
  /** Server ports that are DNS (NBNS on 137 and mDNS on 5353 are logged as dns too, and are not counted). */
  ports: z.array(portField).default([53]),
});

export default defineDetector({
  id: 'dns.excessive_queries',
  name: 'Excessive DNS lookups',
  description: 'One client sent an unusual number of A/AAAA/HTTPS queries in a short time.',
  severity: 2,
  category: ['network'],
  technique: 'T1590.002',
  subscribes: ['dns'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const ports = new Set(o.ports);
    const counter = new RateWindow({ window: o.window, capacity: o.threshold, maxKeys: MAX_CLIENTS });
    const tallies = new DnsTallies(MAX_CLIENTS, 2 * o.window);
    ctx.bounded(counter);
    return {
      dns(e) {
        const r = e.record;
        if (r.qtype === undefined || !WATCHED.has(r.qtype) || !countedQuery(r, ports, ctx)) return;
        const client = r['id.orig_h'];
        const before = counter.count(client, r.ts);
        const n = counter.add(client, r.ts);
        // A client idle for a whole window starts a new burst: its tally restarts.
        const t0 = tallies.note(client, before === 0, r.qtype_name ?? TYPE_NAMES[r.qtype]!, r.query, r.rcode_name === 'NXDOMAIN', r.ts);
        if (n < o.threshold) return;
        const b = burstOf(ctx.held(client), n, counter.oldest(client), r.ts);
        const message =
          `${client} sent ${formatCount(b.total)} DNS address lookups in ${formatDuration(r.ts - b.first)}` +
          ` for ${namesText(t0)}` +
          (t0.nxdomain > 0 ? `, ${formatCount(t0.nxdomain)} of them answered NXDOMAIN` : '');
        ctx.report(
          clientFinding(r, b, message, {
            queries_in_window: n,
            window_seconds: o.window,
            ...tallyEvidence(t0),
          }),
        );
      },
    };
  },
});
