/**
 * MQTT in a real capture (the lab's mqtt.pcap: Mosquitto 2.0 with a
 * password file, mosquitto_pub as a sensor over 3.1.1 and 5.0 with QoS 0,
 * 1 (retained) and 2, mosquitto_sub as a dashboard that unsubscribes,
 * subscribes and receives the retained message, an anonymous client and a
 * password guesser): each connection's mqtt_connect.jsonl line has the
 * client id and CONNACK code tshark decodes from the same packets, each
 * publish and (un)subscription the topic, QoS, retain flag and payload
 * tshark shows; the sign-ins are as the broker decided them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { replayEvents } from '../../helpers/replay.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { TSHARK, TSHARK_SKIP } from '../../helpers/tshark-objects.js';
import type { MqttConnectRecord, MqttPublishRecord, MqttSubscribeRecord } from '../../../src/protocols/mqtt/events.js';
import type { AuthEvent } from '../../../src/events/auth.js';

const CAPTURE = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'mqtt.pcap');
const STATUS: Readonly<Record<string, string>> = { '0': 'Connection Accepted', '5': 'Refused: not authorized' };

let cached: Promise<{ logs: MqttConnectRecord[]; publishes: MqttPublishRecord[]; subscriptions: MqttSubscribeRecord[]; auths: AuthEvent[] }> | undefined;
function events() {
  cached ??= replayEvents([CAPTURE]).then((all) => ({
    logs: all.flatMap((e) => (e.type === 'mqtt_connect' ? [e.record] : [])),
    publishes: all.flatMap((e) => (e.type === 'mqtt_publish' ? [e.record] : [])),
    subscriptions: all.flatMap((e) => (e.type === 'mqtt_subscribe' ? [e.record] : [])),
    auths: all.flatMap((e) => (e.type === 'auth' ? [e] : [])),
  }));
  return cached;
}

/** tshark's PUBLISH, SUBSCRIBE and UNSUBSCRIBE packets: client port, type, topic, QoS, retain flag, payload (hex). */
function tsharkMessages(): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    execFile(TSHARK!, ['-r', CAPTURE, '-Y', 'mqtt.msgtype == 3 || mqtt.msgtype == 8 || mqtt.msgtype == 10', '-T', 'fields', '-E', 'separator=/t', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'mqtt.msgtype', '-e', 'mqtt.topic', '-e', 'mqtt.qos', '-e', 'mqtt.retain', '-e', 'mqtt.msg'], (err, out) => {
      if (err) return reject(err);
      resolve(out.trim().split('\n').map((line) => line.split('\t')));
    });
  });
}

/** tshark's client id per client port, and CONNACK code per client port. */
function tsharkView(): Promise<{ ids: Map<number, string>; codes: Map<number, string> }> {
  return new Promise((resolve, reject) => {
    execFile(TSHARK!, ['-r', CAPTURE, '-Y', 'mqtt', '-T', 'fields', '-E', 'separator=/t', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'mqtt.clientid', '-e', 'mqtt.conack.val', '-e', 'mqtt.connack.reason_code'], (err, out) => {
      if (err) return reject(err);
      const ids = new Map<number, string>();
      const codes = new Map<number, string>();
      for (const line of out.trim().split('\n')) {
        const [src, dst, id, code, reason] = line.split('\t');
        if (id !== undefined && id !== '') ids.set(Number(src), id);
        // MQTT 3.x return code, or MQTT 5 reason code.
        const answer = code !== undefined && code !== '' ? code : reason;
        if (answer !== undefined && answer !== '') codes.set(Number(dst), answer);
      }
      resolve({ ids, codes });
    });
  });
}

test('mqtt_connect.jsonl: every connection, with the client id and broker answer tshark decodes', { skip: TSHARK_SKIP }, async () => {
  const { logs } = await events();
  const { ids, codes } = await tsharkView();
  assert.equal(logs.length, 36);
  assert.equal(ids.size, 36);
  for (const r of logs) {
    assert.equal(r.client_id, ids.get(r['id.orig_p']));
    const code = codes.get(r['id.orig_p'])!;
    // The MQTT 5 sensor's "Success" is reason code 0.
    assert.equal(r.connect_status, r.proto_version === '5.0' && code === '0' ? 'Success' : STATUS[code]);
  }
  assert.deepEqual(logs.filter((r) => r['id.orig_h'] === '10.77.2.22').map((r) => r.proto_version), ['3.1.1', '5.0', '3.1.1', '3.1.1']);
});

test('the sign-ins as the broker decided them; the anonymous client is none', async () => {
  const { auths } = await events();
  const mqtt = auths.filter((e) => e.service === 'mqtt');
  const count = (client: string, outcome: string) => mqtt.filter((e) => e.client === client && e.outcome === outcome).length;
  assert.deepEqual([count('10.77.2.22', 'success'), count('10.77.2.21', 'success'), count('10.77.2.24', 'failure'), mqtt.filter((e) => e.client === '10.77.2.23').length], [4, 1, 30, 0]);
  assert.ok(mqtt.every((e) => e.user === 'sensor' && e.cleartext === true));
});

test('mqtt_publish.jsonl and mqtt_subscribe.jsonl: every message and (un)subscription tshark decodes, either way, with its QoS exchange', { skip: TSHARK_SKIP }, async () => {
  const { publishes, subscriptions } = await events();
  const packets = await tsharkMessages();
  const hex = (s: string) => Buffer.from(s).toString('hex');
  const published = packets.filter((p) => p[2] === '3').map(([src, dst, , topic, qos, retain, msg]) => [src === '1883' ? Number(dst) : Number(src), src !== '1883', topic, Number(qos), retain === '1', msg].join(' '));
  const ours = publishes.map((p) => [p['id.orig_p'], p.from_client, p.topic, ['at most once', 'at least once', 'exactly once'].indexOf(p.qos), p.retain, hex(p.payload)].join(' '));
  assert.deepEqual(ours.sort(), published.sort());
  assert.equal(publishes.length, 5);
  // Every exchange was seen whole: QoS 1 acknowledged, QoS 2 through PUBCOMP.
  assert.ok(publishes.every((p) => p.status === 'ok'));
  const asked = packets.filter((p) => p[2] === '8' || p[2] === '10').map(([src, , type, topic]) => [Number(src), type === '8' ? 'MQTT::SUBSCRIBE' : 'MQTT::UNSUBSCRIBE', topic].join(' '));
  assert.deepEqual(subscriptions.map((r) => [r['id.orig_p'], r.action, r.topics.join(',')].join(' ')).sort(), asked.sort());
  assert.deepEqual(subscriptions.map((r) => [r.action, r.qos_levels, r.granted_qos_level, r.ack]).sort(), [
    ['MQTT::SUBSCRIBE', [1], 1, true],
    ['MQTT::UNSUBSCRIBE', undefined, undefined, true],
  ]);
});
