/**
 * snmp.default_community — an SNMP agent answered a well-known default
 * community ("public", "private", vendor defaults): whoever reaches the
 * device reads its configuration (interfaces, routes, ARP table, processes,
 * accounts) and, with a community that writes, changes it (T1602.001, the
 * MIB dump). ET's "GPL SNMP public access" signatures fire on the request
 * alone; this rule waits for the agent's answer, since a request the device
 * ignores is no finding.
 *
 * Severity 4 when a SetRequest with the default community was accepted
 * (anyone can reconfigure the device), 3 when the asking side is on the
 * Internet, 2 otherwise (a device inside answering "public" to a manager
 * is a weakness to fix, not an intrusion). One alert per agent within the
 * dedup interval, listing the communities and who used them: the fix is on
 * the device.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { hostLabel, joinAnd } from './host-text.js';
import type { Severity } from '../alerts/alert.js';

/** Communities that ship as defaults in agents and devices (net-snmp, Cisco, HP, and common vendor manuals). */
export const DEFAULT_COMMUNITIES: readonly string[] = [
  'public', 'private', 'community', 'cisco', 'admin', 'manager', 'default', 'snmp', 'snmpd', 'secret', 'read', 'write', 'ILMI', 'all private',
];
/** Agents whose running tallies are kept. */
const MAX_AGENTS = 10000;
/** Managers listed per alert. */
const MAX_LISTED = 10;

export const OPTIONS = detectorOptions({
  /** Communities judged default (compared exactly: SNMP communities are case-sensitive). */
  communities: z.array(z.string().min(1)).default([...DEFAULT_COMMUNITIES]),
});

interface Tally {
  communities: Set<string>;
  managers: Set<string>;
  /** Communities a SetRequest was accepted with. */
  writers: Set<string>;
  internet: boolean;
  bindings: number;
  /** The agent's sysDescr, from the latest flow that read it. */
  display: string | null;
}

export default defineDetector({
  id: 'snmp.default_community',
  name: 'SNMP agent answers a default community',
  description: 'An SNMP agent answered a well-known default community (public, private, vendor defaults): anyone who reaches it reads, and may change, its configuration.',
  severity: 2,
  category: ['network', 'configuration'],
  technique: 'T1602.001',
  subscribes: ['snmp'],
  options: OPTIONS,
  create(ctx) {
    const defaults = new Set(ctx.options.communities);
    const tallies = new LruMap<string, Tally>(MAX_AGENTS);
    return {
      snmp(e) {
        const r = e.record;
        const found = (e.accepted ?? []).filter((a) => defaults.has(a.community));
        if (found.length === 0) return;
        const manager = r['id.orig_h'];
        const agent = r['id.resp_h'];
        if (ctx.excluded(manager) || ctx.excluded(agent)) return;
        const key = agent;
        const t = openTally(ctx, tallies, key, () => ({ communities: new Set<string>(), managers: new Set<string>(), writers: new Set<string>(), internet: false, bindings: 0, display: null }));
        for (const a of found) {
          t.communities.add(a.community);
          if (a.writes) t.writers.add(a.community);
        }
        if (t.managers.size < MAX_LISTED) t.managers.add(manager);
        if (!ctx.site.isInternal(manager)) t.internet = true;
        t.bindings += r.get_responses;
        if (r.display_string !== undefined) t.display = r.display_string;
        const writes = t.writers.size > 0;
        const severity: Severity = writes ? 4 : t.internet ? 3 : 2;
        const names = joinAnd([...t.communities].map((c) => `"${c}"`));
        ctx.report({
          ts: r.ts,
          key,
          severity,
          source: { ip: manager, port: r['id.orig_p'] },
          destination: { ip: agent, port: r['id.resp_p'] },
          transport: 'udp',
          message:
            `SNMP agent ${hostLabel(ctx.site, agent)} answered the default ${t.communities.size > 1 ? 'communities' : 'community'} ${names}` +
            `${writes ? `, and accepted a SetRequest with ${joinAnd([...t.writers].map((c) => `"${c}"`))}` : ''} from ${joinAnd([...t.managers].map((m) => hostLabel(ctx.site, m)))}` +
            (t.internet ? ' (the Internet)' : ''),
          evidence: {
            communities: [...t.communities],
            version: found[0]!.version,
            writes,
            managers: [...t.managers],
            internet: t.internet,
            bindings_answered: t.bindings,
            display_string: t.display,
          },
        });
      },
    };
  },
});
