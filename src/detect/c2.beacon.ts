/**
 * c2.beacon — an internal host checking in with a public destination on a
 * timer: the rhythm of a command-and-control implant (Cobalt Strike, Sliver,
 * Mythic agents sleep a fixed time, with some jitter, between check-ins of
 * nearly the same size, for as long as the host is up). T1071 / T1573.
 *
 * Connections are grouped per (internal source, destination, transport and
 * port); the destination is the TLS server name or HTTP Host of the
 * connection when one was seen, so a C2 behind a CDN whose addresses rotate
 * stays one series, else the public address. Each series is scored by
 * beacon-score.ts (regular gaps, regular sizes, a long span, check-ins
 * spread over it) once it holds `min_checkins`; a score at or above
 * `threshold` alerts, once per series within `window`.
 *
 * What keeps false alarms down:
 * - only internal -> public connections count, and not on `ignore_ports`
 *   (DNS, NTP, DoT: machines query resolvers and clocks on timers);
 * - destinations on the bundled list of popular domains (the DGA rule's:
 *   Tranco and Umbrella top sites, whose telemetry and update checks run on
 *   timers) and on `allow` are not counted; set `skip_popular: false` to
 *   count them, e.g. to catch C2 fronted by a popular CDN;
 * - a destination that `max_sources` or more internal hosts contacted within
 *   the window is fleet software (an agent every machine runs), not an
 *   implant on one host, and is not reported (0 turns this off);
 * - the span part needs hours of check-ins for a full score, so a burst of
 *   polling (a web page refreshing for ten minutes) stays below threshold.
 * Benign software that polls a server of its own every few minutes from one
 * host (a monitoring agent, a sync client) does beacon; list it in `allow`.
 *
 * Memory: at most `max_tracked` series (least recently active dropped, and
 * counted), each holding at most MAX_POINTS connections: when full, every
 * other one is dropped and from then on only every second one is kept, and
 * so on, which keeps the span and the rhythm (the gaps double, and the
 * reported interval is divided back).
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, portField, thresholdField } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { formatDuration } from '../config/duration.js';
import { formatCount } from '../alerts/alert.js';
import { BeaconScratch, scoreBeacon, type BeaconScore } from './beacon-score.js';
import type { ConnRecord } from '../flows/conn-record.js';
import { NameAllowlist, ServerNames } from './server-names.js';

/** Check-ins kept per series; past it every other one is dropped. */
export const MAX_POINTS = 128;
/** Destinations whose internal sources are counted (for `max_sources`). */
const MAX_DESTINATIONS = 50000;
/** Addresses listed per alert for a named destination. */
const MAX_LISTED_ADDRESSES = 5;

export const OPTIONS = detectorOptions({
  /** Beacon score (0..1) at which a series alerts. */
  threshold: z.number().min(0).max(1).default(0.8),
  /** Check-ins (connections, bursts merged) a series needs before it is scored. */
  min_checkins: thresholdField(12),
  /** Check-ins older than this are forgotten; a series alerts at most once within it. */
  window: durationField('24h'),
  /** Hours of checking in that give the span part its full weight (RITA wants 6 h or more). */
  full_span: durationField('6h'),
  /** Destinations contacted by this many internal hosts within the window are fleet software (0 = off). */
  max_sources: z.number().int().min(0).default(5),
  /** Destination ports never counted: DNS, NTP and DNS over TLS run on timers by design. */
  ignore_ports: z.array(portField).default([53, 123, 853]),
  /** Skip destinations whose registrable domain is on the bundled popular-domains list. */
  skip_popular: z.boolean().default(true),
  /** Domains (and their subdomains) never counted. */
  allow: z.array(z.string().min(1)).default([]),
  /** Series tracked at once. */
  max_tracked: z.number().int().min(100).default(20000),
});

interface Series {
  starts: number[];
  bytes: number[];
  /** Connections seen (the points may have been thinned). */
  connections: number;
  /** Connections each kept point stands for: doubled by every thinning. */
  stride: number;
  /** `connections` when last scored. */
  scoredAt: number;
  /** When the series last alerted (-Infinity: never). */
  reportedAt: number;
  addresses: string[];
}

interface Destination {
  sources: Set<string>;
  last: number;
}

/** Keeps every other point (from the first), so each stands for twice the connections. */
function thin(s: Series): void {
  const starts: number[] = [];
  const bytes: number[] = [];
  for (let i = 0; i < s.starts.length; i += 2) {
    starts.push(s.starts[i]!);
    bytes.push(s.bytes[i]!);
  }
  s.starts = starts;
  s.bytes = bytes;
  s.stride *= 2;
}

