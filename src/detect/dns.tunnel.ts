/**
 * dns.tunnel — a client sends data out in DNS query names: many queries, with
 * long subdomains, under one registrable domain (iodine, dnscat2, DNSExfiltrator,
 * the DNS channels of C2 frameworks). Each query carries a chunk of encoded
 * data left of the attacker's domain, so the names are long and all
 * different, whatever the record type (A, AAAA, CNAME, MX, TXT, NULL): the
 * type-based check (`dns.excessive_ptr_txt`) misses tunnels over address
 * records, and a slow one stays under `dns.excessive_queries`.
 *
 * Per client and registrable domain (public suffix list) within `window`:
 * queries whose subdomain (the name left of the registrable domain) has at
 * least `min_subdomain_length` characters are counted; `min_queries` of them
 * with `min_names` distinct names alert (Elastic's long-label rule: 50
 * characters, 25 queries, 15 names in 5 minutes). A tool can send its data
 * in short chunks to stay under that mark; it then needs many more names,
 * so subdomains of `short_subdomain_length` characters and more (but under
 * the long mark) are counted apart, and `short_min_names` distinct ones
 * alert (RITA's 100 unique subdomains; the length keeps an AD domain's
 * short host names out). Reverse lookups, names
 * without a public suffix, the rule's `allow` list and (with `skip_popular`)
 * the bundled popular domains, which include the DNS-based reputation and
 * blocklist services whose lookups look alike (Sophos, McAfee, ESET,
 * Spamhaus, SURBL, URIBL), are not judged. One alert per client and domain
 * per dedup interval; the evidence says how much name text went out.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf } from './burst.js';
import { detectorOptions, durationField, portField, thresholdField } from '../config/fields.js';
import { DistinctWindow, RateWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { formatBytes, formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { registrableLabel } from '../intel/dga/label.js';
import { allowedDomains, underDomain } from './server-names.js';
import { hostLabel, joinAnd } from './host-text.js';

/** Names listed in the evidence, each cut to NAME_SAMPLE_CHARS. */
const MAX_LISTED = 5;
const NAME_SAMPLE_CHARS = 120;
/** Resolvers and record types listed. */
const MAX_LISTED_SMALL = 10;
/** Distinct names held across all tallies (long names: ~400 bytes each, 40 MB). */
const MAX_NAMES_TOTAL = 100_000;
/** Popular-domain verdicts cached per registrable domain. */
const MAX_VERDICTS = 20_000;

export const OPTIONS = detectorOptions({
  /** Characters of a query's subdomain (left of the registrable domain, dots included) that make it a data-carrying query. */
  min_subdomain_length: thresholdField(50),
  /** Data-carrying queries from one client under one domain within `window`. */
  min_queries: thresholdField(25),
  /** Distinct names among them. */
  min_names: thresholdField(15),
  window: durationField('5m'),
  /** Shorter subdomains (at least this many characters, under min_subdomain_length) count as short chunks. */
  short_subdomain_length: thresholdField(20),
  /** Distinct names with short-chunk subdomains from one client under one domain within `window`. */
  short_min_names: thresholdField(100),
  /** Domains (and their subdomains) never judged. */
  allow: z.array(z.string().min(1)).default([]),
  /** Skip the bundled popular domains (the DGA allowlist), which include DNS-based reputation and blocklist services. */
  skip_popular: z.boolean().default(true),
  /** Server ports that are DNS (mDNS and NBNS are logged as dns too, and are not judged). */
  ports: z.array(portField).default([53]),
  max_tracked: z.number().int().min(100).default(20000),
});

/** What a client's queries under one domain carried, besides their names. */
interface Carried {
  queries: number;
  /** Characters of subdomain sent (the encoded data). */
  chars: number;
  nxdomain: number;
  qtypes: Map<string, number>;
  resolvers: Set<string>;
}

