/**
 * dns.encrypted — an internal host resolves names over an encrypted channel
 * to a resolver outside the site (T1572, T1071.004): DNS over HTTPS to a
 * public resolver (Google, Cloudflare, Quad9, NextDNS...), DNS over TLS
 * (TCP 853) or DNS over QUIC (UDP 853). Its lookups then bypass the site's
 * resolvers, their filtering and logs, and every DNS rule here (bad names,
 * DGA, tunnels): how malware hides its C2 lookups (Godlua, DoH-capable
 * implants) and how a browser or an app with its own resolver escapes the
 * policy.
 *
 * Recognised by the TLS or QUIC server name (DOH_DOMAINS and
 * `resolver_domains`, with their subdomains), by a public resolver's
 * address (DOH_ADDRESSES and `resolver_addresses`) when TLS or QUIC runs
 * to it on 443, by port 853, and by a CONNECT through a proxy to a listed
 * name (the TLS inside is not read). Servers inside the site and
 * `allowed_resolvers` are the site's own; hosts that answer other hosts'
 * DNS queries are resolvers forwarding upstream and are not judged, nor
 * are `allowed_clients`; nor is encrypted DNS to a public resolver that is
 * the client's configured one: one it also asks in plain DNS, or one a
 * DHCP or DHCPv6 server handed to its address (a browser upgrades its
 * configured resolver to the same provider's encrypted endpoint by itself,
 * often before the sensor sees any plain query). One alert per client per
 * dedup interval, listing the resolvers and channels seen.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';
import { allowedDomains, serverName, underDomain } from './server-names.js';
import { recordTarget } from '../protocols/http/request-target.js';
import { hostPort } from '../util/host-port.js';
import type { SslLogEvent } from '../protocols/tls/events.js';
import { DhcpMessageType } from '../protocols/dhcp/consts.js';
import { Dhcp6MessageType } from '../protocols/dhcpv6/consts.js';
import { UNSPECIFIED_V4 } from '../config/ip.js';

/** Host names that serve DNS over HTTPS, TLS or QUIC for the public (and their subdomains). */
export const DOH_DOMAINS: readonly string[] = [
  'dns.google', 'cloudflare-dns.com', 'one.one.one.one', 'dns.quad9.net', 'dns9.quad9.net', 'dns10.quad9.net', 'dns11.quad9.net',
  'doh.opendns.com', 'doh.familyshield.opendns.com', 'doh.umbrella.com', 'dns.nextdns.io', 'dns.adguard.com', 'dns-family.adguard.com',
  'dns-unfiltered.adguard.com', 'dns.adguard-dns.com', 'family.adguard-dns.com', 'unfiltered.adguard-dns.com', 'doh.cleanbrowsing.org',
  'dns.mullvad.net', 'doh.mullvad.net', 'doh.xfinity.com', 'freedns.controld.com', 'dns.controld.com', 'doh.dns.sb', 'dns.alidns.com',
  'doh.pub', 'dns.pub', 'doh.360.cn', 'doh.applied-privacy.net', 'zero.dns0.eu', 'open.dns0.eu', 'kids.dns0.eu', 'doh.libredns.gr',
  'dns.switch.ch', 'dns.digitale-gesellschaft.ch', 'doh.ffmuc.net', 'dns.njal.la',
];

/** Anycast addresses of public resolvers that answer DNS over HTTPS or QUIC on 443. */
export const DOH_ADDRESSES: readonly string[] = [
  '8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844',
  '1.1.1.1', '1.0.0.1', '1.1.1.2', '1.0.0.2', '1.1.1.3', '1.0.0.3', '2606:4700:4700::1111', '2606:4700:4700::1001',
  '9.9.9.9', '149.112.112.112', '9.9.9.10', '9.9.9.11', '2620:fe::fe', '2620:fe::9',
  '208.67.222.222', '208.67.220.220', '94.140.14.14', '94.140.15.15', '194.242.2.2', '185.222.222.222', '45.11.45.11',
  '223.5.5.5', '223.6.6.6', '1.12.12.12', '120.53.53.53', '76.76.2.0', '76.76.10.0',
];

