/**
 * http.executable_download — an internal host downloaded a program (a
 * Windows PE, an ELF or a Mach-O file, by its first bytes, whatever its
 * name says) over plain HTTP from a public server: the second stage of
 * most intrusions (T1105, ingress tool transfer). Droppers, loaders and
 * hands-on attackers fetch their tools with certutil, BITS, PowerShell,
 * curl or wget from an address or a fresh domain, often under an
 * image's or a text file's name; software that updates itself over plain
 * HTTP does it from vendors' well-known domains.
 *
 * Judged on http events whose reply (2xx) was typed as one of `types`
 * (resp_mime_types, src/protocols/file-magic.ts). Quiet for downloads from
 * domains on `allow` or (with `skip_popular`) on the bundled popular
 * domains, unless the file is disguised; for servers on `allowed_servers`
 * (software distribution points); and for internal servers unless
 * `internal_servers` is on (then it also sees lateral tool transfer,
 * T1570).
 *
 * Severity 3; 4 when the file came from a bare address (no name in the
 * Host header), is disguised (its name or declared type says image, text,
 * document or archive), or was fetched by a command-line downloader
 * (certutil, BITS, PowerShell, curl, wget, script libraries, or no
 * User-Agent at all). One alert per client and server within the dedup
 * interval, listing the files.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { formatBytes, plural } from '../alerts/alert.js';
import { EXECUTABLE_MIME_TYPES } from '../protocols/file-magic.js';
import { shortText } from '../util/cut-text.js';
import { hostEntryField } from './host-lists.js';
import { NameAllowlist, serverName } from './server-names.js';
import { hostLabel, joinAnd } from './host-text.js';

/** Files listed per alert. */
const MAX_LISTED = 10;
/** (client, server) tallies kept. */
const MAX_TALLIES = 10000;
/** Longest URI or user-agent copied into evidence (attacker-chosen text). */
const MAX_EVIDENCE_TEXT = 512;

/** What each program type is called in a message. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  'application/x-dosexec': 'a Windows program',
  'application/x-executable': 'a Linux (ELF) program',
  'application/x-mach-o-executable': 'a macOS (Mach-O) program',
};

/** File name extensions of what is not a program: a program under such a name is disguised. */
export const HARMLESS_EXTENSIONS: ReadonlySet<string> = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'svg', 'webp', 'tif', 'tiff',
  'txt', 'log', 'csv', 'json', 'xml', 'html', 'htm', 'css', 'js', 'md',
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'rtf', 'odt',
  'mp3', 'mp4', 'avi', 'wav', 'mov', 'mkv',
  'zip', 'gz', 'tgz', 'rar', '7z', 'tar', 'cab',
]);

/** Declared media types of what is not a program. */
const HARMLESS_TYPE = /^(image|text|audio|video|font)\/|^application\/(pdf|json|xml|javascript|zip|x-gzip|gzip|x-tar|vnd\.)/;

