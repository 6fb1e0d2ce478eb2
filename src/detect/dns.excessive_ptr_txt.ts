/**
 * dns.excessive_ptr_txt — one client sending many reverse (PTR) or TXT
 * lookups. A PTR sweep (nmap -sL, dnsrecon -r) maps a subnet's names without
 * touching its hosts; a TXT burst is the favourite carrier of DNS tunnels
 * and C2 (Elastic raises confidence on TXT bursts). NULL records count with
 * TXT: they are iodine's default carrier, and nothing else asks for them
 * (RFC 1035 calls them experimental). Separate thresholds for PTR and for
 * TXT/NULL, one alert per client. Mail servers (SPF/DKIM TXT, sender PTR),
 * log collectors and resolvers do this for a living: exclude them.
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
const PTR = 12;
const TXT = 16;
const NULL = 10;

export const OPTIONS = detectorOptions({
  /** PTR queries from one client within the window (a /24 sweep is 254). */
  ptr_threshold: thresholdField(100),
  /** TXT and NULL queries from one client within the window. */
  txt_threshold: thresholdField(50),
  window: durationField('5m'),
  ports: z.array(portField).default([53]),
});

export default defineDetector({
  id: 'dns.excessive_ptr_txt',
  name: 'Excessive PTR or TXT lookups',
  description: 'One client sent many reverse (PTR), TXT or NULL queries in a short time: a reverse-DNS sweep or a DNS tunnel.',
  severity: 2,
  category: ['network'],
  technique: 'T1590.002',
  subscribes: ['dns'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const ports = new Set(o.ports);
    const ptr = new RateWindow({ window: o.window, capacity: o.ptr_threshold, maxKeys: MAX_CLIENTS });
    const txt = new RateWindow({ window: o.window, capacity: o.txt_threshold, maxKeys: MAX_CLIENTS });
    const tallies = new DnsTallies(MAX_CLIENTS, 2 * o.window);
    ctx.bounded(ptr, txt);
    return {
      dns(e) {
        const r = e.record;
        if ((r.qtype !== PTR && r.qtype !== TXT && r.qtype !== NULL) || !countedQuery(r, ports, ctx)) return;
        const client = r['id.orig_h'];
        const isPtr = r.qtype === PTR;
        const type = isPtr ? 'PTR' : r.qtype === TXT ? 'TXT' : 'NULL';
        const counter = isPtr ? ptr : txt;
        const idle = ptr.count(client, r.ts) === 0 && txt.count(client, r.ts) === 0;
        const n = counter.add(client, r.ts);
        const t = tallies.note(client, idle, type, r.query, r.rcode_name === 'NXDOMAIN', r.ts);
        if (n < counter.capacity) return;
        const b = burstOf(ctx.held(client), n, counter.oldest(client), r.ts);
        const kind = isPtr ? 'reverse (PTR)' : tunnelKinds(t.byType);
        const message = `${client} sent ${formatCount(b.total)} ${kind} DNS lookups in ${formatDuration(r.ts - b.first)} for ${namesText(t)}`;
        ctx.report(
          clientFinding(r, b, message, {
            trigger: type,
            in_window: n,
            window_seconds: o.window,
            ...tallyEvidence(t),
          }),
        );
      },
    };
  },
});

/** "TXT", "NULL" or "TXT and NULL": the tunnel-carrier types of the client's burst. */
function tunnelKinds(byType: ReadonlyMap<string, number>): string {
  const txt = (byType.get('TXT') ?? 0) > 0;
  const nul = (byType.get('NULL') ?? 0) > 0;
  return txt && nul ? 'TXT and NULL' : nul ? 'NULL' : 'TXT';
}