/** DNS over TLS (TCP) and DNS over QUIC (UDP), RFC 7858 and RFC 9250. */
const DOT_PORT = 853;
const HTTPS_PORT = 443;
/** Clients whose tallies are kept, and hosts remembered as resolvers. */
const MAX_CLIENTS = 10000;
/** Resolvers listed per alert. */
const MAX_LISTED = 10;

export const OPTIONS = detectorOptions({
  /** More host names of encrypted-DNS resolvers (with their subdomains). */
  resolver_domains: z.array(z.string().min(1)).default([]),
  /** More resolver addresses (CIDRs, addresses or network names) reached on 443. */
  resolver_addresses: z.array(hostEntryField).default([]),
  /** Resolvers the site uses on purpose (CIDRs, addresses or network names): never reported. */
  allowed_resolvers: z.array(hostEntryField).default([]),
  /** Resolver names the site uses on purpose (a company's NextDNS profile), with their subdomains. */
  allowed_domains: z.array(z.string().min(1)).default([]),
  /** Hosts allowed to resolve over encrypted DNS (the site's forwarders). */
  allowed_clients: z.array(hostEntryField).default([]),
});

type Channel = 'DNS over HTTPS' | 'DNS over TLS' | 'DNS over QUIC' | 'DNS over HTTPS through a proxy';

interface Tally {
  resolvers: Set<string>;
  channels: Set<Channel>;
  connections: number;
}

/** One connection to an encrypted-DNS resolver. */
interface Sighting {
  ts: number;
  uid: string;
  client: string;
  /** The alert's destination: the resolver, or the proxy a CONNECT went through. */
  to: string;
  toPort: number;
  transport: 'tcp' | 'udp';
  channel: Channel;
  /** The server name asked for, when there was one. */
  name: string | undefined;
  /** How the resolver is listed in the alert. */
  resolver: string;
}

const freshTally = (): Tally => ({ resolvers: new Set(), channels: new Set(), connections: 0 });

