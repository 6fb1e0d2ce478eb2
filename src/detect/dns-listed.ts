/**
 * The listed names of one DNS lookup, for the rules that judge lookups by
 * indicator (dns.bad_name) or remember them (net.bad_name): the queried
 * name, then each CNAME or PTR target in the answer, with the alerting
 * indicators (MISP `to_ids`, every plain-list entry) each one matches.
 */
import type { IndicatorIndex, IndicatorSource } from '../intel/context.js';
import { alerting } from '../intel/store/evidence.js';
import { isAnswerName, type DnsRecord } from '../protocols/dns/events.js';

/**
 * Calls `visit` with each name of `r` that matches alerting indicators, the
 * query first (`via` "query"), then, with `answers`, the answer's names in
 * order ("cname"); a `visit` that returns true stops the walk.
 */
export function visitListedNames(
  idx: IndicatorIndex,
  r: DnsRecord,
  answers: boolean,
  visit: (name: string, via: 'query' | 'cname', matches: IndicatorSource[]) => boolean | void,
): void {
  const q = r.query;
  if (q === undefined || q === '') return;
  const m = alerting(idx.matchDomain(q));
  if (m.length > 0 && visit(q, 'query', m) === true) return;
  if (!answers || r.answers === undefined) return;
  for (const a of r.answers) {
    if (!isAnswerName(a)) continue;
    const am = alerting(idx.matchDomain(a));
    if (am.length > 0 && visit(a, 'cname', am) === true) return;
  }
}
