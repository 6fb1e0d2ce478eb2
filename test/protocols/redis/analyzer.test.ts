/**
 * Redis: the RESP reader (commands as arrays and inline, replies of every
 * RESP 2 and 3 type, nested aggregates, bulk strings stepped over past what
 * is kept, any cut between segments), commands paired with replies in
 * order for redis.log (pipelining, pushes, subscribed mode), passwords kept
 * out of the log, AUTH outcomes as auth events; bad input is counted,
 * never thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisSpec, probeRedis } from '../../../src/protocols/redis/index.js';
import type { RedisLogEvent } from '../../../src/protocols/redis/events.js';
import { RespReader, type RespReply } from '../../../src/protocols/redis/resp-reader.js';
import { commandParts, REDACTED } from '../../../src/protocols/redis/commands.js';
import { MAX_ARG, MAX_PENDING, RedisAnomaly } from '../../../src/protocols/redis/consts.js';
import { collectingContext, ofType } from '../../helpers/analyzer-context.js';
import { mutate, rng } from '../asn1/helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A command as redis-cli sends it: an array of bulk strings. */
const cmd = (...words: string[]): string => `*${words.length}\r\n` + words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('');

function read(commands: boolean, chunks: string[]) {
  const got: { commands: [string[], number][]; replies: RespReply[] } = { commands: [], replies: [] };
  const r = new RespReader(commands, { command: (a, n) => got.commands.push([a, n]), reply: (x) => got.replies.push(x) });
  let ok = true;
  for (const c of chunks) ok = r.push(enc(c)) && ok;
  return { ...got, ok, failure: r.failure };
}

/** Every way of cutting `text` in two: the reader must see the same items. */
function everyCut(commands: boolean, text: string) {
  const whole = read(commands, [text]);
  for (let i = 1; i < text.length; i++) assert.deepEqual(read(commands, [text.slice(0, i), text.slice(i)]), whole, `cut at ${i}`);
  return whole;
}

test('commands: arrays of bulk strings and inline commands, cut anywhere', () => {
  const got = everyCut(true, cmd('SET', 'k', 'a b\r\nc') + 'PING\r\n' + '\r\n' + cmd('GET', 'k') + 'auth   secret\r\n');
  assert.ok(got.ok);
  assert.deepEqual(got.commands, [
    [['SET', 'k', 'a b\\x0d\\x0ac'], 3],
    [['PING'], 1],
    [['GET', 'k'], 2],
    [['auth', 'secret'], 2],
  ]);
});

test('replies: every RESP 2 and 3 type, nested aggregates, attributes skipped, cut anywhere', () => {
  const text =
    '+OK\r\n-ERR nope\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*-1\r\n' +
    '%1\r\n+key\r\n*2\r\n:1\r\n:2\r\n_\r\n,3.14\r\n#t\r\n!8\r\nSYNTAX x\r\n=7\r\ntxt:abc\r\n(123456789012345678\r\n~2\r\n+a\r\n+b\r\n' +
    '|1\r\n+ttl\r\n:3\r\n+after-attribute\r\n>2\r\n+message\r\n+hi\r\n*0\r\n';
  const got = everyCut(false, text);
  assert.ok(got.ok);
  assert.deepEqual(
    got.replies.map((r) => [r.type, r.text, r.error]),
    [
      ['+', 'OK', false],
      ['-', 'ERR nope', true],
      [':', '42', false],
      ['$', 'hello', false],
      ['$', '', false],
      ['*', '2 elements', false],
      ['*', '0 elements', false],
      ['%', '1 elements', false],
      ['_', '', false],
      [',', '3.14', false],
      ['#', 't', false],
      ['!', 'SYNTAX x', true],
      ['=', 'txt:abc', false],
      ['(', '123456789012345678', false],
      ['~', '2 elements', false],
      ['+', 'after-attribute', false],
      ['>', '2 elements', false],
      ['*', '0 elements', false],
    ],
  );
});

test('a large bulk string is stepped over: only MAX_ARG bytes are kept, and what follows is read', () => {
  const big = 'x'.repeat(200_000);
  const r = read(true, [cmd('SET', 'blob', big).slice(0, 70_000), cmd('SET', 'blob', big).slice(70_000), cmd('GET', 'blob')]);
  assert.ok(r.ok);
  assert.equal(r.commands.length, 2);
  assert.equal(r.commands[0]![0][2]!.length, MAX_ARG);
  assert.deepEqual(r.commands[1], [['GET', 'blob'], 2]);
});

