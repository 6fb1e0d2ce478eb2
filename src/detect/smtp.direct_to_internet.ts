/**
 * smtp.direct_to_internet — an internal host that is not one of the site's
 * mail servers spoke SMTP (TCP 25) with a public address. Mail clients hand
 * their mail to their own provider on the submission ports (587, 465);
 * relaying straight to the Internet's mail exchangers on 25 is what mail
 * servers do, and what spam bots and info-stealers that mail their loot
 * out (Agent Tesla, Snake Keylogger) do. List the site's mail servers and
 * relays in `allowed_senders`.
 *
 * Every attempt counts, answered or not (a blocked attempt still shows the
 * host tried); the evidence separates sessions from failed attempts and,
 * when the session was in clear, gives what smtp.log saw of it: senders,
 * recipients and subjects.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions, portField } from '../config/fields.js';
import { hostEntryField } from './host-lists.js';
import { LruMap } from '../state/lru.js';
import { plural } from '../alerts/alert.js';
import { countOutbound, freshOutbound, outboundSummary, type OutboundTally } from './outbound-tally.js';
import { shortText } from '../util/cut-text.js';
import { decodeEncodedWords } from '../protocols/mime/params.js';

/** Senders and subjects listed per alert. */
const MAX_LISTED = 20;
/** Sources whose running tallies are kept. */
const MAX_SOURCES = 10000;
/** Connections whose smtp.log lines wait for the connection's end. */
const MAX_PENDING_CONNECTIONS = 10000;
/** Longest subject kept. */
const MAX_SUBJECT = 200;

export const OPTIONS = detectorOptions({
  /** TCP ports of mail relaying between servers (submission ports 587 and 465 are a client's normal way out). */
  ports: z.array(portField).default([25]),
  /** The site's mail servers and relays (CIDRs, addresses or network names): they send to the Internet by design. */
  allowed_senders: z.array(hostEntryField).default([]),
});

/** What smtp.log said of one connection's mail. */
interface MailSeen {
  senders: string[];
  recipients: number;
  subjects: string[];
  messages: number;
}

interface Tally extends OutboundTally {
  senders: Set<string>;
  subjects: Set<string>;
  recipients: number;
  messages: number;
}

export default defineDetector({
  id: 'smtp.direct_to_internet',
  name: 'Mail sent straight to the Internet',
  description: 'An internal host that is not a listed mail server opened or attempted SMTP on TCP 25 with a public address.',
  severity: 3,
  category: ['network'],
  technique: 'T1071.003',
  subscribes: ['flow.end', 'smtp'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const ports = new Set(ctx.options.ports);
    const allowed = ctx.site.hostSet(ctx.options.allowed_senders);
    const tallies = new LruMap<string, Tally>(MAX_SOURCES);
    const mail = new LruMap<string, MailSeen>(MAX_PENDING_CONNECTIONS);
    const watched = (src: string, dst: string, port: number): boolean =>
      ports.has(port) && ctx.site.isInternal(src) && !ctx.site.isInternal(dst) && !allowed.has(src) && !ctx.excluded(src) && !ctx.excluded(dst);
    return {
      smtp(e) {
        const r = e.record;
        if (!watched(r['id.orig_h'], r['id.resp_h'], r['id.resp_p'])) return;
        let m = mail.get(e.uid);
        if (m === undefined) {
          m = { senders: [], recipients: 0, subjects: [], messages: 0 };
          mail.set(e.uid, m);
        }
        if (r.mailfrom !== undefined && m.senders.length < MAX_LISTED && !m.senders.includes(r.mailfrom)) m.senders.push(r.mailfrom);
        m.recipients += r.rcptto?.length ?? 0;
        if (r.subject !== undefined && m.subjects.length < MAX_LISTED) m.subjects.push(shortText(decodeEncodedWords(r.subject), MAX_SUBJECT));
        if (r.fuids !== undefined || r.subject !== undefined || r.from !== undefined) m.messages++;
      },
      'flow.end'(e) {
        const rec = e.record;
        if (rec.proto !== 'tcp') return;
        const src = rec['id.orig_h'];
        const dst = rec['id.resp_h'];
        if (!watched(src, dst, rec['id.resp_p'])) return;
        const key = src;
        const t = openTally(ctx, tallies, key, () => ({
          ...freshOutbound(),
          senders: new Set<string>(),
          subjects: new Set<string>(),
          recipients: 0,
          messages: 0,
        }));
        const established = countOutbound(t, rec);
        const seen = mail.get(rec.uid);
        if (seen !== undefined) {
          mail.delete(rec.uid);
          for (const s of seen.senders) if (t.senders.size < MAX_LISTED) t.senders.add(s);
          for (const s of seen.subjects) if (t.subjects.size < MAX_LISTED) t.subjects.add(s);
          t.recipients += seen.recipients;
          t.messages += seen.messages;
        }
        ctx.report({
          ts: rec.ts,
          key,
          source: { ip: src, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
          destination: { ip: dst, port: rec['id.resp_p'] },
          transport: 'tcp',
          message:
            `${src} ${established ? 'spoke SMTP' : 'attempted SMTP'} with public address ${dst} on TCP ${rec['id.resp_p']}` +
            (t.messages > 0 ? `, sending ${plural(t.messages, 'message')} to ${plural(t.recipients, 'recipient')}` : '') +
            outboundSummary(t),
          evidence: {
            established: t.established,
            failed: t.failed,
            destinations: [...t.dests],
            messages: t.messages,
            recipients: t.recipients,
            senders: [...t.senders],
            subjects: [...t.subjects],
            service: rec.service ?? null,
            conn_state: rec.conn_state,
          },
        });
      },
    };
  },
});
