/**
 * SNMP: snmp.log lines as Zeek builds them (first version and community,
 * bindings per PDU kind, sysDescr and boot time from responses), and sign-ins
 * as auth events: answered communities succeed, unanswered ones are unknown
 * (told apart by a digest only when a flow tried several: guessing), v3
 * users succeed on a response and fail on a USM report; malformed datagrams
 * are counted and never throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSnmpSpec } from '../../../src/protocols/snmp/index.js';
import type { SnmpRecord } from '../../../src/protocols/snmp/events.js';
import { parseSnmp } from '../../../src/protocols/snmp/parser.js';
import { SnmpAnomaly } from '../../../src/protocols/snmp/consts.js';
import { ctx, int, mutate, octets, ofType, oid, rng, seq, testContext, tlv } from '../asn1/helpers.js';

const NULL = new Uint8Array([0x05, 0x00]);
const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';

/** A v1/v2c message: version, community, PDU [tag] with request id, error status and bindings. */
function v2(community: string, pdu: number, id: number, bindings: Uint8Array[], version = 1, error = 0): Uint8Array {
  return seq(int(version), octets(community), ctx(pdu, int(id), int(error), int(0), seq(...bindings)));
}
const bind = (name: string, value: Uint8Array = NULL): Uint8Array => seq(oid(name), value);
const ticks = (n: number): Uint8Array => int(n, 0x43);

/** A v3 message in clear (msgFlags `flags`), user `user`, with `pdu` in its scoped PDU, or encrypted bytes. */
function v3(user: string, flags: number, id: number, pdu: number | null, bindings: Uint8Array[] = []): Uint8Array {
  const usm = seq(octets('\x80\x00\x1f\x88\x80engine'), int(3), int(1000), octets(user), octets(flags & 1 ? 'x'.repeat(12) : ''), octets(''));
  const data = pdu === null ? octets('encrypted-bytes') : seq(octets('\x80\x00\x1f\x88\x80engine'), octets(''), ctx(pdu, int(id), int(0), int(0), seq(...bindings)));
  return seq(int(3), seq(int(id), int(65507), octets(new Uint8Array([flags])), int(3)), octets(usm), data);
}

function run(steps: [fromOrig: boolean, data: Uint8Array, ts: number][]) {
  const c = testContext('udp', 161);
  const logs: SnmpRecord[] = [];
  const a = createSnmpSpec({ log: (e) => logs.push(e.record) }).create(c);
  for (const [o, d, ts] of steps) a.data(o, d, ts);
  a.end(100);
  return { logs, auths: ofType(c.events, 'auth'), anomalies: c.anomalies, services: c.services };
}

test('snmp.log: Zeek\'s columns and counts; sysDescr and up_since from the response', () => {
  const { logs, services } = run([
    [true, v2('public', 0, 7, [bind(SYS_DESCR), bind(SYS_UPTIME)]), 10],
    [false, v2('public', 2, 7, [bind(SYS_DESCR, octets('Linux router 6.1')), bind(SYS_UPTIME, ticks(360000))]), 10.5],
    [true, v2('public', 1, 8, [bind('1.3.6.1.2.1.2')]), 11],
    [true, v2('public', 5, 9, [bind('1.3.6.1.2.1.2'), bind('1.3.6.1.2.1.4')]), 12],
    [true, v2('private', 3, 10, [bind('1.3.6.1.2.1.1.5.0', octets('x'))]), 13],
  ]);
  assert.deepEqual(services, ['snmp']);
  assert.equal(logs.length, 1);
  assert.deepEqual(Object.keys(logs[0]!), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'duration', 'version', 'community', 'get_requests', 'get_bulk_requests', 'get_responses', 'set_requests', 'display_string', 'up_since']);
  const r = logs[0]!;
  assert.deepEqual(
    [r.ts, r.duration, r.version, r.community, r.get_requests, r.get_bulk_requests, r.get_responses, r.set_requests, r.display_string, r.up_since],
    [10, 3, '2c', 'public', 3, 2, 2, 1, 'Linux router 6.1', 10.5 - 3600],
  );
});

test('v1/v2c sign-ins: an answered community succeeds, an unanswered one is unknown; both in clear, no digest for one community', () => {
  const { auths } = run([
    [true, v2('public', 0, 1, [bind(SYS_DESCR)], 0), 1],
    [false, v2('public', 2, 1, [bind(SYS_DESCR, octets('x'))], 0), 1.1],
    [true, v2('public', 0, 2, [bind(SYS_DESCR)], 0), 2],
  ]);
  assert.deepEqual(auths.map((e) => [e.service, e.outcome, e.cleartext, e.secret_tag, e.detail, e.user]), [['snmp', 'success', true, undefined, 'SNMPv1 GetRequest answered', undefined]]);
  const down = run([[true, v2('monitor', 0, 1, [bind(SYS_DESCR)]), 1], [true, v2('monitor', 0, 2, [bind(SYS_DESCR)]), 6]]);
  assert.deepEqual(down.auths.map((e) => [e.outcome, e.cleartext, e.secret_tag, e.detail]), [['unknown', true, undefined, 'SNMPv2c GetRequest not answered']]);
  assert.ok(!JSON.stringify(down.auths).includes('monitor'), 'the community is not in the event');
});

