/**
 * dns.bad_name — a DNS query for a name on an indicator list (a plain domain
 * list, a MISP feed or a MISP server), or for any subdomain of a listed
 * name: the host is about to talk to known-bad infrastructure (C2, phishing,
 * malware delivery). With `check_cnames` the answer's CNAME targets count
 * too (an innocent-looking name aliased to a listed one). Only indicators
 * that may raise alerts (MISP `to_ids`; every plain-list entry) fire; the
 * evidence names the list or the MISP event. Quiet when no indicator source
 * is configured. Exclude your resolvers (`exclude` names clients in the DNS
 * rules): the queries they forward upstream repeat their clients'.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { visitListedNames } from './dns-listed.js';
import { detectorOptions } from '../config/fields.js';
import { describeSources, matchEvidence } from '../intel/store/evidence.js';
import type { IndicatorSource } from '../intel/context.js';

/** Answers copied into the evidence. */
const MAX_ANSWERS = 10;

export const OPTIONS = detectorOptions({
  /** Also match CNAME targets in the answer (names in `answers`), not only the queried name. */
  check_cnames: z.boolean().default(true),
});


export default defineDetector({
  id: 'dns.bad_name',
  name: 'DNS lookup of a listed name',
  description: 'A host looked up a domain (or a subdomain of one) listed as an indicator.',
  severity: 3,
  category: ['network', 'threat'],
  technique: 'T1071.004',
  subscribes: ['dns'],
  options: OPTIONS,
  create(ctx) {
    const idx = ctx.intel.indicators;
    if (idx === undefined) return {};
    const checkCnames = ctx.options.check_cnames;
    return {
      dns(e) {
        const r = e.record;
        const q = r.query;
        if (q === undefined || q === '') return;
        // The first listed name: the query, else the first listed CNAME target.
        let matches: IndicatorSource[] = [];
        let via = 'query';
        let matchedName = q;
        visitListedNames(idx, r, checkCnames, (name, how, m) => {
          matches = m;
          via = how;
          matchedName = name;
          return true;
        });
        if (matches.length === 0) return;
        const client = r['id.orig_h'];
        const server = r['id.resp_h'];
        // Clients only (see dns-tally.ts countedQuery): excluding a resolver keeps its clients' lookups.
        if (ctx.excluded(client)) return;
        const first = matches[0]!;
        ctx.report({
          ts: r.ts,
          key: `${client}\u0002${first.indicator}`,
          source: { ip: client, port: r['id.orig_p'] },
          destination: { ip: server, port: r['id.resp_p'] },
          transport: r.proto,
          message:
            `${client} looked up ${q}` +
            (via === 'cname' ? `, an alias of ${matchedName},` : '') +
            ` listed as ${first.indicator} in ${describeSources(matches)}`,
          evidence: {
            query: q,
            qtype: r.qtype_name ?? null,
            rcode: r.rcode_name ?? null,
            answers: (r.answers ?? []).slice(0, MAX_ANSWERS),
            matched_via: via,
            matched_name: matchedName,
            indicator: first.indicator,
            matches: matchEvidence(matches),
          },
        });
      },
    };
  },
});
