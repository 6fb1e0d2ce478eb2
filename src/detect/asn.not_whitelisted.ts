/**
 * asn.not_whitelisted — a host in a group with an ASN allowlist
 * (`asn_allowlists`: servers that should only reach their OS mirrors, a
 * payment system that talks to one bank) connected to a public address whose
 * autonomous system, organisation and country are all off the group's list:
 * exfiltration, a C2 channel or a rogue tool on a box whose destinations are
 * known in advance. Hosts no list covers are not judged.
 *
 * What counts: connections the group host opened (it is the originator)
 * that the other end answered — TCP with a SYN-ACK or payload back, UDP with
 * a reply. Refused and unanswered attempts are left out by default (a
 * blocked egress attempt is firewall noise more than contact with a foreign
 * network; set `count_attempts` to judge them too). Traffic others start
 * towards the group (scans of us) never counts, since the group host is not
 * the originator. ICMP is ignored by default.
 *
 * Public addresses with no AS data at all (unrouted space, lab ranges) are
 * outside any list and alert as "unknown AS" unless `unknown_asn: ignore`.
 * One alert per host and AS within the dedup interval; evidence tallies
 * connections, bytes and destinations.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { originatorSent, responderAnswered } from './tcp-attempt.js';
import { plural } from '../alerts/alert.js';
import type { ConnRecord } from '../flows/conn-record.js';
import type { IpOwner } from '../intel/context.js';
import { AsnAllowlists } from '../intel/ipdb/allowlist.js';

/** Destinations listed per alert. */
const MAX_LISTED = 20;
/** Host/AS tallies kept between reports. */
const MAX_TALLIES = 20000;

export const OPTIONS = detectorOptions({
  /** Protocols judged: TCP and UDP (ICMP reachability checks rarely matter here). */
  protocols: z.array(z.enum(['tcp', 'udp', 'icmp'])).default(['tcp', 'udp']),
  /** Also judge connections the other end never answered (S0, REJ...). */
  count_attempts: z.boolean().default(false),
  /** Public addresses with no AS data: "alert" (they are on no list) or "ignore". */
  unknown_asn: z.enum(['alert', 'ignore']).default('alert'),
});

/**
 * True when a flow counts as contact with its responder: it was answered
 * (TCP SYN-ACK or payload back, any reply for UDP/ICMP), or `attempts` is set.
 * Shared with `picket learn asn`, so a proposed allowlist covers exactly what the rule judges.
 */
export function countsAsContact(rec: ConnRecord, attempts: boolean): boolean {
  return originatorSent(rec) && (attempts || responderAnswered(rec));
}

/** The responder's owner: from the record when enrichment already ran, else looked up. */
export function responderOwner(rec: ConnRecord, lookup: ((ip: string) => IpOwner | undefined) | undefined): IpOwner | undefined {
  if (rec.resp_asn !== undefined || rec.resp_cc !== undefined) {
    const o: IpOwner = {};
    if (rec.resp_asn !== undefined) o.asn = rec.resp_asn;
    if (rec.resp_as_org !== undefined) o.as_org = rec.resp_as_org;
    if (rec.resp_cc !== undefined) o.cc = rec.resp_cc;
    return o;
  }
  return lookup?.(rec['id.resp_h']);
}

interface Tally {
  dests: Set<string>;
  connections: number;
  bytes: number;
}

export default defineDetector({
  id: 'asn.not_whitelisted',
  name: 'Connection outside the ASN allowlist',
  description: 'A host covered by an ASN allowlist connected to a public address whose AS, organisation and country are not on its list.',
  severity: 2,
  category: ['network'],
  technique: 'T1071',
  subscribes: ['flow.end'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const allowlists = new AsnAllowlists(ctx.config.asn_allowlists, ctx.site);
    const protocols = new Set<string>(o.protocols);
    const tallies = new LruMap<string, Tally>(MAX_TALLIES);
    const enrich = ctx.intel.enrich;
    const lookup = enrich === undefined ? undefined : (ip: string) => enrich.lookup(ip);
    return {
      'flow.end'(e) {
        if (allowlists.lists.length === 0) return;
        const rec = e.record;
        if (!protocols.has(rec.proto)) return;
        const src = rec['id.orig_h'];
        const dst = rec['id.resp_h'];
        if (ctx.site.isInternal(dst)) return;
        const owner = responderOwner(rec, lookup);
        // Without enrichment (and nothing on the record) every address would be "unknown": stay quiet.
        if (owner === undefined && lookup === undefined) return;
        if (owner?.asn === undefined && owner?.as_org === undefined && o.unknown_asn === 'ignore') return;
        const verdict = allowlists.judge(src, owner);
        if (verdict.allowed) return;
        if (!countsAsContact(rec, o.count_attempts)) return;
        if (ctx.excluded(src) || ctx.excluded(dst)) return;
        const asn = owner?.asn;
        const key = `${src}|${asn === undefined ? 'unknown' : asn}`;
        const t = openTally(ctx, tallies, key, () => ({ dests: new Set<string>(), connections: 0, bytes: 0 }));
        if (t.dests.size < MAX_LISTED) t.dests.add(dst);
        t.connections++;
        t.bytes += (rec.orig_bytes ?? 0) + (rec.resp_bytes ?? 0);
        const group = verdict.lists.map((l) => l.label).join('; ');
        const asText =
          asn === undefined ? (owner?.as_org !== undefined ? `AS of ${owner.as_org}` : 'an unknown AS') : `AS${asn}${owner?.as_org !== undefined ? ` ${owner.as_org}` : ''}`;
        const cc = owner?.cc;
        ctx.report({
          ts: rec.ts,
          key,
          source: { ip: src, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
          destination: { ip: dst, port: rec['id.resp_p'] },
          transport: rec.proto,
          message:
            `${src} (allowlist ${group}) connected to ${dst} in ${asText}${cc !== undefined ? ` (${cc})` : ''}, which its ASN allowlist does not include` +
            (t.connections > 1 ? ` (${plural(t.connections, 'connection')} to ${plural(t.dests.size, 'address', 'addresses')})` : ''),
          evidence: {
            asn: asn ?? null,
            as_org: owner?.as_org ?? null,
            country: cc ?? null,
            destination: dst,
            destinations: [...t.dests],
            connections: t.connections,
            bytes: t.bytes,
            allowlist: group,
            conn_state: rec.conn_state,
            service: rec.service ?? null,
          },
        });
      },
    };
  },
});
