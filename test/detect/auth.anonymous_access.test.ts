/**
 * auth.anonymous_access: a Redis server inside the site running an outside
 * client's commands before any sign-in, and an MQTT broker accepting an
 * outside client without credentials, alert (one alert per server and
 * service, clients listed); refused commands, sign-ins, connections picked
 * up midstream, inside clients (unless asked), allowed servers and servers
 * outside the site do not; a long Redis session is judged at its first
 * snapshot, once. The lab's recorded open services, and every other
 * capture (quiet).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, auth, harness, only, replayRuleAlerts, session } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, SURICATA_CORPUS, capturesUnder } from '../helpers/paths.js';
import type { FlowEndEvent, PicketEvent } from '../../src/events/types.js';
import type { RedisLogEvent } from '../../src/protocols/redis/events.js';
import type { MqttConnectLogEvent } from '../../src/protocols/mqtt/events.js';

const RULE = 'auth.anonymous_access';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');
const SERVER = '10.77.1.10';
const OUTSIDE = '198.51.100.10';

function redis(ts: number, uid: string, name: string, success: boolean | undefined, a: { client?: string; server?: string; args?: string[] } = {}): RedisLogEvent {
  const e: RedisLogEvent = {
    type: 'redis',
    log: 'redis',
    ts,
    uid,
    record: { ts, uid, 'id.orig_h': a.client ?? OUTSIDE, 'id.orig_p': 50000, 'id.resp_h': a.server ?? SERVER, 'id.resp_p': 6379, 'cmd.name': name },
    args: a.args ?? [],
  };
  if (success !== undefined) e.record.success = success;
  return e;
}

/** The connection `uid` ends; `history` without an S: picked up midstream. */
function end(ts: number, uid: string, a: { client?: string; server?: string; history?: string } = {}): FlowEndEvent {
  return session({ ts: ts - 2, uid, 'id.orig_h': a.client ?? OUTSIDE, 'id.resp_h': a.server ?? SERVER, 'id.resp_p': 6379, history: a.history ?? 'ShADadFf' });
}

function mqtt(ts: number, clientId: string, a: { client?: string; accepted?: boolean; anonymous?: boolean } = {}): MqttConnectLogEvent {
  return {
    type: 'mqtt_connect',
    log: 'mqtt_connect',
    ts,
    uid: `CM${ts}`,
    record: { ts, uid: `CM${ts}`, 'id.orig_h': a.client ?? OUTSIDE, 'id.orig_p': 50000, 'id.resp_h': SERVER, 'id.resp_p': 1883, proto_name: 'MQTT', proto_version: '3.1.1', client_id: clientId, connect_status: 'Connection Accepted' },
    accepted: a.accepted ?? true,
    anonymous: a.anonymous ?? true,
  };
}

function run(events: PicketEvent[], yaml = SITE_YAML) {
  const h = harness(yaml);
  for (const e of events) h.emit(e);
  return only(h.finish(), RULE);
}

test('Redis answering an outside client without a sign-in: critical, at the connection\'s end, commands listed', () => {
  const a = run([redis(1, 'C1', 'INFO', true, { args: ['server'] }), redis(1.1, 'C1', 'CONFIG GET', true), redis(1.2, 'C1', 'KEYS', true), end(3, 'C1')]);
  assert.equal(a.length, 1);
  assert.deepEqual([a[0]!.source.ip, a[0]!.destination?.ip, a[0]!.destination?.port, a[0]!.event.severity, a[0]!.threat.technique.id], [OUTSIDE, SERVER, 6379, 4, 'T1190']);
  assert.equal(a[0]!.message, 'Redis on 10.77.1.10 (servers) port 6379 ran commands from 198.51.100.10 without a password (INFO, CONFIG GET, KEYS)');
  assert.deepEqual(a[0]!.evidence.commands, ['INFO', 'CONFIG GET', 'KEYS']);
  assert.equal(a[0]!.evidence.from_inside, false);
});

