/**
 * icmp.tunnel — data carried in ICMP echo messages between an internal host
 * and a public address (ptunnel, Hans, icmpsh, icmptunnel): T1095. A ping's
 * reply carries back exactly the data of its request, so a real ping's
 * requests and replies have the same size; a tunnel's server answers with
 * its own data, so its replies do not mirror its requests, and together
 * they move far more than pings do.
 *
 * Judged per ICMP echo connection (requests and replies between two hosts,
 * as conn.log keeps them; a long one at its 10-minute snapshot) when one end
 * is internal and the other public, and the two directions together carried
 * at least `min_bytes` of payload:
 * - replies came back and their average payload differs from the
 *   requests' by at least `min_size_difference` bytes (a lost reply or two
 *   does not change an average);
 * - or no reply came back and the requests averaged at least
 *   `min_unanswered_payload` bytes (data sent to a listener that does not
 *   answer; pings to a dead host carry 32-56 bytes).
 * One alert per internal host per dedup interval, listing its peers.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { formatBytes } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { hostLabel } from './host-text.js';

/** ICMP and ICMPv6 echo request types: the "port" of an echo connection's originator. */
const ECHO_REQUEST = new Set([8, 128]);
/** Peers listed per alert. */
const MAX_LISTED = 20;
/** Internal hosts whose running tallies are kept. */
const MAX_HOSTS = 10000;

export const OPTIONS = detectorOptions({
  /** Payload bytes both directions of one echo connection carried. */
  min_bytes: z.number().int().min(1).default(65536),
  /** Difference between the average request and reply payloads that shows replies are not echoes. */
  min_size_difference: z.number().int().min(1).default(16),
  /** Average request payload of an unanswered echo connection that carries data. */
  min_unanswered_payload: z.number().int().min(1).default(128),
});

export default defineDetector({
  id: 'icmp.tunnel',
  name: 'ICMP tunnel',
  description: 'An internal host exchanged ICMP echo messages with a public address whose replies do not echo its requests, or sent it large unanswered ones: data carried in pings (ptunnel, Hans, icmpsh).',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1095',
  subscribes: ['flow.end'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const peers = new LruMap<string, { peers: Set<string>; bytes: number }>(MAX_HOSTS);
    return {
      'flow.end'(e) {
        const r = e.record;
        if (r.proto !== 'icmp' || !ECHO_REQUEST.has(r['id.orig_p'])) return;
        const orig = r['id.orig_h'];
        const resp = r['id.resp_h'];
        const origInternal = ctx.site.isInternal(orig);
        if (origInternal === ctx.site.isInternal(resp)) return;
        if (ctx.excluded(orig) || ctx.excluded(resp)) return;
        const sent = r.orig_bytes ?? 0;
        const back = r.resp_bytes ?? 0;
        if (sent + back < o.min_bytes || r.orig_pkts === 0) return;
        const request = sent / r.orig_pkts;
        const reply = r.resp_pkts > 0 ? back / r.resp_pkts : 0;
        let how: string;
        if (r.resp_pkts > 0) {
          if (Math.abs(request - reply) < o.min_size_difference) return;
          how = `replies averaging ${Math.round(reply)} bytes to requests averaging ${Math.round(request)}: not echoes`;
        } else {
          if (request < o.min_unanswered_payload) return;
          how = `${r.orig_pkts} unanswered requests averaging ${Math.round(request)} bytes`;
        }
        const host = origInternal ? orig : resp;
        const peer = origInternal ? resp : orig;
        let t = peers.get(host);
        if (t === undefined || ctx.held(host) === undefined) {
          t = { peers: new Set(), bytes: 0 };
          peers.set(host, t);
        }
        if (t.peers.size < MAX_LISTED) t.peers.add(peer);
        t.bytes += sent + back;
        const started = origInternal ? 'pinged' : 'was pinged by';
        const out = origInternal ? sent : back;
        const into = origInternal ? back : sent;
        ctx.report({
          ts: r.ts,
          key: host,
          source: { ip: host, mac: origInternal ? r.orig_l2_addr : r.resp_l2_addr },
          destination: { ip: peer },
          transport: r.proto,
          message:
            `${hostLabel(ctx.site, host)} ${started} public address ${peer}: ${formatBytes(out)} out and ${formatBytes(into)} in over ${formatDuration(r.duration ?? 0)} ` +
            `(${how}): data carried in ICMP echo messages, a tunnel (ptunnel, Hans, icmpsh)`,
          evidence: {
            peers: [...t.peers],
            bytes_out: out,
            bytes_in: into,
            request_packets: r.orig_pkts,
            reply_packets: r.resp_pkts,
            request_payload_average: Math.round(request),
            reply_payload_average: Math.round(reply),
            total_bytes: t.bytes,
          },
        });
      },
    };
  },
});
