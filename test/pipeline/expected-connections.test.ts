/**
 * The pipeline's table of announced connections: the first connection to
 * the announced responder address and port (from the announced originator)
 * takes the analyzer once; announcements expire and are bounded, and one
 * pushed out is counted as the announcing analyzer's anomaly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpectedConnections, MAX_EXPECTED } from '../../src/pipeline/expected-connections.js';
import type { ProtocolSpec } from '../../src/protocols/analyzer.js';
import { AppLayerStats, EXPECTED_DROPPED, FlowApp } from '../../src/pipeline/flow-app.js';
import { EventBus } from '../../src/events/bus.js';

const spec = (name: string): ProtocolSpec => ({ name, transports: ['tcp'], ports: [], create: () => ({ data() {}, end() {} }) });

test('taken once, by the announced originator only, until its time', () => {
  const t = new ExpectedConnections();
  const a = spec('a');
  t.add({ orig_h: '10.0.0.5', resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  assert.equal(t.take('tcp', '10.0.0.6', '192.0.2.1', 40000, 10), undefined);
  assert.equal(t.take('tcp', '10.0.0.5', '192.0.2.1', 40001, 10), undefined);
  assert.equal(t.take('tcp', '10.0.0.5', '192.0.2.1', 40000, 10), a);
  assert.equal(t.take('tcp', '10.0.0.5', '192.0.2.1', 40000, 10), undefined);
  assert.equal(t.size, 0);

  t.add({ resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  assert.equal(t.take('tcp', '203.0.113.9', '192.0.2.1', 40000, 100), a, 'no originator named: anyone');
  t.add({ resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  assert.equal(t.take('tcp', '10.0.0.5', '192.0.2.1', 40000, 100.5), undefined, 'expired');
  assert.equal(t.size, 0);
});

test('a newer announcement of the same address and port replaces the older; expiry sweeps; the oldest go past the bound', () => {
  const t = new ExpectedConnections();
  const a = spec('a');
  const b = spec('b');
  t.add({ resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  t.add({ resp_h: '192.0.2.1', resp_p: 40000, spec: b, until: 200 });
  assert.equal(t.size, 1);
  assert.equal(t.take('tcp', '10.0.0.5', '192.0.2.1', 40000, 150), b);

  for (let i = 0; i < 10; i++) t.add({ resp_h: '192.0.2.1', resp_p: 1000 + i, spec: a, until: i < 5 ? 50 : 500 });
  t.expire(60);
  assert.equal(t.size, 5);

  const big = new ExpectedConnections();
  const kept = [];
  for (let i = 0; i < MAX_EXPECTED + 3; i++) kept.push(big.add({ resp_h: '192.0.2.2', resp_p: 1 + i, spec: a, until: 1e9 }));
  assert.deepEqual(kept.filter((k) => !k).length, 3, 'each add past the bound says so');
  assert.equal(big.size, MAX_EXPECTED);
  assert.equal(big.dropped, 3);
  assert.equal(big.take('tcp', '10.0.0.5', '192.0.2.2', 1, 0), undefined, 'the oldest went first');
  assert.equal(big.take('tcp', '10.0.0.5', '192.0.2.2', MAX_EXPECTED + 3, 0), a);
});

test('an announcement at two addresses (a server behind NAT) is taken at either, once, and counted once', () => {
  const t = new ExpectedConnections();
  const a = spec('a');
  const b = spec('b');
  t.add({ orig_h: '10.0.0.5', resp_h: '10.9.9.9', also_resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  assert.equal(t.size, 1);
  assert.equal(t.take('tcp', '10.0.0.5', '192.0.2.1', 40000, 10), a);
  assert.equal(t.take('tcp', '10.0.0.5', '10.9.9.9', 40000, 10), undefined, 'used up at both');
  assert.equal(t.size, 0);
  // A newer announcement at either address replaces it, at both.
  t.add({ resp_h: '10.9.9.9', also_resp_h: '192.0.2.1', resp_p: 40000, spec: a, until: 100 });
  t.add({ resp_h: '192.0.2.1', resp_p: 40000, spec: b, until: 100 });
  assert.equal(t.size, 1);
  assert.equal(t.take('tcp', '10.0.0.5', '10.9.9.9', 40000, 10), undefined);
  assert.equal(t.take('tcp', '10.0.0.5', '192.0.2.1', 40000, 10), b);
  // Expiry and the bound treat it as one.
  t.add({ resp_h: '10.9.9.9', also_resp_h: '192.0.2.1', resp_p: 1, spec: a, until: 5 });
  t.expire(6);
  assert.equal(t.size, 0);
  assert.equal(t.take('tcp', '10.0.0.5', '192.0.2.1', 1, 0), undefined);
  const big = new ExpectedConnections();
  big.add({ resp_h: '10.9.9.9', also_resp_h: '192.0.2.1', resp_p: 1, spec: a, until: 1e9 });
  for (let i = 0; i < MAX_EXPECTED; i++) big.add({ resp_h: '192.0.2.2', resp_p: 1 + i, spec: a, until: 1e9 });
  assert.equal(big.size, MAX_EXPECTED);
  assert.equal(big.dropped, 1);
  assert.equal(big.take('tcp', '10.0.0.5', '192.0.2.1', 1, 0), undefined);
  assert.equal(big.take('tcp', '10.0.0.5', '10.9.9.9', 1, 0), undefined);
});

test('a flow\'s announcement that pushes the oldest out is counted as its analyzer\'s anomaly', () => {
  const table = new ExpectedConnections();
  const a = spec('a');
  for (let i = 0; i < MAX_EXPECTED; i++) table.add({ resp_h: '192.0.2.3', resp_p: 1 + i, spec: a, until: 1e9 });
  const stats = new AppLayerStats();
  const conn = { uid: 'CAnnouncer', orig_h: '10.0.0.5', orig_p: 50000, resp_h: '192.0.2.3', resp_p: 21, proto: 'tcp' as const };
  const app = new FlowApp(spec('ftp'), conn, new EventBus(), stats, null, null, -1, table);
  app.expect({ resp_h: '192.0.2.3', resp_p: 60000, spec: a, until: 1e9 });
  assert.deepEqual(stats.anomalies, { [`ftp.${EXPECTED_DROPPED}`]: 1 });
  assert.equal(table.size, MAX_EXPECTED);
});

test('an announcement is for its transport only: a UDP one (TFTP) is not taken by a TCP connection to the same port', () => {
  const t = new ExpectedConnections();
  const a = spec('a');
  t.add({ transport: 'udp', orig_h: '192.0.2.1', resp_h: '10.0.0.5', resp_p: 40000, spec: a, until: 100 });
  assert.equal(t.take('tcp', '192.0.2.1', '10.0.0.5', 40000, 10), undefined);
  assert.equal(t.take('udp', '192.0.2.1', '10.0.0.5', 40000, 10), a);
  assert.equal(t.size, 0);
});
