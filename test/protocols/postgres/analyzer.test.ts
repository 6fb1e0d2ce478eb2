/**
 * PostgreSQL analyzer unit tests on hand-built protocol-3.0 messages
 * (PostgreSQL documentation, "Message Formats"): MD5 and SCRAM logins that
 * succeed, 28P01/28000 failures, other errors, SSLRequest answered 'S'
 * (unknown) and 'N' (login in clear follows), GSSENCRequest, CancelRequest,
 * the probe, chunking and mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresSpec, probePostgres } from '../../../src/protocols/postgres/index.js';
import { C, S, assertSplitInvariant, auths, bytes, fuzz, outcomes, play, text, type Step } from '../mail/session.js';

function u32(v: number): number[] {
  return [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

/** An untyped client message: length (including itself) then body. */
function untyped(body: Uint8Array): Uint8Array {
  return bytes(u32(4 + body.length), body);
}

/** A typed message: type byte, length (including itself, not the type), body. */
function typed(type: string, body: Uint8Array): Uint8Array {
  return bytes([type.charCodeAt(0)], u32(4 + body.length), body);
}

function startup(params: Record<string, string>): Uint8Array {
  let s = '';
  for (const [k, v] of Object.entries(params)) s += `${k}\0${v}\0`;
  return untyped(bytes(u32(196608), text(s + '\0')));
}