test('a refused command, a sign-in first, or no reply: quiet; a sign-in after open commands changes nothing', () => {
  assert.equal(run([redis(1, 'C1', 'INFO', false), redis(1.1, 'C1', 'AUTH', true), redis(1.2, 'C1', 'KEYS', true), end(3, 'C1')]).length, 0, 'NOAUTH, then a sign-in');
  assert.equal(run([redis(1, 'C1', 'AUTH', true), redis(1.1, 'C1', 'DBSIZE', true), end(3, 'C1')]).length, 0);
  assert.equal(run([redis(1, 'C1', 'HELLO', true, { args: ['3', 'AUTH', 'default', '********'] }), redis(1.1, 'C1', 'GET', true), end(3, 'C1')]).length, 0);
  assert.equal(run([redis(1, 'C1', 'HELLO', true, { args: ['3'] }), end(3, 'C1')]).length, 1, 'HELLO without AUTH runs on an open server only');
  assert.equal(run([redis(1, 'C1', 'QUIT', true), end(3, 'C1')]).length, 0, 'QUIT answers anyone');
  assert.equal(run([redis(1, 'C1', 'INFO', undefined), end(3, 'C1')]).length, 0, 'no reply seen');
  assert.equal(run([redis(1, 'C1', 'INFO', true), redis(1.1, 'C1', 'AUTH', false), end(3, 'C1')]).length, 1);
});

test('a Redis connection picked up midstream is not judged: its sign-in may have gone by unseen', () => {
  assert.equal(run([redis(1, 'C1', 'GET', true), end(3, 'C1', { history: 'DdAa' })]).length, 0);
  const ackFirst = session({ ts: 1, uid: 'C2', 'id.orig_h': OUTSIDE, 'id.resp_h': SERVER, 'id.resp_p': 6379, history: 'ShADad' });
  ackFirst.openedWithAck = true;
  assert.equal(run([redis(1, 'C2', 'GET', true), ackFirst]).length, 0);
});

test('a long Redis session is judged at its first snapshot and not again when it ends', () => {
  const done = end(4000, 'C1');
  const snapshot: PicketEvent = { type: 'flow.long', ts: 600, record: { ...done.record, duration: 600 }, openedWithAck: false };
  const a = run([redis(1, 'C1', 'MONITOR', true), snapshot, redis(700, 'C1', 'GET', true), done]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.connections, 1);
  // A snapshot before any open command keeps following the connection.
  const later = run([snapshot, redis(700, 'C1', 'GET', true), done]);
  assert.equal(later.length, 1);
});

test('MQTT: an accepted CONNECT without credentials from outside is high; refused or with a user name, quiet', () => {
  const a = run([mqtt(1, 'scan-01'), mqtt(2, 'scan-02'), mqtt(3, 'x', { accepted: false }), mqtt(4, 'sensor', { anonymous: false })]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.message, 'MQTT broker on 10.77.1.10 (servers) port 1883 accepted 198.51.100.10 without a user name or password (client id scan-01, scan-02); 2 connections');
  assert.deepEqual([a[0]!.evidence.service, a[0]!.evidence.client_ids, a[0]!.evidence.connections], ['mqtt', ['scan-01', 'scan-02'], 2]);
});

