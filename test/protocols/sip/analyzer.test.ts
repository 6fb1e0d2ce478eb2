/**
 * SIP: message heads (start lines, compact and folded headers, digest
 * parameters), transactions as sip.log lines in Zeek's columns (matched by
 * Call-ID and CSeq, provisional answers and retransmissions passed over,
 * TCP messages framed by Content-Length across segments), and sign-ins as
 * auth events; malformed input is counted, never thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSipSpec } from '../../../src/protocols/sip/index.js';
import type { SipLogEvent } from '../../../src/protocols/sip/events.js';
import { authParam, headerBlockEnd, looksLikeSip, parseSipHead, uriUser } from '../../../src/protocols/sip/parser.js';
import { MAX_PENDING, SipAnomaly, TRANSACTION_SECONDS } from '../../../src/protocols/sip/consts.js';
import { collectingContext, ofType } from '../../helpers/analyzer-context.js';
import { mutate, rng } from '../asn1/helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Msg {
  callId?: string;
  cseq?: number;
  method?: string;
  headers?: string[];
  body?: string;
}

function request(method: string, uri: string, m: Msg = {}): string {
  const body = m.body ?? '';
  return [
    `${method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1',
    'From: "1002" <sip:1002@pbx.example>;tag=a1',
    'To: "1002" <sip:1002@pbx.example>',
    `Call-ID: ${m.callId ?? 'call-1'}`,
    `CSeq: ${m.cseq ?? 1} ${m.method ?? method}`,
    'User-Agent: Deskphone 4.2',
    ...(m.headers ?? []),
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

function response(code: number, reason: string, m: Msg & { method: string }): string {
  const body = m.body ?? '';
  return [
    `SIP/2.0 ${code} ${reason}`,
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;received=10.0.0.1',
    'From: "1002" <sip:1002@pbx.example>;tag=a1',
    'To: "1002" <sip:1002@pbx.example>;tag=b2',
    `Call-ID: ${m.callId ?? 'call-1'}`,
    `CSeq: ${m.cseq ?? 1} ${m.method}`,
    'Server: PBX 1.0',
    ...(m.headers ?? []),
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

const CREDS = 'Authorization: Digest username="1002", realm="pbx.example", nonce="n1", uri="sip:pbx.example", response="0123456789abcdef0123456789abcdef"';

function run(steps: [fromOrig: boolean, data: string | Uint8Array, ts: number][], proto: 'udp' | 'tcp' = 'udp') {
  const c = collectingContext({ uid: 'Ctest', orig_h: '10.0.0.1', orig_p: 5060, resp_h: '10.0.0.2', resp_p: 5060, proto });
  const logs: SipLogEvent[] = [];
  const a = createSipSpec({ log: (e) => logs.push(e) }).create(c);
  for (const [o, d, ts] of steps) a.data(o, typeof d === 'string' ? enc(d) : d, ts);
  a.end(1000);
  return { logs, records: logs.map((e) => e.record), auths: ofType(c.events, 'auth'), anomalies: c.anomalies, services: c.services };
}

test('heads: request and status lines, compact and folded headers, the blank line', () => {
  const text = 'INVITE sip:bob@example.com SIP/2.0\r\nv: SIP/2.0/UDP a;branch=1\r\nv: SIP/2.0/UDP b;branch=2\r\nf: <sip:alice@example.com>;tag=x\r\nt: <sip:bob@example.com>\r\ni: abc@host\r\nCSeq: 314159 INVITE\r\nSubject: lunch\r\n  today\r\nc: application/sdp\r\nl: 4\r\n\r\nv=0\r\n';
  const b = enc(text);
  const end = headerBlockEnd(b, 0, b.length);
  assert.equal(end, text.indexOf('\r\n\r\n') + 4);
  const m = parseSipHead(b, 0, end)!;
  assert.deepEqual(
    [m.request, m.method, m.uri, m.via, m.from, m.to, m.callId, m.cseq, m.cseqNum, m.cseqMethod, m.subject, m.contentType, m.contentLength],
    [true, 'INVITE', 'sip:bob@example.com', ['SIP/2.0/UDP a;branch=1', 'SIP/2.0/UDP b;branch=2'], '<sip:alice@example.com>;tag=x', '<sip:bob@example.com>', 'abc@host', '314159 INVITE', 314159, 'INVITE', 'lunch today', 'application/sdp', 4],
  );
  const r = parseSipHead(enc('SIP/2.0 486 Busy Here\r\n\r\n'), 0, 25)!;
  assert.deepEqual([r.request, r.code, r.reason], [false, 486, 'Busy Here']);
  assert.equal(headerBlockEnd(enc('OPTIONS sip:x SIP/2.0\r\nVia: a\r\n'), 0, 32), -1);
  assert.equal(parseSipHead(enc('GET / HTTP/1.1\r\n\r\n'), 0, 18), null);
  assert.equal(parseSipHead(enc('SIP/2.0 99 Odd\r\n\r\n'), 0, 18), null);
});

test('content recognition: SIP request and status lines, nothing else', () => {
  assert.ok(looksLikeSip(enc('REGISTER sip:pbx SIP/2.0\r\n'), 0, 26));
  assert.ok(looksLikeSip(enc('SIP/2.0 200 OK\r\n'), 0, 16));
  assert.ok(!looksLikeSip(enc('GET / HTTP/1.1\r\n'), 0, 16));
  assert.ok(!looksLikeSip(enc('register sip:pbx SIP/2.0\r\n'), 0, 26));
  assert.ok(!looksLikeSip(enc('SIP/2.0 OK\r\n'), 0, 12));
  assert.ok(!looksLikeSip(new Uint8Array(0), 0, 0));
});

test('digest parameters and URI users; a password in a URI is never returned', () => {
  assert.equal(authParam('Digest username="1002",realm="r",nonce="n"', 'username'), '1002');
  assert.equal(authParam('Digest realm="a,b", username = "x\\"y"', 'username'), 'x"y');
  assert.equal(authParam('Digest realm="r", nonce="n", stale=TRUE', 'stale'), 'TRUE');
  assert.equal(authParam('Digest realm="r"', 'username'), undefined);
  assert.equal(authParam('Basic', 'username'), undefined);
  assert.equal(uriUser('"Bob" <sip:1002@pbx>;tag=1'), '1002');
  assert.equal(uriUser('sips:alice@example.com'), 'alice');
  assert.equal(uriUser('<sip:alice:secret@example.com>'), 'alice');
  assert.equal(uriUser('<sip:pbx.example>'), undefined);
  assert.equal(uriUser('<tel:+15551234>'), undefined);
});

test('sip.log: one line per transaction in Zeek\'s columns, at its final answer', () => {
  const { records, services } = run([
    [true, request('OPTIONS', 'sip:pbx.example', { headers: ['Date: Wed, 02 Dec 2026 10:00:00 GMT', 'Reply-To: <sip:ops@example>', 'Subject: ping'] }), 1],
    [false, response(100, 'Trying', { method: 'OPTIONS' }), 1.01],
    [false, response(200, 'OK', { method: 'OPTIONS', headers: ['Warning: 399 pbx "maintenance"', 'Content-Type: application/sdp'], body: 'v=0\r\n' }), 1.02],
  ]);
  assert.deepEqual(services, ['sip']);
  assert.equal(records.length, 1);
  assert.deepEqual(Object.keys(records[0]!), [
    'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'trans_depth', 'method', 'uri', 'date', 'request_from', 'request_to', 'response_from', 'response_to',
    'reply_to', 'call_id', 'seq', 'subject', 'request_path', 'response_path', 'user_agent', 'status_code', 'status_msg', 'warning', 'request_body_len', 'response_body_len', 'content_type',
  ]);
  const r = records[0]!;
  assert.deepEqual(
    [r.ts, r.trans_depth, r.method, r.uri, r.date, r.call_id, r.seq, r.user_agent, r.status_code, r.status_msg, r.warning, r.request_body_len, r.response_body_len, r.content_type, r.response_to],
    [1, 1, 'OPTIONS', 'sip:pbx.example', 'Wed, 02 Dec 2026 10:00:00 GMT', 'call-1', '1 OPTIONS', 'Deskphone 4.2', 200, 'OK', '399 pbx "maintenance"', 0, 5, 'application/sdp', '"1002" <sip:1002@pbx.example>;tag=b2'],
  );
});

test('retransmitted requests and answers are logged once; ACK at once; unanswered requests at the end', () => {
  const invite = request('INVITE', 'sip:bob@pbx.example', { callId: 'c2', body: 'v=0\r\n' });
  const { records } = run([
    [true, invite, 1],
    [true, invite, 1.5],
    [false, response(486, 'Busy Here', { method: 'INVITE', callId: 'c2' }), 2],
    [false, response(486, 'Busy Here', { method: 'INVITE', callId: 'c2' }), 2.5],
    [true, request('ACK', 'sip:bob@pbx.example', { callId: 'c2' }), 2.6],
    [true, request('BYE', 'sip:bob@pbx.example', { callId: 'c3' }), 3],
  ]);
  assert.deepEqual(
    records.map((r) => [r.trans_depth, r.method, r.status_code, r.request_body_len]),
    [
      [1, 'INVITE', 486, 5],
      [2, 'ACK', undefined, 0],
      [3, 'BYE', undefined, 0],
    ],
  );
});

test('an answer whose request the capture lacks is logged from the answer; requests from the responder are told apart', () => {
  const { logs } = run([
    [false, response(200, 'OK', { method: 'REGISTER', callId: 'lost', cseq: 7 }), 1],
    [false, request('NOTIFY', 'sip:1002@10.0.0.1', { callId: 'n1' }), 2],
    [true, response(200, 'OK', { method: 'NOTIFY', callId: 'n1' }), 2.1],
  ]);
  assert.deepEqual(
    logs.map((e) => [e.record.method, e.record.uri, e.record.seq, e.record.status_code, e.request_from_orig]),
    [
      ['REGISTER', undefined, '7 REGISTER', 200, true],
      ['NOTIFY', 'sip:1002@10.0.0.1', '1 NOTIFY', 200, false],
    ],
  );
});

test('sign-ins: credentials answered 2xx succeed, 401/403 fail, a stale nonce is no outcome, others unknown; REGISTER 404 is an unknown account', () => {
  const reg = (cseq: number, creds: boolean, callId = 'r1') => request('REGISTER', 'sip:pbx.example', { callId, cseq, headers: creds ? [CREDS] : [] });
  const ans = (code: number, reason: string, cseq: number, callId = 'r1', headers: string[] = []) => response(code, reason, { method: 'REGISTER', callId, cseq, headers });
  const { auths } = run([
    // The first challenge is not an outcome.
    [true, reg(1, false), 1],
    [false, ans(401, 'Unauthorized', 1, 'r1', ['WWW-Authenticate: Digest realm="pbx.example", nonce="n1"']), 1.1],
    [true, reg(2, true), 2],
    [false, ans(200, 'OK', 2), 2.1],
    [true, reg(3, true), 3],
    [false, ans(403, 'Forbidden', 3), 3.1],
    [true, reg(4, true), 4],
    [false, ans(401, 'Unauthorized', 4, 'r1', ['WWW-Authenticate: Digest realm="pbx.example", nonce="n2", stale=true']), 4.1],
    [true, reg(5, true), 5],
    [false, ans(401, 'Unauthorized', 5, 'r1', ['WWW-Authenticate: Digest realm="pbx.example", nonce="n3"']), 5.1],
    [true, reg(6, true), 6],
    [false, ans(500, 'Server Internal Error', 6), 6.1],
    [true, request('REGISTER', 'sip:pbx.example', { callId: 'enum', headers: [] }).replace('To: "1002" <sip:1002@', 'To: "2099" <sip:2099@'), 7],
    [false, response(404, 'Not Found', { method: 'REGISTER', callId: 'enum' }), 7.1],
    [true, reg(8, true, 'r8'), 8],
  ]);
  assert.deepEqual(
    auths.map((e) => [e.ts, e.service, e.client, e.server, e.user, e.outcome, e.unknown_user, e.detail]),
    [
      [2.1, 'sip', '10.0.0.1', '10.0.0.2', '1002', 'success', undefined, 'REGISTER 200 OK'],
      [3.1, 'sip', '10.0.0.1', '10.0.0.2', '1002', 'failure', undefined, 'REGISTER 403 Forbidden'],
      [5.1, 'sip', '10.0.0.1', '10.0.0.2', '1002', 'failure', undefined, 'REGISTER 401 Unauthorized'],
      [6.1, 'sip', '10.0.0.1', '10.0.0.2', '1002', 'unknown', undefined, 'REGISTER 500 Server Internal Error'],
      [7.1, 'sip', '10.0.0.1', '10.0.0.2', '2099', 'failure', true, 'REGISTER 404 Not Found'],
      [8, 'sip', '10.0.0.1', '10.0.0.2', '1002', 'unknown', undefined, 'REGISTER without a final answer'],
    ],
  );
  assert.ok(auths.every((e) => e.transport === 'udp'));
});

test('a request with credentials from the responder makes the responder the client', () => {
  const { auths } = run([
    [false, request('INVITE', 'sip:1002@10.0.0.1', { callId: 'in', headers: ['Proxy-' + CREDS] }), 1],
    [true, response(407, 'Proxy Authentication Required', { method: 'INVITE', callId: 'in' }), 1.1],
  ]);
  assert.deepEqual(
    auths.map((e) => [e.client, e.client_port, e.server, e.outcome, e.user]),
    [['10.0.0.2', 5060, '10.0.0.1', 'failure', '1002']],
  );
});

test('requests left unanswered past the transaction time are logged then, not held', () => {
  const { records } = run([
    [true, request('OPTIONS', 'sip:pbx', { callId: 'a' }), 1],
    [true, request('OPTIONS', 'sip:pbx', { callId: 'b' }), 1 + TRANSACTION_SECONDS + 1],
    [false, response(200, 'OK', { method: 'OPTIONS', callId: 'b' }), 1 + TRANSACTION_SECONDS + 2],
  ]);
  assert.deepEqual(
    records.map((r) => [r.call_id, r.status_code]),
    [
      ['a', undefined],
      ['b', 200],
    ],
  );
});

test('at most MAX_PENDING requests wait; the oldest is logged unanswered and counted', () => {
  const steps: [boolean, string, number][] = [];
  for (let i = 0; i <= MAX_PENDING; i++) steps.push([true, request('OPTIONS', 'sip:pbx', { callId: `p${i}` }), 1 + i * 0.001]);
  const { records, anomalies } = run(steps);
  assert.equal(records.length, MAX_PENDING + 1);
  assert.equal(records[0]!.call_id, 'p0');
  assert.deepEqual(anomalies, [SipAnomaly.TOO_MANY_PENDING]);
});

test('TCP: messages framed by Content-Length across segments, several in one segment, keep-alive line ends skipped', () => {
  const inv = enc(request('INVITE', 'sip:bob@pbx', { callId: 't1', body: 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n' }));
  const ok = response(200, 'OK', { method: 'INVITE', callId: 't1' });
  const bye = request('BYE', 'sip:bob@pbx', { callId: 't1', cseq: 2 });
  const okBye = response(200, 'OK', { method: 'BYE', callId: 't1', cseq: 2 });
  const { records, anomalies } = run(
    [
      [true, enc('\r\n\r\n'), 0.5],
      [true, inv.subarray(0, 40), 1],
      [true, inv.subarray(40, inv.length - 5), 1],
      [true, inv.subarray(inv.length - 5), 1.1],
      [false, ok, 1.2],
      [true, bye + '\r\n\r\n', 2],
      [false, okBye, 2.1],
    ],
    'tcp',
  );
  assert.deepEqual(anomalies, []);
  assert.deepEqual(
    records.map((r) => [r.method, r.status_code, r.request_body_len]),
    [
      ['INVITE', 200, 30],
      ['BYE', 200, 0],
    ],
  );
});

test('TCP: a body longer than the message bound and bytes that are not SIP stop that side, counted', () => {
  const huge = 'OPTIONS sip:pbx SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 900000\r\n\r\n';
  assert.deepEqual(run([[true, huge, 1]], 'tcp').anomalies, [SipAnomaly.BAD_LENGTH]);
  assert.deepEqual(run([[true, 'HELLO there\r\n\r\n', 1]], 'tcp').anomalies, [SipAnomaly.NOT_SIP]);
  assert.deepEqual(run([[true, 'x'.repeat(600), 1]], 'tcp').anomalies, [SipAnomaly.BAD_LENGTH]);
});

test('UDP: keep-alives pass, junk is counted, headers cut short are read', () => {
  const cut = 'OPTIONS sip:pbx SIP/2.0\r\nCall-ID: k\r\nCSeq: 1 OPTIONS\r\nUser-Agent: friendly-scanner\r\n';
  const { records, anomalies } = run([
    [true, '\r\n\r\n', 1],
    [true, 'not sip at all', 2],
    [true, cut, 3],
  ]);
  assert.deepEqual(anomalies, [SipAnomaly.NOT_SIP, SipAnomaly.UNTERMINATED_HEADERS]);
  assert.deepEqual(records.map((r) => [r.method, r.user_agent]), [['OPTIONS', 'friendly-scanner']]);
});

test('mutated messages never throw', () => {
  const rand = rng(5060);
  const seeds = [
    enc(request('REGISTER', 'sip:pbx.example', { headers: [CREDS] })),
    enc(response(401, 'Unauthorized', { method: 'REGISTER', headers: ['WWW-Authenticate: Digest realm="r", nonce="n", stale=true'] })),
    enc(request('INVITE', 'sip:bob@pbx', { body: 'v=0\r\n' })),
  ];
  for (const proto of ['udp', 'tcp'] as const) {
    for (let i = 0; i < 3000; i++) {
      const steps: [boolean, Uint8Array, number][] = [];
      for (let k = 0; k < 4; k++) steps.push([k % 2 === 0, mutate(seeds[Math.floor(rand() * seeds.length)]!, rand), k]);
      run(steps, proto);
    }
  }
});
