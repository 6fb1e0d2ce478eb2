/**
 * Adds what enrichment knows about public addresses to the two outputs people
 * read: alerts get ECS `as.number`, `as.organization.name` and
 * `geo.country_iso_code` on `source`/`destination`; conn records get
 * `orig_asn`/`orig_as_org`/`orig_cc` and the `resp_*` trio. Private and
 * unknown addresses are left as they are (the enricher answers undefined).
 * Both functions fill the object in place and return it, and never overwrite
 * fields already set (a user mmdb result applied earlier wins).
 */
import type { Alert, EndpointEnrichment } from '../../alerts/alert.js';
import type { ConnRecord } from '../../flows/conn-record.js';
import type { IpEnricher } from '../context.js';

function fillEndpoint(ep: { ip?: string } & EndpointEnrichment, enricher: IpEnricher): void {
  if (ep.ip === undefined || (ep.as !== undefined && ep.geo !== undefined)) return;
  const o = enricher.lookup(ep.ip);
  if (o === undefined) return;
  if (ep.as === undefined && o.asn !== undefined) {
    ep.as = o.as_org !== undefined ? { number: o.asn, organization: { name: o.as_org } } : { number: o.asn };
  }
  if (ep.geo === undefined && o.cc !== undefined) ep.geo = { country_iso_code: o.cc };
}

/** Fills ECS `as` and `geo` on the alert's source and destination (public addresses only). */
export function enrichAlert<A extends Alert>(alert: A, enricher: IpEnricher): A {
  fillEndpoint(alert.source, enricher);
  if (alert.destination !== undefined) fillEndpoint(alert.destination, enricher);
  return alert;
}

/** Fills orig_asn/orig_as_org/orig_cc and resp_asn/resp_as_org/resp_cc (public addresses only). */
export function enrichConnRecord<R extends ConnRecord>(record: R, enricher: IpEnricher): R {
  if (record.orig_asn === undefined && record.orig_cc === undefined) {
    const o = enricher.lookup(record['id.orig_h']);
    if (o !== undefined) {
      if (o.asn !== undefined) record.orig_asn = o.asn;
      if (o.as_org !== undefined) record.orig_as_org = o.as_org;
      if (o.cc !== undefined) record.orig_cc = o.cc;
    }
  }
  if (record.resp_asn === undefined && record.resp_cc === undefined) {
    const r = enricher.lookup(record['id.resp_h']);
    if (r !== undefined) {
      if (r.asn !== undefined) record.resp_asn = r.asn;
      if (r.as_org !== undefined) record.resp_as_org = r.as_org;
      if (r.cc !== undefined) record.resp_cc = r.cc;
    }
  }
  return record;
}
