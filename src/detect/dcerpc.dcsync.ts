/**
 * dcerpc.dcsync — a host that is not a domain controller asks a domain
 * controller to replicate directory data to it (T1003.006): the directory
 * replication interface's DRSGetNCChanges (drsuapi, [MS-DRSR] 4.1.10),
 * which Mimikatz `lsadump::dcsync` and Impacket's secretsdump call to
 * receive every account's password hashes, krbtgt's included, without
 * touching the DC's disk. Domain controllers make the same call to each
 * other all day; so do Entra ID (Azure AD) Connect servers with password
 * hash sync, and a few identity products: list those in `allowed_clients`.
 *
 * Who is a domain controller: the `domain_controllers` option (CIDRs or
 * network names) and, with `learn` on, hosts the traffic shows acting as
 * one: answering Kerberos as a KDC (`kerberos.kdc` events) or serving the
 * replication interface (an accepted drsuapi bind, an unfaulted drsuapi
 * call). The server of a DRSGetNCChanges serves drsuapi, so only the
 * client is judged: a known DC replicating from another is never reported.
 * The learned set is bounded (least recently confirmed dropped). Learning
 * trusts the wire: a host that answers Kerberos is taken for a DC, which an
 * attacker running a KDC of their own could exploit; configure
 * `domain_controllers` and turn `learn` off where that matters.
 *
 * Without a configured DC and with none learned besides the call's server,
 * the alert says that no DC is known and how to list them. A call that
 * failed (an RPC fault, or an error status such as
 * ERROR_DS_DRA_ACCESS_DENIED when the response was in clear: no
 * replication happened) is reported at severity 3.
 * One alert per client per dedup interval, naming the DCs it pulled from.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { plural } from '../alerts/alert.js';
import { callFinding, callTallies, MAX_RPC_PAIRS, transportText } from './dcerpc-common.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel } from './host-text.js';

/** Domain controllers learned from the traffic, at most (a forest rarely has more than a few hundred). */
export const MAX_LEARNED_DCS = 4096;

const DRSUAPI = 'drsuapi';
const GET_NC_CHANGES = 'DRSGetNCChanges';

export const OPTIONS = detectorOptions({
  /** Domain controllers (CIDRs or network names): replication between them is not reported. */
  domain_controllers: z.array(hostEntryField).default([]),
  /** Also take hosts that answer Kerberos as a KDC or serve drsuapi for domain controllers. */
  learn: z.boolean().default(true),
  /** Other clients allowed to replicate (Entra ID / Azure AD Connect with password hash sync). */
  allowed_clients: z.array(hostEntryField).default([]),
});

export default defineDetector({
  id: 'dcerpc.dcsync',
  name: 'DCSync',
  description: 'A host that is not a known domain controller asked a domain controller for directory replication (DRSGetNCChanges): how DCSync dumps password hashes.',
  severity: 4,
  category: ['network', 'intrusion_detection'],
  technique: 'T1003.006',
  subscribes: ['dce_rpc.call', 'dce_rpc.bind', 'kerberos.kdc'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const configured = ctx.site.hostSet(o.domain_controllers);
    const allowed = ctx.site.hostSet(o.allowed_clients);
    /**
     * Learned DCs -> when last seen acting as one, and whether one answered
     * Kerberos (the rest served drsuapi). A cache: losing one costs a false
     * alarm, never a miss.
     */
    const learned = new LruMap<string, { ts: number; kdc: boolean }>(MAX_LEARNED_DCS);
    const learn = (ip: string, ts: number, kdc: boolean): void => {
      if (!o.learn || !ctx.site.isInternal(ip)) return;
      const was = learned.get(ip);
      const isKdc = kdc || was?.kdc === true;
      learned.set(ip, { ts, kdc: isKdc });
    };
    const isDc = (ip: string): boolean => configured.has(ip) || learned.has(ip);
    const tally = callTallies(ctx, MAX_RPC_PAIRS);

    /** Why the client is not taken for a DC, and what to do if it is one. */
    const why = (client: string, server: string): string => {
      if (configured.size > 0) return `${client} is not one of the configured domain controllers`;
      // The call's server is a DC because it serves drsuapi; it tells nothing of the client unless it also answered Kerberos.
      const others = learned.size - (learned.get(server)?.kdc === false ? 1 : 0);
      if (others <= 0)
        return `no domain controller is known (none configured, none other seen answering Kerberos or serving replication): if ${client} is one, list the domain controllers in detectors.dcerpc.dcsync.domain_controllers`;
      return `${client} was not seen acting as a domain controller and none are configured (detectors.dcerpc.dcsync.domain_controllers)`;
    };

    return {
      'kerberos.kdc'(e) {
        learn(e.kdc, e.ts, true);
      },
      'dce_rpc.bind'(e) {
        if (e.accepted && e.endpoint === DRSUAPI) learn(e.server, e.ts, false);
      },
      'dce_rpc.call'(e) {
        if (e.endpoint !== DRSUAPI) return;
        if (e.fault === undefined) learn(e.server, e.ts, false);
        if (e.operation !== GET_NC_CHANGES) return;
        if (e.client === e.server || ctx.excluded(e.client) || ctx.excluded(e.server)) return;
        if (isDc(e.client) || allowed.has(e.client)) return;
        const t = tally(e.client);
        t.reported = true;
        t.note(e);
        const ran = t.calls - t.failed;
        const what =
          ran > 0
            ? `replicated directory data from domain controller ${hostLabel(ctx.site, e.server)}`
            : `asked domain controller ${hostLabel(ctx.site, e.server)} for directory replication and was refused (${[...t.failures].join(', ')})`;
        const more = t.servers.size > 1 ? ` (${plural(t.servers.size, 'domain controller')}: ${[...t.servers].join(', ')})` : '';
        ctx.report({
          ...callFinding(e, e.client),
          severity: ran > 0 ? 4 : 3,
          message:
            `${hostLabel(ctx.site, e.client)} ${what}${more} with drsuapi ${GET_NC_CHANGES} over ${transportText(e)}, ` +
            `${plural(t.calls, 'call')}${t.failed > 0 ? ` (${t.failed} failed)` : ''}: DCSync; ${why(e.client, e.server)}`,
          evidence: {
            interface: DRSUAPI,
            interface_uuid: e.interface_uuid ?? null,
            operations: [GET_NC_CHANGES],
            rpc_transport: e.transport,
            named_pipes: [...t.pipes],
            servers: [...t.servers],
            calls: t.calls,
            failed: t.failed,
            failures: [...t.failures],
            domain_controllers_configured: configured.size > 0,
            domain_controllers_learned: learned.size,
          },
        });
      },
    };
  },
});
