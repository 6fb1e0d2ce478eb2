/**
 * The pipeline's table of announced connections: the first connection to
 * the announced responder address and port (from the announced originator)
 * takes the analyzer once; announcements expire and are bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpectedConnections, MAX_EXPECTED } from '../../src/pipeline/expected-connections.js';
import type { ProtocolSpec } from '../../src/protocols/analyzer.js';

const spec = (name: string): ProtocolSpec => ({ name, transports: ['tcp'], ports: [], create: () => ({ data() {}, end() {} }) });

test('taken once, by the announced originator only, until its time', () => {
  const t = new ExpectedConnections();
  const a = spec('a');
  t.add({ orig_h: '10.0.0.5', resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  assert.equal(t.take('10.0.0.6', '192.0.2.1', 40000, 10), undefined);
  assert.equal(t.take('10.0.0.5', '192.0.2.1', 40001, 10), undefined);
  assert.equal(t.take('10.0.0.5', '192.0.2.1', 40000, 10), a);
  assert.equal(t.take('10.0.0.5', '192.0.2.1', 40000, 10), undefined);
  assert.equal(t.size, 0);

  t.add({ resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  assert.equal(t.take('203.0.113.9', '192.0.2.1', 40000, 100), a, 'no originator named: anyone');
  t.add({ resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  assert.equal(t.take('10.0.0.5', '192.0.2.1', 40000, 100.5), undefined, 'expired');
  assert.equal(t.size, 0);
});

test('a newer announcement of the same address and port replaces the older; expiry sweeps; the oldest go past the bound', () => {
  const t = new ExpectedConnections();
  const a = spec('a');
  const b = spec('b');
  t.add({ resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  t.add({ resp_h: '192.0.2.1', resp_p: 40000, spec: b, until: 200 });
  assert.equal(t.size, 1);
  assert.equal(t.take('10.0.0.5', '192.0.2.1', 40000, 150), b);

  for (let i = 0; i < 10; i++) t.add({ resp_h: '192.0.2.1', resp_p: 1000 + i, spec: a, until: i < 5 ? 50 : 500 });
  t.expire(60);
  assert.equal(t.size, 5);

  const big = new ExpectedConnections();
  for (let i = 0; i < MAX_EXPECTED + 3; i++) big.add({ resp_h: '192.0.2.2', resp_p: 1 + i, spec: a, until: 1e9 });
  assert.equal(big.size, MAX_EXPECTED);
  assert.equal(big.dropped, 3);
  assert.equal(big.take('10.0.0.5', '192.0.2.2', 1, 0), undefined, 'the oldest went first');
  assert.equal(big.take('10.0.0.5', '192.0.2.2', MAX_EXPECTED + 3, 0), a);
});
