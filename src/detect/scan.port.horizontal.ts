/**
 * scan.port.horizontal — one source probes one port across many hosts (an
 * address sweep: looking for every SMB or SSH server of a segment).
 *
 * Counts, per (source, destination port), the distinct destination hosts of
 * failed or payload-less TCP attempts within a sliding window, like Zeek's
 * address scan (25 hosts on one port in 5 minutes). Hosts that answered with
 * payload do not count, so a client using one service on many servers (a
 * backup agent, a monitoring poller that completes its checks) stays quiet.
 * One alert per scanning source per dedup interval; further ports are merged
 * into its evidence.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { Attempt, attemptEvidence, scanType } from './tcp-attempt.js';
import { HeldTargets, ScanBursts, moreTargets, scanAttempt, scanPace } from './scan-common.js';
import { formatCount } from '../alerts/alert.js';

/** Ports listed in one alert; the rest are only counted. */
const MAX_LISTED_PORTS = 50;
/** Hosts listed as a sample of the current sweep. */
const MAX_LISTED_HOSTS = 20;
/** Distinct ports remembered per scanner for the held alert (every TCP port). */
const MAX_PORTS_TRACKED = 65536;

export const OPTIONS = detectorOptions({
  /** Distinct hosts on one port. Zeek: 25. Lower finds small-segment sweeps; raises alerts for pollers whose targets are often down. */
  threshold: thresholdField(25),
  /** Sliding window. Zeek: 5 min. */
  window: durationField('5m'),
  /** (source, port) pairs tracked at once. */
  max_tracked: z.number().int().min(100).default(100000),
});

export default defineDetector({
  id: 'scan.port.horizontal',
  name: 'Port sweep across hosts',
  description: 'A source made failed or payload-less TCP attempts to one port on many distinct hosts.',
  severity: 2,
  category: ['network', 'intrusion_detection'],
  technique: 'T1046',
  subscribes: ['flow.end'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const hosts = new ScanBursts<string>({ window: o.window, maxKeys: o.max_tracked, threshold: o.threshold });
    const portsSeen = new HeldTargets<number>(o.max_tracked, MAX_PORTS_TRACKED);
    ctx.bounded(hosts);
    return {
      'flow.end'(e) {
        const rec = e.record;
        const kind = scanAttempt(e, ctx);
        if (kind === Attempt.NONE) return;
        const src = rec['id.orig_h'];
        const dst = rec['id.resp_h'];
        const port = rec['id.resp_p'];
        const pk = `${src}:${port}`;
        const burst = hosts.add(pk, dst, rec.ts, kind);
        const n = burst.distinct;
        if (n < o.threshold) return;

        const key = src;
        const held = ctx.held(key);
        const ports = portsSeen.add(key, port, held !== undefined);
        const k = burst.counts;
        const type = scanType(k);
        const net = ctx.site.networkOf(dst);
        ctx.report({
          ts: rec.ts,
          key,
          source: { ip: src, mac: rec.orig_l2_addr },
          destination: { ip: dst, port },
          transport: 'tcp',
          count: held === undefined ? n : 1,
          message:
            `${src} probed TCP port ${port} on ${formatCount(n)} hosts` +
            (net !== undefined ? ` in ${net.name}` : '') +
            moreTargets(ports.size - 1, 'port', 'ports') +
            scanPace(burst.span, type),
          evidence: {
            scan_type: type,
            port,
            hosts_count: n,
            hosts_sample: hosts.members(pk, MAX_LISTED_HOSTS),
            target_network: net?.name ?? null,
            window_seconds: o.window,
            threshold: o.threshold,
            attempts: attemptEvidence(k),
            ports: [...ports].slice(0, MAX_LISTED_PORTS),
            ports_count: ports.size,
          },
        });
      },
    };
  },
});
