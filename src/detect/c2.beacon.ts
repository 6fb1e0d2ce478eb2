/**
 * c2.beacon — an internal host checking in with a public destination on a
 * timer: the rhythm of a command-and-control implant (Cobalt Strike, Sliver,
 * Mythic agents sleep a fixed time, with some jitter, between check-ins of
 * nearly the same size, for as long as the host is up). T1071 / T1573.
 *
 * Connections are grouped per (internal source, destination, transport and
 * port); the destination is the TLS server name or HTTP Host of the
 * connection when one was seen, else the name the host resolved the address
 * from (DNS), so a C2 behind a CDN whose addresses rotate stays one series,
 * else the public address. Each series is scored by
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
 * - a destination (on any port) that `max_sources` or more internal hosts
 *   contacted within the window is fleet software (an agent every machine runs), not an
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
import { NameAllowlist, ResolvedNames, ServerNames, namesFeed } from './server-names.js';

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

/** Check-in times and bytes of one series, in typed arrays that grow from a few entries (most series stay one or two). */
class Points {
  starts: Float64Array;
  bytes: Float64Array;
  n = 0;
  /** Connections each point stands for: doubled by every thinning, 1 again once all points left the window. */
  stride = 1;

  constructor(capacity: number) {
    this.starts = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
  }

  push(ts: number, sent: number): void {
    if (this.n === this.starts.length) {
      const size = Math.min(MAX_POINTS, this.n * 2);
      const starts = new Float64Array(size);
      const bytes = new Float64Array(size);
      starts.set(this.starts);
      bytes.set(this.bytes);
      this.starts = starts;
      this.bytes = bytes;
    }
    this.starts[this.n] = ts;
    this.bytes[this.n] = sent;
    this.n++;
  }

  /** Keeps every other point (from the first), so each stands for twice the connections. */
  thin(): void {
    let k = 0;
    for (let i = 0; i < this.n; i += 2, k++) {
      this.starts[k] = this.starts[i]!;
      this.bytes[k] = this.bytes[i]!;
    }
    this.n = k;
    this.stride *= 2;
  }

  /** Drops the points older than `before` (they come roughly in time order). */
  dropBefore(before: number): void {
    let drop = 0;
    while (drop < this.n && this.starts[drop]! < before) drop++;
    if (drop === 0) return;
    this.starts.copyWithin(0, drop, this.n);
    this.bytes.copyWithin(0, drop, this.n);
    this.n -= drop;
    if (this.n === 0) this.stride = 1;
  }
}

interface Series {
  /** The check-ins, from the second connection on (most series never get one). */
  points: Points | null;
  /** The first connection's start and bytes, until `points` exists. */
  firstTs: number;
  firstBytes: number;
  /** Connections seen (the points may have been thinned). */
  connections: number;
  /** `connections` when last scored. */
  scoredAt: number;
  /** When the series last alerted (-Infinity: never). */
  reportedAt: number;
  /** Addresses of a named destination (null until one is seen). */
  addresses: string[] | null;
}

interface Destination {
  /** Internal hosts seen (at most max_sources). */
  sources: string[];
  last: number;
}

