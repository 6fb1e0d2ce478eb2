/**
 * Overload and store failure, over real HTTP against the real store wrapped
 * so the test controls it: a store held back by a gate fills a tiny ingest
 * queue and the next batch gets 429 with Retry-After (and is stored once
 * resent); a failing store gets 503 with Retry-After, and nothing of the
 * failed batch is lost: it is stored when resent after the store recovers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MetadataStore } from '../../src/store/types.js';
import type { ServerStores } from '../../src/server/store-port.js';
import { adminGet, connRecord, enroll, ingest, startTestServer, type TestServer } from './helpers.js';

interface Control {
  gate: Promise<void> | null;
  open: () => void;
  fail: boolean;
  started: number;
}

/** The real store, with insertBatch waiting on a gate or failing when told. */
function controlled(stores: ServerStores, ctl: Control): ServerStores {
  const store = new Proxy(stores.store, {
    get(target, prop, receiver) {
      if (prop === 'insertBatch') {
        return async (...args: Parameters<MetadataStore['insertBatch']>) => {
          ctl.started++;
          if (ctl.gate !== null) await ctl.gate;
          if (ctl.fail) throw new Error('disk on fire');
          return target.insertBatch(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store, meta: stores.meta };
}

function closeGate(ctl: Control): void {
  ctl.gate = new Promise<void>((res) => {
    ctl.open = () => {
      ctl.gate = null;
      res();
    };
  });
}

async function until(cond: () => boolean): Promise<void> {
  // Bounded polling: the condition is a state change, not a time limit.
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition never became true');
}

const rec = (uid: string, ts: number) => [{ kind: 'conn', data: connRecord(uid, '10.6.0.1', '10.6.0.2', 443, ts) }];

describe('ingest backpressure', () => {
  const ctl: Control = { gate: null, open: () => undefined, fail: false, started: 0 };
  let s: TestServer;
  /** The queue's clock: moved forward by hand to end the failure window. */
  let clock = 1_000_000;
  before(async () => {
    s = await startTestServer({ wrapStores: (st) => controlled(st, ctl), ingest: { queue_batches: 2, retry_after: 7, max_parallel_bodies: 1 }, now: () => clock });
  });
  after(async () => {
    ctl.open();
    await s.stop();
  });

  it('answers 429 with Retry-After when the queue is full, and stores the batch when it is resent', async () => {
    const agent = await enroll(s, 'sensor-bp');
    closeGate(ctl);
    const first = ingest(s, agent, 1, rec('Cbp1', 1700000001));
    await until(() => ctl.started === 1);
    const second = ingest(s, agent, 2, rec('Cbp2', 1700000002));
    await until(() => s.ctx.queue.depth === 2);
    const third = await ingest(s, agent, 3, rec('Cbp3', 1700000003));
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '7');
    assert.equal(third.json.error.code, 'PKT_ERR_SERVER_BUSY');
    // A retry of a waiting batch is refused too while the queue is full (its body is not even read).
    const secondAgain = await ingest(s, agent, 2, rec('Cbp2', 1700000002));
    assert.equal(secondAgain.status, 429);
    ctl.open();
    const [r1, r2] = await Promise.all([first, second]);
    assert.equal(r1.json.stored, 1);
    assert.equal(r2.json.stored, 1);
    // Resent once there is room: acknowledged as a duplicate, not stored twice.
    const r2b = await ingest(s, agent, 2, rec('Cbp2', 1700000002));
    assert.equal(r2b.json.duplicate, true);
    const resent = await ingest(s, agent, 3, rec('Cbp3', 1700000003));
    assert.equal(resent.status, 200);
    assert.equal(resent.json.stored, 1);
    const conns = await adminGet(s, '/connections?ip=10.6.0.1');
    assert.equal(conns.json.total, 3);
    const status = await adminGet(s, '/admin/status');
    assert.equal(status.json.ingest.refused_full, 2);
    // The same counts in /metrics (Prometheus text, admin token).
    assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
    const m = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    assert.match(m.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await m.text();
    assert.match(text, /^picket_ingest_refused_total\{reason="queue_full"\} 2$/m);
    assert.match(text, /^picket_ingest_batches_total\{outcome="stored"\} 3$/m);
    assert.match(text, /^picket_ingest_batches_total\{outcome="duplicate"\} 1$/m);
    assert.match(text, /^picket_store_latency_seconds_count\{op="insert_batch"\} 4$/m);
  });

  it('refuses more bodies arriving at once than max_parallel_bodies before reading them', async () => {
    const agent = await enroll(s, 'sensor-par');
    // Hold the one slot the server has (max_parallel_bodies: 1) with a body that is still arriving.
    const { request } = await import('node:http');
    const u = new URL(`${s.url}/api/v1/ingest`);
    const slow = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: `Bearer ${agent.credential}`, 'content-type': 'application/json', 'content-length': '1000' } });
    const slowDone = new Promise<number>((res) => slow.on('response', (r) => (r.resume(), res(r.statusCode ?? 0))));
    slow.on('error', () => undefined);
    slow.write('{"agent_id":');
    await until(() => s.ctx.parsing === 1);
    const r = await ingest(s, agent, 1, rec('Cpar1', 1700000010));
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
    slow.end('"x"}'.padEnd(1000 - 12, ' '));
    assert.equal(await slowDone, 400, 'the slow body was not a whole batch');
    await until(() => s.ctx.parsing === 0);
    assert.equal((await ingest(s, agent, 1, rec('Cpar1', 1700000010))).status, 200);
  });

  it('answers 503 with Retry-After while the store fails, and loses nothing', async () => {
    const agent = await enroll(s, 'sensor-fail');
    ctl.fail = true;
    const r = await ingest(s, agent, 1, [{ kind: 'conn', data: connRecord('Cfail1', '10.5.0.1', '10.5.0.2', 80, 1700000000) }]);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '7');
    assert.equal(r.json.error.code, 'PKT_ERR_SERVER_STORE_UNAVAILABLE');
    // Right after a failure new batches are turned away without touching the store.
    const startedBefore = ctl.started;
    const r2 = await ingest(s, agent, 2, [{ kind: 'conn', data: connRecord('Cfail2', '10.5.0.1', '10.5.0.2', 80, 1700000001) }]);
    assert.equal(r2.status, 503);
    assert.equal(ctl.started, startedBefore);
    // Queries still answer.
    assert.equal((await adminGet(s, '/connections?ip=10.5.0.1')).json.total, 0);
    // Still within the window: refused.
    clock += 6_000;
    assert.equal((await ingest(s, agent, 1, [{ kind: 'conn', data: connRecord('Cfail1', '10.5.0.1', '10.5.0.2', 80, 1700000000) }])).status, 503);
    // The store recovers and the window has passed: both batches, resent, are stored once.
    ctl.fail = false;
    clock += 2_000;
    const again1 = await ingest(s, agent, 1, [{ kind: 'conn', data: connRecord('Cfail1', '10.5.0.1', '10.5.0.2', 80, 1700000000) }]);
    const again2 = await ingest(s, agent, 2, [{ kind: 'conn', data: connRecord('Cfail2', '10.5.0.1', '10.5.0.2', 80, 1700000001) }]);
    assert.deepEqual([again1.status, again1.json.stored, again2.status, again2.json.stored], [200, 1, 200, 1]);
    assert.equal((await adminGet(s, '/connections?ip=10.5.0.1')).json.total, 2);
  });
});
