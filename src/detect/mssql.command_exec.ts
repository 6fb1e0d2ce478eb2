/**
 * mssql.command_exec — a SQL Server client making the server run programs
 * or reach out, the way intruders and ransomware crews use a database login
 * they guessed or stole (T1505.001, SQL stored procedures):
 * - xp_cmdshell: turning it on (sp_configure 'xp_cmdshell', 1) and running
 *   commands through it;
 * - OLE automation: sp_OACreate of WScript.Shell, Shell.Application or the
 *   file system object, and turning OLE automation procedures on;
 * - CLR: CREATE ASSEMBLY (a .NET program loaded into the server), and
 *   turning CLR on or its strict security off;
 * - SQL Server Agent job steps that run CmdExec or PowerShell;
 * - xp_dirtree, xp_fileexist and xp_subdirs on a UNC path: the server signs
 *   in to that host, handing its account's NTLM challenge-response to a
 *   listener (T1187, forced authentication);
 * - xp_regwrite: writing the server's registry.
 * Read from `mssql.batch` events: SQL batches a signed-in client sent in
 * clear (no session encryption). Severity 4 for running something (a
 * command, an OLE shell, an assembly, an agent job), 3 for turning a
 * feature on, a UNC path or a registry write. One alert per client and
 * server within the dedup interval, later steps joining it. Clients in
 * `allowed_clients` and in networks whose role is `admin` are not judged.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { openTally } from './alert-tally.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';
import { shortText } from '../util/cut-text.js';

/** (client, server) tallies kept. */
const MAX_TALLIES = 10000;
/** Statements listed per alert. */
const MAX_LISTED = 20;
/** Longest statement kept in evidence (attacker-chosen text). */
const MAX_STATEMENT_TEXT = 256;

export const OPTIONS = detectorOptions({
  /** Clients allowed to run these (CIDRs, addresses or network names): database administrators' hosts, deployment jobs. */
  allowed_clients: z.array(hostEntryField).default([]),
});

type Kind = 'xp_cmdshell' | 'enable_xp_cmdshell' | 'ole_shell' | 'enable_ole' | 'clr_assembly' | 'enable_clr' | 'agent_job' | 'unc_path' | 'registry_write';

/** What each kind of step is called in a message, and whether it runs something. */
const KINDS: Readonly<Record<Kind, { text: string; runs: boolean }>> = {
  xp_cmdshell: { text: 'ran commands through xp_cmdshell', runs: true },
  enable_xp_cmdshell: { text: 'turned xp_cmdshell on', runs: false },
  ole_shell: { text: 'created a shell object through OLE automation', runs: true },
  enable_ole: { text: 'turned OLE automation on', runs: false },
  clr_assembly: { text: 'loaded a .NET assembly (CLR)', runs: true },
  enable_clr: { text: 'turned CLR on', runs: false },
  agent_job: { text: 'added an Agent job step running CmdExec or PowerShell', runs: true },
  unc_path: { text: 'made the server open a UNC path (its NTLM sign-in goes to that host)', runs: false },
  registry_write: { text: "wrote the server's registry", runs: false },
};

/** sp_configure '<option>', <value>: the option's name and value, spaces and brackets as clients write them. */
const SP_CONFIGURE = /sp_configure\s+N?'([^']+)'\s*,\s*(\d+)/gi;
const PATTERNS: readonly { kind: Kind; re: RegExp }[] = [
  // The procedure and its argument (EXEC xp_cmdshell 'dir', EXEC master..[xp_cmdshell] @cmd), not the name quoted as a setting.
  { kind: 'xp_cmdshell', re: /\bxp_cmdshell\]?\s+(?:N?'|@)/i },
  { kind: 'ole_shell', re: /sp_oacreate\s+N?'(?:wscript\.shell|shell\.application|scripting\.filesystemobject)/i },
  { kind: 'clr_assembly', re: /\bcreate\s+assembly\b/i },
  { kind: 'agent_job', re: /sp_add_jobstep[\s\S]*@subsystem\s*=\s*N?'(?:cmdexec|powershell)'/i },
  { kind: 'unc_path', re: /\bxp_(?:dirtree|fileexist|subdirs)\s+N?'\\\\/i },
  { kind: 'registry_write', re: /\bxp_regwrite\b/i },
];
/** sp_configure options whose turning on (or, for strict security, off) opens a way to run programs. */
const CONFIG_KINDS: Readonly<Record<string, { kind: Kind; value: string }>> = {
  xp_cmdshell: { kind: 'enable_xp_cmdshell', value: '1' },
  'ole automation procedures': { kind: 'enable_ole', value: '1' },
  'clr enabled': { kind: 'enable_clr', value: '1' },
  'clr strict security': { kind: 'enable_clr', value: '0' },
};

/** The kinds of step a SQL batch holds (empty for ordinary SQL). */
export function stepsOf(sql: string): Kind[] {
  const kinds = new Set<Kind>();
  for (const m of sql.matchAll(SP_CONFIGURE)) {
    const c = CONFIG_KINDS[m[1]!.trim().toLowerCase()];
    if (c !== undefined && m[2] === c.value) kinds.add(c.kind);
  }
  for (const p of PATTERNS) if (p.re.test(sql)) kinds.add(p.kind);
  return [...kinds];
}

interface Tally {
  kinds: Set<Kind>;
  statements: string[];
}

export default defineDetector({
  id: 'mssql.command_exec',
  name: 'SQL Server made to run programs',
  description: 'A SQL Server client turned on or used xp_cmdshell, OLE automation shells, CLR assemblies or Agent jobs that run commands, or made the server open a UNC path: how a database login becomes code execution on the server.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1505.001',
  subscribes: ['mssql.batch'],
  options: OPTIONS,
  create(ctx) {
    const allowed = ctx.site.hostSet(ctx.options.allowed_clients);
    const tallies = new LruMap<string, Tally>(MAX_TALLIES);
    return {
      'mssql.batch'(e) {
        const { client, server } = e;
        if (ctx.excluded(client) || ctx.excluded(server) || allowed.has(client) || ctx.site.networkOf(client)?.role === 'admin') return;
        const kinds = stepsOf(e.text);
        if (kinds.length === 0) return;
        const key = `${client}|${server}`;
        const t = openTally(ctx, tallies, key, () => ({ kinds: new Set<Kind>(), statements: [] }));
        for (const k of kinds) t.kinds.add(k);
        if (t.statements.length < MAX_LISTED) t.statements.push(shortText(e.text, MAX_STATEMENT_TEXT));
        const runs = [...t.kinds].some((k) => KINDS[k].runs);
        ctx.report({
          ts: e.ts,
          key,
          severity: runs ? 4 : 3,
          source: { ip: client, port: e.client_port },
          destination: { ip: server, port: e.server_port },
          transport: 'tcp',
          message:
            `${hostLabel(ctx.site, client)}${e.user !== undefined ? `, signed in as ${shortText(e.user, 64)},` : ''} ` +
            `${joinAnd([...t.kinds].map((k) => KINDS[k].text))} on SQL Server ${hostLabel(ctx.site, server)}`,
          evidence: {
            kinds: [...t.kinds],
            statements: [...t.statements],
            user: e.user ?? null,
            uid: e.uid,
          },
        });
      },
    };
  },
});