export default defineDetector({
  id: 'c2.beacon',
  name: 'Beaconing',
  description: 'An internal host kept connecting to a public destination at regular intervals with requests of the same size, as command-and-control implants do.',
  severity: 3,
  category: ['network', 'malware'],
  technique: 'T1071',
  subscribes: ['flow.end', 'ssl', 'http', 'dns.answer'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const ignorePorts = new Set(o.ignore_ports);
    const allowlist = new NameAllowlist(o.allow, o.skip_popular ? ctx.intel.dga : undefined);
    const names = new ServerNames(ResolvedNames.of(ctx.site));
    const series = new LruMap<string, Series>(o.max_tracked);
    const destinations = new LruMap<string, Destination>(MAX_DESTINATIONS);
    ctx.bounded(series);
    const scratch = new BeaconScratch();

    /** Internal hosts that contacted `dest` within the window, counting `src`. */
    const sourcesOf = (dest: string, src: string, ts: number): number => {
      let d = destinations.get(dest);
      if (d === undefined || ts - d.last > o.window) {
        d = { sources: [], last: ts };
        destinations.set(dest, d);
      }
      d.last = Math.max(d.last, ts);
      if (d.sources.length < Math.max(o.max_sources, 1) && !d.sources.includes(src)) d.sources.push(src);
      return d.sources.length;
    };

    const report = (rec: ConnRecord, key: string, dest: string, named: boolean, s: Series, p: Points, b: BeaconScore, sources: number): void => {
      const src = rec['id.orig_h'];
      const proto = rec.proto.toUpperCase();
      const addresses = s.addresses ?? [];
      const where = named ? `${dest} (${addresses.join(', ')})` : dest;
      const jitter = Math.round(b.jitter * 100);
      // A thinned series keeps every stride-th check-in: its gaps are that many timer periods.
      const interval = b.interval / p.stride;
      ctx.report({
        ts: rec.ts,
        key,
        source: { ip: src, mac: rec.orig_l2_addr },
        destination: { ip: rec['id.resp_h'], port: rec['id.resp_p'] },
        transport: rec.proto === 'udp' ? 'udp' : 'tcp',
        firstSeen: p.starts[0],
        count: s.connections,
        message:
          `${src} checked in with ${where} on ${proto} ${rec['id.resp_p']} every ${formatDuration(Math.round(interval))}` +
          ` (jitter ${jitter} %) for ${formatDuration(Math.round(b.spanSeconds))}: ${formatCount(s.connections)} connections sending about ${formatCount(Math.round(b.bytes))} bytes each, beacon score ${b.score.toFixed(2)}`,
        evidence: {
          destination: dest,
          addresses: [...addresses],
          score: round(b.score),
          timing_score: round(b.timing),
          size_score: round(b.size),
          span_score: round(b.span),
          steadiness_score: round(b.steadiness),
          interval_seconds: round(interval),
          jitter: round(b.jitter),
          checkins: b.checkins * p.stride,
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
      const sni = names.get(rec.uid);
      if (sni !== undefined) names.forget(rec.uid);
      if (ignorePorts.has(port) || !ctx.site.isInternal(src) || ctx.site.isInternal(dst)) return;
      if (ctx.excluded(src) || ctx.excluded(dst)) return;
      const name = sni ?? names.resolved(src, dst);
      if (name !== undefined && allowlist.allowed(name)) return;
      const dest = name ?? dst;
      // Keyed by the destination alone (its text is the record's or the name's, hashed once).
      const sources = sourcesOf(dest, src, rec.ts);
      // Fleet software: not judged, so not kept either (most traffic goes to such destinations).
      if (o.max_sources > 0 && sources >= o.max_sources) return;
      const key = `${src}|${dest}|${rec.proto}/${port}`;
      let s = series.get(key);
      if (s === undefined) {
        s = { points: null, firstTs: rec.ts, firstBytes: rec.orig_bytes ?? 0, connections: 1, scoredAt: 0, reportedAt: -Infinity, addresses: null };
        series.set(key, s);
        if (name !== undefined) s.addresses = [dst];
        return;
      }
      if (name !== undefined) {
        const addrs = (s.addresses ??= []);
        if (addrs.length < MAX_LISTED_ADDRESSES && !addrs.includes(dst)) addrs.push(dst);
      }
      let p = s.points;
      if (p === null) {
        p = s.points = new Points(4);
        p.push(s.firstTs, s.firstBytes);
      }
      // Forget check-ins that left the window.
      p.dropBefore(rec.ts - o.window);
      // A thinned series samples every stride-th connection, so its points stay evenly spread.
      if (s.connections++ % p.stride !== 0) return;
      if (p.n >= MAX_POINTS) p.thin();
      p.push(rec.ts, rec.orig_bytes ?? 0);
      if (p.n < o.min_checkins || rec.ts - s.reportedAt < o.window) return;
      // Score again after every eighth more connections (at least one): cheap, and a beacon's score only firms up.
      if (s.connections - s.scoredAt < Math.max(1, s.scoredAt >>> 3)) return;
      s.scoredAt = s.connections;
      const b = scoreBeacon(p.starts, p.bytes, p.n, { fullSpan: o.full_span }, scratch);
      if (b.checkins < o.min_checkins || b.score < o.threshold) return;
      s.reportedAt = rec.ts;
      report(rec, key, dest, name !== undefined, s, p, b, sources);
    };

    return {
      ...namesFeed(names),
      'flow.end'(e) {
        onFlow(e.record);
      },
    };
  },
});

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