test('bytes that are not RESP, and lines past the limit, fail the reader and keep it failed', () => {
  assert.equal(read(false, ['?what\r\n']).failure, 'not_resp');
  assert.equal(read(true, ['*1\r\n:5\r\n']).failure, 'not_resp');
  assert.equal(read(false, ['$abc\r\n']).failure, 'not_resp');
  assert.equal(read(false, ['$5\r\nhelloXX']).failure, 'not_resp');
  assert.equal(read(false, ['+' + 'a'.repeat(70_000)]).failure, 'too_long');
  assert.equal(read(false, ['*1\r\n'.repeat(40)]).failure, 'too_long');
  const r = read(false, ['?\r\n', '+OK\r\n']);
  assert.deepEqual([r.ok, r.replies.length], [false, 0]);
});

test('passwords never leave commandParts: AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2, CONFIG SET requirepass, ACL SETUSER', () => {
  assert.deepEqual(commandParts(['auth', 's3cret']), { name: 'AUTH', args: [REDACTED], auth: { user: undefined } });
  assert.deepEqual(commandParts(['AUTH', 'app', 's3cret']), { name: 'AUTH', args: ['app', REDACTED], auth: { user: 'app' } });
  assert.deepEqual(commandParts(['HELLO', '3', 'AUTH', 'app', 's3cret', 'SETNAME', 'x']), { name: 'HELLO', args: ['3', 'AUTH', 'app', REDACTED, 'SETNAME', 'x'], auth: { user: 'app' } });
  assert.deepEqual(commandParts(['HELLO', '3']), { name: 'HELLO', args: ['3'] });
  assert.deepEqual(commandParts(['MIGRATE', 'h', '6379', '', '0', '5000', 'AUTH', 'pw', 'KEYS', 'a']).args, ['h', '6379', '', '0', '5000', 'AUTH', REDACTED, 'KEYS', 'a']);
  assert.deepEqual(commandParts(['MIGRATE', 'h', '6379', 'k', '0', '5000', 'AUTH2', 'u', 'pw']).args, ['h', '6379', 'k', '0', '5000', 'AUTH2', 'u', REDACTED]);
  assert.deepEqual(commandParts(['config', 'set', 'requirepass', 'pw', 'maxmemory', '1gb']), { name: 'CONFIG SET', args: ['requirepass', REDACTED, 'maxmemory', '1gb'] });
  assert.deepEqual(commandParts(['ACL', 'SETUSER', 'bob', 'on', '>pw', '#abc', '~*']).args, ['bob', 'on', `>${REDACTED}`, `#${REDACTED}`, '~*']);
  assert.deepEqual(commandParts(['MODULE', 'load', '/tmp/x.so']), { name: 'MODULE LOAD', args: ['/tmp/x.so'] });
});

test('content recognition: a RESP command array from the client', () => {
  assert.ok(probeRedis(enc(cmd('PING')), true));
  assert.ok(!probeRedis(enc(cmd('PING')), false));
  assert.ok(!probeRedis(enc('PING\r\n'), true));
  assert.ok(!probeRedis(enc('*x\r\n$4\r\n'), true));
});

function run(steps: [fromOrig: boolean, data: string, ts: number][]) {
  const c = collectingContext({ uid: 'Ctest', orig_h: '10.0.0.1', orig_p: 50000, resp_h: '10.0.0.2', resp_p: 6379, proto: 'tcp' });
  const logs: RedisLogEvent[] = [];
  const a = createRedisSpec({ log: (e) => logs.push(e) }).create(c);
  for (const [o, d, ts] of steps) a.data(o, enc(d), ts);
  a.end(100);
  return { logs, records: logs.map((e) => e.record), auths: ofType(c.events, 'auth'), anomalies: c.anomalies, services: c.services };
}

test('redis.log: commands paired with replies in order (pipelined too), in Zeek\'s columns, passwords out', () => {
  const { records, logs, services } = run([
    [true, cmd('AUTH', 'app', 'pw1') + cmd('SET', 'k', 'v', 'EX', '60') + cmd('GET', 'k'), 1],
    [false, '+OK\r\n+OK\r\n', 1.1],
    [false, '$1\r\nv\r\n', 1.2],
    [true, cmd('LRANGE', 'l', '0', '-1'), 2],
    [false, '*2\r\n$1\r\na\r\n$1\r\nb\r\n', 2.1],
    [true, cmd('INCR', 'k'), 3],
    [false, '-ERR value is not an integer or out of range\r\n', 3.1],
    [true, cmd('QUIT'), 4],
  ]);
  assert.deepEqual(services, ['redis']);
  assert.deepEqual(Object.keys(records[1]!), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'cmd.name', 'cmd.key', 'cmd.value', 'success', 'reply.value']);
  assert.deepEqual(
    records.map((r) => [r.ts, r['cmd.name'], r['cmd.key'], r['cmd.value'], r.success, r['reply.value']]),
    [
      [1, 'AUTH', 'app', REDACTED, true, 'OK'],
      [1, 'SET', 'k', 'v EX 60', true, 'OK'],
      [1, 'GET', 'k', undefined, true, 'v'],
      [2, 'LRANGE', 'l', '0 -1', true, '2 elements'],
      [3, 'INCR', 'k', undefined, false, 'ERR value is not an integer or out of range'],
      [4, 'QUIT', undefined, undefined, undefined, undefined],
    ],
  );
  assert.ok(!JSON.stringify(logs).includes('pw1'));
});

