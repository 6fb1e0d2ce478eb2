/**
 * Passwords outside the Authorization header: login forms
 * (application/x-www-form-urlencoded), JSON sign-in bodies and URI queries
 * give `auth` events in clear, with the account when a field names it, the
 * outcome the reply shows (401/403 failure, else unknown), never the
 * password; in any cut of the stream, with bounded memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpSpec } from '../../../src/protocols/http/index.js';
import type { AuthEvent } from '../../../src/events/auth.js';
import { jsonCredentials, MAX_FORM_BYTES, queryCredentials, urlencodedCredentials, type FormCredentials } from '../../../src/protocols/http/form-credentials.js';
import { parserBuffers } from '../../../src/protocols/buffer-budget.js';
import { ascii, fakeContext } from './fake-ctx.js';

function auths(request: string | Uint8Array, reply: string | null, piece?: number): AuthEvent[] {
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  const req = typeof request === 'string' ? ascii(request) : request;
  const step = piece ?? req.length;
  for (let i = 0; i < req.length; i += step) a.data(true, req.subarray(i, Math.min(req.length, i + step)), 1);
  if (reply !== null) a.data(false, ascii(reply), 2);
  a.end(3);
  return ctx.events.flatMap((e) => (e.type === 'auth' ? [e] : []));
}

const post = (type: string, body: string, uri = '/login'): string =>
  `POST ${uri} HTTP/1.1\r\nHost: shop.example\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const FOUND = 'HTTP/1.1 302 Found\r\nLocation: /account\r\nContent-Length: 0\r\n\r\n';

test('a urlencoded login form: the account, the field, clear text, outcome unknown; never the password', () => {
  const body = 'log=editor&pwd=Spring2026%21&wp-submit=Log+In&redirect_to=%2Fwp-admin%2F';
  for (const piece of [undefined, 1, 7]) {
    const got = auths(post('application/x-www-form-urlencoded; charset=UTF-8', body, '/wp-login.php?redirect=1'), FOUND, piece);
    assert.equal(got.length, 1, `pieces of ${piece ?? 'all'}`);
    const e = got[0]!;
    assert.deepEqual([e.service, e.user, e.cleartext, e.outcome, e.server, e.server_port], ['http', 'editor', true, 'unknown', '192.0.2.10', 80]);
    assert.equal(e.detail, 'password in a form (field "pwd"), POST /wp-login.php: 302 Found');
    assert.ok(!JSON.stringify(e).includes('Spring2026'), 'the password is not kept');
  }
});

test('401 or 403 is a failure; no reply at all still reports the sign-in', () => {
  const body = 'username=alice&password=guess1';
  assert.deepEqual(auths(post('application/x-www-form-urlencoded', body), 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n').map((e) => e.outcome), ['failure']);
  assert.deepEqual(auths(post('application/x-www-form-urlencoded', body), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno').map((e) => e.outcome), ['unknown']);
  const none = auths(post('application/x-www-form-urlencoded', body), null);
  assert.deepEqual(none.map((e) => [e.user, e.outcome, e.detail]), [['alice', 'unknown', 'password in a form (field "password"), POST /login, no reply']]);
});

test('a JSON sign-in body, nested too; a chunked form', () => {
  const json = auths(post('application/json', JSON.stringify({ auth: { email: 'ops@example.org', password: 'x' }, remember: true }), '/api/v1/session'), FOUND);
  assert.deepEqual(json.map((e) => [e.user, e.detail]), [['ops@example.org', 'password in a JSON body (field "password"), POST /api/v1/session: 302 Found']]);
  const chunked = `POST /j_security_check HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nj_userna\r\n1a\r\nme=tomcat&j_password=s3cr\r\n2\r\net\r\n0\r\n\r\n`;
  assert.deepEqual(auths(chunked, FOUND, 5).map((e) => [e.user, e.detail]), [['tomcat', 'password in a form (field "j_password"), POST /j_security_check: 302 Found']]);
  // Field names as frameworks nest them.
  assert.deepEqual(auths(post('application/x-www-form-urlencoded', 'user%5Bemail%5D=a%40b.c&user%5Bpassword%5D=pw'), FOUND).map((e) => [e.user, e.detail?.split(',')[0]]), [['a@b.c', 'password in a form (field "user[password]")']]);
});

test('a password in the URI query; the detail leaves the query out', () => {
  const got = auths('GET /cgi-bin/login.cgi?user=admin&passwd=admin123 HTTP/1.1\r\nHost: cam\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  assert.deepEqual(got.map((e) => [e.user, e.detail]), [['admin', 'password in the URI query (field "passwd"), GET /cgi-bin/login.cgi: 200 OK']]);
  assert.ok(!JSON.stringify(got).includes('admin123'));
});

test('no event without a password: a search form, an empty password, other types, "pass" in a query, a password past the bound', () => {
  assert.deepEqual(auths(post('application/x-www-form-urlencoded', 'q=password+reset&page=2'), FOUND), []);
  assert.deepEqual(auths(post('application/x-www-form-urlencoded', 'username=bob&password='), FOUND), []);
  assert.deepEqual(auths(post('text/plain', 'username=bob&password=x'), FOUND), []);
  assert.deepEqual(auths(post('application/json', '{"password": 5, "username": "x"}'), FOUND), []);
  assert.deepEqual(auths(post('application/json', '{"password": "x", '), FOUND), [], 'not JSON');
  assert.deepEqual(auths('GET /ride?pass=weekly&pw=1 HTTP/1.1\r\nHost: h\r\n\r\n', FOUND), []);
  assert.deepEqual(auths(post('application/x-www-form-urlencoded', `blob=${'a'.repeat(MAX_FORM_BYTES)}&password=late`), FOUND), []);
  // A field cut at the bound is not read.
  const pad = 'a'.repeat(MAX_FORM_BYTES - 'pad=&password=x'.length + 1);
  assert.deepEqual(auths(post('application/x-www-form-urlencoded', `pad=${pad}&password=xy`), FOUND), []);
});

test('pipelined requests: each sign-in on its own transaction', () => {
  const two = post('application/x-www-form-urlencoded', 'login=a&password=1') + post('application/x-www-form-urlencoded', 'login=b&password=2');
  const got = auths(two, FOUND + 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n', 3);
  assert.deepEqual(got.map((e) => [e.user, e.outcome]), [['a', 'unknown'], ['b', 'failure']]);
});

test('the head kept is charged to the parser buffer budget and given back; a spent budget reads nothing', () => {
  const before = parserBuffers.held;
  const ctx = fakeContext();
  const a = httpSpec.create(ctx);
  const body = 'username=alice&password=abc';
  a.data(true, ascii(`POST /login HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length + 10}\r\n\r\n${body}`), 1);
  assert.equal(parserBuffers.held - before, body.length);
  a.data(true, ascii('&x=0123456'), 2);
  assert.equal(parserBuffers.held, before);
  const max = parserBuffers.maxBytes;
  parserBuffers.maxBytes = parserBuffers.held;
  try {
    assert.deepEqual(auths(post('application/x-www-form-urlencoded', body), FOUND), []);
  } finally {
    parserBuffers.maxBytes = max;
  }
});

/** A finding without its password digest. */
function untagged(found: FormCredentials | null): Omit<FormCredentials, 'secretTag'> | null {
  if (found === null) return null;
  const { secretTag: _tag, ...rest } = found;
  return rest;
}

