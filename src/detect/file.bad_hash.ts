/**
 * file.bad_hash — a file whose MD5, SHA-1 or SHA-256 is listed as an
 * indicator crossed the network: MISP `md5`/`sha1`/`sha256` attributes (and
 * `filename|...`, `malware-sample`), abuse.ch MalwareBazaar exports, a
 * team's own hash lists. Files come from `file` events (files.jsonl: HTTP
 * bodies, each part of a multipart upload, files written to and read from
 * SMB shares, files on FTP data channels), which carry digests only for
 * files seen whole. For FTP the client and the direction are the control
 * session's (RETR downloads, STOR uploads), whichever side opened the data
 * channel. A file in a mail message (SMTP) is critical whichever way the
 * message goes: somebody is being sent the sample; the alert names the
 * envelope's sender and recipients. A listed
 * file is a known sample, not a guess: critical when a host downloaded it,
 * high when a host sent it (an upload may be a sample on its way to
 * analysis as well as malware spreading; over SMB, a tool copied to a
 * share for remote execution).
 * One alert per (host, file: its SHA-256, else the digest the site
 * computes) within the dedup interval; its evidence
 * names the digests, the file's name and type, where it came from, and the
 * list or MISP event with its tags. Only alerting indicators (every
 * plain-list entry, MISP `to_ids`) fire; quiet without indicator sources.
 */
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { formatBytes } from '../alerts/alert.js';
import { shortText } from '../util/cut-text.js';
import { describeSources, fingerprintHit, matchEvidence, type FingerprintProbe } from '../intel/store/evidence.js';
import { hostLabel } from './host-text.js';
import { serverName } from './server-names.js';
import { SMTP_FILE_SOURCE } from '../protocols/mail/smtp.js';
import type { FileEvent } from '../events/file.js';

export const OPTIONS = detectorOptions({});

/** Longest URI or user-agent quoted in an alert. */
const MAX_TEXT = 200;
/** Recipients listed in the evidence of a mailed file. */
const MAX_RECIPIENTS = 20;

export default defineDetector({
  id: 'file.bad_hash',
  name: 'Listed file transferred',
  description: 'A file whose MD5, SHA-1 or SHA-256 is listed as an indicator was downloaded or uploaded.',
  severity: 4,
  category: ['network', 'file', 'malware'],
  technique: 'T1105',
  subscribes: ['file'],
  options: OPTIONS,
  create(ctx) {
    const idx = ctx.intel.indicators;
    if (idx === undefined) return {};
    // Refilled for each file: a lookup allocates nothing when nothing is listed.
    const sha256: FingerprintProbe = { kind: 'file_sha256', value: undefined, on: true };
    const sha1: FingerprintProbe = { kind: 'file_sha1', value: undefined, on: true };
    const md5: FingerprintProbe = { kind: 'file_md5', value: undefined, on: true };
    const probes: readonly FingerprintProbe[] = [sha256, sha1, md5];
    return {
      file(e) {
        const f = e.record;
        // Files cut short, with gaps or coded have no digests; a site may compute only some.
        const id = f.sha256 ?? f.sha1 ?? f.md5;
        if (id === undefined) return;
        sha256.value = f.sha256;
        sha1.value = f.sha1;
        md5.value = f.md5;
        const hit = fingerprintHit(idx, probes);
        if (hit === null) return;
        // An FTP data channel is opened by the server in active mode: the session says who the client is.
        const ftp = e.ftp;
        const client = ftp?.client ?? f['id.orig_h'];
        const server = ftp?.server ?? f['id.resp_h'];
        if (ctx.excluded(client) || ctx.excluded(server)) return;
        const upload = ftp?.upload ?? f.is_orig;
        // A message sent over SMTP: someone is being sent the sample, whichever way it goes.
        // (A message fetched from or uploaded to a mailbox is a download or an upload.)
        const mail = f.source === SMTP_FILE_SOURCE ? e.smtp : undefined;
        const req = e.http;
        const name = serverName(req?.host);
        const where = name !== undefined ? `${name} (${server})` : hostLabel(ctx.site, server);
        const uri = req?.uri !== undefined ? shortText(req.uri, MAX_TEXT) : null;
        const what = `a file${f.filename !== undefined ? ` "${shortText(f.filename, MAX_TEXT)}"` : ''}${f.mime_type !== undefined ? ` (${f.mime_type}, ${formatBytes(f.seen_bytes)})` : ` (${formatBytes(f.seen_bytes)})`}`;
        const kind = probes[hit.which]!.kind;
        const digestName = kind === 'file_sha256' ? 'SHA-256' : kind === 'file_sha1' ? 'SHA-1' : 'MD5';
        ctx.report({
          ts: f.ts,
          key: `${client}\u0002${id}`,
          severity: upload && mail === undefined ? 3 : 4,
          source: ftp !== undefined ? { ip: client } : { ip: client, port: f['id.orig_p'] },
          destination: { ip: server, port: ftp?.server_port ?? f['id.resp_p'] },
          transport: 'tcp',
          message:
            (mail !== undefined
              ? `${hostLabel(ctx.site, client)} mailed ${what}${mailParties(mail)} through ${where}`
              : `${hostLabel(ctx.site, client)} ${upload ? 'uploaded' : 'downloaded'} ${what} ${upload ? 'to' : 'from'} ${where}`) +
            `${uri !== null ? ` ${uri}` : ''} whose ${digestName} is listed in ${describeSources(hit.all)}` +
            (hit.reason !== null ? ` as "${hit.reason}"` : ''),
          evidence: {
            direction: mail !== undefined ? 'mail' : upload ? 'upload' : 'download',
            fuid: f.fuid,
            source_protocol: f.source,
            file_name: f.filename ?? null,
            mime_type: f.mime_type ?? null,
            bytes: f.seen_bytes,
            md5: f.md5 ?? null,
            sha1: f.sha1 ?? null,
            sha256: f.sha256 ?? null,
            matched: kind.slice('file_'.length),
            host: req?.host ?? null,
            method: req?.method ?? null,
            uri,
            user_agent: req?.user_agent !== undefined ? shortText(req.user_agent, MAX_TEXT) : null,
            ftp_command: ftp?.command ?? null,
            ftp_user: ftp?.user ?? null,
            control_uid: ftp?.control_uid ?? null,
            mail_from: mail?.mailfrom ?? null,
            rcpt_to: mail !== undefined ? mail.rcptto.slice(0, MAX_RECIPIENTS) : null,
            subject: e.smtp?.subject !== undefined ? shortText(e.smtp.subject, MAX_TEXT) : null,
            listing_reason: hit.reason,
            indicator: hit.first.indicator,
            matches: matchEvidence(hit.all),
          },
        });
      },
    };
  },
});

/** " from <sender> to <first recipients>" of a mail message, as far as its envelope says. */
function mailParties(mail: NonNullable<FileEvent['smtp']>): string {
  const from = mail.mailfrom !== undefined && mail.mailfrom !== '' ? ` from ${shortText(mail.mailfrom, MAX_TEXT)}` : '';
  const n = mail.rcptto.length;
  const shown = mail.rcptto.slice(0, 3).map((r) => shortText(r, MAX_TEXT)).join(', ');
  const to = n === 0 ? '' : ` to ${shown}${n > 3 ? ` and ${n - 3} more` : ''}`;
  return from + to;
}
