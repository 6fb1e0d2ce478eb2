/**
 * scan.port.horizontal — one source probes one port across many hosts (an
 * address sweep: looking for every SMB or SSH server of a segment).
 *
 * Counts, per (source, destination port), the distinct destination hosts of
 * failed or payload-less TCP attempts within a sliding window, like Zeek's
 * address scan (25 hosts on one port in 5 minutes). Hosts that answered with
 * payload do not count, so a client using one service on many servers (a
 * backup agent, a monitoring poller that completes its checks) stays quiet.
 * UDP sweeps (nbtscan on 137, SNMP on 161, nmap -sU over a range) count
 * unanswered datagrams (udp-probe.ts) apart, against their own threshold,
 * and only towards internal hosts: a resolver whose queries to many
 * unreachable name servers on the Internet time out looks exactly like a
 * sweep of port 53. One alert per scanning source and transport per dedup
 * interval; further ports are merged into its evidence.
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
  /** Distinct internal hosts on one UDP port that got no reply. */
  udp_threshold: thresholdField(25),
  /** (source, port) pairs tracked at once per transport. */
  max_tracked: z.number().int().min(100).default(100000),
});

export default defineDetector({
  id: 'scan.port.horizontal',
  name: 'Port sweep across hosts',
  description: 'A source made failed or payload-less TCP attempts, or sent unanswered UDP datagrams, to one port on many distinct hosts.',
  severity: 2,
  category: ['network', 'intrusion_detection'],
  technique: 'T1046',
  subscribes: ['flow.end'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    /** Per transport: hosts per (source, port) pair, with the burst's span and attempt kinds. */
    const tcpHosts = new ScanBursts<string>({ window: o.window, maxKeys: o.max_tracked, threshold: o.threshold });
    const udpHosts = new ScanBursts<string>({ window: o.window, maxKeys: o.max_tracked, threshold: o.udp_threshold });
    /** Ports already merged into each scanner's held alert (keys name the transport). */
    const portsSeen = new HeldTargets<number>(o.max_tracked, MAX_PORTS_TRACKED);
    ctx.bounded(tcpHosts);
    ctx.bounded(udpHosts);
    return {
      'flow.end'(e) {
        const rec = e.record;
        const kind = scanAttempt(e, ctx);
        if (kind === Attempt.NONE) return;
        const udp = kind === Attempt.UDP_PROBE;
        const dst = rec['id.resp_h'];
        if (udp && !ctx.site.isInternal(dst)) return;
        const hosts = udp ? udpHosts : tcpHosts;
        const threshold = udp ? o.udp_threshold : o.threshold;
        const src = rec['id.orig_h'];
        const port = rec['id.resp_p'];
        const pk = `${src}:${port}`;
        const burst = hosts.add(pk, dst, rec.ts, kind);
        const n = burst.distinct;
        if (n < threshold) return;

        const key = udp ? `${src} udp` : src;
        const held = ctx.held(key);
        const ports = portsSeen.add(key, port, held !== undefined);
        const k = burst.counts;
        const type = scanType(k);
        const net = ctx.site.networkOf(dst);
        const transport = udp ? 'udp' : 'tcp';
        ctx.report({
          ts: rec.ts,
          key,
          source: { ip: src, mac: rec.orig_l2_addr },
          destination: { ip: dst, port },
          transport,
          count: held === undefined ? n : 1,
          message:
            `${src} probed ${udp ? 'UDP' : 'TCP'} port ${port} on ${formatCount(n)} hosts` +
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
            threshold,
            attempts: attemptEvidence(k),
            ports: [...ports].slice(0, MAX_LISTED_PORTS),
            ports_count: ports.size,
          },
        });
      },
    };
  },
});
