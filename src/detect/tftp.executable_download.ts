/**
 * tftp.executable_download — a host fetched a program (Windows PE, ELF,
 * Mach-O, by its first bytes) or a shell script over TFTP from a server
 * outside the site: how IoT botnets (Mirai and its kin) and some droppers
 * stage their payload after a telnet or exploit foothold ("tftp -g -r
 * mips 203.0.113.5"), T1105. TFTP has no authentication and no encryption;
 * software vendors do not distribute over it across the Internet, so a
 * match is strong evidence. Inside the site TFTP serves network boot and
 * device firmware, which is why internal servers are judged only with
 * `internal_servers`.
 *
 * Judged on `file` events of TFTP read requests (the client received the
 * file). Severity 4. One alert per client and server within the dedup
 * interval, listing the files with their type, size and SHA-256.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel } from './host-text.js';
import { MAX_LISTED_FILES, PROGRAM_AND_SCRIPT_TYPES, describeFetched, fetchedFile, type FetchedFile } from './fetched-files.js';

/** (client, server) tallies kept. */
const MAX_TALLIES = 10000;

export const OPTIONS = detectorOptions({
  /** File types judged (files.jsonl mime_type values): programs and shell scripts. */
  types: z.array(z.string().min(1)).default([...PROGRAM_AND_SCRIPT_TYPES]),
  /** Judge internal TFTP servers too (network boot and firmware servers hand out programs: list them in allowed_servers). */
  internal_servers: z.boolean().default(false),
  /** Servers never judged (CIDRs, addresses or network names). */
  allowed_servers: z.array(hostEntryField).default([]),
});

export default defineDetector({
  id: 'tftp.executable_download',
  name: 'Program fetched over TFTP',
  description: 'A host fetched a program or a shell script over TFTP from a server outside the site: how IoT botnets and droppers stage their payload.',
  severity: 4,
  category: ['network', 'malware'],
  technique: 'T1105',
  subscribes: ['file'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const types = new Set(o.types);
    const allowed = ctx.site.hostSet(o.allowed_servers);
    const tallies = new LruMap<string, { files: FetchedFile[] }>(MAX_TALLIES);
    return {
      file(e) {
        const t = e.tftp;
        const r = e.record;
        if (t === undefined || t.write || r.mime_type === undefined || !types.has(r.mime_type)) return;
        const { client, server } = t;
        if (ctx.excluded(client) || ctx.excluded(server) || allowed.has(server)) return;
        if (!o.internal_servers && ctx.site.isInternal(server)) return;
        const key = `${client}|${server}`;
        const tally = openTally(ctx, tallies, key, () => ({ files: [] }));
        if (tally.files.length < MAX_LISTED_FILES) tally.files.push(fetchedFile(r, r.mime_type));
        const what = describeFetched(tally.files);
        ctx.report({
          ts: r.ts,
          key,
          source: { ip: client },
          destination: { ip: server, port: 69 },
          transport: 'udp',
          message: `${hostLabel(ctx.site, client)} fetched ${what} over TFTP from ${hostLabel(ctx.site, server)}`,
          evidence: { files: tally.files.map((f) => ({ ...f })), request_uid: t.request_uid, transfer_uid: r.uid },
        });
      },
    };
  },
});
