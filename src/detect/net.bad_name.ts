/**
 * net.bad_name — a host reached a listed name without a DNS lookup this
 * sensor saw: the name is in an HTTP request (its Host header, or the
 * absolute URI or CONNECT target a client sends its web proxy), in a TLS or
 * QUIC ClientHello (SNI), or in the common name of the certificate the
 * server showed (TLS 1.2 and earlier: a listed server behind an absent or
 * innocent SNI). dns.bad_name catches a client that resolves a listed
 * name; this rule catches the ones it cannot: a client behind a web proxy
 * (the proxy resolves, and the client's own connection goes to the proxy),
 * DNS over HTTPS or TLS, a hosts file, a hard-coded address. A client that looked up the same indicator within
 * `lookup_window` is left to dns.bad_name (one incident, one alert); with
 * `skip_looked_up: false` this rule alerts on every match. A listed address
 * named as a proxy's target (`CONNECT 203.0.113.5:443`) alerts too: ip.bad
 * sees only the connection to the proxy. One alert per client and indicator
 * within the dedup interval; quiet without indicator sources.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { visitListedNames } from './dns-listed.js';
import { detectorOptions, durationField } from '../config/fields.js';
import { alerting, describeSources, matchEvidence } from '../intel/store/evidence.js';
import { canonicalIp } from '../intel/store/indicator.js';
import { recordTarget } from '../protocols/http/request-target.js';
import { formatDuration } from '../config/duration.js';
import { LruMap } from '../state/lru.js';
import type { IndicatorSource } from '../intel/context.js';
import { hostPort } from '../util/host-port.js';

/** (client, indicator) lookups remembered; only lookups of listed names are kept. */
const MAX_LOOKUPS = 100_000;

export const OPTIONS = detectorOptions({
  /** Leave a client that looked the indicator up in DNS to dns.bad_name (turn off when dns.bad_name is off). */
  skip_looked_up: z.boolean().default(true),
  /** How long a lookup of a listed name covers the client's connections to it. */
  lookup_window: durationField('1h'),
  /** Match the server certificate's common name (TLS 1.2 and earlier) when the SNI is absent or not listed. */
  check_certificates: z.boolean().default(true),
});

/** Where the name was read. */
type Via = 'http_host' | 'http_proxy_uri' | 'http_connect' | 'tls_sni' | 'certificate_cn';

/** What the client did, before the name. */
const VIA_TEXT: Readonly<Record<Via, string>> = {
  http_host: 'sent an HTTP request for',
  http_proxy_uri: 'asked its web proxy for',
  http_connect: 'asked its web proxy to CONNECT to',
  tls_sni: 'opened TLS to',
  certificate_cn: 'reached a TLS server whose certificate names',
};

/** The same for TLS inside a web proxy's CONNECT tunnel. */
const TUNNELLED_TEXT: Readonly<Partial<Record<Via, string>>> = {
  tls_sni: 'opened TLS through its web proxy to',
  certificate_cn: 'reached through its web proxy a TLS server whose certificate names',
};

const EMPTY: IndicatorSource[] = [];

/** A name from a handshake, lower-case, or null when there is none or it is an address. */
function listedName(name: string | undefined): string | null {
  if (name === undefined || name === '' || canonicalIp(name) !== null) return null;
  return name.toLowerCase();
}

