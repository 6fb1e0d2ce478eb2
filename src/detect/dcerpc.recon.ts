/**
 * dcerpc.recon — one client enumerating who is logged on where, who is in
 * which group and which shares there are, across many hosts over RPC, or
 * brute-forcing account names from SIDs on one (T1087.002, T1049,
 * T1069.002, T1135). Read from
 * `dce_rpc.call` events, two ways:
 *
 * 1. Sweep: the enumeration operations below against `host_threshold` (10)
 *    distinct servers within `window` (10 min). SharpHound/BloodHound's
 *    session and local-group collection calls NetrSessionEnum,
 *    NetrWkstaUserEnum and SAMR's alias membership on every computer of the
 *    domain, Impacket's netview loops NetrSessionEnum and
 *    NetrWkstaUserEnum over a host list, and PowerView's Find-LocalAdminAccess
 *    and Invoke-UserHunter do the same; share hunters (Snaffler,
 *    SharpShares, PowerView's Invoke-ShareFinder, NetExec --shares) call
 *    NetrShareEnum on every host they reach. Windows itself calls these on a
 *    file or domain controller it uses (the Computer Management console, a
 *    `net session`, a group lookup at logon, Explorer listing the shares of
 *    a server someone opens), that is on one or two servers, never on ten
 *    within minutes. Inventory and vulnerability
 *    scanners with credentials (Lansweeper, Nessus, SCCM) do: exclude them.
 * 2. SID brute force: LsarLookupSids/LsarLookupSids2 asking one server for
 *    `sid_threshold` (500) account SIDs within `window`. Impacket's
 *    lookupsid sends them 1,000 at a time up to RID 4,000 by default,
 *    rpcclient/enum4linux RID cycling one call per SID. The number of SIDs
 *    a call carries is estimated from the request's stub size (about 36
 *    bytes per domain SID: pointer, count, header and five
 *    sub-authorities), at least one per call. LsarLookupSids3, what member
 *    servers use over their secure channel to resolve SIDs at a domain
 *    controller, is not counted.
 *
 * One alert per client (sweep) and per client -> server pair (brute force)
 * per dedup interval, naming the operations, interfaces, pipes and servers.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf } from './burst.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow, SumWindow } from '../state/window.js';
import { formatCount, plural } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import type { DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import { callFinding, callTallies, isOperation, MAX_RPC_PAIRS, pairKey, transportText, type CallTally, type OperationTable } from './dcerpc-common.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel } from './host-text.js';

/** Clients tracked per window by default. */
const MAX_CLIENTS = 20000;
/** Servers counted per client past the threshold (so the message tells how many). */
const MAX_SERVERS_COUNTED = 256;
/** Servers held across all clients. */
const MAX_TOTAL_SERVERS = 200_000;
/** Stub bytes of one SID in a lookup request: array pointer (4), conformant count (4), revision, count and authority (8), five sub-authorities (20). */
const SID_BYTES = 36;
/** Stub bytes of a lookup request around its SIDs (policy handle, counts, pointers, level, options). */
const LOOKUP_OVERHEAD = 40;

/** Who-is-where, who-is-in-what and which-shares calls ([MS-SRVS], [MS-WKST], [MS-SAMR], [MS-LSAT]). */
export const ENUMERATION_OPERATIONS: OperationTable = new Map([
  ['srvsvc', new Set(['NetrSessionEnum', 'NetrShareEnum', 'NetrShareEnumSticky'])],
  ['wkssvc', new Set(['NetrWkstaUserEnum'])],
  [
    'samr',
    new Set(['SamrEnumerateUsersInDomain', 'SamrEnumerateGroupsInDomain', 'SamrEnumerateAliasesInDomain', 'SamrGetMembersInAlias', 'SamrGetMembersInGroup']),
  ],
  ['lsarpc', new Set(['LsarLookupSids', 'LsarLookupSids2'])],
]);

/** The SID lookups counted for brute force. */
const SID_LOOKUPS: OperationTable = new Map([['lsarpc', new Set(['LsarLookupSids', 'LsarLookupSids2'])]]);

