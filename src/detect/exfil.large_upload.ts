/**
 * exfil.large_upload — an internal host sent a large amount of data to one
 * public destination, far more than it received from it: data leaving
 * (T1048), by rclone to a file-sharing service, an archive pushed over
 * HTTPS or SSH, or a raw socket to an attacker's server. Ransomware crews
 * copy out gigabytes before they encrypt.
 *
 * Per client and destination (the TLS server name or HTTP Host, else the
 * name the client resolved the address to, else the address): the bytes
 * sent and received over `window`, from every connection's end and from
 * the snapshots of connections still open (flow.long), so an upload that
 * lasts hours is seen while it runs (a snapshot's bytes are not counted
 * again later; a connection whose snapshot alerted is not followed further,
 * as the engine judges a connection once). Alerts when the client sent at
 * least `min_bytes` within the window and at least `min_ratio` times what
 * it received (uploads, not downloads or calls); the alert's totals then
 * grow with every later connection until its dedup interval ends.
 *
 * Quiet for destinations on `allow` and, with `skip_popular`, on the
 * bundled popular domains (cloud backup, photo sync, video calls and code
 * hosting upload all day), except the file-sharing services of
 * FILE_SHARING (and `watch_domains`): those are judged even when popular,
 * at `watched_min_bytes`, and critical.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { bytesField, detectorOptions, durationField } from '../config/fields.js';
import { formatDuration } from '../config/duration.js';
import { formatBytes, plural } from '../alerts/alert.js';
import { SumWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { NameAllowlist, ResolvedNames, ServerNames, allowedDomains, connectionName, namesFeed, underDomain } from './server-names.js';
import { hostLabel } from './host-text.js';

/**
 * File-sharing and paste services favoured for exfiltration (rclone's and
 * curl's upload targets in incident reports): judged even when popular.
 */
export const FILE_SHARING: readonly string[] = [
  'mega.nz', 'mega.co.nz', 'mega.io', 'transfer.sh', 'file.io', 'gofile.io', 'anonfiles.com', 'bayfiles.com',
  'sendspace.com', 'wetransfer.com', 'we.tl', 'dropmefiles.com', 'temp.sh', 'oshi.at', '0x0.st', 'catbox.moe',
  'pixeldrain.com', 'filetransfer.io', 'ufile.io', 'files.fm', 'krakenfiles.com', 'sendgb.com', 'tmpfiles.org',
  'uguu.se', 'bashupload.com', 'filebin.net', 'easyupload.io', 'anonymfile.com', 'paste.ee', 'pastebin.com',
  'termbin.com', 'send.vis.ee', 'limewire.com', 'mediafire.com', '4shared.com', 'filemail.com', 'sendanywhere.com',
];

/** Client/destination tallies and per-connection byte counts kept. */
const MAX_TRACKED = 20000;
/** Ports and connections listed per alert. */
const MAX_LISTED = 10;

export const OPTIONS = detectorOptions({
  /** Bytes one client sends to one destination within `window` (number or "500MB", "1GiB"). */
  min_bytes: bytesField.default(500_000_000),
  /** ... and at least this many times what it received from it. */
  min_ratio: z.number().min(1).default(5),
  window: durationField('1h'),
  /** Transports counted. */
  protocols: z.array(z.enum(['tcp', 'udp'])).default(['tcp', 'udp']),
  /** Skip destinations on the bundled popular-domains list (file-sharing services are judged anyway). */
  skip_popular: z.boolean().default(true),
  /** Domains (and their subdomains) never judged: your own offsite backup, a vendor's support upload. */
  allow: z.array(z.string().min(1)).default([]),
  /** Domains judged even when popular, besides the bundled file-sharing services. */
  watch_domains: z.array(z.string().min(1)).default([]),
  /** Bytes that make an upload to a watched domain an alert. */
  watched_min_bytes: bytesField.default(50_000_000),
});

/** What one client sent one destination since it first counted (the alert's totals). */
interface Tally {
  sent: number;
  received: number;
  conns: number;
  /** Distinct destination ports, at most MAX_LISTED (an array: most tallies see one). */
  ports: number[];
  /** Start of the earliest connection counted. */
  first: number;
  /** Time bytes were last counted. */
  last: number;
}

