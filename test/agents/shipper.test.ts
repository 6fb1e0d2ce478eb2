/**
 * The shipper against a real HTTP server on 127.0.0.1 (the stand-in ingest
 * server in a child process): exactly-once delivery across a server killed
 * mid-stream, lost acknowledgements, 429 with Retry-After, restarts with a
 * spooled backlog, the spool bound, the credential file, revocation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { createShipper, type Shipper, type ShipperOptions, type ShipperStatus } from '../../src/agents/shipper.js';
import { startIngestServer, createToken, revokeAgent, type IngestServer } from './ingest-server-process.js';
import { until } from '../helpers/until.js';

interface Stored {
  agent_id: string;
  seq: number;
  kind: string;
  data: { id: number; pad?: string };
}

function stored(dir: string): Stored[] {
  const f = path.join(dir, 'records.jsonl');
  if (!fs.existsSync(f)) return [];
  return fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Stored);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function options(work: string, server: string, token: string | undefined, extra: Partial<ShipperOptions> = {}): ShipperOptions {
  return {
    server,
    token,
    credentialFile: path.join(work, 'agent', 'credential.json'),
    spoolDir: path.join(work, 'agent', 'spool'),
    kind: 'sensor',
    name: 'test-sensor',
    maxSpoolBytes: 16 * 1024 * 1024,
    batchRecords: 20,
    batchIntervalMs: 50,
    retryMinMs: 50,
    retryMaxMs: 400,
    requestTimeoutMs: 5000,
    ...extra,
  };
}

/** Every id 0..n-1 exactly once, and every batch stored once with consecutive seqs from 1. */
function assertExactlyOnce(rows: Stored[], n: number): void {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.data.id, (counts.get(r.data.id) ?? 0) + 1);
  const missing: number[] = [];
  const doubled: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = counts.get(i) ?? 0;
    if (c === 0) missing.push(i);
    if (c > 1) doubled.push(i);
  }
  assert.deepEqual(missing, [], 'records missing');
  assert.deepEqual(doubled, [], 'records stored twice');
  assert.equal(rows.length, n);
  const seqs = [...new Set(rows.map((r) => r.seq))].sort((a, b) => a - b);
  assert.equal(seqs[0], 1);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, 'seqs consecutive');
}