/** User-agents of command-line downloaders and script libraries, as malware and attackers fetch tools. */
const FETCHERS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'certutil', pattern: /CertUtil URL Agent|Microsoft-CryptoAPI/i },
  { name: 'BITS', pattern: /Microsoft BITS/i },
  { name: 'PowerShell', pattern: /WindowsPowerShell|PowerShell\//i },
  { name: 'WinHTTP', pattern: /WinHttp/i },
  { name: 'curl', pattern: /^curl\//i },
  // GNU Wget says "Wget/1.21"; BusyBox wget (routers, containers, IoT droppers) says "Wget".
  { name: 'Wget', pattern: /^Wget(\/|$)/i },
  { name: 'a Python script', pattern: /python-requests|Python-urllib|aiohttp|httpx/i },
  { name: 'a Go program', pattern: /^Go-http-client/i },
];

export const OPTIONS = detectorOptions({
  /** Body types that make a download a program (resp_mime_types values). */
  types: z.array(z.string().min(1)).default([...EXECUTABLE_MIME_TYPES]),
  /** Domains (and their subdomains) never judged unless the file is disguised. */
  allow: z.array(z.string().min(1)).default([]),
  /** Skip the bundled popular domains (vendors' update servers are among them) unless the file is disguised. */
  skip_popular: z.boolean().default(true),
  /** Servers never judged (CIDRs, addresses or network names): software distribution points, mirrors. */
  allowed_servers: z.array(hostEntryField).default([]),
  /** Judge downloads from internal servers too (lateral tool transfer); software distribution makes them common. */
  internal_servers: z.boolean().default(false),
});

/** The extension of a URI's path or a file name, lower-case, or undefined. */
export function extensionOf(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const path = name.split(/[?#]/)[0]!;
  const last = path.slice(path.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot > 0 && dot < last.length - 1 ? last.slice(dot + 1).toLowerCase() : undefined;
}

/** The downloader a user-agent names, "no User-Agent" when there is none, or undefined for anything else (browsers). */
export function fetcherOf(ua: string | undefined): string | undefined {
  if (ua === undefined || ua.trim() === '') return 'no User-Agent';
  for (const f of FETCHERS) if (f.pattern.test(ua)) return f.name;
  return undefined;
}

interface Download {
  uri: string | null;
  file_name: string | null;
  mime_type: string;
  content_type: string | null;
  bytes: number;
  user_agent: string | null;
}

interface Tally {
  downloads: number;
  files: Download[];
  reasons: Set<string>;
}

export default defineDetector({
  id: 'http.executable_download',
  name: 'Program downloaded over HTTP',
  description: 'An internal host downloaded a program (PE, ELF or Mach-O, by content) over plain HTTP from a public server outside the popular and allowed domains: ingress tool transfer.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1105',
  subscribes: ['http'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const types = new Set(o.types);
    const allowlist = new NameAllowlist(o.allow, o.skip_popular ? ctx.intel.dga : undefined);
    const allowedServers = ctx.site.hostSet(o.allowed_servers);
    const tallies = new LruMap<string, Tally>(MAX_TALLIES);
    return {
      http(e) {
        const r = e.record;
        const mime = r.resp_mime_types?.find((t) => types.has(t));
        const status = r.status_code ?? 0;
        if (mime === undefined || status < 200 || status > 299) return;
        const client = r['id.orig_h'];
        const server = r['id.resp_h'];
        if (!ctx.site.isInternal(client)) return;
        if (!o.internal_servers && ctx.site.isInternal(server)) return;
        if (ctx.excluded(client) || ctx.excluded(server) || allowedServers.has(server)) return;

        const name = serverName(r.host);
        const fileName = r.resp_filenames?.[0];
        const ext = extensionOf(fileName) ?? extensionOf(r.uri);
        const declared = e.resp_content_type;
        const disguises: string[] = [];
        if (ext !== undefined && HARMLESS_EXTENSIONS.has(ext)) disguises.push(`named .${ext}`);
        if (declared !== undefined && HARMLESS_TYPE.test(declared)) disguises.push(`served as ${declared}`);
        if (name !== undefined && disguises.length === 0 && allowlist.allowed(name)) return;

        const reasons: string[] = [];
        if (name === undefined) reasons.push('from a bare address');
        if (disguises.length > 0) reasons.push(`disguised (${disguises.join(', ')})`);
        const fetcher = fetcherOf(r.user_agent);
        if (fetcher !== undefined) reasons.push(fetcher === 'no User-Agent' ? 'fetched without a User-Agent' : `fetched by ${fetcher}`);

        const key = `${client}|${name ?? server}`;
        const t = openTally(ctx, tallies, key, () => ({ downloads: 0, files: [], reasons: new Set<string>() }));
        t.downloads++;
        for (const why of reasons) t.reasons.add(why);
        const uri = r.uri !== undefined ? shortText(r.uri, MAX_EVIDENCE_TEXT) : null;
        const file: Download = {
          uri,
          file_name: fileName ?? null,
          mime_type: mime,
          content_type: declared ?? null,
          bytes: r.response_body_len,
          user_agent: r.user_agent !== undefined ? shortText(r.user_agent, MAX_EVIDENCE_TEXT) : null,
        };
        if (t.files.length < MAX_LISTED) t.files.push(file);
        const from = name !== undefined ? `${name} (${server})` : hostLabel(ctx.site, server);
        const what = TYPE_NAMES[mime] ?? `a file of type ${mime}`;
        ctx.report({
          ts: r.ts,
          key,
          severity: t.reasons.size > 0 ? 4 : 3,
          source: { ip: client, port: r['id.orig_p'] },
          destination: { ip: server, port: r['id.resp_p'] },
          transport: 'tcp',
          message:
            `${hostLabel(ctx.site, client)} downloaded ${what} over plain HTTP from ${from}: ${uri ?? '(no URI)'} (${formatBytes(r.response_body_len)})` +
            (reasons.length > 0 ? `, ${joinAnd(reasons)}` : '') +
            (t.downloads > 1 ? `; ${plural(t.downloads, 'program')} from this server` : ''),
          evidence: {
            host: r.host ?? null,
            ...file,
            fetched_by: fetcher ?? null,
            reasons: [...t.reasons],
            downloads: t.downloads,
            files: t.files.map((f) => ({ ...f })),
          },
        });
      },
    };
  },
});