export default defineDetector({
  id: 'c2.beacon',
  name: 'Beaconing',
  description: 'An internal host kept connecting to a public destination at regular intervals with requests of the same size, as command-and-control implants do.',
  severity: 3,
  category: ['network', 'malware'],
  technique: 'T1071',
  subscribes: ['flow.end', 'ssl', 'http'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const ignorePorts = new Set(o.ignore_ports);
    const allowlist = new NameAllowlist(o.allow, o.skip_popular ? ctx.intel.dga : undefined);
    const names = new ServerNames();
    const series = new LruMap<string, Series>(o.max_tracked);
    const destinations = new LruMap<string, Destination>(MAX_DESTINATIONS);
    ctx.bounded(series);
    const scratch = new BeaconScratch();

    /** Internal hosts that contacted `dest` within the window, counting `src`. */
    const sourcesOf = (dest: string, src: string, ts: number): number => {
      let d = destinations.get(dest);
      if (d === undefined || ts - d.last > o.window) {
        d = { sources: new Set(), last: ts };
        destinations.set(dest, d);
      }
      d.last = Math.max(d.last, ts);
      if (d.sources.size < Math.max(o.max_sources, 1)) d.sources.add(src);
      return d.sources.size;
    };

    const report = (rec: ConnRecord, key: string, dest: string, named: boolean, s: Series, b: BeaconScore, sources: number): void => {
      const src = rec['id.orig_h'];
      const proto = rec.proto === 'tcp' ? 'TCP' : rec.proto === 'udp' ? 'UDP' : rec.proto.toUpperCase();
      const where = named ? `${dest} (${s.addresses.join(', ')})` : dest;
      const jitter = Math.round(b.jitter * 100);
      // A thinned series keeps every stride-th check-in: its gaps are that many timer periods.
      const interval = b.interval / s.stride;
      ctx.report({
        ts: rec.ts,
        key,
        source: { ip: src, mac: rec.orig_l2_addr },
        destination: { ip: rec['id.resp_h'], port: rec['id.resp_p'] },
        transport: rec.proto === 'icmp' ? 'icmp' : rec.proto,
        firstSeen: s.starts[0],
        count: s.connections,
        message:
          `${src} checked in with ${where} on ${proto} ${rec['id.resp_p']} every ${formatDuration(Math.round(interval))}` +
          ` (jitter ${jitter} %) for ${formatDuration(Math.round(b.spanSeconds))}: ${formatCount(s.connections)} connections sending about ${formatCount(Math.round(b.bytes))} bytes each, beacon score ${b.score.toFixed(2)}`,
        evidence: {
          destination: dest,
          addresses: [...s.addresses],
          score: round(b.score),
          timing_score: round(b.timing),
          size_score: round(b.size),
          span_score: round(b.span),
          steadiness_score: round(b.steadiness),
          interval_seconds: round(interval),
          jitter: round(b.jitter),
          checkins: b.checkins * s.stride,
          connections: s.connections,
          span_seconds: Math.round(b.spanSeconds),
          bytes_median: Math.round(b.bytes),
          internal_sources: sources,
          threshold: o.threshold,
        },
      });
    };

    const onFlow = (rec: ConnRecord): void => {
      if (rec.proto !== 'tcp' && rec.proto !== 'udp') return;
      const src = rec['id.orig_h'];
      const dst = rec['id.resp_h'];
      const port = rec['id.resp_p'];
      const name = names.get(rec.uid);
      if (name !== undefined) names.forget(rec.uid);
      if (ignorePorts.has(port) || !ctx.site.isInternal(src) || ctx.site.isInternal(dst)) return;
      if (ctx.excluded(src) || ctx.excluded(dst)) return;
      if (name !== undefined && allowlist.allowed(name)) return;
      const dest = name ?? dst;
      const sources = sourcesOf(`${dest}|${rec.proto}/${port}`, src, rec.ts);
      const key = `${src}|${dest}|${rec.proto}/${port}`;
      let s = series.get(key);
      if (s === undefined) {
        s = { starts: [], bytes: [], connections: 0, stride: 1, scoredAt: 0, reportedAt: -Infinity, addresses: [] };
        series.set(key, s);
      }
      if (name !== undefined && s.addresses.length < MAX_LISTED_ADDRESSES && !s.addresses.includes(dst)) s.addresses.push(dst);
      // Forget check-ins that left the window (connections end roughly in start order).
      let drop = 0;
      while (drop < s.starts.length && rec.ts - s.starts[drop]! > o.window) drop++;
      if (drop > 0) {
        s.starts.splice(0, drop);
        s.bytes.splice(0, drop);
        if (s.starts.length === 0) s.stride = 1;
      }
      // A thinned series samples every stride-th connection, so its points stay evenly spread.
      if (s.connections++ % s.stride !== 0) return;
      if (s.starts.length >= MAX_POINTS) thin(s);
      s.starts.push(rec.ts);
      s.bytes.push(rec.orig_bytes ?? 0);
      if (s.starts.length < o.min_checkins || rec.ts - s.reportedAt < o.window) return;
      // Score again after every eighth more connections (at least one): cheap, and a beacon's score only firms up.
      if (s.connections - s.scoredAt < Math.max(1, s.scoredAt >>> 3)) return;
      s.scoredAt = s.connections;
      if (o.max_sources > 0 && sources >= o.max_sources) return;
      const b = scoreBeacon(s.starts, s.bytes, s.starts.length, { fullSpan: o.full_span }, scratch);
      if (b.checkins < o.min_checkins || b.score < o.threshold) return;
      s.reportedAt = rec.ts;
      report(rec, key, dest, name !== undefined, s, b, sources);
    };

    return {
      ssl(e) {
        names.tls(e.uid, e.record.server_name);
      },
      http(e) {
        names.http(e.uid, e.record.host);
      },
      'flow.end'(e) {
        onFlow(e.record);
      },
    };
  },
});

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
