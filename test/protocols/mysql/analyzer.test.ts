/**
 * MySQL analyzer unit tests on hand-built connection-phase packets (MySQL
 * client/server protocol documentation: Protocol::HandshakeV10,
 * HandshakeResponse41/320, SSLRequest, OK, ERR, AuthSwitchRequest,
 * AuthMoreData): success, 1045 failure, other errors, TLS, refused hosts,
 * the mysql.log record, the probe, chunking and mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMysqlSpec, mysqlSpec, probeMysql } from '../../../src/protocols/mysql/index.js';
import type { MysqlRecord } from '../../../src/protocols/mysql/events.js';
import { C, S, assertSplitInvariant, bytes, fuzz, outcomes, play, text, type Step } from '../mail/session.js';

/** A packet: 3-byte LE length, sequence id, payload. */
function pkt(seq: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  return bytes([n & 0xff, (n >> 8) & 0xff, n >> 16, seq], payload);
}

function u32le(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24];
}

const GREETING = pkt(
  0,
  bytes(
    [0x0a], text('8.0.36\0'), u32le(42), text('abcdefgh'), [0x00],
    [0xff, 0xf7], [0xff], [0x02, 0x00], [0xff, 0xdf], [21], new Uint8Array(10),
    text('ijklmnopqrst\0'), text('caching_sha2_password\0'),
  ),
);

/** CLIENT_PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH | CONNECT_WITH_DB. */
const CAPS = 0x00088208;

function login(user: string, caps = CAPS): Uint8Array {
  return pkt(1, bytes(u32le(caps), u32le(0x01000000), [0x21], new Uint8Array(23), text(`${user}\0`), [20], new Uint8Array(20).fill(0x5a), text('shop\0'), text('mysql_native_password\0')));
}

const OK = pkt(2, new Uint8Array([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]));
const DENIED = pkt(2, bytes([0xff, 0x15, 0x04], text("#28000Access denied for user 'root'@'10.0.0.1' (using password: YES)")));

const SUCCESS: Step[] = [[S, GREETING], [C, login('app')], [S, OK], [C, pkt(0, bytes([0x03], text('SELECT 1')))]];
const FAILURE: Step[] = [[S, GREETING], [C, login('root')], [S, DENIED]];

function logged(steps: readonly Step[]): { records: MysqlRecord[]; ctx: ReturnType<typeof play> } {
  const records: MysqlRecord[] = [];
  const ctx = play(createMysqlSpec({ log: (e) => records.push(e.record) }), steps, { conn: { resp_p: 3306 } });
  return { records, ctx };
}

test('mysql: greeting, login and OK: success with the user; a mysql.log login record', () => {
  const { records, ctx } = logged(SUCCESS);
  assert.deepEqual(ctx.services, ['mysql']);
  assert.deepEqual(outcomes(ctx), [['success', 'app', 'OK']]);
  assert.deepEqual(records.map((r) => [r.cmd, r.arg, r.success, r.rows, r.response]), [['login', 'app', true, 0, undefined]]);
  assert.equal(records[0]!.ts, 2);
});

test('mysql: ERR 1045 is a failure with the server message', () => {
  const { records, ctx } = logged(FAILURE);
  assert.deepEqual(outcomes(ctx), [['failure', 'root', "ERR 1045 (28000) Access denied for user 'root'@'10.0.0.1' (using password: YES)"]]);
  assert.deepEqual(records.map((r) => [r.arg, r.success, r.response]), [['root', false, "Access denied for user 'root'@'10.0.0.1' (using password: YES)"]]);
});

test('mysql: auth switch and caching_sha2 rounds are passed over until OK', () => {
  const ctx = play(mysqlSpec, [
    [S, GREETING],
    [C, login('svc')],
    [S, pkt(2, bytes([0xfe], text('mysql_native_password\0'), new Uint8Array(20).fill(1), [0]))],
    [C, pkt(3, new Uint8Array(20).fill(2))],
    [S, pkt(4, new Uint8Array([0x01, 0x03]))],
    [S, pkt(5, new Uint8Array([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]))],
  ]);
  assert.deepEqual(outcomes(ctx), [['success', 'svc', 'OK']]);
});

test('mysql: other errors are attempts of unknown outcome; SSL and refused hosts are one unknown', () => {
  const db = play(mysqlSpec, [[S, GREETING], [C, login('app')], [S, pkt(2, bytes([0xff, 0x19, 0x04], text("#42000Unknown database 'shop'")))]]);
  assert.deepEqual(outcomes(db), [['unknown', 'app', "ERR 1049 (42000) Unknown database 'shop'"]]);
  const ssl = play(mysqlSpec, [[S, GREETING], [C, pkt(1, bytes(u32le(CAPS | 0x800), u32le(0x01000000), [0x21], new Uint8Array(23)))], [C, text('\x16\x03\x01')]]);
  assert.deepEqual(outcomes(ssl), [['unknown', undefined, 'TLS']]);
  const refused = play(mysqlSpec, [[S, pkt(0, bytes([0xff, 0x6a, 0x04], text("Host '10.0.0.9' is not allowed to connect to this MySQL server")))]]);
  assert.deepEqual(outcomes(refused), [['unknown', undefined, "ERR 1130 Host '10.0.0.9' is not allowed to connect to this MySQL server"]]);
  // Old HandshakeResponse320: 2-byte capabilities, 3-byte max packet, then the user.
  const old = play(mysqlSpec, [[S, GREETING], [C, pkt(1, bytes([0x05, 0x00], [0, 0, 1], text('legacy\0'), text('12345678')))], [S, DENIED]]);
  assert.equal(outcomes(old)[0]![1], 'legacy');
});

test('mysql: malformed packets are counted, never thrown', () => {
  const bad = play(mysqlSpec, [[S, pkt(0, text('\x09not v10'))]]);
  assert.deepEqual(bad.anomalies, ['mysql_malformed_greeting']);
  assert.deepEqual(outcomes(bad), []);
  const huge = play(mysqlSpec, [[S, new Uint8Array([0xff, 0xff, 0xff, 0x00, 0x0a])]]);
  assert.deepEqual(huge.anomalies, ['mysql_packet_too_long']);
  const noUser = play(mysqlSpec, [[S, GREETING], [C, pkt(1, bytes(u32le(CAPS), new Uint8Array(28), text('no-terminator')))]]);
  assert.deepEqual(noUser.anomalies, ['mysql_malformed_login']);
});

test('mysql: same events whatever the chunking', () => {
  assertSplitInvariant(mysqlSpec, SUCCESS);
  assertSplitInvariant(mysqlSpec, FAILURE);
});

test('mysql: probe', () => {
  assert.equal(probeMysql(GREETING, false), true);
  assert.equal(probeMysql(GREETING, true), false);
  assert.equal(probeMysql(text('SSH-2.0-x\r\n'), false), false);
});

test('mysql: mutated sessions never throw', () => {
  fuzz(mysqlSpec, [SUCCESS, FAILURE], 0x5eed07, 3000);
});
