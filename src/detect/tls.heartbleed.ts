/**
 * tls.heartbleed — a TLS heartbeat request whose announced payload does not
 * fit in its record: the Heartbleed exploit (CVE-2014-0160). RFC 6520 says a
 * heartbeat message carries its payload and at least 16 bytes of padding, so
 * a record holds at least 3 + payload + 16 bytes; a vulnerable OpenSSL
 * (1.0.1 to 1.0.1f) answered with as many bytes as the request announced,
 * read from its own memory past the small payload really sent: private keys,
 * session cookies, passwords. Exploit tools send the request in clear, in
 * the handshake before ChangeCipherSpec, which is where it is read (the
 * `heartbeats` of ssl events). A client attacking a server is the usual
 * case; a server attacking its clients ("reverse Heartbleed") is reported
 * the same way with the roles named. An answer from the attacked side means
 * the bytes probably leaked: the alert is critical then. Heartbeats
 * with correct lengths (rare in TLS, a keep-alive in some stacks) never
 * alert. Not seen: requests sent after the handshake (encrypted, so their
 * lengths are hidden) and DTLS. One alert per (attacker, target) within the
 * dedup interval.
 */
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { formatCount } from '../alerts/alert.js';
import { hostPort } from '../util/host-port.js';
import type { TlsHeartbeat } from '../protocols/tls/events.js';
import { HEARTBEAT_HEAD, HEARTBEAT_MIN_PADDING } from '../protocols/tls/consts.js';

export const OPTIONS = detectorOptions({});

const REQUEST = 1;
const RESPONSE = 2;

/** A request announcing more payload than its record can hold with the padding RFC 6520 requires. */
function oversized(h: TlsHeartbeat): boolean {
  return h.message_type === REQUEST && h.payload_length >= 0 && h.payload_length + HEARTBEAT_HEAD + HEARTBEAT_MIN_PADDING > h.record_length;
}

export default defineDetector({
  id: 'tls.heartbleed',
  name: 'Heartbleed exploit',
  description: 'A TLS heartbeat request announced a payload larger than its record (CVE-2014-0160): an attempt to read the other side\'s memory; critical when it was answered.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1190',
  subscribes: ['ssl'],
  options: OPTIONS,
  create(ctx) {
    return {
      ssl(e) {
        const beats = e.heartbeats;
        if (beats === undefined || e.transport !== undefined) return;
        const first = beats.find(oversized);
        if (first === undefined) return;
        const r = e.record;
        const byClient = first.from_client;
        const attacker = byClient ? r['id.orig_h'] : r['id.resp_h'];
        const target = byClient ? r['id.resp_h'] : r['id.orig_h'];
        if (ctx.excluded(attacker) || ctx.excluded(target)) return;
        const requests = beats.filter((h) => oversized(h) && h.from_client === byClient);
        // The attacked side answering after the first bad request: it sent back what was asked for, from its memory.
        const answers = beats.filter((h) => h.message_type === RESPONSE && h.from_client !== byClient && h.ts >= first.ts);
        const answered = answers.length > 0;
        const port = r['id.resp_p'];
        const targetText = byClient ? hostPort(target, port) : `its client ${target}`;
        const leaked = answers.reduce((n, h) => n + h.record_length, 0);
        ctx.report({
          ts: first.ts,
          key: `${attacker}|${target}`,
          source: byClient ? { ip: attacker, port: r['id.orig_p'] } : { ip: attacker, port },
          destination: byClient ? { ip: target, port } : { ip: target, port: r['id.orig_p'] },
          transport: 'tcp',
          severity: answered ? 4 : 3,
          message:
            `${attacker} sent ${targetText} a TLS heartbeat request announcing ${formatCount(first.payload_length)} payload bytes in a ${formatCount(first.record_length)}-byte record ` +
            `(Heartbleed, CVE-2014-0160)` +
            (answered ? `; it answered with ${formatCount(leaked)} bytes: its memory probably leaked` : '; no answer was seen'),
          evidence: {
            cve: 'CVE-2014-0160',
            attacker_role: byClient ? 'client' : 'server',
            record_length: first.record_length,
            payload_length: first.payload_length,
            requests: requests.length,
            answered,
            answer_bytes: leaked,
            server_name: r.server_name ?? null,
            uid: r.uid,
          },
        });
      },
    };
  },
});