export default defineDetector({
  id: 'dns.tunnel',
  name: 'DNS tunnel',
  description: 'A client sent many DNS queries with long, distinct subdomains under one domain, or very many with shorter ones: data carried out in query names (iodine, dnscat2, DNS C2 channels).',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1071.004',
  subscribes: ['dns'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const ports = new Set(o.ports);
    const allow = allowedDomains(o.allow);
    const popular = o.skip_popular ? ctx.intel.dga : undefined;
    const verdicts = new LruMap<string, boolean>(MAX_VERDICTS);
    /** Distinct names per client and domain, with what they carried; at least `threshold` names kept per key. */
    const carriedWindow = (threshold: number): DistinctWindow<string, Carried> =>
      new DistinctWindow<string, Carried>({
        window: o.window,
        maxKeys: o.max_tracked,
        maxMembers: Math.max(threshold, 1000),
        maxTotalMembers: MAX_NAMES_TOTAL,
        extra: () => ({ queries: 0, chars: 0, nxdomain: 0, qtypes: new Map(), resolvers: new Set() }),
      });
    // Long-name queries, and short-chunk ones apart.
    const names = carriedWindow(o.min_names);
    const chunks = carriedWindow(o.short_min_names);
    const queries = new RateWindow({ window: o.window, capacity: o.min_queries, maxKeys: o.max_tracked });
    ctx.bounded(names);
    ctx.bounded(queries);
    ctx.bounded(chunks);
    const shortest = Math.min(o.min_subdomain_length, o.short_subdomain_length);

    const isPopular = (domain: string): boolean => {
      if (popular === undefined) return false;
      let v = verdicts.get(domain);
      if (v === undefined) verdicts.set(domain, (v = popular.allowed(domain)));
      return v;
    };

    return {
      dns(e) {
        const r = e.record;
        const q = r.query;
        if (q === undefined || q.length <= shortest || !ports.has(r['id.resp_p'])) return;
        const lab = registrableLabel(q);
        if (typeof lab === 'string') return;
        const name = q.toLowerCase().replace(/\.$/, '');
        const sub = name.length - lab.domain.length - 1;
        if (sub < shortest) return;
        const long = sub >= o.min_subdomain_length;
        const client = r['id.orig_h'];
        const resolver = r['id.resp_h'];
        // Clients only (see dns-tally.ts countedQuery): excluding a resolver keeps its clients' queries.
        if (ctx.excluded(client)) return;
        if (underDomain(name, allow) || isPopular(lab.domain)) return;

        // One alert per client and domain, whichever check fires; each check keeps its own tally.
        const key = `${client}|${lab.domain}`;
        const tally = long ? names : chunks;
        const n = tally.add(key, name, r.ts);
        const c = tally.extraOf(key)!;
        c.queries++;
        c.chars += sub;
        if (r.rcode_name === 'NXDOMAIN') c.nxdomain++;
        const qtype = r.qtype_name ?? String(r.qtype ?? '?');
        if (c.qtypes.has(qtype) || c.qtypes.size < MAX_LISTED_SMALL) c.qtypes.set(qtype, (c.qtypes.get(qtype) ?? 0) + 1);
        if (c.resolvers.size < MAX_LISTED_SMALL) c.resolvers.add(resolver);
        if (long) {
          const m = queries.add(key, r.ts);
          if (n < o.min_names || m < o.min_queries) return;
        } else if (n < o.short_min_names) {
          return;
        }

        const held = ctx.held(key);
        const b = burstOf(held, c.queries, tally.oldest(key), r.ts);
        const types = [...c.qtypes].sort((x, y) => y[1] - x[1]).map(([t]) => t);
        const average = Math.round(c.chars / c.queries);
        const via = joinAnd([...c.resolvers].map((x) => hostLabel(ctx.site, x)));
        ctx.report({
          ts: r.ts,
          key,
          source: { ip: client },
          destination: { ip: resolver, port: r['id.resp_p'] },
          transport: r.proto === 'tcp' ? 'tcp' : 'udp',
          message:
            `${hostLabel(ctx.site, client)} sent ${formatCount(c.queries)} DNS queries with ${long ? 'long subdomains' : `subdomains of ${o.short_subdomain_length}-${o.min_subdomain_length - 1} characters`} (${formatCount(n)} distinct names, ${average} characters on average) ` +
            `under ${lab.domain} through ${via} in ${formatDuration(r.ts - b.first)} (${types.join(', ')}): ` +
            `a DNS tunnel carrying about ${formatBytes(c.chars)} of encoded data out in query names${long ? '' : ', in short chunks'}`,
          count: b.count,
          firstSeen: b.first,
          evidence: {
            domain: lab.domain,
            chunks: long ? 'long' : 'short',
            queries: c.queries,
            names_count: n,
            names_sample: tally.members(key, MAX_LISTED).map((x) => (x.length > NAME_SAMPLE_CHARS ? `${x.slice(0, NAME_SAMPLE_CHARS)}...` : x)),
            subdomain_chars: c.chars,
            average_subdomain_length: average,
            qtypes: Object.fromEntries(c.qtypes),
            nxdomain: c.nxdomain,
            resolvers: [...c.resolvers],
            window_seconds: o.window,
          },
        });
      },
    };
  },
});
