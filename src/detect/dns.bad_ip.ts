/**
 * dns.bad_ip — a DNS answer that resolves a name to an address (or into a
 * CIDR) on an indicator list: the name may be new or unlisted, but where it
 * points is known-bad (fast-flux and throwaway domains in front of a known
 * C2 server). Reads `dns.answer` events; one alert per client and listed
 * address within the dedup interval. Only alerting indicators (MISP
 * `to_ids`, plain lists) fire; the evidence names the source. Quiet when no
 * indicator source is configured.
 */
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { alerting, describeSources, matchEvidence } from '../intel/store/evidence.js';

export const OPTIONS = detectorOptions({});

export default defineDetector({
  id: 'dns.bad_ip',
  name: 'DNS answer with a listed address',
  description: 'A DNS answer resolved a name to an address listed as an indicator.',
  severity: 3,
  category: ['network', 'threat'],
  technique: 'T1071.004',
  subscribes: ['dns.answer'],
  options: OPTIONS,
  create(ctx) {
    const idx = ctx.intel.indicators;
    if (idx === undefined) return {};
    return {
      'dns.answer'(e) {
        const addrs = e.addrs;
        for (let i = 0; i < addrs.length; i++) {
          const addr = addrs[i]!;
          const matches = alerting(idx.matchIp(addr));
          if (matches.length === 0) continue;
          // Clients only (see dns-tally.ts countedQuery); an excluded address is never judged.
          if (ctx.excluded(e.client) || ctx.excluded(addr)) return;
          const first = matches[0]!;
          ctx.report({
            ts: e.ts,
            key: `${e.client}\u0002${addr}`,
            source: { ip: e.client },
            destination: { ip: e.server },
            message: `${e.client} resolved ${e.query} to ${addr}, listed${first.indicator !== addr ? ` as ${first.indicator}` : ''} in ${describeSources(matches)}`,
            evidence: {
              query: e.query,
              qtype: e.qtype_name,
              address: addr,
              addresses: addrs.slice(0, 10),
              cnames: e.cnames.slice(0, 10),
              resolver: e.server,
              indicator: first.indicator,
              matches: matchEvidence(matches),
            },
          });
        }
      },
    };
  },
});
