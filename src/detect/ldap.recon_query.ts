/**
 * ldap.recon_query — one LDAP search that only Active Directory
 * reconnaissance makes (ldap-recon.ts): accounts with service principal
 * names (Kerberoasting targets: GetUserSPNs), accounts without Kerberos
 * pre-authentication (AS-REP roasting: GetNPUsers), delegation
 * (findDelegation), accounts that need no password, adminCount, domain
 * trusts, LAPS passwords, AD CS templates (Certify, Certipy). Volume rules
 * miss these: the attack needs a single search. Read from the search
 * requests as they are sent, so a refused or empty search counts (the tool
 * asked); searches inside LDAPS or a sealed SASL bind are not visible.
 *
 * Audit and identity tools (PingCastle, Purple Knight, identity sync)
 * make the same searches: put their hosts in `allowed_clients`. One alert
 * per client within the dedup interval, listing what was looked for.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { cutText } from '../util/cut-text.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';
import { reconMarkersOf } from './ldap-recon.js';

/** Clients whose tallies are kept. */
const MAX_CLIENTS = 10000;
/** Filters and servers listed per alert. */
const MAX_LISTED = 10;
/** Longest filter text kept in evidence. */
const MAX_FILTER_LENGTH = 256;

export const OPTIONS = detectorOptions({
  /** Clients allowed to make these searches (CIDRs, addresses or network names): audit and identity servers. */
  allowed_clients: z.array(hostEntryField).default([]),
});

interface Tally {
  kinds: Set<string>;
  filters: Set<string>;
  servers: Set<string>;
  searches: number;
}

export default defineDetector({
  id: 'ldap.recon_query',
  name: 'Active Directory reconnaissance query',
  description: 'A host searched the directory for what attacks need: Kerberoastable or AS-REP roastable accounts, delegation, trusts, LAPS passwords, certificate templates.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1087.002',
  subscribes: ['ldap.search'],
  options: OPTIONS,
  create(ctx) {
    const allowed = ctx.site.hostSet(ctx.options.allowed_clients);
    const tallies = new LruMap<string, Tally>(MAX_CLIENTS);
    return {
      'ldap.search'(e) {
        const kinds = reconMarkersOf(e.filter, e.attributes).filter((m) => m.targeted);
        if (kinds.length === 0) return;
        if (ctx.excluded(e.client) || ctx.excluded(e.server) || allowed.has(e.client)) return;
        const t = openTally(ctx, tallies, e.client, () => ({ kinds: new Set<string>(), filters: new Set<string>(), servers: new Set<string>(), searches: 0 }));
        t.searches++;
        for (const k of kinds) t.kinds.add(k.what);
        if (t.filters.size < MAX_LISTED) t.filters.add(cutText(e.filter, MAX_FILTER_LENGTH));
        if (t.servers.size < MAX_LISTED) t.servers.add(e.server);
        ctx.report({
          ts: e.ts,
          key: e.client,
          source: { ip: e.client },
          destination: { ip: e.server, port: e.server_port },
          transport: 'tcp',
          message:
            `${hostLabel(ctx.site, e.client)} searched the directory on ${hostLabel(ctx.site, e.server)} for ${joinAnd([...t.kinds])}` +
            (t.searches > 1 ? ` (${t.searches} searches)` : ''),
          evidence: {
            looked_for: [...t.kinds],
            filters: [...t.filters],
            base_object: e.base_object,
            attributes: e.attributes.slice(0, 20),
            servers: [...t.servers],
            searches: t.searches,
          },
        });
      },
    };
  },
});
