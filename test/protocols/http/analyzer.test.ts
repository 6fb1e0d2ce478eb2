/**
 * Unit tests of the HTTP analyzer on hand-written messages: pairing of
 * pipelined requests and replies, body framing (Content-Length, chunked,
 * until close), HTTP/0.9, interim replies, auth events, anomalies, messages
 * cut at every byte boundary, and resyncing after lost bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpSpec } from '../../../src/protocols/http/index.js';
import type { HttpRecord } from '../../../src/protocols/http/events.js';
import type { AuthEvent } from '../../../src/events/auth.js';
import { MAX_LINE_BYTES } from '../../../src/protocols/http/consts.js';
import { parserBuffers } from '../../../src/protocols/buffer-budget.js';
import { ascii, fakeContext, pieces, rng, type FakeContext } from './fake-ctx.js';
import { concat, peFile } from '../../helpers/bytes.js';
import { dispositionFileName } from '../../../src/protocols/mime/disposition.js';
import { ntlmAuthenticateUser } from '../../../src/protocols/http/auth.js';
import { ntlmAuthenticate, spnegoInit, spnegoResp } from '../smb/messages.js';
import zlib from 'node:zlib';
import { retainedBytes } from '../../helpers/heap.js';

function records(ctx: FakeContext): HttpRecord[] {
  const out: HttpRecord[] = [];
  for (const e of ctx.events) if (e.type === 'http') out.push(e.record);
  return out;
}

function auths(ctx: FakeContext): AuthEvent[] {
  const out: AuthEvent[] = [];
  for (const e of ctx.events) if (e.type === 'auth') out.push(e);
  return out;
}

test('a simple GET and its reply make one record with Zeek fields in order', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /a%20b?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\nReferer: http://r/\r\nOrigin: http://o\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'), 2);
  const r = records(ctx);
  assert.equal(r.length, 1);
  assert.deepEqual(Object.keys(r[0]!), [
    'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'trans_depth', 'method', 'host', 'uri',
    'referrer', 'version', 'user_agent', 'origin', 'request_body_len', 'response_body_len', 'status_code',
    'status_msg', 'tags', 'resp_fuids',
  ]);
  assert.equal(r[0]!.ts, 1);
  // The 5-byte reply is a file: its files.jsonl line carries the fuid the http line lists.
  const files = ctx.events.flatMap((e) => (e.type === 'file' ? [e.record] : []));
  assert.deepEqual(files.map((f) => [f.fuid, f.seen_bytes, f.total_bytes, f.is_orig, f.depth, f.source]), [[r[0]!.resp_fuids![0], 5, 5, false, 1, 'HTTP']]);
  assert.match(files[0]!.fuid, /^F[0-9A-Za-z]{18}$/);
  assert.equal(r[0]!.uri, '/a b?x=1');
  assert.equal(r[0]!.host, 'example.com');
  assert.equal(r[0]!.user_agent, 'curl/8.0');
  assert.equal(r[0]!.referrer, 'http://r/');
  assert.equal(r[0]!.origin, 'http://o');
  assert.equal(r[0]!.response_body_len, 5);
  assert.equal(r[0]!.status_code, 200);
  assert.equal(r[0]!.status_msg, 'OK');
  assert.deepEqual(ctx.services, ['http']);
  assert.deepEqual(ctx.anomalies, []);
});

test('pipelined requests pair with replies in order; keep-alive depth counts up', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n'), 2);
  a.data(false, ascii('4\r\nwxyz\r\n2;ext=1\r\nab\r\n0\r\nX-Trailer: 1\r\n\r\n'), 3);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n'), 4);
  const r = records(ctx);
  assert.deepEqual(r.map((x) => [x.trans_depth, x.uri, x.status_code, x.response_body_len]), [
    [1, '/1', 200, 3],
    [2, '/2', 404, 6],
    [3, '/3', 200, 0], // HEAD: the Content-Length describes a body that is not sent
  ]);
});

test('a request body with Content-Length is counted, not stored, across any split', () => {
  const msg = ascii('POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world');
  const reply = ascii('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
  for (let size = 1; size <= msg.length; size++) {
    const ctx = fakeContext();
    const a = httpSpec.create(ctx);
    for (const p of pieces(msg, size)) a.data(true, p, 1);
    for (const p of pieces(reply, size)) a.data(false, p, 2);
    const r = records(ctx);
    assert.equal(r.length, 1, `split ${size}`);
    assert.equal(r[0]!.method, 'POST');
    assert.equal(r[0]!.request_body_len, 11, `split ${size}`);
    assert.equal(r[0]!.status_code, 201);
  }
});

test('a reply without length runs until the connection ends', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET / HTTP/1.0\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n0123456789'), 2);
  a.data(false, ascii('0123456789'), 3);
  assert.equal(records(ctx).length, 0);
  a.end(4);
  const r = records(ctx);
  assert.equal(r.length, 1);
  assert.equal(r[0]!.response_body_len, 20);
  assert.equal(r[0]!.version, '1.0');
});

test('HTTP/0.9: no protocol in the request, raw reply; logged like Zeek (0 / <empty>)', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /\r\n\r\n'), 1);
  a.data(false, ascii('<html>hi</html>\n'), 2);
  a.end(3);
  const r = records(ctx);
  assert.equal(r.length, 1);
  assert.equal(r[0]!.version, '0.9');
  assert.equal(r[0]!.status_code, 0);
  assert.equal(r[0]!.status_msg, '<empty>');
  assert.equal(r[0]!.response_body_len, 16);
  assert.ok(ctx.anomalies.includes('http_request_line_missing_protocol'));
});

test('a status line after a protocol-less request is still parsed as one', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), 2);
  const r = records(ctx);
  assert.equal(r.length, 1);
  assert.equal(r[0]!.status_code, 400);
  assert.equal(r[0]!.version, '1.1');
});

test('a reply with no request (capture started mid-connection) is logged once, interim code kept', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(false, ascii('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), 1);
  a.end(2);
  const r = records(ctx);
  assert.equal(r.length, 1);
  assert.equal(r[0]!.method, undefined);
  assert.equal(r[0]!.info_code, 100);
  assert.equal(r[0]!.status_code, 200);
  assert.equal(r[0]!.response_body_len, 2);
  assert.ok(ctx.anomalies.includes('http_reply_without_request'));
});

test('a request line without protocol followed by headers still yields the headers', () => {
  // As in suricata-verify http-not09: "GET /" then header lines, LF endings, a line without colon.
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /\nFakeHeader\nHost: localhost\nUser-Agent: myscript\n\n'), 1);
  a.data(false, ascii('<!DOCTYPE HTML>\n<html></html>\n'), 2);
  a.end(3);
  const r = records(ctx);
  assert.equal(r.length, 1);
  assert.equal(r[0]!.user_agent, 'myscript');
  assert.equal(r[0]!.host, 'localhost');
  assert.ok(ctx.anomalies.includes('http_request_line_missing_protocol'));
  assert.ok(ctx.anomalies.includes('http_bad_header_line'));
});

test('100 Continue goes to info_code; the final reply completes the pair', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 100 Continue\r\n\r\n'), 2);
  a.data(true, ascii('ok'), 3);
  a.data(false, ascii('HTTP/1.1 204 No Content\r\n\r\n'), 4);
  const r = records(ctx);
  assert.equal(r.length, 1);
  assert.equal(r[0]!.info_code, 100);
  assert.equal(r[0]!.info_msg, 'Continue');
  assert.equal(r[0]!.status_code, 204);
  assert.equal(r[0]!.request_body_len, 2);
});

test('an unanswered request is logged at end without status', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /never HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.end(9);
  const r = records(ctx);
  assert.equal(r.length, 1);
  assert.equal(r[0]!.status_code, undefined);
  assert.equal(r[0]!.uri, '/never');
});

test('Basic auth: user logged, password never; 401 is a failure and 200 a success', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  const cred = Buffer.from('alice:s3cret').toString('base64');
  a.data(true, ascii(`GET /p HTTP/1.1\r\nHost: h\r\nAuthorization: Basic ${cred}\r\n\r\n`), 1);
  a.data(false, ascii('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\nContent-Length: 0\r\n\r\n'), 2);
  a.data(true, ascii(`GET /p HTTP/1.1\r\nHost: h\r\nAuthorization: Basic ${cred}\r\n\r\n`), 3);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 4);
  const r = records(ctx);
  assert.equal(r[0]!.username, 'alice');
  assert.ok(!JSON.stringify(ctx.events).includes('s3cret'));
  const au = auths(ctx);
  assert.deepEqual(au.map((x) => [x.outcome, x.user, x.service]), [
    ['failure', 'alice', 'http'],
    ['success', 'alice', 'http'],
  ]);
  assert.equal(au[0]!.detail, 'Basic 401 Unauthorized');
});

test('NTLM: a 401 carrying a challenge is not a failure; the type 3 user is reported', () => {
  // NTLM AUTHENTICATE (type 3), OEM strings: domain "CORP", user "bob", workstation "WS".
  const msg = new Uint8Array(64 + 4 + 3 + 2);
  msg.set(Buffer.from('NTLMSSP\0', 'latin1'), 0);
  msg[8] = 3;
  const field = (at: number, len: number, off: number) => {
    msg[at] = len; msg[at + 2] = len; msg[at + 4] = off;
  };
  field(12, 0, 64); // LM
  field(20, 0, 64); // NT
  field(28, 4, 64); // domain
  field(36, 3, 68); // user
  field(44, 2, 71); // workstation
  msg[60] = 0x02; // flags: OEM, not Unicode
  msg.set(Buffer.from('CORPbobWS', 'latin1'), 64);
  const t3 = Buffer.from(msg).toString('base64');
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET / HTTP/1.1\r\nAuthorization: NTLM TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM TlRMTVNTUAACAAAA\r\nContent-Length: 0\r\n\r\n'), 2);
  a.data(true, ascii(`GET / HTTP/1.1\r\nAuthorization: NTLM ${t3}\r\n\r\n`), 3);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 4);
  const au = auths(ctx);
  assert.equal(au.length, 1);
  assert.equal(au[0]!.outcome, 'success');
  assert.equal(au[0]!.user, 'CORP\\bob');
  assert.equal(au[0]!.workstation, 'WS');
  // Zeek's username is Basic-only.
  assert.equal(records(ctx)[1]!.username, undefined);
  // A sign-in answered with neither a refusal nor a success (ntlmrelayx answers 404) is an unknown outcome.
  const lost = fakeContext();
  const b = httpSpec.create(lost);
  b.data(true, ascii(`GET /files/ HTTP/1.1\r\nAuthorization: NTLM ${t3}\r\n\r\n`), 1);
  b.data(false, ascii('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'), 2);
  assert.deepEqual(auths(lost).map((x) => [x.outcome, x.user, x.workstation]), [['unknown', 'CORP\\bob', 'WS']]);
  // Without credentials a 404 is no sign-in at all.
  const none = fakeContext();
  const c = httpSpec.create(none);
  c.data(true, ascii('GET /x HTTP/1.1\r\n\r\n'), 1);
  c.data(false, ascii('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'), 2);
  assert.equal(auths(none).length, 0);
});

test('proxy headers are listed in proxied', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET / HTTP/1.1\r\nVia: 1.1 squid\r\nX-Forwarded-For: 10.1.1.1\r\n\r\n'), 1);
  a.end(2);
  assert.deepEqual(records(ctx)[0]!.proxied, ['VIA -> 1.1 squid', 'X-FORWARDED-FOR -> 10.1.1.1']);
});

test('several User-Agent headers: the record keeps the last (as Zeek), the event lists them all', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  const nse = 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)';
  a.data(true, ascii(`GET / HTTP/1.1\r\nUser-Agent: ${nse}\r\nuser-agent: Mozilla/5.0 Chrome/124\r\n\r\nGET /2 HTTP/1.1\r\nUser-Agent: one\r\n\r\n`), 1);
  for (let i = 0; i < 6; i++) a.data(true, ascii(`GET /3 HTTP/1.1\r\n${'User-Agent: a\r\n'.repeat(i === 5 ? 9 : 0)}\r\n`), 2);
  a.end(3);
  const evs = ctx.events.filter((e) => e.type === 'http');
  assert.equal(evs[0]!.record.user_agent, 'Mozilla/5.0 Chrome/124');
  assert.deepEqual(evs[0]!.user_agents, [nse, 'Mozilla/5.0 Chrome/124']);
  assert.equal(evs[1]!.user_agents, undefined, 'one header: no list');
  assert.equal(evs[7]!.user_agents!.length, 4, 'bounded');
});

test('claims: a whole HTTP/1.x request line takes any port; other bytes, replies and 0.9-style lines do not', () => {
  const c = (s: string, fromOrig = true) => httpSpec.claims!(ascii(s), fromOrig, 'tcp');
  assert.equal(c('GET /x HTTP/1.1\r\nHost: a\r\n'), true);
  assert.equal(c('POST /wsman HTTP/1.0\n'), true);
  assert.equal(c('GET /x HTTP/1.1'), false, 'line end not seen yet');
  assert.equal(c('GET key\r\n'), false);
  assert.equal(c('HTTP/1.1 200 OK\r\n', false), false);
  assert.equal(c('GET /x HTTP/1.1\r\n', false), false);
  assert.equal(c('\x16\x03\x01\x00\xa5\x01'), false);
  assert.equal(c('USER anonymous\r\n'), false);
  assert.equal(httpSpec.claims!(ascii('GET / HTTP/1.1\r\n'), true, 'udp'), false);
});

test('CONNECT 200 and 101 Switching Protocols stop parsing both directions', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 200 Connection established\r\n\r\n'), 2);
  assert.equal(a.wants!(true), false);
  assert.equal(a.wants!(false), false);
  a.data(true, new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x05]), 3);
  assert.deepEqual(ctx.anomalies, []);
  assert.equal(records(ctx).length, 1);

  const ctx2 = fakeContext();
  const b = httpSpec.create(ctx2);
  b.data(true, ascii('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'), 1);
  b.data(false, ascii('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello'), 2);
  assert.equal(b.wants!(true), false);
  assert.equal(records(ctx2)[0]!.status_code, 101);
  assert.deepEqual(ctx2.anomalies, []);
});

test('garbage is an anomaly and the direction is abandoned', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, new Uint8Array([0x00, 0x01, 0x02, 0x0a]), 1);
  assert.ok(ctx.anomalies.includes('http_bad_request_line'));
  assert.equal(a.wants!(true), false);
  assert.deepEqual(ctx.services, []);
});

test('over-long lines and header floods are bounded and flagged', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  const longUri = '/' + 'a'.repeat(20000);
  let headers = '';
  for (let i = 0; i < 150; i++) headers += `X-H${i}: v\r\n`;
  a.data(true, ascii(`GET ${longUri} HTTP/1.1\r\n${headers}User-Agent: late\r\n\r\n`), 1);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 2);
  const r = records(ctx);
  assert.equal(r.length, 1);
  assert.ok(ctx.anomalies.includes('http_line_too_long'));
  assert.ok(ctx.anomalies.includes('http_too_many_headers'));
  assert.ok(r[0]!.uri!.length <= 8192);
  assert.equal(r[0]!.user_agent, undefined); // beyond the header cap
  assert.equal(r[0]!.status_code, 200); // framing survived
});

test('non-printable bytes in fields are escaped as \\xNN', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /%00%ff%C3%A9 HTTP/1.1\r\nUser-Agent: a\x01b\r\n\r\n'), 1);
  a.end(2);
  const r = records(ctx)[0]!;
  assert.equal(r.uri, '/\\x00\\xffé');
  assert.equal(r.user_agent, 'a\\x01b');
});

test('probe: request and status lines, known methods on short data, not random bytes', () => {
  const p = (s: string, fromOrig: boolean) => httpSpec.probe!(ascii(s), fromOrig, 'tcp');
  assert.equal(p('GET / HTTP/1.1\r\n', true), true);
  assert.equal(p('FOO /x HTTP/1.0\r\n', true), true);
  assert.equal(p('GET /partial', true), true);
  assert.equal(p('FOO /partial', true), false);
  assert.equal(p('M-SEARCH * HTTP/1.1\r\n', true), true);
  assert.equal(p('HTTP/1.1 200 OK\r\n', false), true);
  assert.equal(p('SSH-2.0-OpenSSH\r\n', true), false);
  assert.equal(p('\x16\x03\x01\x00\xa5\x01', true), false);
  assert.equal(p('GET / HTTP/1.1\r\n', true) && httpSpec.probe!(ascii('GET / HTTP/1.1'), true, 'udp'), false);
});

test('a segment ending mid-line does not allocate a whole line buffer', () => {
  const kept = retainedBytes(() => {
    const flows: unknown[] = [];
    for (let i = 0; i < 2000; i++) {
      const a = httpSpec.create(fakeContext());
      a.data(true, ascii('GET /'), 1);
      a.data(false, ascii('HTTP/1.1 2'), 1);
      flows.push(a);
    }
    return flows;
  });
  // Two 8 KiB line buffers per flow kept 32 MB for these 2,000 flows.
  assert.ok(kept < 10 * 1024 * 1024, `${kept} bytes kept`);
});

test('lost bytes that end exactly where a Content-Length body ends keep the framing', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /1 HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n'), 2);
  a.data(false, new Uint8Array(100), 2);
  a.gap!(false, 200);
  a.data(true, ascii('GET /2 HTTP/1.1\r\nHost: h\r\n\r\n'), 3);
  a.data(false, ascii('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'), 4);
  assert.deepEqual(records(ctx).map((x) => [x.uri, x.status_code, x.response_body_len]), [
    ['/1', 200, 100],
    ['/2', 404, 0],
  ]);
  assert.deepEqual(ctx.anomalies, []);
  // Such a body's end, when nothing follows, is the connection's end.
  a.data(true, ascii('GET /3 HTTP/1.1\r\nHost: h\r\n\r\n'), 5);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n'), 6);
  a.gap!(false, 50);
  a.end(7);
  assert.deepEqual(records(ctx).map((x) => [x.uri, x.status_code]).slice(2), [['/3', 200]]);
});

test('after lost reply bytes, bytes that never make a status line are skipped in bounded memory, and nothing is taken for a reply', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  const heldBefore = parserBuffers.held;
  a.data(true, ascii('GET /1 HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Le'), 2);
  a.gap!(false, 1400);
  // The reply being read is logged as it stands when its framing is lost.
  assert.deepEqual(records(ctx).map((x) => [x.uri, x.status_code, x.response_body_len]), [['/1', 200, 0]]);
  a.data(true, ascii('GET /2 HTTP/1.1\r\nHost: h\r\n\r\n'), 3);
  const rand = rng(7);
  const junk = new Uint8Array(64 * 1024);
  for (let k = 0; k < junk.length; k++) junk[k] = Math.floor(rand() * 256);
  const nearMisses = [
    'HTTP/1.1 2000 OK\r\n', 'HTTP/2 200\r\n', 'HTTP/1.1 20 OK\r\n', 'HTTP/1.x 200 OK\r\n', 'GET / HTTP/1.1\r\n',
    'Content-Length: 5\r\n\r\nhello', '0\r\n\r\n',
  ];
  let maxHeld = 0;
  const feed = (bytes: Uint8Array): void => {
    a.data(false, bytes, 4);
    maxHeld = Math.max(maxHeld, parserBuffers.held - heldBefore);
  };
  for (const p of pieces(junk, 1000)) feed(p);
  for (const m of nearMisses) {
    const b = ascii(m);
    feed(b);
    // The same bytes cut in two at each position, across calls.
    for (let cut = 1; cut < b.length; cut++) {
      feed(b.subarray(0, cut));
      feed(b.subarray(cut));
    }
  }
  // A status line that does not begin a line (a segment that begins with one is read as one).
  feed(ascii('x HTTP/1.1 200 OK\r\n'));
  // One line that begins like a status line and never ends: carried up to the line bound, then dropped.
  feed(ascii('HTTP/1.1 200 OK'));
  for (let k = 0; k < 100; k++) feed(new Uint8Array(1000).fill(0x61));
  feed(ascii('\r\n'));
  assert.ok(maxHeld <= MAX_LINE_BYTES, `line buffers held ${maxHeld} bytes`);
  assert.equal(parserBuffers.held, heldBefore);
  // The reply side is still looking for a start line; nothing after the gap became a reply.
  assert.equal(a.wants!(false), true);
  assert.equal(records(ctx).length, 1);
  a.end(5);
  assert.deepEqual(records(ctx).map((x) => [x.uri, x.status_code]), [['/1', 200], ['/2', undefined]]);
  assert.equal(ctx.anomalies.filter((c) => c === 'http_content_gap').length, 1);
  assert.ok(!ctx.anomalies.includes('http_resync'));
});

test('after lost reply bytes on a connection seen pipelining, the waiting requests are not guessed at', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  // Reply 1 ends with request 2 already waiting: the client pipelines.
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'), 2);
  a.data(true, ascii('GET /3 HTTP/1.1\r\nHost: h\r\n\r\n'), 3);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Le'), 4);
  a.gap!(false, 500);
  // Reply 2 was cut; whether reply 3 was lost too is unknown, so this reply is logged alone.
  a.data(false, ascii('HTTP/1.1 204 No Content\r\n\r\n'), 5);
  a.data(true, ascii('GET /4 HTTP/1.1\r\nHost: h\r\n\r\n'), 6);
  a.data(false, ascii('HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n'), 7);
  a.end(8);
  assert.deepEqual(records(ctx).map((x) => [x.trans_depth, x.uri, x.status_code]), [
    [1, '/1', 200],
    [2, '/2', 200],
    [3, '/3', undefined],
    [4, undefined, 204],
    [5, '/4', 302],
  ]);
  assert.equal(ctx.anomalies.filter((c) => c === 'http_resync').length, 1);
});

test('after lost reply bytes without pipelining, a reply answers the newest waiting request, the older ones are logged alone', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /1 HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'), 2);
  // Reply 2 is lost whole; request 3 comes before the loss is known (nothing after it was acknowledged yet).
  a.data(true, ascii('GET /2 HTTP/1.1\r\nHost: h\r\n\r\n'), 3);
  a.data(true, ascii('GET /3 HTTP/1.1\r\nHost: h\r\n\r\n'), 4);
  a.gap!(false, 120);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nbc'), 5);
  assert.deepEqual(records(ctx).map((x) => [x.uri, x.status_code, x.response_body_len]), [
    ['/1', 200, 1],
    ['/2', undefined, 0],
    ['/3', 200, 2],
  ]);
  assert.deepEqual(ctx.anomalies, ['http_content_gap', 'http_resync']);
});

test('a bad chunk-size line ends that message; the side resumes at its next start line', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /1 HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwxyz\r\nzz-not-hex\r\nbody text\r\n'), 2);
  a.data(true, ascii('GET /2 HTTP/1.1\r\nHost: h\r\n\r\n'), 3);
  a.data(false, ascii('HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno'), 4);
  a.end(5);
  const r = records(ctx);
  assert.deepEqual(r.map((x) => [x.uri, x.status_code, x.response_body_len]), [['/1', 200, 4], ['/2', 404, 2]]);
  assert.deepEqual(ctx.anomalies, ['http_bad_chunk_size', 'http_resync']);
});

function reply(head: string, body: Uint8Array): Uint8Array {
  return concat(ascii(head), body);
}

test('a reply body is typed by its first bytes, across any split of the stream; the file name comes from Content-Disposition', () => {
  const body = peFile(3000);
  const msg = reply(
    `HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="logo.png"\r\nContent-Length: ${body.length}\r\n\r\n`,
    body,
  );
  for (const size of [1, 7, 64, 200, 511, 512, 513, 4096]) {
    const ctx = fakeContext();
    const a = httpSpec.create(ctx);
    a.data(true, ascii('GET /logo.png HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
    for (const p of pieces(msg, size)) a.data(false, p, 2);
    const r = records(ctx);
    assert.equal(r.length, 1, `split ${size}`);
    assert.deepEqual(r[0]!.resp_mime_types, ['application/x-dosexec'], `split ${size}`);
    assert.deepEqual(r[0]!.resp_filenames, ['logo.png']);
    assert.equal(r[0]!.orig_mime_types, undefined);
    const ev = ctx.events.find((e) => e.type === 'http');
    assert.ok(ev !== undefined && ev.type === 'http');
    assert.equal(ev.resp_content_type, 'image/png');
    // Zeek's order: the file fields come last.
    assert.deepEqual(Object.keys(r[0]!).slice(-2), ['resp_filenames', 'resp_mime_types']);
  }
});

test('chunked and gzip-coded bodies are typed after decoding; short bodies at their end', () => {
  const html = ascii('<!DOCTYPE html><html><head><title>x</title></head><body>' + 'y'.repeat(3000) + '</body></html>');
  const gz = zlib.gzipSync(html);
  // Two chunks: the gzip header and the first deflate bytes arrive apart.
  const half = gz.length >> 1;
  const chunked = concat(ascii(`${half.toString(16)}\r\n`), gz.subarray(0, half), ascii(`\r\n${(gz.length - half).toString(16)}\r\n`), gz.subarray(half), ascii('\r\n0\r\n\r\n'));
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\nGET /4 HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, reply('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n', chunked), 2);
  a.data(false, reply('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', ascii('#!/bi')), 3);
  a.data(false, reply('HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 4\r\n\r\n', ascii('<htm')), 4);
  // A deflate body (zlib-wrapped, as RFC 9110 says).
  const df = zlib.deflateSync(peFile(700));
  a.data(false, reply(`HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: ${df.length}\r\n\r\n`, df), 5);
  const r = records(ctx);
  // A body shorter than the bytes sniffed is typed when it ends ("#!/bi" is a script's first line).
  assert.deepEqual(r.map((x) => x.resp_mime_types), [['text/html'], ['text/x-shellscript'], undefined, ['application/x-dosexec']]);
  assert.deepEqual(ctx.anomalies, []);
});

test('a multipart body without any delimiter, later parts of a 206 reply and bodyless replies are not typed; a request body is', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  const upload = peFile(600);
  a.data(true, reply(`POST /up HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\nContent-Length: ${upload.length}\r\n\r\n`, upload), 1);
  a.data(true, ascii('POST /form HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 6\r\n\r\nMZ....'), 1);
  a.data(true, ascii('GET /r HTTP/1.1\r\nHost: h\r\nRange: bytes=512-\r\n\r\nGET /r0 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /h HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, ascii('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 2);
  a.data(false, ascii('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 512-515/1000\r\nContent-Length: 4\r\n\r\nMZAA'), 3);
  a.data(false, ascii('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-3/1000\r\nContent-Length: 4\r\n\r\nMZAA'), 4);
  a.data(false, ascii('HTTP/1.1 200 OK\r\nContent-Type: application/x-msdownload\r\nContent-Length: 4\r\n\r\n'), 5);
  const r = records(ctx);
  assert.deepEqual(r.map((x) => [x.uri, x.orig_mime_types, x.resp_mime_types]), [
    ['/up', ['application/x-dosexec'], undefined],
    ['/form', undefined, undefined],
    ['/r', undefined, undefined],
    ['/r0', undefined, ['application/x-dosexec']],
    ['/h', undefined, undefined],
  ]);
});

test('a reply cut off by the end of the connection is typed by what arrived of it', () => {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  a.data(true, ascii('GET /x86 HTTP/1.1\r\nHost: h\r\n\r\n'), 1);
  a.data(false, concat(ascii('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'), new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])), 2);
  a.end(3);
  assert.deepEqual(records(ctx).map((r) => r.resp_mime_types), [['application/x-executable']]);
});

test('ntlmAuthenticateUser: a type 3 message bare, or inside SPNEGO (Negotiate) as Windows sends it; nothing from other tokens', () => {
  const t3 = ntlmAuthenticate('CORP', 'bob', 'WS20');
  const want = { user: 'bob', domain: 'CORP', workstation: 'WS20' };
  assert.deepEqual(ntlmAuthenticateUser(t3), want);
  assert.deepEqual(ntlmAuthenticateUser(spnegoResp(undefined, t3)), want);
  assert.deepEqual(ntlmAuthenticateUser(spnegoInit(t3)), want);
  assert.equal(ntlmAuthenticateUser(spnegoResp(1)), null);
  assert.equal(ntlmAuthenticateUser(ascii('not a token')), null);
});

test('Content-Disposition file names: quoted, plain, RFC 5987 extended; none without the parameter', () => {
  assert.equal(dispositionFileName('attachment; filename="a b.exe"'), 'a b.exe');
  assert.equal(dispositionFileName('attachment; filename=setup.exe'), 'setup.exe');
  assert.equal(dispositionFileName("attachment; filename=\"x.txt\"; filename*=UTF-8''%E2%82%AC%20rates.exe"), '€ rates.exe');
  assert.equal(dispositionFileName('attachment; filename="q\\"uote.exe"'), 'q"uote.exe');
  assert.equal(dispositionFileName("attachment; filename*=UTF-8''%ZZ; filename=fallback.bin"), 'fallback.bin');
  assert.equal(dispositionFileName('inline'), undefined);
  assert.equal(dispositionFileName('attachment; filename=""'), undefined);
});
