/**
 * net.external_proxy — a proxy crosses the perimeter (T1090.002, external
 * proxy). Outbound: an internal host speaks SOCKS to a public address, or
 * sends a web proxy's requests there (a CONNECT, or a GET with an absolute
 * URI): traffic leaves through someone else's relay, out of reach of the
 * site's own proxy and filters (a user dodging them, malware using a
 * residential or bulletproof proxy). Inbound: a public host got a proxy
 * inside the network to connect onward (a granted SOCKS request, or a
 * CONNECT answered 2xx): an open proxy that lets the Internet reach in or
 * relay through, high severity. Inbound attempts that were refused are
 * left out: open-proxy probes against every public server are noise.
 *
 * Judged on the socks and http log events. An absolute-URI request to the
 * very address it names, or to a name the client resolved to that address,
 * is a client talking to the server itself, not a proxy. Sanctioned proxies (a cloud web gateway) go in `allowed_proxies`.
 * "Internal" is a configured network or a private/special range;
 * documentation ranges count as public, so labs stand in for the
 * Internet. One alert per direction, client and proxy (address and port)
 * per dedup interval;
 * evidence counts the requests and targets seen before it.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { hostEntryField } from './host-lists.js';
import { openTally } from './alert-tally.js';
import { LruMap } from '../state/lru.js';
import { hostLabel } from './host-text.js';
import { recordTarget } from '../protocols/http/request-target.js';
import { hostPort } from '../util/host-port.js';
import { shortText } from '../util/cut-text.js';
import { ResolvedNames } from './server-names.js';

/** Client/proxy pairs whose running tallies are kept. */
const MAX_PAIRS = 10000;
/** Targets listed in evidence. */
const MAX_TARGETS = 10;
/** Longest target copied into a message or evidence (client-chosen text). */
const MAX_TARGET_TEXT = 256;

export const OPTIONS = detectorOptions({
  /** Proxies the site uses on purpose: CIDRs, addresses or network names. */
  allowed_proxies: z.array(hostEntryField).default([]),
  /** Also report public hosts that used a proxy inside the network. */
  inbound: z.boolean().default(true),
});

type Via = 'http' | 'socks4' | 'socks5';

interface ProxyUse {
  ts: number;
  uid: string;
  via: Via;
  client: string;
  client_port: number;
  proxy: string;
  proxy_port: number;
  /** "host:port" as the client asked for it. */
  target: string;
  /** The proxy's answer: an HTTP status or SOCKS status text; null without one. */
  status: number | string | null;
  /** SOCKS "succeeded" or an HTTP 2xx. */
  granted: boolean;
  /** The answer proves a proxy: a granted SOCKS request or CONNECT (an origin server answers an absolute URI for its own names too). */
  relayed: boolean;
  user: string | null;
  user_agent: string | null;
  method: string | null;
}

interface PairTally {
  requests: number;
  granted: number;
  targets: Set<string>;
}

const freshPair = (): PairTally => ({ requests: 0, granted: 0, targets: new Set() });

const VIA_TEXT: Readonly<Record<Via, string>> = { http: 'web proxy', socks4: 'SOCKS 4 proxy', socks5: 'SOCKS 5 proxy' };