export default defineDetector({
  id: 'dns.encrypted',
  name: 'Encrypted DNS past the site\'s resolvers',
  description: 'An internal host resolved names over DNS over HTTPS, TLS or QUIC with a resolver outside the site, out of sight of the DNS rules.',
  severity: 2,
  category: ['network'],
  technique: 'T1572',
  subscribes: ['ssl', 'http', 'dns', 'dhcp.message', 'dhcpv6.message'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const domains = allowedDomains([...DOH_DOMAINS, ...o.resolver_domains]);
    const allowedNames = allowedDomains(o.allowed_domains);
    const addresses = ctx.site.hostSet([...DOH_ADDRESSES, ...o.resolver_addresses]);
    const allowedResolvers = ctx.site.hostSet(o.allowed_resolvers);
    const allowedClients = ctx.site.hostSet(o.allowed_clients);
    /** Internal hosts seen answering another host's DNS query. */
    const forwarders = new LruMap<string, true>(MAX_CLIENTS);
    /** "client|server" pairs of a resolver outside the site the client is configured with: asked in plain DNS, or handed out by DHCP. */
    const plain = new LruMap<string, true>(MAX_CLIENTS);
    /** Remembers the resolvers outside the site a DHCP answer gives `client` (an address the answer assigns). */
    const configured = (client: string, resolvers: readonly string[] | undefined): void => {
      if (resolvers === undefined || !ctx.site.isInternal(client)) return;
      for (const r of resolvers) if (!ctx.site.isInternal(r)) plain.set(`${client}|${r}`, true);
    };
    const tallies = new LruMap<string, Tally>(MAX_CLIENTS);

    /** Counts one encrypted-DNS connection of `client` (already judged internal) and reports it. */
    const count = (s: Sighting): void => {
      const client = s.client;
      if (allowedClients.has(client) || forwarders.get(client) !== undefined || ctx.excluded(client)) return;
      if (s.name !== undefined && underDomain(s.name, allowedNames)) return;
      const t = openTally(ctx, tallies, client, freshTally);
      t.connections++;
      t.channels.add(s.channel);
      if (t.resolvers.size < MAX_LISTED) t.resolvers.add(s.resolver);
      ctx.report({
        ts: s.ts,
        key: client,
        source: { ip: client },
        destination: { ip: s.to, port: s.toPort },
        transport: s.transport,
        message:
          `${hostLabel(ctx.site, client)} used ${joinAnd([...t.channels])} with ${joinAnd([...t.resolvers])}` +
          `${t.connections > 1 ? ` (${t.connections} connections)` : ''}: its lookups bypass the site's resolvers`,
        evidence: {
          channels: [...t.channels],
          resolvers: [...t.resolvers],
          connections: t.connections,
          server_name: s.name ?? null,
          uid: s.uid,
        },
      });
    };

    const listedName = (raw: string | undefined): string | undefined => {
      const n = serverName(raw);
      return n !== undefined && underDomain(n, domains) ? n : undefined;
    };

    /** A TLS or QUIC handshake (QUIC's come as ssl events too): DoT/DoQ on 853, DoH by name or by a resolver's address on 443. */
    const secured = (e: SslLogEvent): void => {
      const r = e.record;
      const transport = e.transport ?? 'tcp';
      const client = r['id.orig_h'];
      const server = r['id.resp_h'];
      const port = r['id.resp_p'];
      const listed = listedName(r.server_name);
      let channel: Channel;
      if (port === DOT_PORT) channel = transport === 'tcp' ? 'DNS over TLS' : 'DNS over QUIC';
      else if (listed !== undefined || (port === HTTPS_PORT && addresses.has(server))) channel = 'DNS over HTTPS';
      else return;
      if (!ctx.site.isInternal(client) || ctx.site.isInternal(server) || allowedResolvers.has(server) || ctx.excluded(server)) return;
      // The client asks this resolver in plain DNS too: it is the client's own resolver, and the encrypted
      // channel is its browser's upgrade to the same provider (Chrome's and Edge's automatic secure DNS).
      if (plain.get(`${client}|${server}`) !== undefined) return;
      const name = listed ?? serverName(r.server_name);
      count({ ts: r.ts, uid: r.uid, client, to: server, toPort: port, transport, channel, name, resolver: name !== undefined ? `${name} (${hostPort(server, port)})` : hostPort(server, port) });
    };

    return {
      dns(e) {
        const r = e.record;
        // An internal host answering someone else's query is a resolver; its own upstream traffic is the site's DNS.
        if (r.rcode !== undefined && r['id.resp_p'] === 53 && ctx.site.isInternal(r['id.resp_h']) && r['id.orig_h'] !== r['id.resp_h']) {
          forwarders.set(r['id.resp_h'], true);
        }
        if (r['id.resp_p'] === 53 && !ctx.site.isInternal(r['id.resp_h'])) plain.set(`${r['id.orig_h']}|${r['id.resp_h']}`, true);
      },
      'dhcp.message'(e) {
        // An ACK: the address it assigns (a renewal's, or an INFORM's client address) is configured with these resolvers.
        if (e.is_client || e.msg_type !== DhcpMessageType.ACK) return;
        configured(e.yiaddr !== UNSPECIFIED_V4 ? e.yiaddr : e.ciaddr, e.dns_servers);
      },
      'dhcpv6.message'(e) {
        // A REPLY gives its resolvers to the addresses it assigns (and, stateless, to the client's own address).
        if (e.is_client || e.msg_type !== Dhcp6MessageType.REPLY) return;
        for (const l of e.leases) if (l.ia !== 'pd') configured(l.addr, e.dns_servers);
        if (e.client_addr !== undefined) configured(e.client_addr, e.dns_servers);
      },
      ssl: secured,
      http(e) {
        const r = e.record;
        if (r.method !== 'CONNECT') return;
        const t = recordTarget(r);
        if (t === null) return;
        const name = underDomain(t.host, domains) ? t.host : undefined;
        if (name === undefined && !addresses.has(t.host)) return;
        // Through a proxy (the TLS inside is not read): the resolver is the CONNECT's target, the destination the proxy.
        const client = r['id.orig_h'];
        if (!ctx.site.isInternal(client) || allowedResolvers.has(t.host)) return;
        count({ ts: r.ts, uid: r.uid, client, to: r['id.resp_h'], toPort: r['id.resp_p'], transport: 'tcp', channel: 'DNS over HTTPS through a proxy', name, resolver: hostPort(t.host, t.port) });
      },
    };
  },
});
