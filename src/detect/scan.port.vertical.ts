/**
 * scan.port.vertical — one source probes many ports of one host.
 *
 * Counts, per (source, destination), the distinct TCP destination ports of
 * failed or payload-less attempts (rejected, unanswered, half-open, connect
 * without data) within a sliding window, as Zeek's scan policy does with
 * failed connections (15 ports per host in 5 minutes). Conversations that
 * exchanged payload never count, so a busy client talking to many services
 * of one server does not look like a scan. UDP ports are counted apart, from
 * datagrams that got no reply (udp-probe.ts), against their own threshold.
 * One alert per scanning source and transport per dedup interval (Zeek's
 * `identifier=scanner`): further targets are merged into the held alert's
 * evidence.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { Attempt, attemptEvidence, scanType } from './tcp-attempt.js';
import { HeldTargets, ScanBursts, moreTargets, scanAttempt, scanPace } from './scan-common.js';
import { formatCount } from '../alerts/alert.js';

/** Targets listed by address in one alert; the rest are only counted. */
const MAX_LISTED_TARGETS = 20;
/** Distinct targets remembered per scanner for the held alert's count. */
const MAX_TARGETS_TRACKED = 4096;

export const OPTIONS = detectorOptions({
  /** Distinct ports on one host. Zeek: 15. Lower finds slow, targeted scans; raises alerts for clients whose many short connections fail (e.g. a misconfigured agent). */
  threshold: thresholdField(15),
  /** Sliding window. Zeek: 5 min. Longer catches slower scans at the cost of memory per pair. */
  window: durationField('5m'),
  /** Distinct UDP ports on one host that got no reply. nmap -sU probes 1,000; a client's unanswered DNS, NTP or syslog go to one port each. */
  udp_threshold: thresholdField(20),
  /** (source, destination) pairs tracked at once per transport; the least recently active pair is dropped beyond it. */
  max_tracked: z.number().int().min(100).default(100000),
});

export default defineDetector({
  id: 'scan.port.vertical',
  name: 'Port scan of one host',
  description: 'A source made failed or payload-less TCP attempts, or sent unanswered UDP datagrams, to many distinct ports of one host.',
  severity: 2,
  category: ['network', 'intrusion_detection'],
  technique: 'T1046',
  subscribes: ['flow.end'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    /** Per transport: ports per (source, destination) pair, with the burst's span and attempt kinds. */
    const tcpPorts = new ScanBursts<number>({ window: o.window, maxKeys: o.max_tracked, threshold: o.threshold });
    const udpPorts = new ScanBursts<number>({ window: o.window, maxKeys: o.max_tracked, threshold: o.udp_threshold });
    /** Targets already merged into each scanner's held alert (keys name the transport). */
    const targets = new HeldTargets<string>(o.max_tracked, MAX_TARGETS_TRACKED);
    ctx.bounded(tcpPorts);
    ctx.bounded(udpPorts);
    return {
      'flow.end'(e) {
        const rec = e.record;
        const kind = scanAttempt(e, ctx);
        if (kind === Attempt.NONE) return;
        const udp = kind === Attempt.UDP_PROBE;
        const ports = udp ? udpPorts : tcpPorts;
        const threshold = udp ? o.udp_threshold : o.threshold;
        const src = rec['id.orig_h'];
        const dst = rec['id.resp_h'];
        const pair = `${src}>${dst}`;
        const burst = ports.add(pair, rec['id.resp_p'], rec.ts, kind);
        const n = burst.distinct;
        if (n < threshold) return;

        const key = udp ? `${src} udp` : src;
        const held = ctx.held(key);
        const seen = targets.add(key, dst, held !== undefined);
        const listed = seen.size <= MAX_LISTED_TARGETS ? [...seen] : [...seen].slice(0, MAX_LISTED_TARGETS);
        const k = burst.counts;
        const type = scanType(k);
        ctx.report({
          ts: rec.ts,
          key,
          source: { ip: src, mac: rec.orig_l2_addr },
          destination: { ip: dst },
          transport: udp ? 'udp' : 'tcp',
          count: held === undefined ? n : 1,
          message:
            `${src} probed ${formatCount(n)} ${udp ? 'UDP' : 'TCP'} ports on ${dst}` +
            moreTargets(seen.size - 1, 'host', 'hosts') +
            scanPace(burst.span, type),
          evidence: {
            scan_type: type,
            ports_count: n,
            ports_sample: ports.members(pair, 20),
            window_seconds: o.window,
            threshold,
            attempts: attemptEvidence(k),
            targets: listed,
            targets_count: seen.size,
          },
        });
      },
    };
  },
});
