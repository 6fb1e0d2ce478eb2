/**
 * SOCKS 4, 4a and 5 through the whole pipeline (hand-built sessions):
 * socks.jsonl with Zeek's fields, username/password sign-ins as `auth`
 * events (never the password), what a granted CONNECT carries read by its
 * own analyzer under the same uid, the strict content probe, and cut or
 * mutated handshakes that never throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';
import { replayEvents } from '../../helpers/replay.js';
import { logRecords, runConversations } from '../../helpers/session.js';
import { socksSession } from './build.js';
import { probeSocks } from '../../../src/protocols/socks/parser.js';
import { createSocksSpec } from '../../../src/protocols/socks/index.js';
import { C, S, play, type Step } from '../mail/session.js';
import { mutate } from '../http/fake-ctx.js';

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const SSH = { client: ascii('SSH-2.0-OpenSSH_9.6\r\n'), server: ascii('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n') };

test('SOCKS 5 with a sign-in: socks.jsonl in Zeek\'s fields, an auth event without the password, SSH read inside', () => {
  const events = runConversations(socksSession({ version: 5, user: 'pivot', password: 'S3cret!', target: { name: 'git.example.org', port: 22 }, inner: SSH }));
  const socks = logRecords(events, 'socks');
  assert.equal(socks.length, 1);
  const r = socks[0]!;
  assert.deepEqual(Object.keys(r), ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'version', 'user', 'status', 'request.name', 'request_p', 'bound.host', 'bound_p']);
  assert.deepEqual([r.version, r.user, r.status, r['request.name'], r.request_p, r['bound.host'], r.bound_p], [5, 'pivot', 'succeeded', 'git.example.org', 22, '198.51.100.1', 40000]);
  // (The SSH inside reports its own sign-in, of unknown outcome.)
  const auth = events.filter((e) => e.type === 'auth' && e.service === 'socks');
  assert.equal(auth.length, 1);
  const a = auth[0]!;
  assert.ok(a.type === 'auth');
  assert.deepEqual([a.service, a.user, a.outcome, a.cleartext, typeof a.secret_tag], ['socks', 'pivot', 'success', true, 'number']);
  assert.ok(!JSON.stringify(events).includes('S3cret!'));
  assert.equal(logRecords(events, 'ssh')[0]!.uid, r.uid);
  assert.equal(logRecords(events, 'conn')[0]!.service, 'socks,ssh');
});

test('SOCKS 5 refusals: a failed sign-in is an auth failure and no request; a refused CONNECT is logged with its status and nothing read after', () => {
  const bad = runConversations(socksSession({ version: 5, user: 'pivot', password: 'guess', authStatus: 1, target: { host: '203.0.113.5', port: 22 } }));
  const auth = bad.filter((e) => e.type === 'auth');
  assert.deepEqual(auth.map((e) => e.type === 'auth' && e.outcome), ['failure']);
  assert.deepEqual(logRecords(bad, 'socks'), []);
  const refused = runConversations(socksSession({ version: 5, target: { host: '203.0.113.5', port: 3389 }, reply: 5, inner: SSH }));
  const r = logRecords(refused, 'socks')[0]!;
  assert.deepEqual([r.status, r['request.host'], r.request_p, r.user], ['Connection refused', '203.0.113.5', 3389, undefined]);
  assert.deepEqual(logRecords(refused, 'ssh'), []);
});

test('SOCKS 4 and 4a: the user id, the address or the name asked for, Zeek\'s status texts', () => {
  const v4 = logRecords(runConversations(socksSession({ version: 4, user: 'bob', target: { host: '203.0.113.7', port: 80 } })), 'socks')[0]!;
  assert.deepEqual([v4.version, v4.user, v4.status, v4['request.host'], v4.request_p], [4, 'bob', 'succeeded', '203.0.113.7', 80]);
  const v4a = logRecords(runConversations(socksSession({ version: 4, target: { name: 'files.example.net', port: 445 }, reply: 91 })), 'socks')[0]!;
  assert.deepEqual([v4a['request.name'], v4a['request.host'], v4a.status, v4a.user], ['files.example.net', undefined, 'general SOCKS server failure', undefined]);
});

test('BIND (5 and 4): two socks lines, where the proxy listens and the peer that connected; the stream after is read; a refused second reply ends it', () => {
  for (const version of [5, 4] as const) {
    const events = runConversations(socksSession({ version, target: { host: '203.0.113.9', port: 0 }, bind: { peer: { host: '203.0.113.9', port: 51515 } }, inner: SSH }));
    const lines = logRecords(events, 'socks');
    assert.deepEqual(
      lines.map((r) => [r.status, r['bound.host'], r.bound_p]),
      [
        ['succeeded', version === 5 ? '198.51.100.1' : '0.0.0.0', version === 5 ? 40000 : 0],
        ['succeeded', '203.0.113.9', 51515],
      ],
      `v${version}`,
    );
    assert.equal(logRecords(events, 'ssh')[0]?.uid, lines[0]!.uid, `v${version}: SSH through the bound connection`);
    const refused = runConversations(socksSession({ version, target: { host: '203.0.113.9', port: 0 }, bind: { peer: { host: '203.0.113.9', port: 51515 }, reply: version === 5 ? 1 : 91 }, inner: SSH }));
    assert.deepEqual(logRecords(refused, 'socks').map((r) => r.status), ['succeeded', 'general SOCKS server failure'], `v${version}`);
    assert.deepEqual(logRecords(refused, 'ssh'), [], `v${version}`);
  }
});

test('a SOCKS proxy on another port is found by content; the probe takes exact greetings only', () => {
  const events = runConversations(socksSession({ version: 5, target: { host: '203.0.113.9', port: 22 }, inner: SSH, serverPort: 31337 }));
  assert.equal(logRecords(events, 'socks').length, 1);
  assert.equal(logRecords(events, 'conn')[0]!.service, 'socks,ssh');
  assert.equal(probeSocks(Uint8Array.of(5, 1, 0)), true);
  assert.equal(probeSocks(Uint8Array.of(5, 2, 0, 2)), true);
  assert.equal(probeSocks(Uint8Array.of(4, 1, 0, 80, 203, 0, 113, 7, 0x62, 0)), true);
  for (const b of [[5, 1, 0, 9], [5, 0], [5, 2, 0, 0], [5, 1, 0x50], [4, 1, 0, 80, 1, 2, 3, 4, 0x62], [4, 3, 0, 80, 1, 2, 3, 4, 0], [0x16, 3, 1]]) {
    assert.equal(probeSocks(Uint8Array.from(b)), false, JSON.stringify(b));
  }
});

test('handshakes cut anywhere or mutated never throw', () => {
  const steps: Step[] = [
    [C, Uint8Array.of(5, 2, 0, 2)],
    [S, Uint8Array.of(5, 2)],
    [C, Uint8Array.from([1, 5, ...ascii('pivot'), 1, 0x78])],
    [S, Uint8Array.of(1, 0)],
    [C, Uint8Array.from([5, 1, 0, 3, 3, ...ascii('a.b'), 0, 22])],
    [S, Uint8Array.of(5, 0, 0, 1, 1, 2, 3, 4, 0x9c, 0x40)],
    [C, SSH.client],
  ];
  // The same with a BIND and its second reply.
  const bind: Step[] = [...steps.slice(0, 4), [C, Uint8Array.from([5, 2, 0, 1, 1, 2, 3, 4, 0, 0])], steps[5]!, [S, Uint8Array.of(5, 0, 0, 1, 5, 6, 7, 8, 0xc9, 0x3b)], [C, SSH.client]];
  const spec = createSocksSpec({ log: () => {} });
  let seed = 0x50c5;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let logged = 0;
  for (let r = 0; r < 1500; r++) {
    const mutated: Step[] = (r % 2 === 0 ? steps : bind).map(([o, d]) => [o, rand() < 0.4 ? mutate(d, rand) : d]);
    const size = rand() < 0.5 ? undefined : 1 + Math.floor(rand() * 6);
    const ctx = play(spec, mutated, size === undefined ? {} : { pieceSize: size });
    logged += ctx.events.length;
  }
  assert.ok(logged > 0);
});

test('auth.cleartext: a SOCKS 5 password sent to a proxy on the Internet alerts (service socks)', async () => {
  const { harness, only } = await import('../../detect/harness.js');
  const events = runConversations(socksSession({ version: 5, user: 'pivot', password: 'S3cret!', target: { host: '198.51.100.9', port: 443 }, server: '203.0.113.50' }));
  const h = harness('');
  for (const e of events) if (e.type === 'auth') h.emit(e);
  const a = only(h.finish(), 'auth.cleartext');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.evidence.service, 'socks');
  assert.deepEqual(a[0]!.evidence.users, ['pivot']);
  assert.ok(!JSON.stringify(a).includes('S3cret!'));
});

test('the lab\'s socks capture (OpenSSH\'s ssh -D as the proxy; curl over SOCKS 5 and 4, SSH through ncat): every request logged, HTTP and SSH read inside', async () => {
  const events = await replayEvents([path.join(REPO_ROOT, 'test', 'lab', 'captures', 'socks.pcap')]);
  const socks = logRecords(events, 'socks');
  assert.deepEqual(
    socks.map((r) => [r['id.orig_h'], r.version, r.status, r['request.host'], r.request_p]),
    [
      ['10.77.2.21', 5, 'succeeded', '198.51.100.10', 80],
      ['10.77.2.23', 4, 'succeeded', '198.51.100.10', 80],
      ['10.77.2.22', 5, 'succeeded', '10.77.1.10', 22],
    ],
  );
  const services = new Map(logRecords(events, 'conn').map((c) => [c.uid, c.service]));
  assert.deepEqual(socks.map((r) => services.get(r.uid)), ['socks,http', 'socks,http', 'socks,ssh']);
  const http = logRecords(events, 'http').filter((r) => r['id.resp_p'] === 1080);
  assert.equal(http.length, 2, 'the pages fetched through the proxy are in http.jsonl under the SOCKS connections');
});
