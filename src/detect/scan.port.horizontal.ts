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
 * sweep of port 53.
 *
 * A grid scan (a few ports on each of a few hosts: `nmap --top-ports 10`
 * over a small segment) stays under both this rule's per-port and
 * scan.port.vertical's per-host thresholds. It is counted as distinct
 * host:port pairs per source on internal hosts against `grid_threshold`,
 * and judged once it stopped growing (no new pair for GRID_SETTLE_SECONDS,
 * or the capture ended): reported only when no one port reached this rule's
 * threshold and no one host scan.port.vertical's, so a scan the other
 * counts explain never raises a grid alert as well (scan.port.vertical
 * decides on the spot: early in a port scan of several hosts at once it
 * looks like a grid). One alert per scanning source and transport per dedup
 * interval; further ports are merged into its evidence.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { Attempt, attemptEvidence, scanType } from './tcp-attempt.js';
import { HeldTargets, ScanBursts, moreTargets, scanAttempt, scanPace } from './scan-common.js';
import { formatCount } from '../alerts/alert.js';
import { LruMap } from '../state/lru.js';
import { gridShape, type GridShape } from './scan-grid.js';

/** Ports listed in one alert; the rest are only counted. */
const MAX_LISTED_PORTS = 50;
/** Hosts listed as a sample of the current sweep. */
const MAX_LISTED_HOSTS = 20;
/** Distinct ports remembered per scanner for the held alert (every TCP port). */
const MAX_PORTS_TRACKED = 65536;
/** host:port pairs of a grid read back to judge its shape. */
const MAX_GRID_PAIRS_READ = 4096;
/** A grid is judged once no new host:port pair came for this long (packet time). */
export const GRID_SETTLE_SECONDS = 30;
/** Grids waiting to be judged at once; the least recently grown is judged early beyond it. */
const MAX_GRID_CANDIDATES = 10000;

export const OPTIONS = detectorOptions({
  /** Distinct hosts on one port. Zeek: 25. Lower finds small-segment sweeps; raises alerts for pollers whose targets are often down. */
  threshold: thresholdField(25),
  /** Sliding window. Zeek: 5 min. */
  window: durationField('5m'),
  /** Distinct internal hosts on one UDP port that got no reply. */
  udp_threshold: thresholdField(25),
  /** Distinct host:port pairs on internal hosts, across 2+ hosts and 2+ ports, that no single port or host explains. */
  grid_threshold: thresholdField(50),
  /** (source, port) pairs tracked at once per transport. */
  max_tracked: z.number().int().min(100).default(100000),
});