export default defineDetector({
  id: 'net.bad_name',
  name: 'Listed name reached without a lookup',
  description: 'A host reached a listed domain named in HTTP, TLS SNI or a certificate, with no DNS lookup of it seen.',
  severity: 3,
  category: ['network', 'threat'],
  technique: 'T1071.001',
  subscribes: ['dns', 'http', 'ssl'],
  options: OPTIONS,
  create(ctx) {
    const idx = ctx.intel.indicators;
    if (idx === undefined) return {};
    const { skip_looked_up: skipLookedUp, lookup_window: lookupWindow, check_certificates: checkCerts } = ctx.options;
    /** client \u0002 indicator -> time of the last lookup of a name it matches. */
    const lookups = new LruMap<string, number>(MAX_LOOKUPS);
    // A forgotten lookup can make this rule repeat an incident dns.bad_name already reported.
    ctx.bounded(lookups);

    const lookedUp = (client: string, matches: readonly IndicatorSource[], ts: number): boolean => {
      if (!skipLookedUp) return false;
      for (const m of matches) {
        const at = lookups.get(`${client}\u0002${m.indicator}`);
        if (at !== undefined && ts - at <= lookupWindow) return true;
      }
      return false;
    };

    const report = (
      ts: number,
      uid: string,
      client: string,
      clientPort: number,
      server: string,
      serverPort: number,
      transport: 'tcp' | 'udp',
      name: string,
      port: number | null,
      via: Via,
      matches: IndicatorSource[],
      extra: Record<string, string | number | boolean | null>,
      tunnelled = false,
    ): void => {
      if (ctx.excluded(client) || ctx.excluded(server)) return;
      if (lookedUp(client, matches, ts)) return;
      const first = matches[0]!;
      // TLS inside a CONNECT tunnel went through the proxy too.
      const proxied = tunnelled || via === 'http_proxy_uri' || via === 'http_connect';
      const shownName = port !== null && port !== 80 && port !== 443 ? `${name}:${port}` : name;
      ctx.report({
        ts,
        key: `${client}\u0002${first.indicator}`,
        source: { ip: client, port: clientPort },
        destination: { ip: server, port: serverPort },
        transport,
        message:
          `${client} ${tunnelled ? TUNNELLED_TEXT[via] ?? VIA_TEXT[via] : VIA_TEXT[via]} ${shownName}` +
          (proxied ? ` (proxy ${hostPort(server, serverPort)})` : ` at ${hostPort(server, serverPort)}`) +
          `, listed as ${first.indicator} in ${describeSources(matches)}` +
          (skipLookedUp ? `, with no DNS lookup of it in the ${formatDuration(lookupWindow)} before` : ''),
        evidence: {
          name,
          matched_via: via,
          proxied,
          uid,
          ...extra,
          indicator: first.indicator,
          matches: matchEvidence(matches),
        },
      });
    };

    return {
      dns(e) {
        const r = e.record;
        const client = r['id.orig_h'];
        // Every listed name of the lookup, the query's and its aliases'.
        visitListedNames(idx, r, true, (_name, _via, matches) => {
          for (const m of matches) lookups.set(`${client}\u0002${m.indicator}`, r.ts);
        });
      },
      http(e) {
        const r = e.record;
        const t = recordTarget(r);
        if (t === null) return;
        const via: Via = t.form === 'authority' ? 'http_connect' : t.form === 'absolute' ? 'http_proxy_uri' : 'http_host';
        const ip = canonicalIp(t.host);
        // An address in the Host header is the connection's own (ip.bad's); one named to a proxy is not.
        if (ip !== null && via === 'http_host') return;
        const matches = alerting(ip !== null ? idx.matchIp(ip) : idx.matchDomain(t.host));
        if (matches.length === 0) return;
        report(r.ts, r.uid, r['id.orig_h'], r['id.orig_p'], r['id.resp_h'], r['id.resp_p'], 'tcp', t.host, t.port, via, matches, {
          method: r.method ?? null,
          host: r.host ?? null,
          uri: r.uri !== undefined ? r.uri.slice(0, 512) : null,
          status_code: r.status_code ?? null,
        });
      },
      ssl(e) {
        const r = e.record;
        // The SNI first; then the name the server's certificate gives (a listed server behind an innocent or absent SNI).
        let via: Via = 'tls_sni';
        let name = listedName(r.server_name);
        let matches = name === null ? EMPTY : alerting(idx.matchDomain(name));
        if (matches.length === 0 && checkCerts) {
          const cn = e.certificates?.[0]?.commonName;
          name = listedName(cn !== undefined && cn.startsWith('*.') ? cn.slice(2) : cn);
          matches = name === null ? EMPTY : alerting(idx.matchDomain(name));
          via = 'certificate_cn';
        }
        if (name === null || matches.length === 0) return;
        report(r.ts, r.uid, r['id.orig_h'], r['id.orig_p'], r['id.resp_h'], r['id.resp_p'], e.transport ?? 'tcp', name, null, via, matches, {
          version: r.version ?? null,
          established: r.established,
          ja4: r.ja4 ?? null,
        }, e.inside === 'http');
      },
    };
  },
});
