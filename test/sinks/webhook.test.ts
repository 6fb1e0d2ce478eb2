/**
 * The webhook sink against a real HTTP receiver on 127.0.0.1: generic JSON,
 * Slack and Teams bodies, URL and bearer token from environment variables,
 * retry on 503 and rejection (not retry) on 400, and the outage scenario.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDir } from '../helpers/paths.js';
import { createSinks } from '../../src/sinks/index.js';
import type { Alert } from '../../src/alerts/alert.js';
import { PicketError } from '../../src/util/errors.js';
import { freePort, httpReceiver, makeAlert, waitFor, type HttpHit } from './helpers.js';
import { outageScenario, parseSinks, FAST_QUEUE } from './outage.js';

const alertNumber = (h: HttpHit): number => (h.body as Alert).evidence['n'] as number;

test('generic JSON: the ECS alert as the body, URL and token from the environment', async () => {
  const port = await freePort();
  const rx = httpReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    const env = { HOOK_URL: `http://127.0.0.1:${port}/hooks/secret-token`, HOOK_TOKEN: 't0k3n' };
    const sinks = createSinks(parseSinks([{ type: 'webhook', name: 'hook', url_env: 'HOOK_URL', token_env: 'HOOK_TOKEN' }]), { dataDir, env });
    const a = makeAlert(1);
    sinks.deliver(a);
    await waitFor(() => rx.received.length >= 1, 'one POST');
    await sinks.flush();
    const hit = rx.received[0]!;
    assert.equal(hit.url, '/hooks/secret-token');
    assert.equal(hit.headers['content-type'], 'application/json');
    assert.equal(hit.headers['authorization'], 'Bearer t0k3n');
    assert.deepEqual(hit.body, JSON.parse(JSON.stringify(a)));
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('Slack and Teams formats reach the receiver as their documented shapes', async () => {
  const port = await freePort();
  const rx = httpReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    const base = `http://127.0.0.1:${port}`;
    const sinks = createSinks(
      parseSinks([
        { type: 'webhook', name: 'slack', format: 'slack', url: `${base}/slack` },
        { type: 'webhook', name: 'teams', format: 'teams', url: `${base}/teams` },
        { type: 'webhook', name: 'teams2', format: 'teams_adaptive', url: `${base}/adaptive` },
      ]),
      { dataDir },
    );
    sinks.deliver(makeAlert(5));
    await waitFor(() => rx.received.length >= 3, 'three POSTs');
    await sinks.flush();
    const by = (u: string) => rx.received.find((h) => h.url === u)!.body as Record<string, unknown>;
    assert.equal(by('/slack')['text'], '[Picket high] scan.port.vertical: 10.77.2.20 probed 1,000 ports on 10.77.1.5 in 12 s');
    assert.ok(Array.isArray(by('/slack')['blocks']));
    assert.equal(by('/teams')['@type'], 'MessageCard');
    assert.equal(by('/adaptive')['type'], 'message');
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('503 is retried until accepted; 400 is rejected, counted, and does not block later alerts', async () => {
  const port = await freePort();
  let unavailable = 2;
  const rx = httpReceiver(port, (hit) => {
    const n = alertNumber(hit);
    if (n === 1 && unavailable > 0) {
      unavailable--;
      return 503;
    }
    return n === 2 ? 400 : 200;
  });
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(parseSinks([{ type: 'webhook', name: 'h', url: `http://127.0.0.1:${port}/T000/B000/SECRETPATH`, queue: FAST_QUEUE }]), { dataDir });
    for (let i = 1; i <= 3; i++) sinks.deliver(makeAlert(i));
    await waitFor(() => rx.received.length >= 2, 'alerts 1 and 3');
    await sinks.flush();
    assert.deepEqual(rx.received.map(alertNumber), [1, 3]);
    const s = sinks.stats()[0]!;
    assert.equal(s.failures, 2);
    assert.equal(s.rejected, 1);
    assert.equal(s.delivered, 2);
    assert.equal(s.queued, 0);
    assert.match(s.lastError ?? '', /answered 400/);
    assert.ok(!(s.lastError ?? '').includes('SECRETPATH'), 'the URL path (maybe a secret) is not shown');
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a missing secret variable is a start-up error', () => {
  const dataDir = tempDir();
  try {
    assert.throws(
      () => createSinks(parseSinks([{ type: 'webhook', name: 'h', url_env: 'NOPE_NOT_SET' }]), { dataDir, env: {} }),
      (e: unknown) => e instanceof PicketError && e.code === 'PKT_ERR_SINK_SECRET_MISSING' && e.message.includes('NOPE_NOT_SET'),
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('HTTP outage: nothing lost, nothing repeated, nothing resent after a restart', async () => {
  const port = await freePort();
  await outageScenario({ type: 'webhook', name: 'hook', url: `http://127.0.0.1:${port}/alerts` }, httpReceiver(port), alertNumber);
});
