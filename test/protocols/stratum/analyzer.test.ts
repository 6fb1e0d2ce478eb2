/**
 * The Stratum analyzer on hand-written messages (as XMRig, cgminer and
 * Ethereum proxies send them): the content probe, sign-ins and the pool's
 * answers across any split, unanswered sign-ins at the end, bounds on line
 * length and message count, and what is not Stratum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratumSpec } from '../../../src/protocols/stratum/index.js';
import { parseStratumLine, probeStratum } from '../../../src/protocols/stratum/parser.js';
import type { StratumLoginEvent } from '../../../src/protocols/stratum/events.js';
import { collectingContext } from '../../helpers/analyzer-context.js';
import { ascii, pieces } from '../../helpers/bytes.js';

const XMRIG_LOGIN = '{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"48wallet","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","algo":["rx/0","cn/2"]}}\n';
const POOL_OK = '{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"s1","job":{"blob":"00","job_id":"j1","target":"b88d0600"},"status":"OK"}}\n';

function context() {
  return collectingContext({ uid: 'CStratum1', orig_h: '10.77.1.10', orig_p: 40000, resp_h: '198.51.100.10', resp_p: 3333, proto: 'tcp' });
}

function logins(ctx: ReturnType<typeof context>): StratumLoginEvent[] {
  const out: StratumLoginEvent[] = [];
  for (const e of ctx.events) if (e.type === 'stratum.login') out.push(e);
  return out;
}

test('the probe takes a miner\'s first message only: Stratum methods, a Monero login with an agent or algorithms', () => {
  assert.ok(probeStratum(ascii(XMRIG_LOGIN), true));
  assert.ok(probeStratum(ascii('{"id": 1, "method": "mining.subscribe", "params": ["cgminer/4.12.0"]}\n'), true));
  assert.ok(probeStratum(ascii('  {"id":1,"method":"eth_submitLogin","params":["0xabc"]}\n'), true));
  assert.ok(!probeStratum(ascii(XMRIG_LOGIN), false), 'the pool does not speak first');
  assert.ok(!probeStratum(ascii('{"jsonrpc":"2.0","id":1,"method":"login","params":{"user":"admin","password":"x"}}\n'), true), 'another API\'s login');
  assert.ok(!probeStratum(ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), true));
  assert.ok(!probeStratum(ascii('{"method":"ping"}'), true));
});

test('parseStratumLine: requests, answers and errors; bad JSON is null', () => {
  assert.deepEqual(parseStratumLine('{"id":2,"method":"mining.authorize","params":["worker.1","x"]}'), { id: 2, method: 'mining.authorize', user: 'worker.1' });
  assert.deepEqual(parseStratumLine('{"id":1,"method":"mining.subscribe","params":["cgminer/4.12.0"]}'), { id: 1, method: 'mining.subscribe', agent: 'cgminer/4.12.0' });
  assert.deepEqual(parseStratumLine('{"id":2,"result":true,"error":null}'), { id: 2, ok: true });
  assert.deepEqual(parseStratumLine('{"id":2,"result":null,"error":[24,"Unauthorized worker",null]}'), { id: 2, ok: false });
  assert.deepEqual(parseStratumLine('{"id":2,"result":false}'), { id: 2, ok: false });
  assert.equal(parseStratumLine('{"id":2'), null);
  assert.equal(parseStratumLine('[1,2]'), null);
});

test('an XMRig login and the pool\'s answer, across any split: one event with wallet, agent, algorithms, accepted', () => {
  for (const size of [1, 5, 64, 1000]) {
    const ctx = context();
    const a = stratumSpec.create(ctx);
    for (const p of pieces(ascii(XMRIG_LOGIN), size)) a.data(true, p, 1);
    for (const p of pieces(ascii(POOL_OK), size)) a.data(false, p, 2);
    assert.deepEqual(logins(ctx), [{
      type: 'stratum.login', ts: 1, uid: 'CStratum1', client: '10.77.1.10', server: '198.51.100.10', server_port: 3333, method: 'login',
      agent: 'XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0', user: '48wallet', algorithms: ['rx/0', 'cn/2'], accepted: true,
    }], `split ${size}`);
    assert.deepEqual(ctx.services, ['stratum']);
    assert.equal(a.wants?.(true), false, 'jobs and shares are not read');
  }
});

test('Stratum V1: subscribe then authorize, a refused worker; a sign-in never answered is emitted at the end', () => {
  const ctx = context();
  const a = stratumSpec.create(ctx);
  a.data(true, ascii('{"id":1,"method":"mining.subscribe","params":["cgminer/4.12.0"]}\n'), 1);
  a.data(false, ascii('{"id":1,"result":[[["mining.notify","ae"]],"08000002",4],"error":null}\n'), 2);
  assert.equal(a.wants?.(true), true, 'the authorize is still to come');
  a.data(true, ascii('{"id":2,"method":"mining.authorize","params":["worker.1","x"]}\n'), 3);
  a.data(false, ascii('{"id":null,"method":"mining.set_difficulty","params":[1024]}\n{"id":2,"result":null,"error":[24,"Unauthorized worker",null]}\n'), 4);
  assert.deepEqual(logins(ctx).map((e) => [e.method, e.agent, e.user, e.accepted]), [
    ['mining.subscribe', 'cgminer/4.12.0', undefined, true],
    ['mining.authorize', undefined, 'worker.1', false],
  ]);
  const quiet = context();
  const b = stratumSpec.create(quiet);
  b.data(true, ascii(XMRIG_LOGIN), 1);
  assert.equal(logins(quiet).length, 0);
  b.end(2);
  assert.equal(logins(quiet)[0]!.accepted, undefined);
});

test('over-long lines and garbage are counted, never thrown; reading stops after a few messages', () => {
  const ctx = context();
  const a = stratumSpec.create(ctx);
  a.data(true, ascii('{"x":"' + 'a'.repeat(10000) + '"}\nnot json\n'), 1);
  assert.deepEqual(ctx.anomalies, ['stratum_line_too_long', 'stratum_bad_message']);
  for (let i = 0; i < 10; i++) a.data(true, ascii(`{"id":${i},"method":"keepalived"}\n`), 2);
  assert.equal(a.wants?.(true), false);
  a.end(3);
  assert.equal(logins(ctx).length, 0);
});