test('a flow trying many communities (a guesser): the unanswered ones carry distinct digests, the answered one succeeds', () => {
  const words = ['admin', 'cisco', 'secret', 'public', 'manager', 'snmp'];
  const steps: [boolean, Uint8Array, number][] = words.map((w, i) => [true, v2(w, 0, 100 + i, [bind(SYS_DESCR)]), 1 + i * 0.01]);
  steps.push([false, v2('public', 2, 103, [bind(SYS_DESCR, octets('printer'))]), 1.2]);
  const { auths, logs } = run(steps);
  assert.equal(logs[0]!.community, 'admin', 'the first community, as Zeek logs it');
  assert.equal(auths.length, words.length);
  const ok = auths.filter((e) => e.outcome === 'success');
  assert.equal(ok.length, 1);
  assert.equal(ok[0]!.secret_tag, undefined);
  const guesses = auths.filter((e) => e.outcome === 'unknown');
  assert.equal(guesses.length, 5);
  assert.equal(new Set(guesses.map((e) => e.secret_tag)).size, 5);
  assert.ok(guesses.every((e) => Number.isInteger(e.secret_tag)));
});

test('v3: a response is a success for the user, a USM report a failure (unknown user flagged); discovery is no sign-in; not in clear', () => {
  const ok = run([
    [true, v3('', 4, 1, 0), 1],
    [false, v3('', 0, 1, 8, [bind('1.3.6.1.6.3.15.1.1.4.0', tticks(1))]), 1.1],
    [true, v3('opsuser', 5, 2, 0, [bind(SYS_DESCR)]), 1.2],
    [false, v3('opsuser', 1, 2, 2, [bind(SYS_DESCR, octets('switch'))]), 1.3],
  ]);
  assert.deepEqual(ok.auths.map((e) => [e.user, e.outcome, e.cleartext, e.detail]), [['opsuser', 'success', undefined, 'SNMPv3 GetRequest answered']]);
  assert.equal(ok.logs[0]!.version, '3');
  assert.equal(ok.logs[0]!.community, undefined);
  const bad = run([
    [true, v3('opsuser', 5, 3, 0, [bind(SYS_DESCR)]), 1],
    [false, v3('opsuser', 0, 3, 8, [bind('1.3.6.1.6.3.15.1.1.5.0', tticks(4))]), 1.1],
    [true, v3('ghost', 5, 4, 0, [bind(SYS_DESCR)]), 2],
    [false, v3('ghost', 0, 4, 8, [bind('1.3.6.1.6.3.15.1.1.3.0', tticks(9))]), 2.1],
  ]);
  assert.deepEqual(bad.auths.map((e) => [e.user, e.outcome, e.unknown_user, e.detail]), [
    ['opsuser', 'failure', undefined, 'SNMPv3 GetRequest: wrong digest (password)'],
    ['ghost', 'failure', true, 'SNMPv3 GetRequest: unknown user'],
  ]);
  // authPriv: the PDU is encrypted both ways; the answer still says the user was taken.
  const priv = run([[true, v3('vault', 7, 5, null), 1], [false, v3('vault', 3, 5, null), 1.1]]);
  assert.deepEqual(priv.auths.map((e) => [e.user, e.outcome, e.detail]), [['vault', 'success', 'SNMPv3 encrypted request answered']]);
});

function tticks(n: number): Uint8Array {
  return int(n, 0x41); // Counter32
}

test('the parser: traps, what is not SNMP, and mutations never throw', () => {
  const trap = seq(int(0), octets('public'), tlv(0xa4, oid('1.3.6.1.4.1.8072'), tlv(0x40, new Uint8Array([10, 0, 0, 1])), int(6), int(1), ticks(5), seq(bind(SYS_DESCR, octets('x')))));
  const t = parseSnmp(trap)!;
  assert.deepEqual([t.pdu, t.bindingCount], [4, 1]);
  assert.equal(parseSnmp(new TextEncoder().encode('GET / HTTP/1.1\r\n')), null);
  assert.equal(parseSnmp(seq(int(2), octets('x'))), null, 'no such version');
  const { anomalies, logs, auths } = run([[true, new Uint8Array([1, 2, 3]), 1]]);
  assert.deepEqual([anomalies, logs, auths], [[SnmpAnomaly.NOT_SNMP], [], []]);
  const rand = rng(0x5a17);
  const samples = [v2('public', 0, 1, [bind(SYS_DESCR)]), v2('public', 2, 1, [bind(SYS_UPTIME, ticks(99))]), v3('u', 5, 1, 0, [bind(SYS_DESCR)]), v3('u', 7, 2, null), trap];
  for (let i = 0; i < 3000; i++) {
    const m = mutate(samples[i % samples.length]!, rand);
    parseSnmp(m);
    run([[i % 2 === 0, m, 1], [i % 2 === 1, mutate(m, rand), 2]]);
  }
});

test('bounded: at most 256 communities followed per flow, the rest counted', () => {
  const steps: [boolean, Uint8Array, number][] = [];
  for (let i = 0; i < 300; i++) steps.push([true, v2(`c${i}`, 0, i, [bind(SYS_DESCR)]), 1]);
  const { auths, anomalies } = run(steps);
  assert.equal(auths.length, 256);
  assert.equal(anomalies.filter((a) => a === SnmpAnomaly.TOO_MANY_SECRETS).length, 44);
});
