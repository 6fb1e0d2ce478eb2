/**
 * tls.heartbleed: Zeek's Heartbleed traces (an attempt, and one the server
 * answered) give the record and payload lengths of Zeek's notices; hand-built
 * handshakes through the whole pipeline show that heartbeats with correct
 * lengths stay quiet and that a server attacking its client is named as such.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { replayFiles } from '../intel/ua/helpers.js';
import { TcpSession, runConversations } from '../helpers/session.js';
import { handshake, record, clientHelloBody, serverHelloBody, sni } from '../protocols/tls/build.js';
import { readZeekLog } from '../helpers/zeek-log.js';
import { SITE_YAML, config, harness, only } from './harness.js';

const RULE = 'tls.heartbleed';
const DIR = path.join(ZEEK_CORPUS, 'tls-heartbleed');
const skip = !fs.existsSync(path.join(DIR, 'heartbleed.pcap'));

/** Zeek's heartbleed notices: [note, record or message length, payload length] from each msg. */
function zeekNotices(file: string): [string, number, number][] {
  return readZeekLog(path.join(DIR, file)).map((r) => {
    const m = /(?:Record|Message) length:? (\d+)\. Payload length:? (\d+)/.exec(String(r.msg));
    assert.ok(m !== null, String(r.msg));
    return [String(r.note), Number(m[1]), Number(m[2])];
  });
}

test('heartbleed.pcap: the oversized request Zeek flags is one high alert, unanswered', { skip }, async () => {
  assert.deepEqual(zeekNotices('notice-heartbleed.log'), [['Heartbleed::SSL_Heartbeat_Attack', 16368, 16365]]);
  const a = only(await replayFiles([path.join(DIR, 'heartbleed.pcap')], { config: config(SITE_YAML) }), RULE);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.event.severity, x.source.ip, x.destination?.ip, x.destination?.port], [3, '173.203.79.216', '162.219.2.166', 443]);
  assert.deepEqual([x.evidence.record_length, x.evidence.payload_length, x.evidence.answered, x.evidence.attacker_role], [16368, 16365, false, 'client']);
  assert.match(x.message, /announcing 16,365 payload bytes in a 16,368-byte record \(Heartbleed, CVE-2014-0160\); no answer was seen$/);
});

test('heartbleed-success.pcap: the server answered (Zeek: attack, then success): one critical alert', { skip }, async () => {
  const notices = zeekNotices('notice-heartbleed-success.log');
  assert.deepEqual(notices, [['Heartbleed::SSL_Heartbeat_Attack', 16368, 16365], ['Heartbleed::SSL_Heartbeat_Attack_Success', 16384, 16365]]);
  const a = only(await replayFiles([path.join(DIR, 'heartbleed-success.pcap')], { config: config(SITE_YAML) }), RULE);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.event.severity, x.source.ip, x.destination?.ip], [4, '173.203.79.216', '107.170.241.107']);
  assert.deepEqual([x.evidence.payload_length, x.evidence.answered, x.evidence.answer_bytes], [16365, true, notices[1]![1]]);
  assert.match(x.message, /it answered with 16,384 bytes: its memory probably leaked$/);
});

/** A heartbeat message (RFC 6520): type, announced payload length, `payload` bytes really sent, then `padding`. */
function heartbeat(type: number, announced: number, payload: number, padding: number): Uint8Array {
  return record(24, Uint8Array.from([type, announced >> 8, announced & 0xff, ...new Array<number>(payload + padding).fill(0x41)]));
}

/** A TLS 1.2 handshake up to ServerHelloDone, then `after` (sender, bytes) in clear. */
function session(client: string, steps: [boolean, Uint8Array][]): TcpSession {
  const s = new TcpSession({ client, server: '198.51.100.20', serverPort: 443 });
  s.handshake();
  s.send(true, record(22, handshake(1, clientHelloBody({ ciphers: [0xc02f], extensions: [sni('bank.example')] }))));
  s.send(false, record(22, Uint8Array.from([...handshake(2, serverHelloBody({ cipher: 0xc02f })), ...handshake(14, new Uint8Array(0))])));
  for (const [fromClient, bytes] of steps) s.send(fromClient, bytes);
  s.close();
  return s;
}

function alerts(...sessions: TcpSession[]) {
  const h = harness(SITE_YAML);
  for (const e of runConversations(...sessions)) if (e.type === 'ssl') h.emit(e);
  return only(h.finish(), RULE);
}

test('through the pipeline: heartbeats with their padding are quiet; a bad request counts once per pair, a short record too', () => {
  const fine = session('10.77.2.60', [[true, heartbeat(1, 18, 18, 16)], [false, heartbeat(2, 18, 18, 16)]]);
  assert.deepEqual(alerts(fine), []);
  const twice = session('10.77.2.61', [[true, heartbeat(1, 0x4000, 1, 0)], [true, heartbeat(1, 0x4000, 1, 0)]]);
  const a = alerts(twice);
  assert.equal(a.length, 1);
  assert.deepEqual([a[0]!.source.ip, a[0]!.evidence.requests, a[0]!.evidence.answered, a[0]!.evidence.server_name], ['10.77.2.61', 2, false, 'bank.example']);
  // Padding short by one byte: the payload does not fit as RFC 6520 requires.
  assert.equal(alerts(session('10.77.2.62', [[true, heartbeat(1, 18, 18, 15)]])).length, 1);
});

test('through the pipeline: a server sending its client an oversized request is the attacker, and the client\'s answer leaks', () => {
  const reverse = session('10.77.2.63', [[false, heartbeat(1, 16365, 3, 0)], [true, heartbeat(2, 16365, 16365, 16)]]);
  const a = alerts(reverse);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.deepEqual([x.source.ip, x.destination?.ip, x.event.severity, x.evidence.attacker_role, x.evidence.answered], ['198.51.100.20', '10.77.2.63', 4, 'server', true]);
  assert.match(x.message, /^198\.51\.100\.20 sent its client 10\.77\.2\.63 a TLS heartbeat request announcing 16,365 payload bytes in a 6-byte record/);
  assert.equal(x.evidence.answer_bytes, 16384);
});
