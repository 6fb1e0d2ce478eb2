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
 *
 * DHCPv6 is counted the same way (dhcp-client.ts): SOLICITs are the
 * DISCOVERs of starvation, counted apart from DHCPv4's (a DHCPv6 pool is
 * exhausted by SOLICITs under new DUIDs, as THC-IPv6's flood_dhcpc6 sends
 * them), each client by the MAC in its DUID, else the DUID; REQUEST,
 * CONFIRM, RENEW, REBIND, DECLINE and INFORMATION-REQUEST are the per-client
 * requests, counted together with the same client's DHCPv4 ones.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf } from './burst.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow, RateWindow } from '../state/window.js';
import { clientMessages, type DhcpClientView } from './dhcp-client.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';

/** Starvation is counted per sensor, DHCPv4 and DHCPv6 apart. */
const SENSOR_KEY = 'sensor';
const SENSOR_KEY_V6 = 'sensor6';
const MAX_CLIENTS = 50000;
/** MACs listed as a sample. */
const MAX_LISTED = 20;

export const OPTIONS = detectorOptions({
  /** DISCOVERs (DHCPv6: SOLICITs) per window across the sensor (Elastic: 75 per minute). */
  discover_threshold: thresholdField(75),
  /** ...from at least this many distinct client MACs (DHCPv6: DUIDs) (Elastic: 50). */
  distinct_macs: thresholdField(50),
  window: durationField('1m'),
  /** DISCOVER, REQUEST, INFORM and DECLINE messages (and their DHCPv6 counterparts) from one client MAC. */
  client_threshold: thresholdField(40),
  client_window: durationField('5m'),
  /** Count per-client floods at all (off on networks with broken clients you cannot fix). */
  per_client: z.boolean().default(true),
});

export default defineDetector({
  id: 'dhcp.excessive_requests',
  name: 'Excessive DHCP requests',
  description: 'A flood of DHCP DISCOVERs or DHCPv6 SOLICITs from many clients (pool starvation), or from one client.',
  severity: 2,
  category: ['network'],
  technique: 'T1499',
  subscribes: ['dhcp.message', 'dhcpv6.message'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const discovers = new RateWindow({ window: o.window, capacity: o.discover_threshold, maxKeys: 2 });
    const macs = new DistinctWindow<string>({ window: o.window, maxKeys: 2, maxMembers: Math.max(o.distinct_macs, 4096) });
    const perClient = new RateWindow({ window: o.client_window, capacity: o.client_threshold, maxKeys: MAX_CLIENTS });
    ctx.bounded(discovers, macs, perClient);
    function starvation(m: DhcpClientView, srcMac: string | undefined): void {
      const key = m.version === 4 ? SENSOR_KEY : SENSOR_KEY_V6;
      const n = discovers.add(key, m.ts);
      const d = macs.add(key, m.client, m.ts);
      if (n < o.discover_threshold || d < o.distinct_macs) return;
      const b = burstOf(ctx.held(key), n, discovers.oldest(key), m.ts);
      ctx.report({
        ts: m.ts,
        key,
        source: { mac: srcMac ?? m.client },
        transport: 'udp',
        count: b.count,
        firstSeen: b.first,
        message:
          m.version === 4
            ? `DHCP starvation: ${formatCount(b.total)} DISCOVERs from ${formatCount(d)} different MAC addresses in ${formatDuration(m.ts - b.first)}`
            : `DHCPv6 starvation: ${formatCount(b.total)} SOLICITs from ${formatCount(d)} different clients in ${formatDuration(m.ts - b.first)}`,
        evidence: {
          mode: 'starvation',
          protocol: m.version === 4 ? 'dhcp' : 'dhcpv6',
          discovers_in_window: n,
          distinct_macs: d,
          macs_sample: macs.members(key, MAX_LISTED),
          window_seconds: o.window,
        },
      });
    }
    function count(m: DhcpClientView, srcMac: string | undefined): void {
      if (m.ask === 'other') return;
      if (ctx.excluded(m.source_ip)) return;
      if (m.ask === 'discover') starvation(m, srcMac);
      if (!o.per_client) return;
      const mac = m.client;
      const c = perClient.add(mac, m.ts);
      if (c < o.client_threshold) return;
      const b = burstOf(ctx.held(`client|${mac}`), c, perClient.oldest(mac), m.ts);
      ctx.report({
        ts: m.ts,
        key: `client|${mac}`,
        source: { ip: m.source_ip, mac },
        transport: 'udp',
        count: b.count,
        firstSeen: b.first,
        message: `${mac} sent ${formatCount(b.total)} DHCP${m.version === 6 ? 'v6' : ''} requests in ${formatDuration(m.ts - b.first)} (last: ${m.msg_type_name})`,
        evidence: { mode: 'client', client_mac: mac, requests_in_window: c, window_seconds: o.client_window, last_type: m.msg_type_name, host_name: m.host_name ?? m.client_fqdn ?? null },
      });
    }
    return clientMessages(count);
  },
});
