/**
 * MQTT connection phase: CONNECT (3.1, 3.1.1, 5.0 with properties, will
 * message, user; the password never read into text) and CONNACK as one
 * mqtt_connect.log line in Zeek's columns, packets cut anywhere; sign-ins
 * as auth events; bad input counted, never thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMqttSpec } from '../../../src/protocols/mqtt/index.js';
import type { MqttConnectRecord } from '../../../src/protocols/mqtt/events.js';
import { looksLikeConnect } from '../../../src/protocols/mqtt/parser.js';
import { MqttAnomaly } from '../../../src/protocols/mqtt/consts.js';
import { collectingContext, ofType } from '../../helpers/analyzer-context.js';
import { concat, mutate, rng } from '../asn1/helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (s: string): Uint8Array => concat(new Uint8Array([s.length >> 8, s.length & 0xff]), enc(s));
function varint(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Uint8Array.from(out);
}
const packet = (first: number, body: Uint8Array): Uint8Array => concat(new Uint8Array([first]), varint(body.length), body);

interface Connect {
  version?: number;
  name?: string;
  clientId?: string;
  user?: string;
  password?: string;
  will?: [string, string];
}
function connect(c: Connect = {}): Uint8Array {
  const v = c.version ?? 4;
  let flags = 0x02;
  if (c.user !== undefined) flags |= 0x80;
  if (c.password !== undefined) flags |= 0x40;
  if (c.will !== undefined) flags |= 0x04;
  const props = v === 5 ? concat(varint(5), new Uint8Array([0x11, 0, 0, 0, 60])) : new Uint8Array(0);
  const parts = [str(c.name ?? (v === 3 ? 'MQIsdp' : 'MQTT')), new Uint8Array([v, flags, 0, 60]), props, str(c.clientId ?? 'dev-1')];
  if (c.will !== undefined) {
    if (v === 5) parts.push(varint(0));
    parts.push(str(c.will[0]), str(c.will[1]));
  }
  if (c.user !== undefined) parts.push(str(c.user));
  if (c.password !== undefined) parts.push(str(c.password));
  return packet(0x10, concat(...parts));
}
const connack = (code: number, v5 = false): Uint8Array => packet(0x20, v5 ? new Uint8Array([0, code, 0]) : new Uint8Array([0, code]));

function run(steps: [boolean, Uint8Array, number][]) {
  const c = collectingContext({ uid: 'Cm', orig_h: '10.0.0.1', orig_p: 50000, resp_h: '10.0.0.2', resp_p: 1883, proto: 'tcp' });
  const logs: MqttConnectRecord[] = [];
  const a = createMqttSpec({ log: (e) => logs.push(e.record) }).create(c);
  for (const [o, d, ts] of steps) a.data(o, d, ts);
  a.end(100);
  return { logs, auths: ofType(c.events, 'auth'), anomalies: c.anomalies, services: c.services };
}

test('mqtt_connect.log: Zeek\'s columns; a will message; the password never in the log', () => {
  const { logs, auths, services } = run([
    [true, connect({ clientId: 'cam-7', user: 'sensor', password: 'pw-secret', will: ['lab/status', 'offline'] }), 1],
    [false, connack(0), 1.1],
  ]);
  assert.deepEqual(services, ['mqtt']);
  assert.deepEqual(Object.keys(logs[0]!), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto_name', 'proto_version', 'client_id', 'connect_status', 'will_topic', 'will_payload']);
  assert.deepEqual([logs[0]!.proto_name, logs[0]!.proto_version, logs[0]!.client_id, logs[0]!.connect_status, logs[0]!.will_topic, logs[0]!.will_payload], ['MQTT', '3.1.1', 'cam-7', 'Connection Accepted', 'lab/status', 'offline']);
  assert.deepEqual(auths.map((e) => [e.ts, e.service, e.user, e.outcome, e.cleartext, e.detail]), [[1.1, 'mqtt', 'sensor', 'success', true, 'Connection Accepted']]);
  assert.ok(!JSON.stringify([logs, auths]).includes('pw-secret'));
});

test('sign-in outcomes: 3.x codes 4 and 5 and MQTT 5 reasons 0x86/0x87 fail; other refusals and no answer are unknown; anonymous is no sign-in', () => {
  const out = (steps: [boolean, Uint8Array, number][]) => run(steps).auths.map((e) => [e.outcome, e.detail]);
  assert.deepEqual(out([[true, connect({ user: 'u', password: 'p' }), 1], [false, connack(4), 2]]), [['failure', 'Refused: bad user name or password']]);
  assert.deepEqual(out([[true, connect({ user: 'u', password: 'p' }), 1], [false, connack(5), 2]]), [['failure', 'Refused: not authorized']]);
  assert.deepEqual(out([[true, connect({ version: 5, user: 'u', password: 'p' }), 1], [false, connack(0x86, true), 2]]), [['failure', 'Bad User Name or Password']]);
  assert.deepEqual(out([[true, connect({ version: 5, user: 'u', password: 'p' }), 1], [false, connack(0x89, true), 2]]), [['unknown', 'Server busy']]);
  assert.deepEqual(out([[true, connect({ version: 3, user: 'u', password: 'p' }), 1], [false, connack(3), 2]]), [['unknown', 'Refused: server unavailable']]);
  assert.deepEqual(out([[true, connect({ user: 'u', password: 'p' }), 1]]), [['unknown', 'no CONNACK seen']]);
  const anon = run([[true, connect(), 1], [false, connack(5), 2]]);
  assert.deepEqual([anon.auths.length, anon.logs[0]!.connect_status], [0, 'Refused: not authorized']);
  assert.equal(run([[true, connect({ version: 3, user: 'u' }), 1], [false, connack(0), 2]]).logs[0]!.proto_version, '3.1');
});

test('packets cut anywhere read the same', () => {
  const c = connect({ version: 5, user: 'sensor', password: 'x', will: ['t', 'p'] });
  const whole = run([[true, c, 1], [false, connack(0x87, true), 2]]);
  for (let i = 1; i < c.length; i++) {
    assert.deepEqual(run([[true, c.subarray(0, i), 1], [true, c.subarray(i), 1], [false, connack(0x87, true), 2]]), whole, `cut at ${i}`);
  }
});

test('content recognition and bad packets', () => {
  assert.ok(looksLikeConnect(connect()));
  assert.ok(looksLikeConnect(connect({ version: 3 })));
  assert.ok(!looksLikeConnect(connack(0)));
  assert.ok(!looksLikeConnect(enc('GET / HTTP/1.1\r\n')));
  assert.deepEqual(run([[true, packet(0x30, enc('xx')), 1]]).anomalies, [MqttAnomaly.BAD_PACKET]);
  assert.deepEqual(run([[true, new Uint8Array([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]), 1]]).anomalies, [MqttAnomaly.BAD_PACKET]);
  assert.deepEqual(run([[true, new Uint8Array([0x10, 0xff, 0xff, 0x7f]), 1]]).anomalies, [MqttAnomaly.TOO_LONG]);
  const rand = rng(1883);
  const seeds = [connect({ version: 5, user: 'u', password: 'p', will: ['a', 'b'] }), connect({ version: 3 }), connack(0x86, true), connack(4)];
  for (let i = 0; i < 3000; i++) {
    const steps: [boolean, Uint8Array, number][] = [];
    for (let k = 0; k < 3; k++) steps.push([k % 2 === 0, mutate(seeds[Math.floor(rand() * seeds.length)]!, rand), k]);
    run(steps);
  }
});