export const OPTIONS = detectorOptions({
  /** Distinct servers one client ran enumeration calls against within the window. */
  host_threshold: thresholdField(10),
  /** SIDs (estimated) one client asked one server to resolve within the window. */
  sid_threshold: thresholdField(500),
  window: durationField('10m'),
  /** Clients allowed to enumerate (CIDRs or network names): inventory and vulnerability scanners. */
  allowed_clients: z.array(hostEntryField).default([]),
  /** Clients tracked; the least recently active is dropped beyond it. */
  max_tracked: z.number().int().min(100).default(MAX_CLIENTS),
});

/** SIDs a lookup call asks for, estimated from its stub size (at least one). */
export function estimatedSids(requestBytes: number): number {
  return Math.max(1, Math.floor((requestBytes - LOOKUP_OVERHEAD) / SID_BYTES));
}

export default defineDetector({
  id: 'dcerpc.recon',
  name: 'RPC enumeration of sessions, users, groups and shares',
  description: 'One client enumerated sessions, logged-on users or group members on many hosts over RPC, or resolved a great many SIDs on one (BloodHound, netview, lookupsid).',
  severity: 2,
  category: ['network', 'intrusion_detection'],
  technique: 'T1087.002',
  subscribes: ['dce_rpc.call'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const allowed = ctx.site.hostSet(o.allowed_clients);
    const servers = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.host_threshold, MAX_SERVERS_COUNTED), maxTotalMembers: MAX_TOTAL_SERVERS });
    const sids = new SumWindow({ window: o.window, maxKeys: o.max_tracked });
    ctx.bounded(servers, sids);
    const tally = callTallies(ctx, Math.min(o.max_tracked, MAX_RPC_PAIRS));
    const evidence = (t: CallTally, e: DceRpcCallEvent) => ({
      interface: [...t.endpoints],
      operations: [...t.operations],
      rpc_transport: e.transport,
      named_pipes: [...t.pipes],
      calls: t.calls,
      failed: t.failed,
      window_seconds: o.window,
    });

    return {
      'dce_rpc.call'(e) {
        if (!isOperation(ENUMERATION_OPERATIONS, e)) return;
        if (e.client === e.server || ctx.excluded(e.client) || ctx.excluded(e.server) || allowed.has(e.client)) return;

        // Sweep: distinct servers per client.
        const sweep = tally(e.client);
        sweep.note(e);
        const held = ctx.held(e.client);
        const n = servers.add(e.client, e.server, e.ts);
        if (n >= o.host_threshold) {
          sweep.reported = true;
          const b = burstOf(held, n, servers.oldest(e.client), e.ts);
          const listed = servers.members(e.client, 10);
          ctx.report({
            ...callFinding(e, e.client),
            count: b.count,
            firstSeen: b.first,
            message:
              `${hostLabel(ctx.site, e.client)} enumerated sessions, users, groups or shares on ${formatCount(n)} hosts in ${formatDuration(e.ts - b.first)} ` +
              `(${[...sweep.operations].join(', ')}; last on ${e.server} over ${transportText(e)})`,
            evidence: { ...evidence(sweep, e), servers: listed, servers_count: n },
          });
        }

        // SID brute force: SIDs per client -> server pair.
        if (!isOperation(SID_LOOKUPS, e)) return;
        const key = pairKey(e.client, e.server);
        const brute = tally(key);
        brute.note(e);
        const heldPair = ctx.held(key);
        const total = sids.add(key, estimatedSids(e.request_bytes), e.ts);
        if (total < o.sid_threshold) return;
        brute.reported = true;
        ctx.report({
          ...callFinding(e, key),
          count: heldPair === undefined ? brute.calls : 1,
          message:
            `${hostLabel(ctx.site, e.client)} asked ${hostLabel(ctx.site, e.server)} to resolve about ${formatCount(total)} SIDs in at most ${formatDuration(o.window)} ` +
            `(${plural(brute.calls, 'call')} of ${[...brute.operations].join(', ')} over ${transportText(e)}): SID brute force`,
          evidence: { ...evidence(brute, e), servers: [e.server], sids_estimated: total },
        });
      },
    };
  },
});