export default defineDetector({
  id: 'net.external_proxy',
  name: 'Proxy across the perimeter',
  description: 'An internal host used a SOCKS or web proxy at a public address, or a public host used a proxy inside the network.',
  severity: 2,
  category: ['network'],
  technique: 'T1090.002',
  subscribes: ['socks', 'http', 'dns.answer'],
  options: OPTIONS,
  create(ctx) {
    const allowed = ctx.site.hostSet(ctx.options.allowed_proxies);
    const inbound = ctx.options.inbound;
    const tallies = new LruMap<string, PairTally>(MAX_PAIRS);
    const resolved = ResolvedNames.of(ctx.site);

    const judge = (u: ProxyUse): void => {
      const clientIn = ctx.site.isInternal(u.client);
      const proxyIn = ctx.site.isInternal(u.proxy);
      let outbound: boolean;
      if (clientIn && !proxyIn) outbound = true;
      else if (!clientIn && proxyIn && inbound && u.relayed) outbound = false;
      else return;
      if (allowed.has(u.proxy) || ctx.excluded(u.client) || ctx.excluded(u.proxy)) return;
      const key = `${outbound ? 'out' : 'in'}|${u.client}|${hostPort(u.proxy, u.proxy_port)}`;
      const t = openTally(ctx, tallies, key, freshPair);
      t.requests++;
      if (u.granted) t.granted++;
      if (t.targets.size < MAX_TARGETS) t.targets.add(u.target);
      const proxyText = `${VIA_TEXT[u.via]} ${hostPort(u.proxy, u.proxy_port)}`;
      const asked = `${u.via === 'http' && u.method !== 'CONNECT' ? 'a request for' : 'a connection to'} ${u.target === '' ? 'an unnamed target' : u.target}`;
      const answer = u.status === null ? 'no answer' : u.via === 'http' && u.method !== 'CONNECT' ? `answered ${u.status}` : u.granted ? 'granted' : `refused: ${u.status}`;
      const seen = t.requests > 1 ? `; ${t.requests} requests (${t.granted} granted) so far` : '';
      ctx.report({
        ts: u.ts,
        key,
        severity: outbound ? 2 : 3,
        source: { ip: u.client, port: u.client_port },
        destination: { ip: u.proxy, port: u.proxy_port },
        transport: 'tcp',
        message: outbound
          ? `${hostLabel(ctx.site, u.client)} used the ${proxyText} on the Internet for ${asked} (${answer})${seen}`
          : `Public host ${u.client} used the ${proxyText} inside the network for ${asked} (${answer}): an open proxy${seen}`,
        evidence: {
          direction: outbound ? 'outbound' : 'inbound',
          via: u.via,
          proxy: u.proxy,
          proxy_port: u.proxy_port,
          target: u.target,
          status: u.status,
          granted: u.granted,
          user: u.user,
          user_agent: u.user_agent,
          method: u.method,
          requests: t.requests,
          granted_requests: t.granted,
          targets: [...t.targets],
          uid: u.uid,
        },
      });
    };

    return {
      'dns.answer'(e) {
        resolved.note(e);
      },
      socks(e) {
        const r = e.record;
        const host = r['request.name'] ?? r['request.host'];
        judge({
          ts: r.ts,
          uid: r.uid,
          via: r.version === 4 ? 'socks4' : 'socks5',
          client: r['id.orig_h'],
          client_port: r['id.orig_p'],
          proxy: r['id.resp_h'],
          proxy_port: r['id.resp_p'],
          target: host === undefined ? '' : shortText(hostPort(host, r.request_p ?? 0), MAX_TARGET_TEXT),
          status: r.status ?? null,
          granted: r.status === 'succeeded',
          relayed: r.status === 'succeeded',
          user: r.user ?? null,
          user_agent: null,
          method: null,
        });
      },
      http(e) {
        const r = e.record;
        const t = recordTarget(r);
        if (t === null || t.form === 'origin') return;
        // An absolute URI naming the server's own address, or a name the client resolved to it: the server itself, not a proxy.
        if (t.form === 'absolute' && (t.host === r['id.resp_h'] || resolved.get(r['id.orig_h'], r['id.resp_h']) === t.host)) return;
        const status = r.status_code ?? null;
        const connect = t.form === 'authority';
        const granted = status !== null && status >= 200 && status < 300;
        judge({
          ts: r.ts,
          uid: r.uid,
          via: 'http',
          client: r['id.orig_h'],
          client_port: r['id.orig_p'],
          proxy: r['id.resp_h'],
          proxy_port: r['id.resp_p'],
          target: shortText(connect || t.path === null ? hostPort(t.host, t.port) : `${t.scheme ?? 'http'}://${hostPort(t.host, t.port)}${t.path}`, MAX_TARGET_TEXT),
          status,
          granted,
          relayed: granted && connect,
          user: r.username ?? null,
          user_agent: r.user_agent ?? null,
          method: r.method ?? null,
        });
      },
    };
  },
});
