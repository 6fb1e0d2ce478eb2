/**
 * smb.named_pipe — a client asks a server's IPC$ for a named pipe that an
 * attack or remote-execution tool makes: the pipe is the tool's channel,
 * so its name gives the tool away even when everything inside is
 * encrypted. Two kinds (KNOWN_PIPES):
 *
 * - command and control (severity 4, T1572/T1021.002): the default pipe
 *   names of Cobalt Strike (SMB beacon `msagent_##`, artifact kit
 *   `MSSE-####-server`, post-exploitation jobs `postex_####` and
 *   `postex_ssh_####`, `status_##`), the suffixed names of its widely
 *   copied malleable profiles, and Covenant's `gruntsvc`: a beacon talking
 *   to its peer across the network;
 * - remote execution (severity 3, T1569.002): Sysinternals PsExec
 *   (`PSEXESVC` and its per-session stdin/stdout/stderr pipes), PAExec,
 *   RemCom and Impacket's psexec.py built on it, CSExec and winexe. Admins
 *   run PsExec too: `exclude` their hosts or list the tool in
 *   `ignore_tools`.
 *
 * Judged on `smb.pipe` events (a create on a pipe share and the server's
 * answer). A refused request counts too, at the same severity: no ordinary
 * program asks a remote host for these names, and a beacon linking to a
 * host where the pipe is gone is still a beacon. More names (globs) come
 * from `pipes`. One alert per client, server and tool per dedup interval.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, globToRegExp } from '../config/fields.js';
import { hostLabel } from './host-text.js';
import { cutText } from '../util/cut-text.js';

interface KnownPipe {
  /** Matched against the whole pipe name, case-insensitively. */
  pattern: RegExp;
  tool: string;
  kind: 'c2' | 'remote_exec';
}

const HEX = '[0-9a-f]';

/** Pipe names of attack and remote-execution tools. */
export const KNOWN_PIPES: readonly KnownPipe[] = [
  { pattern: new RegExp(`^msagent_${HEX}{2,4}$`, 'i'), tool: 'Cobalt Strike (SMB beacon)', kind: 'c2' },
  { pattern: /^MSSE-[0-9]{1,5}-server$/i, tool: 'Cobalt Strike (artifact kit)', kind: 'c2' },
  { pattern: new RegExp(`^postex_(?:ssh_)?${HEX}{4}$`, 'i'), tool: 'Cobalt Strike (post-exploitation job)', kind: 'c2' },
  { pattern: new RegExp(`^status_${HEX}{2}$`, 'i'), tool: 'Cobalt Strike', kind: 'c2' },
  { pattern: /^mojo\.5688\.8052\.[0-9]+$/i, tool: 'Cobalt Strike (malleable profile)', kind: 'c2' },
  { pattern: new RegExp(`^(?:ntsvcs|scerpc|wkssvc|DserNamePipe|SearchTextHarvester|fullduplex|msrpc|win_svc)_${HEX}{2,4}$`, 'i'), tool: 'Cobalt Strike (malleable profile)', kind: 'c2' },
  { pattern: /^gruntsvc$/i, tool: 'Covenant', kind: 'c2' },
  { pattern: /^PSEXESVC(?:-.+-(?:stdin|stdout|stderr))?$/i, tool: 'PsExec', kind: 'remote_exec' },
  { pattern: /^PAExec-/i, tool: 'PAExec', kind: 'remote_exec' },
  { pattern: /^RemCom_(?:communicaton|std(?:in|out|err).*)$/i, tool: 'RemCom / Impacket psexec', kind: 'remote_exec' },
  { pattern: /^csexecsvc$/i, tool: 'CSExec', kind: 'remote_exec' },
  { pattern: /^ahexec$/i, tool: 'winexe', kind: 'remote_exec' },
];

/** Longest pipe name copied into a message (client-chosen text). */
const MAX_NAME_TEXT = 256;

export const OPTIONS = detectorOptions({
  /** More pipe names (globs, "beacon_*"), reported as command and control. */
  pipes: z.array(z.string().min(1)).default([]),
  /** Tools never reported, by the name alerts give them ("PsExec"). */
  ignore_tools: z.array(z.string().min(1)).default([]),
});

export default defineDetector({
  id: 'smb.named_pipe',
  name: 'Attack tool named pipe',
  description: 'A client asked a server for a named pipe that Cobalt Strike, PsExec or another attack or remote-execution tool uses.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1021.002',
  subscribes: ['smb.pipe'],
  options: OPTIONS,
  create(ctx) {
    const extra: KnownPipe[] = ctx.options.pipes.map((g) => ({ pattern: globToRegExp(g), tool: `listed pipe ${g}`, kind: 'c2' }));
    const ignored = new Set(ctx.options.ignore_tools.map((t) => t.toLowerCase()));
    const known = [...KNOWN_PIPES, ...extra].filter((k) => !ignored.has(k.tool.toLowerCase()));
    return {
      'smb.pipe'(e) {
        const hit = known.find((k) => k.pattern.test(e.name));
        if (hit === undefined || ctx.excluded(e.client) || ctx.excluded(e.server)) return;
        const name = cutText(e.name, MAX_NAME_TEXT);
        const c2 = hit.kind === 'c2';
        ctx.report({
          ts: e.ts,
          key: `${e.client}|${e.server}|${hit.tool}`,
          severity: c2 ? 4 : 3,
          source: { ip: e.client },
          destination: { ip: e.server, port: e.server_port },
          transport: 'tcp',
          message:
            `${hostLabel(ctx.site, e.client)} ${e.opened ? 'opened' : 'asked for'} the named pipe \\${name} on ${hostLabel(ctx.site, e.server)}` +
            `${e.opened ? '' : ` (refused: ${e.status})`}: ${hit.tool}, ${c2 ? 'a command-and-control channel' : 'remote execution'}`,
          evidence: { pipe: name, tool: hit.tool, kind: hit.kind, opened: e.opened, status: e.status, smb_version: e.smb_version, uid: e.uid },
        });
      },
    };
  },
});
