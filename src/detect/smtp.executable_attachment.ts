/**
 * smtp.executable_attachment — a program (a Windows PE, an ELF or Mach-O
 * binary, by its content) attached to a mail message seen in clear over
 * SMTP. Mail gateways refuse programs as attachments, so one that crosses
 * the network is a phishing lure on its way in (Emotet, AgentTesla and
 * their kin still arrive as invoice.exe or under a document's name) or
 * malware mailing itself on. Critical when its name hides what it is (a
 * document's or picture's extension, or none). The file comes from `file`
 * events (source "SMTP": each MIME part, base64 decoded, typed by its
 * first bytes), with the envelope and subject of its message. A message a
 * mail client fetches in clear over POP3 or IMAP (source "POP3", "IMAP")
 * is judged the same way, for the client that fetched it: the lure
 * reached a mailbox that is read. So is a message a client uploads to a
 * mailbox with IMAP APPEND (source "IMAP", from the client): a copy of
 * mail it sent, a draft, or a program put in a mailbox to be carried off
 * or picked up elsewhere. One alert per (sending, fetching or uploading
 * host, file) within the dedup interval.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { formatBytes } from '../alerts/alert.js';
import { shortText } from '../util/cut-text.js';
import { EXECUTABLE_MIME_TYPES } from '../protocols/file-magic.js';
import { SMTP_FILE_SOURCE } from '../protocols/mail/smtp.js';
import { POP3_FILE_SOURCE } from '../protocols/mail/pop3.js';
import { IMAP_FILE_SOURCE } from '../protocols/mail/imap.js';
import { HARMLESS_EXTENSIONS, extensionOf } from './http.executable_download.js';
import { hostLabel } from './host-text.js';

/** Longest text (names, subjects, addresses) kept in an alert. */
const MAX_TEXT = 200;
/** Recipients listed in the evidence. */
const MAX_RECIPIENTS = 20;

export const OPTIONS = detectorOptions({
  /** File types by content that make an attachment a program. */
  types: z.array(z.string().min(1)).default([...EXECUTABLE_MIME_TYPES]),
});

export default defineDetector({
  id: 'smtp.executable_attachment',
  name: 'Program attached to mail',
  description: 'A mail message seen over SMTP, fetched over POP3 or IMAP, or uploaded to a mailbox over IMAP, carried a program (by its content) as an attachment.',
  severity: 3,
  category: ['network', 'file', 'malware'],
  technique: 'T1566.001',
  subscribes: ['file'],
  options: OPTIONS,
  create(ctx) {
    const types = new Set(ctx.options.types);
    return {
      file(e) {
        const f = e.record;
        const uploaded = f.source === IMAP_FILE_SOURCE && f.is_orig;
        const fetched = !uploaded && (f.source === POP3_FILE_SOURCE || f.source === IMAP_FILE_SOURCE);
        if ((f.source !== SMTP_FILE_SOURCE && !fetched && !uploaded) || f.mime_type === undefined || !types.has(f.mime_type)) return;
        const sender = f['id.orig_h'];
        const server = f['id.resp_h'];
        if (ctx.excluded(sender) || ctx.excluded(server)) return;
        const mail = e.smtp;
        const name = f.filename;
        const ext = extensionOf(name);
        const disguised = name === undefined || ext === undefined || HARMLESS_EXTENSIONS.has(ext);
        const shownName = name !== undefined ? `"${shortText(name, MAX_TEXT)}"` : 'without a name';
        const from = mail?.mailfrom !== undefined && mail.mailfrom !== '' ? ` from ${shortText(mail.mailfrom, MAX_TEXT)}` : '';
        const rcpt = mail?.rcptto ?? [];
        const to = rcpt.length > 0 ? ` to ${rcpt.slice(0, 3).map((r) => shortText(r, MAX_TEXT)).join(', ')}${rcpt.length > 3 ? ` and ${rcpt.length - 3} more` : ''}` : '';
        ctx.report({
          ts: f.ts,
          key: `${sender}\u0002${f.sha256 ?? name ?? f.fuid}`,
          severity: disguised ? 4 : 3,
          source: { ip: sender, port: f['id.orig_p'] },
          destination: { ip: server, port: f['id.resp_p'] },
          transport: 'tcp',
          message:
            (uploaded
              ? `${hostLabel(ctx.site, sender)} uploaded a mail with a program (${f.mime_type}, ${formatBytes(f.seen_bytes)}) attached ${shownName} to a mailbox on ${hostLabel(ctx.site, server)} over ${f.source}`
              : fetched
              ? `${hostLabel(ctx.site, sender)} fetched a mail with a program (${f.mime_type}, ${formatBytes(f.seen_bytes)}) attached ${shownName} from ${hostLabel(ctx.site, server)} over ${f.source}`
              : `${hostLabel(ctx.site, sender)} mailed a program (${f.mime_type}, ${formatBytes(f.seen_bytes)}) attached ${shownName}${from}${to} through ${hostLabel(ctx.site, server)}`) +
            (disguised ? ', under a name that hides it' : '') +
            (mail?.subject !== undefined ? `: "${shortText(mail.subject, MAX_TEXT)}"` : ''),
          evidence: {
            protocol: f.source,
            file_name: name ?? null,
            mime_type: f.mime_type,
            bytes: f.seen_bytes,
            disguised,
            fuid: f.fuid,
            sha256: f.sha256 ?? null,
            md5: f.md5 ?? null,
            mail_from: mail?.mailfrom ?? null,
            rcpt_to: rcpt.slice(0, MAX_RECIPIENTS),
            from: mail?.from !== undefined ? shortText(mail.from, MAX_TEXT) : null,
            subject: mail?.subject !== undefined ? shortText(mail.subject, MAX_TEXT) : null,
          },
        });
      },
    };
  },
});