test('sign-ins: OK succeeds, WRONGPASS and "invalid password" fail, other errors and no reply are unknown; all in clear', () => {
  const { auths } = run([
    [true, cmd('AUTH', 'wrong1'), 1],
    [false, '-WRONGPASS invalid username-password pair or user is disabled.\r\n', 1.1],
    [true, cmd('AUTH', 'wrong2'), 2],
    [false, '-ERR invalid password\r\n', 2.1],
    [true, cmd('AUTH', 'x'), 3],
    [false, '-ERR AUTH <password> called without any password configured for the default user.\r\n', 3.1],
    [true, cmd('HELLO', '3', 'AUTH', 'ops', 'right'), 4],
    [false, '%1\r\n+server\r\n+redis\r\n', 4.1],
    [true, cmd('AUTH', 'ops', 'again'), 5],
  ]);
  assert.deepEqual(
    auths.map((e) => [e.ts, e.service, e.user, e.outcome, e.cleartext, e.detail]),
    [
      [1.1, 'redis', undefined, 'failure', true, 'WRONGPASS invalid username-password pair or user is disabled.'],
      [2.1, 'redis', undefined, 'failure', true, 'ERR invalid password'],
      [3.1, 'redis', undefined, 'unknown', true, 'ERR AUTH <password> called without any password configured for the default user.'],
      [4.1, 'redis', 'ops', 'success', true, 'OK'],
      [5, 'redis', 'ops', 'unknown', true, 'AUTH without a reply'],
    ],
  );
});

test('pushes are not replies; after SUBSCRIBE or CLIENT REPLY OFF commands are logged without replies', () => {
  const a = run([
    [true, cmd('CLIENT', 'TRACKING', 'on'), 1],
    [false, '>2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n+OK\r\n', 1.1],
  ]);
  assert.deepEqual(a.records.map((r) => [r['cmd.name'], r['reply.value']]), [['CLIENT TRACKING', 'OK']]);
  const b = run([
    [true, cmd('SUBSCRIBE', 'news'), 1],
    [false, '*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n', 1.1],
    [false, '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n', 2],
    [true, cmd('UNSUBSCRIBE'), 3],
  ]);
  assert.deepEqual(b.records.map((r) => [r['cmd.name'], r.success]), [['SUBSCRIBE', true], ['UNSUBSCRIBE', undefined]]);
  const c = run([
    [true, cmd('CLIENT', 'REPLY', 'OFF') + cmd('SET', 'a', '1'), 1],
    [false, '', 1.1],
  ]);
  assert.deepEqual(c.records.map((r) => [r['cmd.name'], r.success]), [['SET', undefined], ['CLIENT REPLY', undefined]]);
});

test('at most MAX_PENDING commands wait; junk from either side is counted and ends the pairing', () => {
  const many = cmd('PING').repeat(MAX_PENDING + 1);
  const a = run([[true, many, 1]]);
  assert.equal(a.records.length, MAX_PENDING + 1);
  assert.deepEqual(a.anomalies, [RedisAnomaly.TOO_MANY_PENDING]);
  const b = run([
    [true, cmd('GET', 'k'), 1],
    [false, 'HTTP/1.1 400 Bad Request\r\n', 1.1],
    [true, cmd('GET', 'k2'), 2],
  ]);
  assert.deepEqual(b.anomalies, [RedisAnomaly.NOT_RESP]);
  assert.deepEqual(b.records.map((r) => [r['cmd.key'], r.success]), [['k2', undefined], ['k', undefined]]);
  assert.deepEqual(b.services, []);
});

test('mutated traffic never throws', () => {
  const rand = rng(6379);
  const seeds = [enc(cmd('AUTH', 'u', 'p') + cmd('SET', 'k', 'v')), enc('+OK\r\n-WRONGPASS no\r\n*2\r\n$1\r\na\r\n%1\r\n+k\r\n:1\r\n'), enc(cmd('EVAL', 'return 1', '0'))];
  for (let i = 0; i < 3000; i++) {
    const c = collectingContext({ uid: 'Cfuzz', orig_h: '10.0.0.1', orig_p: 50000, resp_h: '10.0.0.2', resp_p: 6379, proto: 'tcp' });
    const a = createRedisSpec({ log: () => {} }).create(c);
    for (let k = 0; k < 4; k++) a.data(k % 2 === 0, mutate(seeds[Math.floor(rand() * seeds.length)]!, rand), k);
    a.end(10);
  }
});