export default defineDetector({
  id: 'exfil.large_upload',
  name: 'Large upload',
  description: 'An internal host sent far more data to one public destination than it received from it: data exfiltration.',
  severity: 3,
  category: ['network'],
  technique: 'T1048',
  subscribes: ['flow.end', 'ssl', 'http', 'dns.answer'],
  longFlows: true,
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const protocols = new Set<string>(o.protocols);
    const allowlist = new NameAllowlist(o.allow, o.skip_popular ? ctx.intel.dga : undefined);
    const watched = allowedDomains([...FILE_SHARING, ...o.watch_domains]);
    const names = new ServerNames(ResolvedNames.of(ctx.site));
    const sent = new SumWindow({ window: o.window, maxKeys: MAX_TRACKED });
    const received = new SumWindow({ window: o.window, maxKeys: MAX_TRACKED });
    ctx.bounded(sent);
    ctx.bounded(received);
    /** Bytes of open connections already counted from their snapshots (uid -> [sent, received]). */
    const counted = new LruMap<string, [number, number]>(MAX_TRACKED);
    const tallies = new LruMap<string, Tally>(MAX_TRACKED);
    return {
      ...namesFeed(names),
      'flow.end'(e) {
        const rec = e.record;
        const { open, name: sni } = connectionName(names, e);
        const before = counted.get(rec.uid);
        if (!open) counted.delete(rec.uid);
        if (rec.orig_bytes === undefined || !protocols.has(rec.proto)) return;
        const src = rec['id.orig_h'];
        const dst = rec['id.resp_h'];
        if (!ctx.site.isInternal(src) || ctx.site.isInternal(dst)) return;
        if (ctx.excluded(src) || ctx.excluded(dst)) return;
        const up = rec.orig_bytes - (before?.[0] ?? 0);
        const down = (rec.resp_bytes ?? 0) - (before?.[1] ?? 0);
        if (open) counted.set(rec.uid, [rec.orig_bytes, rec.resp_bytes ?? 0]);
        if (up <= 0 && down <= 0) return;

        const name = sni ?? names.resolved(src, dst);
        const isWatched = name !== undefined && underDomain(name, watched);
        if (!isWatched && name !== undefined && allowlist.allowed(name)) return;
        const key = `${src}|${name ?? dst}`;
        const ts = e.ts;
        const up0 = Math.max(up, 0);
        const down0 = Math.max(down, 0);
        const out = sent.add(key, up0, ts);
        const back = received.add(key, down0, ts);
        let t = tallies.get(key);
        const held = ctx.held(key) !== undefined;
        if (t === undefined || (!held && ts - t.last > o.window)) {
          t = { sent: 0, received: 0, conns: 0, ports: [], first: rec.ts, last: ts };
          tallies.set(key, t);
        }
        t.sent += up0;
        t.received += down0;
        t.last = ts;
        if (rec.ts < t.first) t.first = rec.ts;
        // A connection counts once: at its first snapshot, or at its end when it had none.
        if (before === undefined) t.conns++;
        const port = rec['id.resp_p'];
        if (t.ports.length < MAX_LISTED && !t.ports.includes(port)) t.ports.push(port);

        // The window decides; an alert already open takes every later byte (its totals grow).
        const threshold = isWatched ? Math.min(o.watched_min_bytes, o.min_bytes) : o.min_bytes;
        if (!held && (out < threshold || out < o.min_ratio * back)) return;
        const where = name !== undefined ? `${name} (${dst})` : hostLabel(ctx.site, dst);
        ctx.report({
          ts,
          key,
          severity: isWatched ? 4 : 3,
          source: { ip: src, mac: rec.orig_l2_addr, port: rec['id.orig_p'] },
          destination: { ip: dst, port: rec['id.resp_p'] },
          transport: rec.proto === 'udp' ? 'udp' : 'tcp',
          message:
            `${hostLabel(ctx.site, src)} sent ${formatBytes(t.sent)} to ${where} and received ${formatBytes(t.received)}` +
            ` (${plural(t.conns, 'connection')} over ${formatDuration(ts - t.first)}${open ? ', one still open' : ''})` +
            (isWatched ? ': an upload to a file-sharing service' : ''),
          firstSeen: t.first,
          evidence: {
            destination: name ?? dst,
            file_sharing: isWatched,
            bytes_sent: t.sent,
            bytes_received: t.received,
            ratio: t.received > 0 ? Math.round((t.sent / t.received) * 10) / 10 : null,
            sent_in_window: out,
            connections: t.conns,
            ports: [...t.ports],
            still_open: open,
          },
        });
      },
    };
  },
});
