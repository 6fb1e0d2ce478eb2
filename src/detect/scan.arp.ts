/**
 * scan.arp — one sender asks ARP for many distinct addresses of a segment
 * (arp-scan, netdiscover, nmap -sn on a LAN): host discovery below IP, which
 * no firewall sees. IPv6's equivalent, Neighbor Solicitations for many
 * addresses (nmap -6 -sn over a range on the link), counts the same way, per
 * configured network or /64 of the targets. IPv6 also allows discovery in
 * one packet: an echo request to the all-nodes group ff02::1 (`ping
 * ff02::1%eth0`, THC's alive6, nmap's targets-ipv6-multicast-echo), which
 * every host on the link answers; that alerts on its own, once the ICMPv6
 * exchange has ended (its flow times out after a minute of silence).
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
import { parseIp, UNSPECIFIED_V4, UNSPECIFIED_V6 } from '../config/ip.js';
import { ipv6ToString } from '../decode/addr.js';

const ARP_REQUEST = 1;
/** ICMPv6 Echo Request (RFC 4443), the "port" of an ICMPv6 flow's originator. */
const ICMP6_ECHO_REQUEST = 128;
/** The link-local all-nodes multicast group (RFC 4291). */
const ALL_NODES = 'ff02::1';
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
  description: 'One sender requested the MAC addresses of many distinct IPs of a segment (ARP, or IPv6 Neighbor Solicitations), or pinged every IPv6 host on its link at once.',
  severity: 2,
  category: ['network', 'intrusion_detection'],
  technique: 'T1018',
  subscribes: ['arp', 'nd.solicit', 'flow.end'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const targets = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.threshold, 65536) });
    ctx.bounded(targets);

    /** Counts one lookup of `target` by `sender` and reports a sweep past the threshold. */
    const lookup = (ts: number, sender: string, senderIp: string | undefined, target: string, segment: string, net: string | undefined, vlan: number | undefined, how: string): void => {
      const key = `${sender}|${segment}`;
      const n = targets.add(key, target, ts);
      if (n < o.threshold) return;
      const held = ctx.held(key);
      // The sweep began at the oldest target still in the window, or when its alert opened.
      const b = burstOf(held, n, targets.oldest(key), ts);
      const span = ts - b.first;
      const who = senderIp !== undefined ? `${senderIp} (${sender})` : sender;
      ctx.report({
        ts,
        key,
        source: { ip: senderIp, mac: sender },
        network: net,
        message: `${who} ${how} ${formatCount(n)} addresses of ${segment} in ${formatDuration(span)}`,
        count: b.count,
        firstSeen: b.first,
        evidence: {
          segment,
          targets_count: n,
          targets_sample: targets.members(key, MAX_LISTED),
          window_seconds: o.window,
          threshold: o.threshold,
          vlan: vlan ?? null,
        },
      });
    };

    return {
      arp(e) {
        if (e.op !== ARP_REQUEST || e.spa === e.tpa) return;
        const sender = e.sha !== '' ? e.sha : e.src_mac;
        if (ctx.excluded(e.spa) || ctx.excluded(e.tpa)) return;
        const net = ctx.site.networkOf(e.tpa);
        const dot = e.tpa.lastIndexOf('.');
        const segment = net !== undefined ? net.name : dot > 0 ? `${e.tpa.slice(0, dot)}.0/24` : e.tpa;
        lookup(e.ts, sender, e.spa !== UNSPECIFIED_V4 ? e.spa : undefined, e.tpa, segment, net?.name, e.vlan, 'asked ARP for');
      },
      'nd.solicit'(e) {
        // Duplicate address detection (from "::") checks the sender's own new address; without a MAC there is no sender to count.
        if (e.src === UNSPECIFIED_V6 || e.src_mac === '' || e.src === e.target) return;
        if (ctx.excluded(e.src) || ctx.excluded(e.target)) return;
        const net = ctx.site.networkOf(e.target);
        const segment = net !== undefined ? net.name : prefix64(e.target);
        lookup(e.ts, e.src_mac, e.src, e.target, segment, net?.name, e.vlan, 'sent Neighbor Solicitations for');
      },
      'flow.end'(e) {
        const r = e.record;
        if (r.proto !== 'icmp' || r['id.orig_p'] !== ICMP6_ECHO_REQUEST || r['id.resp_h'] !== ALL_NODES) return;
        const src = r['id.orig_h'];
        if (ctx.excluded(src)) return;
        const mac = r.orig_l2_addr;
        const who = mac !== undefined ? `${src} (${mac})` : src;
        ctx.report({
          ts: r.ts,
          key: `${mac ?? src}|${ALL_NODES}`,
          source: { ip: src, mac },
          destination: { ip: ALL_NODES },
          transport: 'icmp',
          message: `${who} pinged every IPv6 host on its link at once (echo request to ${ALL_NODES}, ${r.orig_pkts} sent)`,
          evidence: {
            segment: ALL_NODES,
            method: 'multicast_echo',
            echo_requests: r.orig_pkts,
            vlan: r.vlan ?? null,
          },
        });
      },
    };
  },
});

/** "fd77:2::/64" for an IPv6 address: the /64 a link's addresses share. */
function prefix64(ip: string): string {
  const p = parseIp(ip);
  if (p === null || p.v !== 6) return ip;
  const w = new Uint32Array([p.words[0]!, p.words[1]!, 0, 0]);
  return `${ipv6ToString(w)}/64`;
}