test('the field readers on their own', () => {
  assert.deepEqual(untagged(urlencodedCredentials('a=1&Passwort=x&E-Mail=m%40x.de', 'form')), { carrier: 'form', field: 'Passwort', user: 'm@x.de' });
  assert.deepEqual(untagged(urlencodedCredentials('pass=%E0%A4%A&user=%ZZ', 'form')), { carrier: 'form', field: 'pass', user: '%ZZ' });
  assert.equal(urlencodedCredentials('pass=x', 'query'), null);
  assert.deepEqual(untagged(queryCredentials('/x?a=1&client_secret=s#frag')), { carrier: 'query', field: 'client_secret' });
  assert.equal(queryCredentials('/x?a=1'), null);
  assert.deepEqual(untagged(jsonCredentials('{"login":"u","credentials":{"pwd":"p"}}')), { carrier: 'json', field: 'pwd', user: 'u' });
  assert.equal(jsonCredentials('[{"password":"p"}]'), null);
  // Deep nesting stops at its bound instead of recursing without end.
  let deep = '"password":"p"';
  for (let i = 0; i < 50; i++) deep = `"a":{${deep}}`;
  assert.equal(jsonCredentials(`{${deep}}`), null);
});

test('the password digest: equal for one password however it was sent, different for another; a 32-bit number, not the password', () => {
  const tag = (s: string | null) => (s === null ? null : (urlencodedCredentials(s, 'form') ?? jsonCredentials(s))?.secretTag);
  const a = tag('user=x&password=hunter2');
  assert.ok(Number.isInteger(a) && a! >= 0 && a! < 2 ** 32);
  assert.equal(tag('password=hunter%32&other=1'), a);
  assert.equal(tag('{"password":"hunter2"}'), a);
  assert.notEqual(tag('user=x&password=hunter3'), a);
  // On the event, never the password.
  const [e] = auths(post('application/x-www-form-urlencoded', 'username=bob&password=hunter2'), FOUND);
  assert.equal(e!.secret_tag, a);
});
