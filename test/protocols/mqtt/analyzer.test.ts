/**
 * MQTT: CONNECT (3.1, 3.1.1, 5.0 with properties, will message, user; the
 * password never read into text) and CONNACK as one mqtt_connect.log line
 * in Zeek's columns, packets cut anywhere; sign-ins as auth events;
 * publishes either way with their QoS exchanges (mqtt_publish.log) and
 * subscriptions with their acknowledgements (mqtt_subscribe.log); a message
 * longer than the buffer; bad input counted, never thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMqttSpec } from '../../../src/protocols/mqtt/index.js';
import type { MqttConnectRecord, MqttPublishRecord, MqttSubscribeRecord } from '../../../src/protocols/mqtt/events.js';
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
  const a = createMqttSpec({ log: (e) => e.type === 'mqtt_connect' && logs.push(e.record) }).create(c);
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
  // After an accepted CONNECT: mutated publishes, acknowledgements and subscriptions either way.
  const later = [publish('a/b', 'payload', { qos: 1, id: 3 }), publish('c', 'x', { qos: 2, id: 4, v5: true }), ack(4, 3), ack(6, 4), subscribe(5, [['t/#', 1], ['u', 2]]), suback(5, [1, 2]), unsubscribe(6, ['t/#'])];
  for (let i = 0; i < 3000; i++) {
    const steps: [boolean, Uint8Array, number][] = [];
    for (let k = 0; k < 4; k++) steps.push([rand() < 0.5, mutate(later[Math.floor(rand() * later.length)]!, rand), 1 + k]);
    session(steps, rand() < 0.5 ? 4 : 5);
  }
});

const id16 = (n: number): Uint8Array => new Uint8Array([n >> 8, n & 0xff]);
/** A PUBLISH: fixed-header flags from QoS, retain and DUP; MQTT 5 adds an empty property list. */
function publish(topic: string, payload: Uint8Array | string, a: { qos?: number; id?: number; retain?: boolean; dup?: boolean; v5?: boolean } = {}): Uint8Array {
  const qos = a.qos ?? 0;
  const first = 0x30 | (a.dup === true ? 8 : 0) | (qos << 1) | (a.retain === true ? 1 : 0);
  const parts = [str(topic)];
  if (qos > 0) parts.push(id16(a.id ?? 1));
  if (a.v5 === true) parts.push(varint(0));
  parts.push(typeof payload === 'string' ? enc(payload) : payload);
  return packet(first, concat(...parts));
}
const ack = (type: number, id: number): Uint8Array => packet((type << 4) | (type === 6 ? 2 : 0), id16(id));
function subscribe(id: number, topics: [string, number][], v5 = false): Uint8Array {
  return packet(0x82, concat(id16(id), ...(v5 ? [varint(0)] : []), ...topics.map(([t, q]) => concat(str(t), new Uint8Array([q])))));
}
const suback = (id: number, codes: number[], v5 = false): Uint8Array => packet(0x90, concat(id16(id), ...(v5 ? [varint(0)] : []), Uint8Array.from(codes)));
const unsubscribe = (id: number, topics: string[]): Uint8Array => packet(0xa2, concat(id16(id), ...topics.map(str)));

function session(steps: [boolean, Uint8Array, number][], version = 4) {
  const c = collectingContext({ uid: 'Cm', orig_h: '10.0.0.1', orig_p: 50000, resp_h: '10.0.0.2', resp_p: 1883, proto: 'tcp' });
  const publishes: MqttPublishRecord[] = [];
  const subscriptions: MqttSubscribeRecord[] = [];
  const a = createMqttSpec({
    log: (e) => {
      if (e.type === 'mqtt_publish') publishes.push(e.record);
      else if (e.type === 'mqtt_subscribe') subscriptions.push(e.record);
    },
  }).create(c);
  const opening: [boolean, Uint8Array, number][] = [[true, connect({ version }), 0], [false, connack(0, version === 5), 0.01]];
  for (const [o, d, ts] of [...opening, ...steps]) a.data(o, d, ts);
  a.end(100);
  return { publishes, subscriptions, anomalies: c.anomalies };
}

test('mqtt_publish.log: Zeek\'s columns; QoS 0 at once, either way; the payload cut at 100 bytes, its length whole', () => {
  const long = 'x'.repeat(150);
  const { publishes } = session([[true, publish('lab/telemetry', '21.5'), 1], [false, publish('lab/cmd', long, { retain: true }), 2]]);
  assert.deepEqual(Object.keys(publishes[0]!), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'from_client', 'retain', 'qos', 'status', 'topic', 'payload', 'payload_len']);
  assert.deepEqual(publishes.map((p) => [p.ts, p.from_client, p.retain, p.qos, p.status, p.topic, p.payload.length, p.payload_len]), [
    [1, true, false, 'at most once', 'ok', 'lab/telemetry', 4, 4],
    [2, false, true, 'at most once', 'ok', 'lab/cmd', 100, 150],
  ]);
});