test('inside clients only with internal_clients (severity 2); allowed servers, servers outside the site and services off are quiet', () => {
  const inside = [redis(1, 'C1', 'GET', true, { client: '10.77.2.22' }), end(3, 'C1', { client: '10.77.2.22' }), mqtt(4, 'app-22', { client: '10.77.2.22' })];
  assert.equal(run(inside).length, 0);
  const a = run(inside, `${SITE_YAML}detectors:\n  auth.anonymous_access: { internal_clients: true }\n`);
  assert.deepEqual(a.map((x) => [x.evidence.service, x.event.severity, x.evidence.from_inside]).sort(), [['mqtt', 2, true], ['redis', 2, true]]);
  // An inside client after an outside one does not lower the exposed broker's alert.
  const mixed = run([mqtt(1, 'scan'), mqtt(2, 'app-22', { client: '10.77.2.22' })], `${SITE_YAML}detectors:\n  auth.anonymous_access: { internal_clients: true }\n`);
  assert.deepEqual([mixed.length, mixed[0]!.event.severity, mixed[0]!.evidence.from_inside, mixed[0]!.evidence.clients], [1, 3, false, [OUTSIDE, '10.77.2.22']]);
  const outsideServer = '203.0.113.9';
  assert.equal(run([redis(1, 'C1', 'GET', true, { client: '10.77.2.20', server: outsideServer }), end(3, 'C1', { client: '10.77.2.20', server: outsideServer })]).length, 0);
  const open = [redis(1, 'C1', 'GET', true), end(3, 'C1'), mqtt(4, 'scan')];
  assert.equal(run(open, `${SITE_YAML}detectors:\n  auth.anonymous_access: { allowed_servers: [servers] }\n`).length, 0);
  assert.deepEqual(run(open, `${SITE_YAML}detectors:\n  auth.anonymous_access: { services: [mqtt] }\n`).map((x) => x.evidence.service), ['mqtt']);
});

test('a database login without a password (SQL Server blank password, PostgreSQL trust) from outside: critical; with a password, failed, or another service: quiet', () => {
  const blank = auth(1, { service: 'mssql', client: OUTSIDE, server: SERVER, server_port: 1433, user: 'sa', outcome: 'success', no_password: true });
  const a = run([blank, auth(2, { service: 'mssql', client: '203.0.113.7', server: SERVER, server_port: 1433, user: 'sa', outcome: 'success', no_password: true })]);
  assert.equal(a.length, 1);
  assert.deepEqual([a[0]!.event.severity, a[0]!.destination?.port, a[0]!.evidence.service, a[0]!.evidence.users, a[0]!.evidence.clients], [4, 1433, 'mssql', ['sa'], [OUTSIDE, '203.0.113.7']]);
  assert.equal(a[0]!.message, 'SQL Server on 10.77.1.10 (servers) port 1433 let 198.51.100.10 and 203.0.113.7 sign in as sa without a password; 2 connections');
  const trust = run([auth(1, { service: 'postgresql', client: OUTSIDE, server: SERVER, server_port: 5432, user: 'postgres', outcome: 'success', no_password: true })]);
  assert.equal(trust[0]!.message, 'PostgreSQL on 10.77.1.10 (servers) port 5432 let 198.51.100.10 sign in as postgres without a password');
  assert.equal(run([auth(1, { service: 'mssql', client: OUTSIDE, server: SERVER, user: 'sa', outcome: 'success' })]).length, 0, 'a password was given');
  assert.equal(run([auth(1, { service: 'mssql', client: OUTSIDE, server: SERVER, user: 'sa', outcome: 'failure', no_password: true })]).length, 0);
  assert.equal(run([auth(1, { service: 'ftp', client: OUTSIDE, server: SERVER, user: 'anonymous', outcome: 'success', no_password: true })]).length, 0, 'not a judged service');
  assert.equal(run([blank], `${SITE_YAML}detectors:\n  auth.anonymous_access: { services: [redis, mqtt] }\n`).length, 0);
});

test('open-services.pcap: the open Redis and the anonymous broker, reached from the Internet host', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'open-services.pcap'), [RULE]);
  assert.deepEqual(
    a.map((x) => [x.evidence.service, x.source.ip, x.destination?.port, x.event.severity, x.evidence.connections]).sort(),
    [['mqtt', OUTSIDE, 1883, 3, 2], ['redis', OUTSIDE, 6379, 4, 3]],
  );
});

test('no other capture raises it', async () => {
  const files = [
    ...capturesUnder(ZEEK_CORPUS), ...capturesUnder(SURICATA_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')),
    ...capturesUnder(LAB).filter((f) => !f.endsWith('open-services.pcap')),
  ];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});