function error(code: string, message: string): Uint8Array {
  return typed('E', text(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`));
}

const SSL_REQUEST = untyped(new Uint8Array(u32(80877103)));
const AUTH_MD5 = typed('R', bytes(u32(5), [1, 2, 3, 4]));
const AUTH_OK = typed('R', new Uint8Array(u32(0)));
const PASSWORD = typed('p', text('md5a3556571e93b0d20722ba62be61e8c2d\0'));

const MD5_OK: Step[] = [
  [C, startup({ user: 'alice', database: 'shop', application_name: 'psql' })],
  [S, AUTH_MD5],
  [C, PASSWORD],
  [S, bytes(AUTH_OK, typed('S', text('server_version\x0016.2\0')), typed('Z', text('I')))],
];
const MD5_FAIL: Step[] = [
  [C, startup({ user: 'alice' })],
  [S, AUTH_MD5],
  [C, PASSWORD],
  [S, error('28P01', 'password authentication failed for user "alice"')],
];

test('postgresql: MD5 login answered AuthenticationOk is a success', () => {
  const ctx = play(postgresSpec, MD5_OK, { conn: { resp_p: 5432 } });
  assert.deepEqual(ctx.services, ['postgresql']);
  assert.deepEqual(outcomes(ctx), [['success', 'alice', 'AuthenticationOk after MD5Password (database shop)']]);
  assert.equal(auths(ctx)[0]!.cleartext, undefined, 'MD5 sends a digest');
  const clear = play(postgresSpec, [
    [C, startup({ user: 'bob' })],
    [S, typed('R', bytes(u32(3)))],
    [C, typed('p', text('hunter2\0'))],
    [S, AUTH_OK],
  ]);
  assert.deepEqual(auths(clear).map((a) => [a.outcome, a.cleartext]), [['success', true]]);
  assert.equal(ctx.events[0]!.type === 'auth' && ctx.events[0]!.service, 'postgresql');
  assert.ok(!JSON.stringify(ctx.events).includes('md5a3556'));
});

test('postgresql: 28P01 and 28000 are failures; the database defaults to the user', () => {
  assert.deepEqual(outcomes(play(postgresSpec, MD5_FAIL)), [
    ['failure', 'alice', 'FATAL 28P01 password authentication failed for user "alice" (database alice)'],
  ]);
  const hba = play(postgresSpec, [
    [C, startup({ user: 'bob', database: 'prod' })],
    [S, error('28000', 'no pg_hba.conf entry for host "10.0.0.9", user "bob", database "prod", no encryption')],
  ]);
  assert.equal(outcomes(hba)[0]![0], 'failure');
});

test('postgresql: other errors before AuthenticationOk are attempts of unknown outcome', () => {
  const ctx = play(postgresSpec, [[C, startup({ user: 'x' })], [S, error('53300', 'sorry, too many clients already')]]);
  assert.deepEqual(outcomes(ctx), [['unknown', 'x', 'FATAL 53300 sorry, too many clients already (database x)']]);
});

test('postgresql: SCRAM rounds before AuthenticationOk; trust logins', () => {
  const scram = play(postgresSpec, [
    [C, startup({ user: 'carol' })],
    [S, typed('R', bytes(u32(10), text('SCRAM-SHA-256\0\0')))],
    [C, typed('p', text('SCRAM-SHA-256\0...'))],
    [S, typed('R', bytes(u32(11), text('r=abc,s=def,i=4096')))],
    [C, typed('p', text('c=biws,r=abc,p=xyz'))],
    [S, bytes(typed('R', bytes(u32(12), text('v=xyz'))), AUTH_OK)],
  ]);
  assert.deepEqual(outcomes(scram), [['success', 'carol', 'AuthenticationOk after SASL (database carol)']]);
  const trust = play(postgresSpec, [[C, startup({ user: 'dave', database: 'd' })], [S, AUTH_OK]]);
  assert.deepEqual(outcomes(trust), [['success', 'dave', 'AuthenticationOk (trust) (database d)']]);
});

test('postgresql: SSLRequest answered S is one unknown; answered N the login follows in clear', () => {
  const tls = play(postgresSpec, [[C, SSL_REQUEST], [S, text('S')], [C, text('\x16\x03\x01\x02\x00')]]);
  assert.deepEqual(outcomes(tls), [['unknown', undefined, 'TLS']]);
  const clear = play(postgresSpec, [[C, SSL_REQUEST], [S, text('N')], ...MD5_FAIL]);
  assert.equal(outcomes(clear)[0]![0], 'failure');
  const gss = play(postgresSpec, [[C, untyped(new Uint8Array(u32(80877104)))], [S, text('G')]]);
  assert.deepEqual(outcomes(gss), [['unknown', undefined, 'GSSAPI encryption']]);
  // A cancel request is not a login: no auth event.
  const cancel = play(postgresSpec, [[C, untyped(bytes(u32(80877102), u32(1234), u32(5678)))]]);
  assert.deepEqual(outcomes(cancel), []);
});

test('postgresql: malformed input is counted, never thrown', () => {
  const v2 = play(postgresSpec, [[C, untyped(bytes(u32(131072), text('user\0x\0\0')))]]);
  assert.deepEqual(v2.anomalies, ['postgresql_malformed_startup']);
  const lie = play(postgresSpec, [[C, startup({ user: 'e' })], [S, bytes([0x52], u32(0x7fffffff))]]);
  assert.deepEqual(lie.anomalies, ['postgresql_message_too_long']);
  assert.deepEqual(outcomes(lie), [['unknown', 'e', 'no authentication reply seen (database e)']]);
  const unterminated = play(postgresSpec, [[C, untyped(bytes(u32(196608), text('user\0x')))]]);
  assert.deepEqual(unterminated.anomalies, ['postgresql_malformed_startup']);
});

test('postgresql: same events whatever the chunking', () => {
  assertSplitInvariant(postgresSpec, MD5_OK);
  assertSplitInvariant(postgresSpec, [[C, SSL_REQUEST], [S, text('N')], ...MD5_FAIL]);
});

test('postgresql: probe', () => {
  assert.equal(probePostgres(SSL_REQUEST, true), true);
  assert.equal(probePostgres(startup({ user: 'a' }), true), true);
  assert.equal(probePostgres(startup({ user: 'a' }), false), false);
  assert.equal(probePostgres(text('GET / HTTP/1.1\r\n'), true), false);
});

test('postgresql: mutated sessions never throw', () => {
  fuzz(postgresSpec, [MD5_OK, MD5_FAIL, [[C, SSL_REQUEST], [S, text('N')], ...MD5_FAIL]], 0x5eed08, 3000);
});

test('postgresql: AuthenticationOk without any method asked for (trust) is flagged no_password; after a password it is not', () => {
  const trust = play(postgresSpec, [[C, startup({ user: 'postgres' })], [S, AUTH_OK]]);
  assert.deepEqual(auths(trust).map((a) => [a.outcome, a.user, a.no_password, a.detail]), [['success', 'postgres', true, 'AuthenticationOk (trust) (database postgres)']]);
  assert.equal(auths(play(postgresSpec, MD5_OK))[0]!.no_password, undefined);
});
