/**
 * smb.admin_share — administrative shares used from where administration
 * does not come from (T1021.002): ADMIN$ (the Windows folder) and the drive
 * shares C$, D$, ... Every remote execution tool of an intrusion goes
 * through them: PsExec and Impacket's psexec copy their service program to
 * ADMIN$, smbexec and wmiexec read their output from C$, CrackMapExec
 * checks a password's reach by connecting to ADMIN$ on every host.
 *
 * Read from `smb.tree_connect` (the share, and whether the server allowed
 * it) and `smb.file` (what was written there). Clients in a network whose
 * role is `admin`, and `allowed_clients`, are not judged. Reported:
 * - a program written to an administrative share (.exe, .dll, .sys, .bat,
 *   .cmd, .ps1, .vbs, .js, .hta, .scr, .msi, or any name when the bytes
 *   written at its start are a Windows or ELF program): severity 4, tool
 *   transfer;
 * - one client connecting to administrative shares of `sweep_hosts` hosts
 *   or more within `window`, allowed or not: severity 3 (a credential
 *   checked across the network);
 * - a connection the server allowed: severity 2 (a remote administrator
 *   at work, or an intruder: the evidence says which share and the files).
 * One alert per client per dedup interval; later shares, hosts and files
 * join it (its severity rises with them).
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { formatDuration } from '../config/duration.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';
import type { Severity } from '../alerts/alert.js';
import { EXECUTABLE_MIME_TYPES } from '../protocols/file-magic.js';

/** ADMIN$ and the drive shares (C$, D$, ...), by their last path element. */
const ADMIN_SHARE = /^(admin|[a-z])\$$/i;
/** Names of programs and scripts a tool copies over to run. */
const PROGRAM = /\.(exe|dll|sys|bat|cmd|ps1|vbs|js|hta|scr|msi)$/i;
/** Hosts, shares and files listed per alert. */
const MAX_LISTED = 20;
/** Clients whose running tallies are kept. */
const MAX_CLIENTS = 10000;
/** The status of a tree connect the server allowed (any other is a refusal). */
const ALLOWED_STATUS = new Set(['STATUS_SUCCESS']);

export const OPTIONS = detectorOptions({
  /** Distinct hosts whose administrative shares one client connects to within `window` (allowed or refused). */
  sweep_hosts: thresholdField(5),
  window: durationField('10m'),
  /** Clients allowed to use administrative shares (CIDRs or network names): deployment and management servers. */
  allowed_clients: z.array(hostEntryField).default([]),
});

/** The share name of a UNC path ("\\\\HOST\\ADMIN$" -> "ADMIN$"), or undefined when it is not an administrative share. */
export function adminShareOf(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const share = path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  return ADMIN_SHARE.test(share) ? share.toUpperCase() : undefined;
}

interface Tally {
  hosts: Set<string>;
  shares: Set<string>;
  refused: number;
  allowed: number;
  programs: Set<string>;
  severity: Severity;
  last: number;
}

export default defineDetector({
  id: 'smb.admin_share',
  name: 'Administrative share use',
  description: 'A host outside the admin networks connected to administrative SMB shares (ADMIN$, C$), wrote a program to one, or tried them across many hosts: remote execution and lateral tool transfer.',
  severity: 2,
  category: ['network', 'intrusion_detection'],
  technique: 'T1021.002',
  subscribes: ['smb.tree_connect', 'smb.file'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const allowedClients = ctx.site.hostSet(o.allowed_clients);
    const hosts = new DistinctWindow<string>({ window: o.window, maxKeys: MAX_CLIENTS, maxMembers: Math.max(o.sweep_hosts, 256) });
    const tallies = new LruMap<string, Tally>(MAX_CLIENTS);
    ctx.bounded(hosts);

    const judged = (client: string): boolean =>
      !ctx.excluded(client) && !allowedClients.has(client) && ctx.site.networkOf(client)?.role !== 'admin';

    /** The client's running tally at `ts`: a fresh one when no alert is open for it and it was quiet for `window`. */
    const tallyOf = (client: string, ts: number): Tally => {
      let t = tallies.get(client);
      if (t === undefined || (ctx.held(client) === undefined && ts - t.last > o.window)) {
        t = { hosts: new Set(), shares: new Set(), refused: 0, allowed: 0, programs: new Set(), severity: 2, last: ts };
        tallies.set(client, t);
      }
      t.last = ts;
      return t;
    };

    const report = (ts: number, client: string, server: string, port: number, t: Tally, sweep: number): void => {
      const shares = [...t.shares];
      const connected = `connected to ${joinAnd(shares)} on ${joinAnd([...t.hosts].map((h) => hostLabel(ctx.site, h)))}`;
      const refused = t.refused > 0 ? ` (${t.refused === t.allowed + t.refused ? 'refused' : `${t.refused} refused`})` : '';
      const written = t.programs.size > 0 ? `, and wrote ${joinAnd([...t.programs].map((p) => `"${p}"`))} there` : '';
      const what =
        t.programs.size > 0
          ? 'a program copied to an administrative share to run it (PsExec, Impacket, a worm)'
          : sweep >= o.sweep_hosts
            ? `administrative shares tried on ${sweep} hosts in ${formatDuration(o.window)} (a credential checked across the network: CrackMapExec, a worm)`
            : 'administrative share access from outside the admin networks';
      ctx.report({
        ts,
        key: client,
        severity: t.severity,
        source: { ip: client },
        destination: { ip: server, port },
        transport: 'tcp',
        message: `${hostLabel(ctx.site, client)} ${connected}${refused}${written}: ${what}`,
        evidence: {
          shares,
          hosts: [...t.hosts],
          allowed: t.allowed,
          refused: t.refused,
          programs: [...t.programs],
          hosts_in_window: sweep,
        },
      });
    };

    return {
      'smb.tree_connect'(e) {
        const share = adminShareOf(e.path);
        if (share === undefined || !judged(e.client) || ctx.excluded(e.server)) return;
        const t = tallyOf(e.client, e.ts);
        const ok = e.status === undefined || ALLOWED_STATUS.has(e.status);
        if (ok) t.allowed++;
        else t.refused++;
        if (t.hosts.size < MAX_LISTED) t.hosts.add(e.server);
        if (t.shares.size < MAX_LISTED) t.shares.add(share);
        const sweep = hosts.add(e.client, e.server, e.ts);
        if (sweep >= o.sweep_hosts && t.severity < 3) t.severity = 3;
        if (!ok && sweep < o.sweep_hosts && ctx.held(e.client) === undefined) return;
        report(e.ts, e.client, e.server, e.server_port, t, sweep);
      },
      'smb.file'(e) {
        const byContent = e.mime_type !== undefined && EXECUTABLE_MIME_TYPES.has(e.mime_type);
        if (e.action !== 'write' || e.directory || !(PROGRAM.test(e.name) || byContent)) return;
        const share = adminShareOf(e.path);
        if (share === undefined || !judged(e.client) || ctx.excluded(e.server)) return;
        const t = tallyOf(e.client, e.ts);
        if (t.programs.size < MAX_LISTED) t.programs.add(`\\\\${e.server}\\${share}\\${e.name}`);
        if (t.hosts.size < MAX_LISTED) t.hosts.add(e.server);
        if (t.shares.size < MAX_LISTED) t.shares.add(share);
        t.severity = 4;
        report(e.ts, e.client, e.server, e.server_port, t, hosts.count(e.client, e.ts));
      },
    };
  },
});