export default defineDetector({
  id: 'scan.port.horizontal',
  name: 'Port sweep across hosts',
  description: 'A source made failed or payload-less TCP attempts, or sent unanswered UDP datagrams, to one port on many distinct hosts, or to a few ports on each of several internal hosts (a grid).',
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
    /** Internal "host port" pairs per alert key (source and transport), for grid scans. */
    const grids = new ScanBursts<string>({ window: o.window, maxKeys: o.max_tracked, threshold: o.grid_threshold });
    /** Ports already merged into each scanner's held alert (keys name the transport). */
    const portsSeen = new HeldTargets<number>(o.max_tracked, MAX_PORTS_TRACKED);
    /** Grids past grid_threshold waiting to stop growing, by alert key. */
    const candidates = new LruMap<string, GridCandidate>(MAX_GRID_CANDIDATES, (key, c) => judge(key, c));
    const vertical = ctx.config.detectors['scan.port.vertical'];
    ctx.bounded(tcpHosts);
    ctx.bounded(udpHosts);
    ctx.bounded(grids);

    const reportGrid = (key: string, c: GridCandidate, shape: GridShape): void => {
      const held = ctx.held(key);
      const type = scanType(c.counts);
      const net = ctx.site.networkOf(c.dst);
      ctx.report({
        ts: c.ts,
        firstSeen: c.ts - c.span,
        key,
        source: { ip: c.src, mac: c.mac },
        destination: { ip: c.dst },
        transport: c.udp ? 'udp' : 'tcp',
        count: held === undefined ? c.pairs : 1,
        message:
          `${c.src} probed ${formatCount(shape.ports)} ${c.udp ? 'UDP' : 'TCP'} ports across ${formatCount(shape.hosts)} hosts` +
          (net !== undefined ? ` in ${net.name}` : '') +
          ` (${formatCount(c.pairs)} host-port pairs)` +
          scanPace(c.span, type),
        evidence: {
          scan_type: type,
          pattern: 'grid',
          pairs_count: c.pairs,
          hosts_count: shape.hosts,
          hosts_sample: shape.hostsSample,
          ports_count: shape.ports,
          ports: shape.portsSample,
          most_ports_on_one_host: shape.mostPortsOnOneHost,
          most_hosts_on_one_port: shape.mostHostsOnOnePort,
          target_network: net?.name ?? null,
          window_seconds: o.window,
          threshold: o.grid_threshold,
          attempts: attemptEvidence(c.counts),
        },
      });
    };

    /** A grid that stopped growing: a grid alert unless one port or one host explains it. */
    function judge(key: string, c: GridCandidate): void {
      if (ctx.held(key) !== undefined) return; // a per-port sweep of this source was reported meanwhile
      const shape = gridShape(grids.members(key, MAX_GRID_PAIRS_READ));
      const perHost = !vertical.enabled ? Infinity : c.udp ? vertical.udp_threshold : vertical.threshold;
      // (One port with this rule's threshold of hosts never gets here: the sweep branch reports it and drops the candidate.)
      if (shape.hosts < 2 || shape.ports < 2 || shape.mostPortsOnOneHost >= perHost) return;
      reportGrid(key, c, shape);
    }

    return {
      'flow.end'(e) {
        const rec = e.record;
        const kind = scanAttempt(e, ctx);
        if (kind === Attempt.NONE) return;
        const udp = kind === Attempt.UDP_PROBE;
        const dst = rec['id.resp_h'];
        const internal = ctx.site.isInternal(dst);
        if (udp && !internal) return;
        const hosts = udp ? udpHosts : tcpHosts;
        const threshold = udp ? o.udp_threshold : o.threshold;
        const src = rec['id.orig_h'];
        const port = rec['id.resp_p'];
        const key = udp ? `${src} udp` : src;
        const pk = `${src}:${port}`;
        const burst = hosts.add(pk, dst, rec.ts, kind);
        const n = burst.distinct;
        const held = ctx.held(key);

        if (n >= threshold) {
          // One port explains the scan: a sweep, reported now, and no grid to judge.
          candidates.delete(key);
          const ports = portsSeen.add(key, port, held !== undefined);
          const k = burst.counts;
          const type = scanType(k);
          const net = ctx.site.networkOf(dst);
          ctx.report({
            ts: rec.ts,
            key,
            source: { ip: src, mac: rec.orig_l2_addr },
            destination: { ip: dst, port },
            transport: udp ? 'udp' : 'tcp',
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
          return;
        }

        if (!internal) return;
        const grid = grids.add(key, `${dst} ${port}`, rec.ts, kind);
        if (grid.distinct < o.grid_threshold) return;
        // This source's held alert is a per-port sweep (its latest evidence says so): a sweep is never rewritten as a grid.
        if (held !== undefined && held.evidence.pattern !== 'grid') return;
        const c = candidates.get(key);
        const grew = c === undefined || grid.distinct > c.pairs;
        const now: GridCandidate = {
          src,
          mac: rec.orig_l2_addr,
          dst,
          udp,
          ts: rec.ts,
          span: grid.span,
          pairs: grid.distinct,
          counts: grid.counts,
          settleAt: grew ? rec.ts + GRID_SETTLE_SECONDS : c.settleAt,
        };
        if (held !== undefined) {
          // A grid alert is open for this source: new pairs update it now.
          if (grew) reportGrid(key, now, gridShape(grids.members(key, MAX_GRID_PAIRS_READ)));
          return;
        }
        candidates.set(key, now);
      },

      settle(now: number): void {
        const due: string[] = [];
        for (const [key, c] of candidates.entries()) if (c.settleAt <= now) due.push(key);
        for (const key of due) {
          const c = candidates.get(key);
          candidates.delete(key);
          if (c !== undefined) judge(key, c);
        }
      },

      end(): void {
        const all = [...candidates.entries()];
        candidates.clear();
        for (const [key, c] of all) judge(key, c);
      },
    };
  },
});

/** A source's grid past grid_threshold, as of its newest attempt. */
interface GridCandidate {
  src: string;
  mac: string | undefined;
  /** The newest attempt's destination (the alert's destination). */
  dst: string;
  udp: boolean;
  /** Newest attempt start. */
  ts: number;
  span: number;
  pairs: number;
  counts: ArrayLike<number>;
  /** Judged when packet time passes this without a new pair. */
  settleAt: number;
}


