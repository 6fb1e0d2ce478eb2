/**
 * Delivery bookkeeping through createSinks: the queue bound during an outage
 * (oldest dropped, counted, the newest delivered in order), alerts that cannot
 * be queued (oversize, after close), and damaged queue records skipped and
 * counted instead of stalling the sink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { createSinks, type SinkNotice } from '../../src/sinks/index.js';
import { sinkLines } from '../../src/cli/summary.js';
import type { Alert } from '../../src/alerts/alert.js';
import { freePort, httpReceiver, makeAlert, waitFor } from './helpers.js';
import { parseSinks, FAST_QUEUE } from './outage.js';

const n = (a: unknown): number => (a as Alert).evidence['n'] as number;

test('queue bound during an outage: the oldest are dropped and counted, the newest arrive in order', async () => {
  const port = await freePort();
  const rx = httpReceiver(port);
  const dataDir = tempDir();
  try {
    const cfg = parseSinks([{ type: 'webhook', name: 'h', url: `http://127.0.0.1:${port}/`, queue: { ...FAST_QUEUE, max_alerts: 3 } }]);
    const sinks = createSinks(cfg, { dataDir });
    for (let i = 1; i <= 10; i++) sinks.deliver(makeAlert(i));
    await waitFor(() => sinks.stats()[0]!.failures >= 1, 'a failed attempt');
    await sinks.flush();
    const s = sinks.stats()[0]!;
    assert.equal(s.queued, 3);
    assert.equal(s.dropped, 7);
    await rx.start();
    sinks.retryNow();
    await waitFor(() => rx.received.length >= 3, 'the three kept alerts');
    await sinks.flush();
    assert.deepEqual(rx.received.map((h) => n(h.body)), [8, 9, 10]);
    assert.equal(sinks.stats()[0]!.delivered, 3);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('alerts that cannot be queued are counted by reason; damaged records are skipped and counted', async () => {
  const port = await freePort();
  const rx = httpReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    const cfg = parseSinks([{ type: 'webhook', name: 'h', url: `http://127.0.0.1:${port}/`, queue: FAST_QUEUE }]);
    let sinks = createSinks(cfg, { dataDir });
    const huge = makeAlert(1);
    huge.evidence['blob'] = 'x'.repeat(2 * 1024 * 1024);
    sinks.deliver(huge);
    sinks.deliver(makeAlert(2));
    await waitFor(() => rx.received.length >= 1, 'alert 2');
    await sinks.flush();
    await sinks.close();
    sinks.deliver(makeAlert(3));
    const closed = sinks.stats()[0]!;
    assert.deepEqual(closed.lost, { oversize: 1, closed: 1 });

    // Damage the queue between runs: a line that is not JSON and one that is not an alert.
    const qdir = path.join(dataDir, 'sinks', 'h');
    const seg = fs.readdirSync(qdir).find((f) => f.endsWith('.seg'))!;
    fs.appendFileSync(path.join(qdir, seg), 'not json\n{"hello":1}\n');
    sinks = createSinks(cfg, { dataDir });
    sinks.deliver(makeAlert(4));
    await waitFor(() => rx.received.length >= 2, 'alert 4 after the damaged records');
    await sinks.flush();
    assert.deepEqual(rx.received.map((h) => n(h.body)), [2, 4]);
    const s = sinks.stats()[0]!;
    assert.equal(s.corrupt, 2);
    assert.equal(s.queued, 0);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('malformed alerts are skipped and counted, never thrown: the alerts around them are delivered', async () => {
  const port = await freePort();
  const rx = httpReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    // Filters that read event.severity, rule.id and the addresses of every alert.
    const cfg = parseSinks([
      { type: 'webhook', name: 'h', url: `http://127.0.0.1:${port}/`, min_severity: 'low', rules: ['*'], networks: ['10.0.0.0/8'], queue: FAST_QUEUE },
    ]);
    const sinks = createSinks(cfg, { dataDir });
    const { source: _s, ...noSource } = makeAlert(3);
    const cyclic = makeAlert(4) as Alert & { self?: unknown };
    cyclic.self = cyclic;
    sinks.deliver(makeAlert(1));
    assert.doesNotThrow(() => sinks.deliver({ rule: { id: 'x.y' }, '@timestamp': '2024-01-01T00:00:00Z' } as unknown as Alert));
    assert.doesNotThrow(() => sinks.deliver(noSource as unknown as Alert));
    assert.doesNotThrow(() => sinks.deliver(null as unknown as Alert));
    assert.doesNotThrow(() => sinks.deliver(cyclic));
    // A severity outside 1-4 has no syslog PRI, EVE severity or card colour.
    assert.doesNotThrow(() => sinks.deliver({ ...makeAlert(5), event: { kind: 'alert', severity: 7, category: [] } } as unknown as Alert));
    sinks.deliver(makeAlert(2));
    await waitFor(() => rx.received.length >= 2, 'the two good alerts');
    await sinks.flush();
    assert.deepEqual(rx.received.map((h) => n(h.body)), [1, 2]);
    const s = sinks.stats()[0]!;
    assert.equal(s.malformed, 5);
    assert.equal(s.accepted, 2);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('health notices: failing, dropping at the bound, recovered and refused are each told once per episode', async () => {
  const port = await freePort();
  let refuse = false;
  const rx = httpReceiver(port, () => (refuse ? 400 : 200));
  const dataDir = tempDir();
  const notices: SinkNotice[] = [];
  try {
    const cfg = parseSinks([{ type: 'webhook', name: 'h', url: `http://127.0.0.1:${port}/`, queue: { ...FAST_QUEUE, max_alerts: 3 } }]);
    const sinks = createSinks(cfg, { dataDir, onNotice: (n) => notices.push(n) });
    for (let i = 1; i <= 10; i++) sinks.deliver(makeAlert(i));
    await waitFor(() => sinks.stats()[0]!.failures >= 3, 'several failed attempts');
    await sinks.flush();
    assert.deepEqual(notices.map((n) => n.kind), ['dropping', 'failing']);
    assert.match(notices[0]!.message, /^sink h: queue full \(3 alerts\): the oldest undelivered alerts are being dropped/);
    assert.match(notices[1]!.message, /^sink h: delivery failed \(.*ECONNREFUSED.*\); alerts wait on disk and are retried with backoff$/);
    await rx.start();
    sinks.retryNow();
    await waitFor(() => rx.received.length >= 3, 'the kept alerts');
    await sinks.flush();
    assert.deepEqual(notices.map((n) => n.kind), ['dropping', 'failing', 'recovered']);
    assert.match(notices[2]!.message, /^sink h: delivering again after \d+ failed attempts?$/);
    refuse = true;
    for (let i = 11; i <= 13; i++) sinks.deliver(makeAlert(i));
    await waitFor(() => sinks.stats()[0]!.rejected >= 3, 'three refusals');
    await sinks.flush();
    assert.deepEqual(notices.map((n) => n.kind), ['dropping', 'failing', 'recovered', 'rejected']);
    assert.match(notices[3]!.message, /^sink h: the receiver refused an alert for good \(.*answered 400.*\); further refusals are counted$/);
    assert.ok(notices.every((n) => n.sink === 'h'));
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a notice callback that throws does not disturb delivery', async () => {
  const port = await freePort();
  const rx = httpReceiver(port);
  const dataDir = tempDir();
  try {
    const cfg = parseSinks([{ type: 'webhook', name: 'h', url: `http://127.0.0.1:${port}/`, queue: FAST_QUEUE }]);
    const sinks = createSinks(cfg, { dataDir, onNotice: () => { throw new Error('logger down'); } });
    sinks.deliver(makeAlert(1));
    await waitFor(() => sinks.stats()[0]!.failures >= 1, 'a failure');
    await rx.start();
    sinks.retryNow();
    await waitFor(() => rx.received.length >= 1, 'the alert');
    await sinks.flush();
    assert.equal(sinks.stats()[0]!.delivered, 1);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the run summary names alerts shortened to fit', () => {
  const base = { name: 's', type: 'syslog', state: 'idle', queued: 0, accepted: 2, filtered: 0, delivered: 2, failures: 0, rejected: 0, dropped: 0, lost: {}, corrupt: 0, malformed: 0, lastError: null, retryInMs: 0 } as const;
  const q = { depth: 0, appended: 2, dropped: 0, torn: 0, oversize: 0, ioErrors: {}, segments: 1 };
  assert.deepEqual(sinkLines([{ ...base, truncated: 1, queue: q }]), ['  sink s (syslog): delivered 2, shortened to fit the message size limit 1']);
  assert.deepEqual(sinkLines([{ ...base, truncated: 0, queue: q }]), ['  sink s (syslog): delivered 2']);
});

test('restart in the middle of a delivery: what was acknowledged is not sent again, the alert in flight is', async () => {
  const port = await freePort();
  let hang = true;
  const rx = httpReceiver(port, (hit) => (n(hit.body) === 3 && hang ? -1 : 200));
  await rx.start();
  const dataDir = tempDir();
  try {
    const cfg = parseSinks([{ type: 'webhook', name: 'h', url: `http://127.0.0.1:${port}/`, queue: FAST_QUEUE }]);
    let sinks = createSinks(cfg, { dataDir });
    for (let i = 1; i <= 5; i++) sinks.deliver(makeAlert(i));
    await waitFor(() => rx.requests.length >= 3, 'alert 3 in flight');
    // Shut down while the receiver holds alert 3 unanswered.
    await sinks.close();
    assert.equal(sinks.stats()[0]!.delivered, 2);
    hang = false;
    sinks = createSinks(cfg, { dataDir });
    assert.equal(sinks.stats()[0]!.queued, 3);
    await waitFor(() => rx.received.length >= 5, 'alerts 3-5 after the restart');
    await sinks.flush();
    assert.deepEqual(rx.received.map((h) => n(h.body)), [1, 2, 3, 4, 5]);
    assert.deepEqual(rx.requests.map((h) => n(h.body)), [1, 2, 3, 3, 4, 5], 'only the unanswered alert is sent twice');
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
