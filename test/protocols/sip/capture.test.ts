/**
 * SIP in a real capture (the lab's sip.pcap: Kamailio 5.6 as registrar,
 * sipsak as a desk phone over UDP and a softphone over TCP, SIPVicious 0.3
 * svmap, svwar and svcrack): every
 * transaction tshark decodes from the same packets (a request and its
 * final answer, matched by Call-ID and CSeq) is one sip.jsonl line with
 * the same method, CSeq, status and user-agent; the sign-ins come out as
 * the registrar decided them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { replayEvents } from '../../helpers/replay.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { TSHARK, TSHARK_SKIP } from '../../helpers/tshark-objects.js';
import type { SipRecord } from '../../../src/protocols/sip/events.js';
import type { AuthEvent } from '../../../src/events/auth.js';

const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'sip.pcap');

let cached: Promise<{ logs: SipRecord[]; auths: AuthEvent[]; services: Map<string, string | undefined> }> | undefined;
function logs(): Promise<{ logs: SipRecord[]; auths: AuthEvent[]; services: Map<string, string | undefined> }> {
  cached ??= replayEvents([CAPTURE]).then((events) => ({
    logs: events.flatMap((e) => (e.type === 'sip' ? [e.record] : [])),
    auths: events.flatMap((e) => (e.type === 'auth' ? [e] : [])),
    services: new Map(events.flatMap((e) => (e.type === 'flow.end' ? [[e.record.uid, e.record.service] as [string, string | undefined]] : []))),
  }));
  return cached;
}

/** One SIP message as tshark decodes it. */
interface Decoded {
  src: string;
  method: string;
  code: number;
  callId: string;
  cseq: string;
  userAgent: string;
}

function tsharkMessages(): Promise<Decoded[]> {
  return new Promise((resolve, reject) => {
    execFile(
      TSHARK!,
      ['-r', CAPTURE, '-Y', 'sip', '-T', 'fields', '-E', 'separator=/t', '-e', 'ip.src', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sip.Call-ID', '-e', 'sip.CSeq', '-e', 'sip.User-Agent'],
      { maxBuffer: 1 << 26 },
      (err, out) => {
        if (err) return reject(err);
        resolve(
          out
            .trim()
            .split('\n')
            .map((l) => {
              const [src, method, code, callId, cseq, userAgent] = l.split('\t');
              return { src: src!, method: method!, code: Number(code || 0), callId: callId!, cseq: cseq!, userAgent: userAgent ?? '' };
            }),
        );
      },
    );
  });
}

test('sip.jsonl: the transactions tshark decodes, with the same method, CSeq, status and user-agent', { skip: TSHARK_SKIP }, async () => {
  const { logs: lines, services } = await logs();
  const messages = await tsharkMessages();
  // tshark's view: each request (first copy) and its first final answer.
  const expected = new Map<string, string>();
  for (const m of messages) {
    const key = `${m.callId}|${m.cseq}`;
    if (m.method !== '') {
      if (m.method === 'ACK') continue;
      if (!expected.has(key)) expected.set(key, `${m.method}|${m.userAgent}|-`);
    } else if (m.code >= 200) {
      const q = expected.get(key);
      if (q !== undefined && q.endsWith('|-')) expected.set(key, q.slice(0, -1) + String(m.code));
    }
  }
  const ours = new Map(lines.map((r) => [`${r.call_id}|${r.seq}`, `${r.method}|${r.user_agent ?? ''}|${r.status_code ?? '-'}`]));
  assert.equal(lines.length, expected.size, 'one line per transaction');
  assert.deepEqual(ours, expected);
  assert.ok(lines.length > 90);
  for (const r of lines) assert.equal(services.get(r.uid), 'sip');
});

test('the sign-ins, as the registrar decided them', async () => {
  const { auths } = await logs();
  const sip = auths.filter((e) => e.service === 'sip');
  const of = (client: string) => sip.filter((e) => e.client === client);
  // The desk phone: its password, then the typo (sipsak 0.9.8 sends the digest user name as "1001@").
  assert.deepEqual(of('10.77.2.22').map((e) => [e.user, e.outcome, e.detail]), [
    ['1001@', 'success', 'REGISTER 200 OK'],
    ['1001@', 'failure', 'REGISTER 403 Forbidden'],
  ]);
  // The softphone, over TCP: challenged, then registered.
  assert.deepEqual(of('10.77.2.23').map((e) => [e.user, e.outcome, e.transport]), [['1002@', 'success', 'tcp']]);
  // svwar: every extension but 1001 and 1002 is unknown to the registrar (and its own random probe).
  const enumerated = of('10.77.2.24');
  assert.ok(enumerated.length >= 29);
  assert.ok(enumerated.every((e) => e.outcome === 'failure' && e.unknown_user === true && e.detail === 'REGISTER 404 Not Found'));
  assert.ok(!enumerated.some((e) => e.user === '1001' || e.user === '1002'));
  assert.ok(enumerated.filter((e) => /^10(0\d|1\d|2\d|30)$/.test(e.user ?? '')).length === 29);
  // svcrack: 30 wrong passwords for 1002.
  const guesses = of('10.77.2.25');
  assert.equal(guesses.length, 30);
  assert.ok(guesses.every((e) => e.user === '1002' && e.outcome === 'failure' && e.detail === 'REGISTER 403 Forbidden'));
});