test('server killed mid-stream: every record arrives exactly once after it returns', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  let server: IngestServer | undefined = await startIngestServer(data);
  let shipper: Shipper | undefined;
  try {
    const port = server.port;
    const statuses: ShipperStatus[] = [];
    shipper = createShipper(options(work, server.url, await createToken(server.url, 'sensor'), { onStatus: (s) => statuses.push(s) }));
    const s = shipper;
    const N = 3000;
    let i = 0;
    const sendSome = async (upTo: number): Promise<void> => {
      for (; i < upTo; i++) {
        s.send('conn', { id: i });
        if (i % 50 === 49) await sleep(2);
      }
    };
    await sendSome(600);
    await until(() => s.stats().batchesAcked >= 5, 'first acknowledgements');
    await server.kill();
    server = undefined;
    await sendSome(2000);
    await until(() => s.status === 'retrying', 'the shipper to notice the dead server');
    const whileDown = s.stats();
    assert.ok(whileDown.spool.batches > 0, 'batches wait in the spool while the server is down');
    await sleep(500);
    server = await startIngestServer(data, { port });
    await sendSome(N);
    const r = await s.flush({ timeoutMs: 60_000 });
    assert.equal(r.outcome, 'acknowledged');
    assertExactlyOnce(stored(data), N);
    const st = s.stats();
    assert.equal(st.spool.batches, 0);
    assert.equal(st.spool.droppedRecords, 0);
    assert.equal(st.batchesAcked, st.batchesSealed);
    assert.ok(st.retries > 0);
    assert.ok(statuses.includes('retrying') && statuses.lastIndexOf('ready') > statuses.indexOf('retrying'));
    // Acknowledged segments are gone from disk.
    assert.equal(st.spool.diskBytes, 0);
  } finally {
    await shipper?.close();
    await server?.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('a lost acknowledgement is resent and answered duplicate, stored once', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  const server = await startIngestServer(data, { env: { DROP_ACK_SEQ: '2' } });
  const shipper = createShipper(options(work, server.url, await createToken(server.url, 'sensor')));
  try {
    for (let i = 0; i < 100; i++) shipper.send('dns', { id: i });
    const r = await shipper.flush({ timeoutMs: 30_000 });
    assert.equal(r.outcome, 'acknowledged');
    assert.equal(shipper.stats().duplicates, 1);
    assertExactlyOnce(stored(data), 100);
  } finally {
    await shipper.close();
    await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('429 with Retry-After is retried until accepted', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  const server = await startIngestServer(data, { env: { FAIL_FIRST: '2' } });
  const shipper = createShipper(options(work, server.url, await createToken(server.url, 'sensor')));
  try {
    for (let i = 0; i < 30; i++) shipper.send('alert', { id: i });
    const r = await shipper.flush({ timeoutMs: 30_000 });
    assert.equal(r.outcome, 'acknowledged');
    assert.equal(shipper.stats().retries, 2);
    assertExactlyOnce(stored(data), 30);
  } finally {
    await shipper.close();
    await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('credential file is mode 0600 and reused on restart; a spooled backlog drains in order after restart', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  let server: IngestServer | undefined = await startIngestServer(data);
  try {
    const token = await createToken(server.url, 'sensor');
    const first = createShipper(options(work, server.url, token));
    for (let i = 0; i < 10; i++) first.send('conn', { id: i });
    assert.equal((await first.flush({ timeoutMs: 30_000 })).outcome, 'acknowledged');
    const agentId = first.stats().agentId;
    const credFile = path.join(work, 'agent', 'credential.json');
    assert.equal(fs.statSync(credFile).mode & 0o777, 0o600);
    assert.equal((JSON.parse(fs.readFileSync(credFile, 'utf8')) as { agent_id: string }).agent_id, agentId);
    // Server goes away; the agent spools and is stopped with work left.
    const port = server.port;
    await server.kill();
    server = undefined;
    for (let i = 10; i < 110; i++) first.send('conn', { id: i });
    const r = await first.flush({ timeoutMs: 300 });
    assert.equal(r.outcome, 'spooled');
    assert.equal(r.records, 100);
    await first.close();
    // A new process: same spool, same credential; the used token would be refused if it enrolled again.
    server = await startIngestServer(data, { port });
    const second = createShipper(options(work, server.url, token));
    try {
      for (let i = 110; i < 120; i++) second.send('conn', { id: i });
      assert.equal((await second.flush({ timeoutMs: 30_000 })).outcome, 'acknowledged');
      assert.equal(second.stats().agentId, agentId);
      const rows = stored(data);
      assertExactlyOnce(rows, 120);
      // Drained in order: ids grow with seq.
      for (let k = 1; k < rows.length; k++) assert.ok(rows[k]!.data.id > rows[k - 1]!.data.id);
    } finally {
      await second.close();
    }
  } finally {
    await server?.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('spool bound: past it the oldest batches are dropped and counted, the newest arrive', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  let server: IngestServer | undefined = await startIngestServer(data);
  try {
    const token = await createToken(server.url, 'sensor');
    const logs: string[] = [];
    const bound = 64 * 1024;
    const shipper = createShipper(options(work, server.url, token, { maxSpoolBytes: bound, batchRecords: 10, log: (m) => logs.push(m) }));
    try {
      shipper.send('conn', { id: -1 });
      assert.equal((await shipper.flush({ timeoutMs: 30_000 })).outcome, 'acknowledged');
      const port = server.port;
      await server.kill();
      server = undefined;
      const pad = 'x'.repeat(200);
      const N = 1000;
      for (let i = 0; i < N; i++) shipper.send('conn', { id: i, pad });
      await shipper.flush({ timeoutMs: 100 });
      const st = shipper.stats().spool;
      assert.ok(st.droppedBatches > 0, 'some batches dropped');
      assert.ok(st.bytes <= bound, `spool holds ${st.bytes} bytes, bound ${bound}`);
      assert.ok(logs.some((l) => l.includes('dropped')), 'the drop is reported');
      server = await startIngestServer(data, { port });
      assert.equal((await shipper.flush({ timeoutMs: 30_000 })).outcome, 'acknowledged');
      const ids = stored(data)
        .map((r) => r.data.id)
        .filter((id) => id >= 0);
      const after = shipper.stats().spool;
      assert.equal(ids.length + after.droppedRecords, N, 'received + dropped = sent');
      // What arrived is the newest run of records, in order and without gaps.
      const firstKept = N - ids.length;
      assert.deepEqual(ids, Array.from({ length: ids.length }, (_, k) => firstKept + k));
    } finally {
      await shipper.close();
    }
  } finally {
    await server?.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('a revoked agent stops sending and reports it; records stay spooled', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  const server = await startIngestServer(data);
  const statuses: string[] = [];
  const shipper = createShipper(options(work, server.url, await createToken(server.url, 'honeypot'), { kind: 'honeypot', onStatus: (s, m) => statuses.push(`${s}: ${m}`) }));
  try {
    shipper.send('alert', { id: 0 });
    assert.equal((await shipper.flush({ timeoutMs: 30_000 })).outcome, 'acknowledged');
    await revokeAgent(server.url, shipper.stats().agentId!);
    for (let i = 1; i < 30; i++) shipper.send('alert', { id: i });
    const r = await shipper.flush({ timeoutMs: 30_000 });
    assert.equal(r.outcome, 'spooled');
    assert.match(r.reason ?? '', /revoked/);
    assert.equal(r.records, 29);
    assert.equal(shipper.status, 'revoked');
    assert.ok(statuses.some((s) => s.startsWith('revoked: ')));
    assert.equal(stored(data).length, 1);
    assert.equal(await shipper.postHealth({ ts: new Date().toISOString() }), false);
  } finally {
    await shipper.close();
    await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('an unknown enrollment token is refused and nothing is stored', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  const server = await startIngestServer(data);
  const shipper = createShipper(options(work, server.url, 'not-a-token'));
  try {
    shipper.send('alert', { id: 0 });
    const r = await shipper.flush({ timeoutMs: 30_000 });
    assert.equal(r.outcome, 'spooled');
    assert.equal(shipper.status, 'enroll_refused');
    assert.equal(fs.existsSync(path.join(work, 'agent', 'credential.json')), false);
    assert.equal(stored(data).length, 0);
  } finally {
    await shipper.close();
    await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('health reports reach the server with spool figures', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  const server = await startIngestServer(data);
  const shipper = createShipper(options(work, server.url, await createToken(server.url, 'sensor')));
  try {
    shipper.send('conn', { id: 0 });
    await shipper.flush({ timeoutMs: 30_000 });
    const { startHealthReporter } = await import('../../src/agents/health.js');
    const h = startHealthReporter({ shipper, kind: 'sensor', sample: () => ({ packets_per_s: 12, kernel_drops: 3, flows: 7 }) });
    assert.equal(await h.report(), true);
    h.stop();
    const st = JSON.parse(fs.readFileSync(path.join(data, 'state.json'), 'utf8')) as { health: Record<string, { packets_per_s: number; kernel_drops: number; flows: number; spool_bytes: number; version: string; kind: string }[]> };
    const reports = st.health[shipper.stats().agentId!]!;
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.packets_per_s, 12);
    assert.equal(reports[0]!.kernel_drops, 3);
    assert.equal(reports[0]!.flows, 7);
    assert.equal(reports[0]!.spool_bytes, 0);
    assert.equal(reports[0]!.kind, 'sensor');
    assert.match(reports[0]!.version, /^\d+\.\d+\.\d+/);
  } finally {
    await shipper.close();
    await server.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('a credential from another server: with a token for this one the agent enrolls here; without, the refusal names the issuer', async () => {
  const work = tempDir();
  const a = await startIngestServer(path.join(work, 'a'));
  const b = await startIngestServer(path.join(work, 'b'));
  try {
    const first = createShipper(options(work, a.url, await createToken(a.url, 'sensor')));
    first.send('conn', { id: 0 });
    assert.equal((await first.flush({ timeoutMs: 30_000 })).outcome, 'acknowledged');
    await first.close();
    // No token for b: b refuses a's credential, and the reason says where it came from.
    const lost = createShipper(options(work, b.url, undefined));
    lost.send('conn', { id: 1 });
    assert.equal((await lost.flush({ timeoutMs: 30_000 })).outcome, 'spooled');
    assert.match(lost.stats().lastError ?? '', new RegExp(`issued by ${a.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, not `));
    await lost.close();
    // With a token for b: the agent enrolls with b and delivers what waited.
    const moved = createShipper(options(work, b.url, await createToken(b.url, 'sensor')));
    try {
      moved.send('conn', { id: 2 });
      assert.equal((await moved.flush({ timeoutMs: 30_000 })).outcome, 'acknowledged');
      assert.deepEqual(stored(path.join(work, 'b')).map((r) => r.data.id).sort(), [1, 2]);
      const cred = JSON.parse(fs.readFileSync(path.join(work, 'agent', 'credential.json'), 'utf8')) as { server: string };
      assert.equal(cred.server, b.url);
    } finally {
      await moved.close();
    }
  } finally {
    await a.kill();
    await b.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
