/**
 * scan.ping — a ping sweep: one internal source sends ICMP echo requests
 * (or timestamp or address-mask requests, which nmap's host discovery sends
 * too) to many distinct hosts, most of which never answer: `nmap -sn` or
 * `fping -g` over a routed range, a worm looking for its next victims
 * (T1018). On the sender's own link the same discovery is ARP or Neighbor
 * Discovery, which scan.arp counts; across a router it is ICMP, which only
 * this rule sees.
 *
 * Counted per source within `window` on unicast destinations inside the
 * site: the distinct hosts whose request got no reply, against
 * `threshold`. A monitoring system pings hosts that are up, which answer,
 * so it stays quiet however many it watches; hosts that did answer are
 * counted beside (the live hosts the sweep found) and named in the alert.
 * Requests from outside the site (the Internet's background scanning of
 * public ranges) are not judged unless `external_sources` is set. An ICMP
 * exchange is judged when it ends, a minute after its last packet, so the
 * alert follows the sweep by about that. One alert per source per dedup
 * interval.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow } from '../state/window.js';
import { isGroupAddress } from '../config/ip.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { hostLabel } from './host-text.js';
import { LruMap } from '../state/lru.js';

/** ICMPv4 requests used for host discovery: echo, timestamp, address mask. */
const V4_REQUESTS: ReadonlyMap<number, string> = new Map([
  [8, 'echo'],
  [13, 'timestamp'],
  [17, 'address mask'],
]);
/** ICMPv6 echo request. */
const V6_ECHO = 128;
/** Hosts named per alert. */
const MAX_LISTED = 20;
/** Distinct hosts remembered per source (at least the threshold). */
const MAX_MEMBERS = 4096;
/** Hosts held across all sources. */
const MAX_TOTAL_MEMBERS = 500_000;

export const OPTIONS = detectorOptions({
  /** Distinct hosts whose request went unanswered. A /24 sweep leaves ~200; a monitor's down hosts are a few. */
  threshold: thresholdField(25),
  window: durationField('5m'),
  /** Also judge sources outside the site (Internet scanners sweeping a public range the site configured as a network). */
  external_sources: z.boolean().default(false),
  /** Sources tracked at once. */
  max_tracked: z.number().int().min(100).default(20000),
});

interface Sweep {
  first: number;
  types: Set<string>;
  answered: Set<string>;
  sample: Set<string>;
}

export default defineDetector({
  id: 'scan.ping',
  name: 'Ping sweep',
  description: 'One source sent ICMP echo (or timestamp or address-mask) requests to many hosts inside the site, most of which never answered: host discovery across a router.',
  severity: 2,
  category: ['network', 'intrusion_detection'],
  technique: 'T1018',
  subscribes: ['flow.end'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const silent = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.threshold, MAX_MEMBERS), maxTotalMembers: MAX_TOTAL_MEMBERS });
    const alive = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: MAX_MEMBERS, maxTotalMembers: MAX_TOTAL_MEMBERS });
    ctx.bounded(silent);
    ctx.bounded(alive);
    const sweeps = new LruMap<string, Sweep>(o.max_tracked);

    return {
      'flow.end'(e) {
        const r = e.record;
        if (r.proto !== 'icmp' || r.orig_pkts === 0) return;
        const src = r['id.orig_h'];
        const dst = r['id.resp_h'];
        const v6 = src.includes(':');
        const type = r['id.orig_p'];
        const kind = v6 ? (type === V6_ECHO ? 'echo' : undefined) : V4_REQUESTS.get(type);
        if (kind === undefined || isGroupAddress(dst) || !ctx.site.isInternal(dst)) return;
        if (!o.external_sources && !ctx.site.isInternal(src)) return;
        if (ctx.excluded(src) || ctx.excluded(dst)) return;
        const answered = r.resp_pkts > 0;
        let s = sweeps.get(src);
        if (s === undefined || (silent.count(src, r.ts) === 0 && alive.count(src, r.ts) === 0 && ctx.held(src) === undefined)) {
          s = { first: r.ts, types: new Set(), answered: new Set(), sample: new Set() };
          sweeps.set(src, s);
        }
        if (r.ts < s.first) s.first = r.ts;
        s.types.add(kind);
        let unanswered: number;
        let live: number;
        if (answered) {
          live = alive.add(src, dst, r.ts);
          unanswered = silent.count(src, r.ts);
          if (s.answered.size < MAX_LISTED) s.answered.add(dst);
        } else {
          unanswered = silent.add(src, dst, r.ts);
          live = alive.count(src, r.ts);
          if (s.sample.size < MAX_LISTED) s.sample.add(dst);
        }
        if (unanswered < o.threshold) return;
        const net = ctx.site.networkOf(dst);
        const span = Math.max(0, r.ts - s.first);
        ctx.report({
          ts: r.ts,
          firstSeen: s.first,
          key: src,
          source: { ip: src, mac: r.orig_l2_addr },
          destination: { ip: dst },
          transport: 'icmp',
          message:
            `${hostLabel(ctx.site, src)} sent ICMP ${[...s.types].join(', ')} requests to ${formatCount(unanswered + live)} hosts` +
            `${net !== undefined ? ` in ${net.name}` : ''} in ${formatDuration(span)}; ${formatCount(unanswered)} never answered` +
            `${live > 0 ? `, ${formatCount(live)} did (${[...s.answered].slice(0, 5).join(', ')}${live > 5 ? ', ...' : ''})` : ''}: a ping sweep`,
          evidence: {
            unanswered_count: unanswered,
            answered_count: live,
            answered_hosts: [...s.answered],
            unanswered_sample: [...s.sample],
            icmp_types: [...s.types],
            target_network: net?.name ?? null,
            window_seconds: o.window,
            threshold: o.threshold,
          },
        });
      },
    };
  },
});
