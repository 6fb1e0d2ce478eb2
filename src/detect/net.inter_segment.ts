/**
 * net.inter_segment — traffic between configured networks that the site's
 * segmentation policy (`segmentation:` in picket.yaml) forbids.
 *
 * Policy rules are read in order and the first that matches a flow decides:
 * `action: alert` raises, `action: allow` exempts (write allow rules for jump
 * hosts above the deny rule). `from`/`to` name a network, `*` (any configured
 * network) or `external` (outside every configured network); `ports` and
 * `proto` narrow a rule. Traffic inside one network is never checked.
 *
 * Attempts count by default (`sessions_only: false`): an attempt across a
 * boundary that should be closed is itself news, whether or not a firewall
 * stopped it. Set `sessions_only: true` on networks where blocked discovery
 * traffic (NetBIOS, SSDP) is routine and only real sessions matter.
 * ICMP errors and IPv6 neighbour discovery answer the other side's packets
 * and are not judged. Link-local addresses are in no network: such traffic
 * never left its link.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { isSession, originatorSent, responderAnswered } from './tcp-attempt.js';
import { CidrSet, GROUP_CIDRS } from '../config/cidr.js';
import { ConnTallies, tallyPorts } from './conn-tally.js';
import type { NetworkConfig } from '../config/site.js';
import { plural } from '../alerts/alert.js';

/** Pairs whose tallies are kept. */
const MAX_PAIRS = 50000;

/**
 * ICMP messages that answer the other side's packets or resolve neighbours,
 * not traffic the source started: errors (v4 destination unreachable,
 * source quench, redirect, time exceeded, parameter problem; v6 types 1-4),
 * and IPv6 multicast listener and neighbour discovery (130-137, 143), the
 * IPv6 ARP. A workstation's port-unreachable answer to a server's late UDP
 * reply is not the workstation reaching into the server network.
 */
function isIcmpReply(rec: { proto: string; 'id.orig_p': number; 'id.orig_h': string }): boolean {
  if (rec.proto !== 'icmp') return false;
  const type = rec['id.orig_p'];
  if (rec['id.orig_h'].includes(':')) return (type >= 1 && type <= 4) || (type >= 130 && type <= 137) || type === 143;
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

export const OPTIONS = detectorOptions({
  /** Only count connections that exchanged payload both ways. */
  sessions_only: z.boolean().default(false),
});

export default defineDetector({
  id: 'net.inter_segment',
  name: 'Segmentation policy violation',
  description: 'A connection between two configured networks that the segmentation policy forbids.',
  severity: 3,
  category: ['network'],
  technique: 'T1021',
  subscribes: ['flow.end'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const rules = ctx.config.segmentation.map((r, index) => ({
      index,
      from: r.from,
      to: r.to,
      ports: r.ports !== undefined && r.ports.length > 0 ? new Set(r.ports) : null,
      proto: r.proto,
      allow: r.action === 'allow',
      text: `${r.from} -> ${r.to}${r.ports !== undefined && r.ports.length > 0 ? ` ports ${r.ports.join(',')}` : ''}`,
      name: r.name,
    }));
    const tallies = new ConnTallies(MAX_PAIRS);
    const groups = CidrSet.of(GROUP_CIDRS);
    const matches = (pattern: string, net: NetworkConfig | undefined): boolean =>
      pattern === '*' ? net !== undefined : pattern === 'external' ? net === undefined : net !== undefined && net.name === pattern;
    return {
      'flow.end'(e) {
        if (rules.length === 0) return;
        const rec = e.record;
        const src = rec['id.orig_h'];
        const dst = rec['id.resp_h'];
        const from = ctx.site.networkOf(src);
        const to = ctx.site.networkOf(dst);
        if (from === to) return;
        // Nothing left the source (a lone reply seen), or it went to a group (mDNS, LLMNR, SSDP, router discovery), not to a host elsewhere.
        if (!originatorSent(rec)) return;
        if (to === undefined && groups.has(dst)) return;
        if (isIcmpReply(rec)) return;
        const port = rec['id.resp_p'];
        let rule = null;
        for (let i = 0; i < rules.length; i++) {
          const r = rules[i]!;
          if (r.proto !== 'any' && r.proto !== rec.proto) continue;
          if (r.ports !== null && !r.ports.has(port)) continue;
          if (!matches(r.from, from) || !matches(r.to, to)) continue;
          rule = r;
          break;
        }
        if (rule === null || rule.allow) return;
        if (ctx.excluded(src) || ctx.excluded(dst)) return;
        const session = isSession(rec);
        if (ctx.options.sessions_only && !session) return;
        const key = `${rule.index}|${src}|${dst}`;
        // ICMP's "ports" are Zeek's: the message type sent is the originator's.
        const t = tallies.note(key, ctx.held(key) === undefined, rec.proto === 'icmp' ? rec['id.orig_p'] : port, session, undefined, rec.proto);
        const tcpOnly = t.byTransport.size === 1 && t.byTransport.has('tcp');
        const verb = tcpOnly ? (t.sessions > 0 ? 'connected to' : 'tried to connect to') : t.sessions > 0 ? 'exchanged traffic with' : 'sent traffic to';
        const fromName = from?.name ?? 'external';
        const toName = to?.name ?? 'external';
        ctx.report({
          ts: rec.ts,
          key,
          source: { ip: src, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
          destination: { ip: dst, port },
          transport: rec.proto,
          network: from?.name,
          message:
            `${src} (${fromName}) ${verb} ${dst} (${toName}) on ${tallyPorts(t)}` +
            (t.connections > 1 ? ` ${plural(t.connections, 'time')}` : '') +
            `, which the segmentation policy forbids`,
          evidence: {
            policy_rule: rule.name ?? rule.text,
            policy_index: rule.index,
            from_network: fromName,
            to_network: toName,
            ports: [...t.ports],
            connections: t.connections,
            sessions: t.sessions,
            failed: t.failed,
          },
        });
      },
    };
  },
});