test('QoS 1 is ok at its PUBACK, QoS 2 at PUBREC, PUBREL and PUBCOMP; a redelivery is not logged twice; unacknowledged is incomplete', () => {
  const { publishes } = session([
    [true, publish('a', 'one', { qos: 1, id: 7 }), 1],
    [true, publish('a', 'one', { qos: 1, id: 7, dup: true }), 1.5],
    [false, ack(4, 7), 1.6],
    // The broker delivers with QoS 2; the client's own identifier 7 is another exchange.
    [false, publish('b', 'two', { qos: 2, id: 7 }), 2],
    [true, ack(5, 7), 2.1],
    [false, ack(6, 7), 2.2],
    [true, ack(7, 7), 2.3],
    [true, publish('c', 'three', { qos: 1, id: 9 }), 3],
  ]);
  assert.deepEqual(publishes.map((p) => [p.topic, p.from_client, p.qos, p.status, p.ts]), [
    ['a', true, 'at least once', 'ok', 1],
    ['b', false, 'exactly once', 'ok', 2],
    ['c', true, 'at least once', 'incomplete_qos', 3],
  ]);
  // A QoS 2 message whose PUBREC and PUBREL went unseen is not complete.
  assert.equal(session([[true, publish('d', 'x', { qos: 2, id: 3 }), 1], [false, ack(7, 3), 2]]).publishes[0]!.status, 'incomplete_qos');
});

test('an exchange left waiting is logged after 5 seconds of packet time, before the connection ends', () => {
  const c = collectingContext({ uid: 'Cm', orig_h: '10.0.0.1', orig_p: 50000, resp_h: '10.0.0.2', resp_p: 1883, proto: 'tcp' });
  const seen: string[] = [];
  const a = createMqttSpec({ log: (e) => seen.push(e.type) }).create(c);
  a.data(true, connect(), 0);
  a.data(false, connack(0), 0.01);
  a.data(true, publish('a', 'x', { qos: 1, id: 1 }), 1);
  a.data(true, subscribe(2, [['lab/#', 1]]), 1);
  a.data(true, publish('b', 'y'), 5.5);
  assert.deepEqual(seen, ['mqtt_connect', 'mqtt_publish']);
  a.data(true, publish('b', 'y'), 6.5);
  assert.deepEqual(seen, ['mqtt_connect', 'mqtt_publish', 'mqtt_publish', 'mqtt_publish', 'mqtt_subscribe']);
});

test('mqtt_subscribe.log: SUBSCRIBE with its QoS and the SUBACK\'s grant, UNSUBSCRIBE at its UNSUBACK, MQTT 5 properties; unanswered is unacknowledged', () => {
  const v4 = session([
    [true, subscribe(1, [['lab/#', 1], ['sys/+/status', 2]]), 1],
    [false, suback(1, [1, 0x80]), 1.1],
    [true, unsubscribe(2, ['lab/#']), 2],
    [false, packet(0xb0, id16(2)), 2.1],
    [true, subscribe(3, [['secret/#', 0]]), 3],
  ]).subscriptions;
  assert.deepEqual(Object.keys(v4[0]!), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'action', 'topics', 'qos_levels', 'granted_qos_level', 'ack']);
  assert.deepEqual(v4.map((r) => [r.ts, r.action, r.topics, r.qos_levels, r.granted_qos_level, r.ack]), [
    [1, 'MQTT::SUBSCRIBE', ['lab/#', 'sys/+/status'], [1, 2], 1, true],
    [2, 'MQTT::UNSUBSCRIBE', ['lab/#'], undefined, undefined, true],
    [3, 'MQTT::SUBSCRIBE', ['secret/#'], [0], undefined, false],
  ]);
  const v5 = session([[true, subscribe(4, [['a/b', 2]], true), 1], [false, suback(4, [0x87], true), 1.1], [false, publish('a/b', 'z', { v5: true }), 2]], 5);
  assert.deepEqual(v5.subscriptions.map((r) => [r.topics, r.granted_qos_level, r.ack]), [[['a/b'], 0x87, true]]);
  assert.deepEqual(v5.publishes.map((p) => [p.topic, p.payload]), [['a/b', 'z']]);
});

test('a message longer than the buffer is read from its head, in pieces; the packets after it still are', () => {
  const big = new Uint8Array(200_000).fill(0x41);
  const bytes = concat(publish('fw/image', big, { qos: 1, id: 5 }), publish('after', 'ok'));
  const steps: [boolean, Uint8Array, number][] = [];
  for (let i = 0; i < bytes.length; i += 1460) steps.push([true, bytes.subarray(i, i + 1460), 1]);
  steps.push([false, ack(4, 5), 2]);
  const { publishes, anomalies } = session(steps);
  assert.deepEqual(publishes.map((p) => [p.topic, p.payload_len, p.payload.length, p.status]), [['after', 2, 2, 'ok'], ['fw/image', 200_000, 100, 'ok']]);
  assert.deepEqual(anomalies, []);
  // Any other packet that long is stepped over and counted.
  const sub = session([[true, packet(0x82, concat(id16(1), new Uint8Array(70_000))), 1], [true, publish('next', 'n'), 2]]);
  assert.deepEqual([sub.anomalies, sub.publishes.map((p) => p.topic)], [[MqttAnomaly.TOO_LONG], ['next']]);
});

test('a whole session cut anywhere reads the same', () => {
  const client = concat(publish('a', 'one', { qos: 1, id: 7 }), subscribe(2, [['lab/#', 1]]), publish('b', 'two', { qos: 2, id: 8 }), ack(6, 8));
  const server = concat(ack(4, 7), suback(2, [1]), ack(5, 8), ack(7, 8));
  const whole = session([[true, client, 1], [false, server, 2]]);
  assert.equal(whole.publishes.length + whole.subscriptions.length, 3);
  for (let i = 1; i < client.length; i += 3) {
    assert.deepEqual(session([[true, client.subarray(0, i), 1], [true, client.subarray(i), 1], [false, server, 2]]), whole, `cut at ${i}`);
  }
});
