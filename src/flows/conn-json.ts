/**
 * The conn.jsonl line of a ConnRecord, written field by field in Zeek's
 * column order by one template instead of through JSON.stringify. Every
 * ended flow makes one line, so with many short flows generic
 * serialisation (which walks the object's properties and scans every
 * string for characters to escape) was one of the largest per-flow costs.
 *
 * The text parses to the same object JSON.stringify would write; key order
 * is Zeek's, so `service` and the enrichment fields sit in their columns
 * even when they were set after the record was built. Strings the tracker
 * builds itself (uid, addresses, proto, conn_state, history, MACs,
 * community_id) are ASCII without quotes, backslashes or control
 * characters and are written as they are; strings that others may set
 * (`service`, the enrichment fields) are escaped by JSON.stringify.
 * Properties outside the ConnRecord interface are not written.
 */
import type { ConnRecord } from './conn-record.js';

/** A number as JSON.stringify writes it (null when not finite). */
function num(n: number): string {
  return Number.isFinite(n) ? '' + n : 'null';
}

/** The record as one line of JSON (without the newline). */
export function connRecordToJson(r: ConnRecord): string {
  let s = `{"ts":${num(r.ts)},"uid":"${r.uid}","id.orig_h":"${r['id.orig_h']}","id.orig_p":${num(r['id.orig_p'])},"id.resp_h":"${r['id.resp_h']}","id.resp_p":${num(r['id.resp_p'])},"proto":"${r.proto}"`;
  if (r.service !== undefined) s += `,"service":${JSON.stringify(r.service)}`;
  if (r.duration !== undefined) s += `,"duration":${num(r.duration)}`;
  if (r.orig_bytes !== undefined) s += `,"orig_bytes":${num(r.orig_bytes)}`;
  if (r.resp_bytes !== undefined) s += `,"resp_bytes":${num(r.resp_bytes)}`;
  s += `,"conn_state":"${r.conn_state}"`;
  if (r.local_orig !== undefined) s += r.local_orig ? ',"local_orig":true' : ',"local_orig":false';
  if (r.local_resp !== undefined) s += r.local_resp ? ',"local_resp":true' : ',"local_resp":false';
  s += `,"missed_bytes":${num(r.missed_bytes)},"history":"${r.history}","orig_pkts":${num(r.orig_pkts)},"orig_ip_bytes":${num(r.orig_ip_bytes)},"resp_pkts":${num(r.resp_pkts)},"resp_ip_bytes":${num(r.resp_ip_bytes)},"ip_proto":${num(r.ip_proto)}`;
  if (r.orig_l2_addr !== undefined) s += `,"orig_l2_addr":"${r.orig_l2_addr}"`;
  if (r.resp_l2_addr !== undefined) s += `,"resp_l2_addr":"${r.resp_l2_addr}"`;
  if (r.vlan !== undefined) s += `,"vlan":${num(r.vlan)}`;
  if (r.inner_vlan !== undefined) s += `,"inner_vlan":${num(r.inner_vlan)}`;
  s += `,"community_id":"${r.community_id}"`;
  // Enrichment (rare): any text, so escaped.
  if (r.orig_asn !== undefined) s += `,"orig_asn":${num(r.orig_asn)}`;
  if (r.orig_as_org !== undefined) s += `,"orig_as_org":${JSON.stringify(r.orig_as_org)}`;
  if (r.orig_cc !== undefined) s += `,"orig_cc":${JSON.stringify(r.orig_cc)}`;
  if (r.resp_asn !== undefined) s += `,"resp_asn":${num(r.resp_asn)}`;
  if (r.resp_as_org !== undefined) s += `,"resp_as_org":${JSON.stringify(r.resp_as_org)}`;
  if (r.resp_cc !== undefined) s += `,"resp_cc":${JSON.stringify(r.resp_cc)}`;
  return s + '}';
}
