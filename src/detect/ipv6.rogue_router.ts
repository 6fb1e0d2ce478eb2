/**
 * ipv6.rogue_router — a host that announces itself as an IPv6 router
 * (Router Advertisements) without being one of the link's routers (T1557):
 * THC-IPv6's fake_router6, bettercap's ndp module, or a misconfigured
 * Windows ICS or Docker host. Hosts take any advertised router as a default
 * route, configure addresses from its prefixes (SLAAC) and, where it hands
 * out DNS servers (RDNSS), send it their name lookups; IPv6 is on by
 * default everywhere, even on networks that never planned it.
 *
 * Read from `nd.router_advert` events. A router is its link address (the
 * advertisement's Source Link-Layer Address option, else the frame's
 * source) and VLAN. It is reported when:
 * - `allowed_routers` lists the link's routers (MACs or link-local
 *   addresses) and it is not one of them;
 * - without a list, another router advertised on the same link within
 *   `window` (a second router appearing where one already serves);
 * - it advertises a prefix outside every IPv6 network of the site
 *   configuration (when the site lists any).
 * Severity 3; 4 when it hands out DNS servers or a prefix foreign to the
 * site. One alert per router per dedup interval; when `FLOOD_ROUTERS` or
 * more routers advertise on one link within `window` (flood_router26
 * sends thousands, each from a new MAC), one flood alert for the link.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField } from '../config/fields.js';
import { parseDhcpServerId } from '../config/dhcp-server-id.js';
import { LruMap } from '../state/lru.js';
import { hostLabel, joinAnd } from './host-text.js';
import { formatDuration } from '../config/duration.js';
import type { RouterAdvertEvent } from '../events/router-advert.js';

/** Links (VLANs) whose routers are remembered. */
const MAX_LINKS = 256;
/** Routers remembered per link: more advertising within `window` is a flood. */
const MAX_ROUTERS_PER_LINK = 16;
/** Routers advertising on one link within `window` that make it a flood (flood_router26 sends thousands, each from a new MAC). */
const FLOOD_ROUTERS = 8;

/** A MAC or an IPv6 address; the output is its normal form (lower-case MAC with colons, compressed IPv6). */
const routerField = z.string().transform((text, ctx) => {
  const id = parseDhcpServerId(text);
  if (id === null || id.kind === 'duid' || (id.kind === 'ip' && !id.value.includes(':'))) {
    ctx.addIssue({ code: 'custom', message: 'is not a MAC address or an IPv6 address', input: text });
    return z.NEVER;
  }
  return id.value;
});

export const OPTIONS = detectorOptions({
  /** The link's routers: MACs or link-local addresses (empty: judged by the second-router and prefix checks). */
  allowed_routers: z.array(routerField).default([]),
  /** How recently another router must have advertised on the link for a new one to be a second router. */
  window: durationField('1h'),
});

export default defineDetector({
  id: 'ipv6.rogue_router',
  name: 'Rogue IPv6 router',
  description: 'A host announced itself as an IPv6 router (Router Advertisements) without being one of the link\'s routers: hosts take it as their default route and, with its DNS servers, send it their lookups.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1557',
  subscribes: ['nd.router_advert'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const allowed = new Set(o.allowed_routers);
    const siteV6 = ctx.config.networks.some((n) => n.cidrs.some((c) => c.includes(':')));
    /** Routers seen per link (VLAN): MAC -> its address and when it last advertised, oldest first. */
    const links = new LruMap<string, Map<string, { src: string; last: number }>>(MAX_LINKS);

    return {
      'nd.router_advert'(e: RouterAdvertEvent) {
        const mac = e.slla !== '' ? e.slla : e.src_mac;
        if (ctx.excluded(e.src)) return;
        const link = String(e.vlan ?? '');
        const key = `${link}|${mac}`;
        let routers = links.get(link);
        if (routers === undefined) links.set(link, (routers = new Map()));
        for (const [m, r] of routers) if (e.ts - r.last > o.window) routers.delete(m);
        const seen = routers.get(mac);
        routers.delete(mac);
        if (routers.size >= MAX_ROUTERS_PER_LINK) routers.delete(routers.keys().next().value!);
        routers.set(mac, { src: e.src, last: e.ts });
        if (allowed.has(mac) || allowed.has(e.src)) return;
        if (routers.size >= FLOOD_ROUTERS) {
          // Advertisements from ever new MACs: one alert for the link, not one per made-up router.
          ctx.report({
            ts: e.ts,
            key: `${link}|flood`,
            severity: 3,
            source: { ip: e.src, mac },
            message: `${routers.size} routers advertised on the link${e.vlan !== undefined ? ` (VLAN ${e.vlan})` : ''} within ${formatDuration(o.window)}, the latest ${mac} (${e.src}): a router advertisement flood (flood_router26), which exhausts the hosts' address and route tables`,
            evidence: { router_mac: mac, routers: routers.size, flood: true, vlan: e.vlan ?? null },
          });
          return;
        }

        const foreign = siteV6 ? e.prefixes.filter((p) => ctx.site.networkOf(p.slice(0, p.indexOf('/'))) === undefined) : [];
        const others: { mac: string; src: string }[] = [];
        for (const [m, r] of routers) if (m !== mac) others.push({ mac: m, src: r.src });
        let why: string;
        if (allowed.size > 0) why = `not one of the link's routers (${[...allowed].join(', ')})`;
        else if (others.length > 0 && (seen === undefined || ctx.held(key) !== undefined)) why = `while ${joinAnd(others.map((r) => `${r.mac} (${r.src})`))} ${others.length === 1 ? 'is' : 'are'} the link's router`;
        else if (foreign.length > 0) why = '';
        else return;

        const prefixText = e.prefixes.length === 1 ? 'prefix' : 'prefixes';
        const offers = [
          e.prefixes.length > 0 ? `${prefixText} ${e.prefixes.join(', ')}` : '',
          e.dns_servers.length > 0 ? `DNS ${e.dns_servers.length === 1 ? 'server' : 'servers'} ${e.dns_servers.join(', ')}` : '',
        ].filter((x) => x !== '');
        const outside = foreign.length === 0 ? '' : `${foreign.length === e.prefixes.length ? `a ${prefixText}` : foreign.join(', ')} outside the site's networks`.replace('a prefixes', 'prefixes');
        const reasons = [why, outside].filter((x) => x !== '').join('; ');
        ctx.report({
          ts: e.ts,
          key,
          severity: e.dns_servers.length > 0 || foreign.length > 0 ? 4 : 3,
          source: { ip: e.src, mac },
          message:
            `${mac} (${hostLabel(ctx.site, e.src)}) announced itself as an IPv6 router${offers.length > 0 ? ` offering ${joinAnd(offers)}` : ''}, ${reasons}: ` +
            `a rogue router takes the hosts' IPv6 traffic as their default route${e.dns_servers.length > 0 ? ', and their name lookups' : ''} (fake_router6, a SLAAC attack, or a host sharing its connection)`,
          evidence: {
            router_mac: mac,
            prefixes: e.prefixes,
            foreign_prefixes: foreign,
            dns_servers: e.dns_servers,
            other_routers: others.map((r) => r.mac),
            vlan: e.vlan ?? null,
          },
        });
      },
    };
  },
});
