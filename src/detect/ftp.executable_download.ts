/**
 * ftp.executable_download — an internal host fetched a program (a Windows
 * PE, an ELF or a Mach-O file, by its first bytes) or a shell script over
 * plain FTP from a server outside the site (T1105, ingress tool transfer).
 * Windows droppers script the built-in client (`ftp -s:cmds.txt`), IoT
 * loaders use BusyBox `ftpget`, and attackers park their tools on a rented
 * FTP server; software vendors moved their downloads to HTTPS long ago, so
 * a program over FTP from the Internet is rare and worth a look.
 *
 * Judged on `file` events of FTP downloads (RETR: the client received the
 * file, whichever side opened the data channel). The server's name is the
 * one its client resolved the address from (DNS answers), when seen: a
 * download from a name on `allow` or (with `skip_popular`) on the bundled
 * popular domains is quiet unless the file is disguised. Severity 3; 4 when
 * the server was reached by a bare address (no DNS answer gave it) or the
 * file is disguised (its name says image, text, document or archive). One
 * alert per client and server within the dedup interval, listing the files.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { plural } from '../alerts/alert.js';
import { shortText } from '../util/cut-text.js';
import { hostEntryField } from './host-lists.js';
import { NameAllowlist, ResolvedNames, resolvedNamesFeed } from './server-names.js';
import { HARMLESS_EXTENSIONS, extensionOf } from './http.executable_download.js';
import { hostLabel, joinAnd } from './host-text.js';
import { MAX_LISTED_FILES, PROGRAM_AND_SCRIPT_TYPES, describeFetched, fetchedFile, type FetchedFile } from './fetched-files.js';

/** (client, server) tallies kept. */
const MAX_TALLIES = 10000;
/** Longest file name or user copied into evidence (attacker-chosen text). */
const MAX_EVIDENCE_TEXT = 512;

export const OPTIONS = detectorOptions({
  /** File types judged (files.jsonl mime_type values): programs and shell scripts. */
  types: z.array(z.string().min(1)).default([...PROGRAM_AND_SCRIPT_TYPES]),
  /** Domains (and their subdomains) never judged unless the file is disguised. */
  allow: z.array(z.string().min(1)).default([]),
  /** Skip servers whose name is on the bundled popular domains unless the file is disguised. */
  skip_popular: z.boolean().default(true),
  /** Servers never judged (CIDRs, addresses or network names): mirrors the site uses. */
  allowed_servers: z.array(hostEntryField).default([]),
  /** Judge internal FTP servers too (lateral tool transfer; file servers and printers' firmware shares make it common). */
  internal_servers: z.boolean().default(false),
});

interface Tally {
  downloads: number;
  files: FetchedFile[];
  reasons: Set<string>;
}

/** The file name of an FTP download: the one files.jsonl gives, else the RETR argument. */
function fileNameOf(recorded: string | undefined, arg: string | undefined): string | undefined {
  const name = recorded ?? arg;
  return name === undefined || name === '' ? undefined : shortText(name, MAX_EVIDENCE_TEXT);
}

export default defineDetector({
  id: 'ftp.executable_download',
  name: 'Program fetched over FTP',
  description: 'An internal host fetched a program (PE, ELF or Mach-O, by content) or a shell script over plain FTP from a server outside the site: ingress tool transfer.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1105',
  subscribes: ['file', 'dns.answer', 'hostname'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const types = new Set(o.types);
    const allowlist = new NameAllowlist(o.allow, o.skip_popular ? ctx.intel.dga : undefined);
    const allowedServers = ctx.site.hostSet(o.allowed_servers);
    const resolved = ResolvedNames.of(ctx.site);
    const tallies = new LruMap<string, Tally>(MAX_TALLIES);
    return {
      ...resolvedNamesFeed(resolved),
      file(e) {
        const f = e.ftp;
        const r = e.record;
        if (f === undefined || f.upload || r.mime_type === undefined || !types.has(r.mime_type)) return;
        const { client, server } = f;
        if (!ctx.site.isInternal(client)) return;
        if (!o.internal_servers && ctx.site.isInternal(server)) return;
        if (ctx.excluded(client) || ctx.excluded(server) || allowedServers.has(server)) return;

        const name = resolved.get(client, server);
        const fileName = fileNameOf(r.filename, f.arg);
        const ext = extensionOf(fileName);
        const disguised = ext !== undefined && HARMLESS_EXTENSIONS.has(ext);
        if (name !== undefined && !disguised && allowlist.allowed(name)) return;

        const reasons: string[] = [];
        if (name === undefined) reasons.push('from a bare address');
        if (disguised) reasons.push(`disguised (named .${ext!})`);

        const key = `${client}|${name ?? server}`;
        const t = openTally(ctx, tallies, key, () => ({ downloads: 0, files: [], reasons: new Set<string>() }));
        t.downloads++;
        for (const why of reasons) t.reasons.add(why);
        const file = fetchedFile(r, r.mime_type, fileName);
        if (t.files.length < MAX_LISTED_FILES) t.files.push(file);
        const from = name !== undefined ? `${name} (${server})` : hostLabel(ctx.site, server);
        const what = describeFetched(t.files);
        const more = t.downloads > t.files.length ? `; ${plural(t.downloads, 'file')} from this server` : '';
        ctx.report({
          ts: r.ts,
          key,
          severity: t.reasons.size > 0 ? 4 : 3,
          source: { ip: client },
          destination: { ip: server, port: f.server_port },
          transport: 'tcp',
          message:
            `${hostLabel(ctx.site, client)} fetched ${what} over FTP from ${from}` +
            (t.reasons.size > 0 ? `, ${joinAnd([...t.reasons])}` : '') +
            more,
          evidence: {
            server_name: name ?? null,
            user: f.user !== undefined ? shortText(f.user, MAX_EVIDENCE_TEXT) : null,
            ...file,
            reasons: [...t.reasons],
            downloads: t.downloads,
            files: t.files.map((x) => ({ ...x })),
            control_uid: f.control_uid,
            transfer_uid: r.uid,
          },
        });
      },
    };
  },
});
