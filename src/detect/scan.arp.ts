/**
 * scan.arp — one sender asks ARP for many distinct addresses of a segment
 * (arp-scan, netdiscover, nmap -sn on a LAN): host discovery below IP, which
 * no firewall sees.
 *
 * Counts distinct target IPs of ARP requests per (sender MAC, segment) in a
 * sliding window. The segment is the configured network of the target, or
 * its /24 when unconfigured. Gratuitous ARP (sender IP = target IP) and
 * probes for one's own address are announcements, not lookups, and are
 * skipped. No public system ships this check, so the default is ours: a
 * sweep of a /24 asks for ~254 addresses within seconds; a busy gateway
 * refreshing its neighbours asks for its active hosts every few minutes —
 * exclude gateways whose segments have more than `threshold` active hosts.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf } from './burst.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow } from '../state/window.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';

const ARP_REQUEST = 1;
const UNSPECIFIED = '0.0.0.0';
/** Targets listed as a sample in the alert. */
const MAX_LISTED = 20;

export const OPTIONS = detectorOptions({
  /** Distinct target addresses asked for by one sender in one segment. */
  threshold: thresholdField(50),
  /** Sliding window; sweeps are fast, neighbour refreshes are spread out. */
  window: durationField('1m'),
  max_tracked: z.number().int().min(100).default(20000),
});

export default defineDetector({
  id: 'scan.arp',
  name: 'ARP scan',
  description: 'One sender requested the MAC addresses of many distinct IPs of a segment.',
  severity: 2,
  category: ['network', 'intrusion_detection'],
  technique: 'T1018',
  subscribes: ['arp'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const targets = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.threshold, 65536) });
    ctx.bounded(targets);
    return {
      arp(e) {
        if (e.op !== ARP_REQUEST || e.spa === e.tpa) return;
        const sender = e.sha !== '' ? e.sha : e.src_mac;
        if (ctx.excluded(e.spa) || ctx.excluded(e.tpa)) return;
        const net = ctx.site.networkOf(e.tpa);
        const dot = e.tpa.lastIndexOf('.');
        const segment = net !== undefined ? net.name : dot > 0 ? `${e.tpa.slice(0, dot)}.0/24` : e.tpa;
        const key = `${sender}|${segment}`;
        const n = targets.add(key, e.tpa, e.ts);
        if (n < o.threshold) return;
        const held = ctx.held(key);
        // The sweep began at the oldest target still in the window, or when its alert opened.
        const b = burstOf(held, n, targets.oldest(key), e.ts);
        const span = e.ts - b.first;
        const who = e.spa !== UNSPECIFIED ? `${e.spa} (${sender})` : sender;
        ctx.report({
          ts: e.ts,
          key,
          source: { ip: e.spa !== UNSPECIFIED ? e.spa : undefined, mac: sender },
          network: net?.name,
          message: `${who} asked ARP for ${formatCount(n)} addresses of ${segment} in ${formatDuration(span)}`,
          count: b.count,
          firstSeen: b.first,
          evidence: {
            segment,
            targets_count: n,
            targets_sample: targets.members(key, MAX_LISTED),
            window_seconds: o.window,
            threshold: o.threshold,
            vlan: e.vlan ?? null,
          },
        });
      },
    };
  },
});
