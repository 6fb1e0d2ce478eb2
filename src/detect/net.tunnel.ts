/**
 * net.tunnel — an internal host carries traffic in a tunnel to or from a
 * public address (T1572, protocol tunnelling): GRE or IP in IP to a host on
 * the Internet, a PPTP VPN, VXLAN, VXLAN-GPE, Geneve or GTP-U leaving the
 * site, Teredo or AYIYA (IPv6 through a public relay or tunnel broker over
 * UDP 3544 or 5072). A tunnel hides what it carries from the
 * firewall's view of ports and addresses; an unplanned one is how data
 * leaves or an attacker's network joins. Tunnels between internal
 * addresses (a switch's ERSPAN session to the sensor, VXLAN inside a data
 * centre) are infrastructure and not reported; planned tunnels to the
 * Internet (a site-to-site GRE peer) go in `exclude`.
 *
 * Judged on the tunnel's discovery (tunnel.jsonl's DISCOVER line), so a
 * tunnel is reported once, when its first packet is seen; one alert per
 * internal host, listing the peers and kinds seen.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { plural } from '../alerts/alert.js';
import { TUNNEL_NAMES } from '../decode/tunnel.js';

/** Peers listed per alert. */
const MAX_LISTED = 20;
/** Internal hosts whose running tallies are kept. */
const MAX_HOSTS = 10000;

const KINDS = TUNNEL_NAMES.filter((n) => n !== '') as [string, ...string[]];

export const OPTIONS = detectorOptions({
  /** Tunnel kinds reported (conn.jsonl's `tunnel` names). */
  kinds: z.array(z.enum(KINDS)).default([...KINDS]),
});

/** How a kind is named in a message. */
const KIND_TEXT: Readonly<Record<string, string>> = {
  ip: 'IP in IP',
  gre: 'GRE',
  erspan: 'ERSPAN (GRE)',
  vxlan: 'VXLAN',
  geneve: 'Geneve',
  teredo: 'Teredo (IPv6 over UDP 3544)',
  gtpv1: 'GTPv1-U',
  ayiya: 'AYIYA (IP over UDP 5072)',
  pptp: 'PPTP (GRE)',
  vxlan_gpe: 'VXLAN-GPE',
};

/** What a kind's `tunnel_id` is, in a message. */
const ID_TEXT: Readonly<Record<string, string>> = {
  gre: 'key',
  erspan: 'session',
  gtpv1: 'TEID',
  pptp: 'call id',
};

export default defineDetector({
  id: 'net.tunnel',
  name: 'Tunnel to the Internet',
  description: 'An internal host carried traffic in a tunnel (GRE, IP in IP, PPTP, VXLAN, Geneve, GTP-U, Teredo, AYIYA) to or from a public address.',
  severity: 3,
  category: ['network'],
  technique: 'T1572',
  subscribes: ['tunnel'],
  options: OPTIONS,
  create(ctx) {
    const kinds = new Set(ctx.options.kinds);
    const tallies = new LruMap<string, { peers: Set<string>; kinds: Set<string>; tunnels: number }>(MAX_HOSTS);
    return {
      tunnel(e) {
        const r = e.record;
        if (r.action !== 'Tunnel::DISCOVER' || !kinds.has(r.kind)) return;
        const a = r['id.orig_h'];
        const b = r['id.resp_h'];
        const aIn = ctx.site.isInternal(a);
        const bIn = ctx.site.isInternal(b);
        // Inside the site (infrastructure) or passing through it (transit): not a tunnel out.
        if (aIn === bIn) return;
        const host = aIn ? a : b;
        const peer = aIn ? b : a;
        if (ctx.excluded(host) || ctx.excluded(peer)) return;
        let t = tallies.get(host);
        if (t === undefined || ctx.held(host) === undefined) {
          t = { peers: new Set(), kinds: new Set(), tunnels: 0 };
          tallies.set(host, t);
        }
        if (t.peers.size < MAX_LISTED) t.peers.add(peer);
        t.kinds.add(r.kind);
        t.tunnels++;
        const id = r.tunnel_id !== undefined ? ` ${ID_TEXT[r.kind] ?? 'VNI'} ${r.tunnel_id}` : '';
        const hostPort = aIn ? r['id.orig_p'] : r['id.resp_p'];
        const peerPort = aIn ? r['id.resp_p'] : r['id.orig_p'];
        ctx.report({
          ts: r.ts,
          key: host,
          source: { ip: host, ...(hostPort > 0 ? { port: hostPort } : {}) },
          destination: { ip: peer, ...(peerPort > 0 ? { port: peerPort } : {}) },
          // UDP tunnels have ports; GRE (PPTP's too) and IP in IP are IP protocols of their own.
          ...(peerPort > 0 ? { transport: 'udp' as const } : {}),
          message:
            `${host} ${aIn ? 'sent' : 'received'} ${KIND_TEXT[r.kind] ?? r.kind}${id} tunnel traffic ${aIn ? 'to' : 'from'} public address ${peer}` +
            (t.tunnels > 1 ? ` (${plural(t.tunnels, 'tunnel')} with ${plural(t.peers.size, 'public host')}: ${[...t.kinds].join(', ')})` : ''),
          evidence: {
            kind: r.kind,
            tunnel_type: r.tunnel_type,
            tunnel_id: r.tunnel_id ?? null,
            tunnel_uid: r.uid,
            peers: [...t.peers],
            kinds: [...t.kinds],
            tunnels: t.tunnels,
          },
        });
      },
    };
  },
});
