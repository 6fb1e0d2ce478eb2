/**
 * dhcp.excessive_requests — DHCP starvation (T1498-style exhaustion of the
 * address pool, usually the first step of a rogue-server attack) and single
 * clients flooding the server.
 *
 * Starvation, per sensor, as Elastic's rule: at least 75 DISCOVERs from at
 * least 50 distinct client MACs within one minute; Wi-Fi reconnect storms
 * and VDI imaging come close, raise the numbers on such networks. Per
 * client: one MAC sending `client_threshold` DISCOVER, REQUEST, INFORM or
 * DECLINE messages in `client_window` — a healthy client needs a handful
 * per lease (INFORM floods and DECLINE loops are floods all the same).
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf } from './burst.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow, RateWindow } from '../state/window.js';
import { DhcpMessageType } from '../protocols/dhcp/consts.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';

const SENSOR_KEY = 'sensor';
/** Client messages that ask the server for something (RELEASE does not: it gives back). */
const CLIENT_REQUESTS: ReadonlySet<number> = new Set([DhcpMessageType.DISCOVER, DhcpMessageType.REQUEST, DhcpMessageType.INFORM, DhcpMessageType.DECLINE]);
const MAX_CLIENTS = 50000;
/** MACs listed as a sample. */
const MAX_LISTED = 20;

export const OPTIONS = detectorOptions({
  /** DISCOVERs per window across the sensor (Elastic: 75 per minute). */
  discover_threshold: thresholdField(75),
  /** ...from at least this many distinct client MACs (Elastic: 50). */
  distinct_macs: thresholdField(50),
  window: durationField('1m'),
  /** DISCOVER, REQUEST, INFORM and DECLINE messages from one client MAC. */
  client_threshold: thresholdField(40),
  client_window: durationField('5m'),
  /** Count per-client floods at all (off on networks with broken clients you cannot fix). */
  per_client: z.boolean().default(true),
});

export default defineDetector({
  id: 'dhcp.excessive_requests',
  name: 'Excessive DHCP requests',
  description: 'A flood of DHCP DISCOVERs from many MACs (pool starvation), or from one client.',
  severity: 2,
  category: ['network'],
  technique: 'T1499',
  subscribes: ['dhcp.message'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const discovers = new RateWindow({ window: o.window, capacity: o.discover_threshold, maxKeys: 1 });
    const macs = new DistinctWindow<string>({ window: o.window, maxKeys: 1, maxMembers: Math.max(o.distinct_macs, 4096) });
    const perClient = new RateWindow({ window: o.client_window, capacity: o.client_threshold, maxKeys: MAX_CLIENTS });
    ctx.bounded(discovers, macs, perClient);
    return {
      'dhcp.message'(e) {
        if (!e.is_client) return;
        const t = e.msg_type;
        if (!CLIENT_REQUESTS.has(t)) return;
        if (ctx.excluded(e.src_ip)) return;
        const mac = e.chaddr;
        if (t === DhcpMessageType.DISCOVER) {
          const n = discovers.add(SENSOR_KEY, e.ts);
          const m = macs.add(SENSOR_KEY, mac, e.ts);
          if (n >= o.discover_threshold && m >= o.distinct_macs) {
            const b = burstOf(ctx.held(SENSOR_KEY), n, discovers.oldest(SENSOR_KEY), e.ts);
            ctx.report({
              ts: e.ts,
              key: SENSOR_KEY,
              source: { mac: e.src_mac ?? mac },
              transport: 'udp',
              count: b.count,
              firstSeen: b.first,
              message: `DHCP starvation: ${formatCount(b.total)} DISCOVERs from ${formatCount(m)} different MAC addresses in ${formatDuration(e.ts - b.first)}`,
              evidence: {
                mode: 'starvation',
                discovers_in_window: n,
                distinct_macs: m,
                macs_sample: macs.members(SENSOR_KEY, MAX_LISTED),
                window_seconds: o.window,
              },
            });
          }
        }
        if (!o.per_client) return;
        const c = perClient.add(mac, e.ts);
        if (c < o.client_threshold) return;
        const b = burstOf(ctx.held(`client|${mac}`), c, perClient.oldest(mac), e.ts);
        ctx.report({
          ts: e.ts,
          key: `client|${mac}`,
          source: { ip: e.src_ip !== '0.0.0.0' ? e.src_ip : undefined, mac },
          transport: 'udp',
          count: b.count,
          firstSeen: b.first,
          message: `${mac} sent ${formatCount(b.total)} DHCP requests in ${formatDuration(e.ts - b.first)} (last: ${e.msg_type_name})`,
          evidence: { mode: 'client', client_mac: mac, requests_in_window: c, window_seconds: o.client_window, last_type: e.msg_type_name, host_name: e.host_name ?? null },
        });
      },
    };
  },
});
