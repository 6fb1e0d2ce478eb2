/**
 * The real agent shipper (src/agents/shipper.ts) against the real `picket
 * server` in a child process: the server is killed (SIGKILL) in the middle of
 * the stream and started again on the same port and data directory a while
 * later; every record arrives exactly once. Also: a revoked agent is refused
 * and its shipper stops.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createShipper, type Shipper } from '../../src/agents/shipper.js';
import { tempDir } from '../helpers/paths.js';
import { call, connRecord } from './helpers.js';

const RUNNER = fileURLToPath(new URL('./cli-runner.js', import.meta.url));
const TOTAL = 600;
const KILL_AFTER = 200;

interface Child {
  child: ChildProcess;
  url: string;
}

function startServer(dataDir: string, listen: string): Promise<Child> {
  const env = { ...process.env };
  delete env.PICKET_ADMIN_TOKEN;
  const child = spawn(process.execPath, [RUNNER, 'server', '--data', dataDir, '--listen', listen, '--quiet'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m !== null) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

function kill(c: Child, signal: NodeJS.Signals): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    c.child.on('exit', () => resolve());
    c.child.kill(signal);
  });
}

async function until(cond: () => boolean): Promise<void> {
  // Bounded polling on a state change (at most ~20 s), not a timing assertion.
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition never became true');
}

describe('agent shipper against the real server', () => {
  const dir = tempDir('picket-e2e-');
  const children: Child[] = [];
  const shippers: Shipper[] = [];
  after(async () => {
    for (const s of shippers) await s.close();
    for (const c of children) await kill(c, 'SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every record exactly once across a server crash and restart', async () => {
    const dataDir = path.join(dir, 'server');
    const first = await startServer(dataDir, '127.0.0.1:0');
    children.push(first);
    const listen = first.url.replace(/^http:\/\//, '');
    const admin = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
    const tok = await call(`${first.url}/api/v1/admin/tokens`, 'POST', { token: admin, body: { name: 'edge-1', kind: 'sensor' } });
    const shipper = createShipper({
      server: first.url,
      token: tok.json.token,
      credentialFile: path.join(dir, 'agent', 'credential.json'),
      spoolDir: path.join(dir, 'agent', 'spool'),
      kind: 'sensor',
      name: 'edge-1',
      maxSpoolBytes: 64 * 1024 * 1024,
      batchRecords: 25,
      batchIntervalMs: 20,
      retryMinMs: 20,
      retryMaxMs: 200,
    });
    shippers.push(shipper);
    const uid = (i: number): string => `Ce2e${String(i).padStart(5, '0')}`;
    for (let i = 0; i < KILL_AFTER; i++) shipper.send('conn', connRecord(uid(i), '10.44.0.1', `10.44.1.${i % 250}`, 443, 1700000000 + i));
    await until(() => shipper.stats().batchesAcked >= 2);
    // Crash mid-stream: no goodbye, batches in flight are lost on the wire.
    await kill(first, 'SIGKILL');
    for (let i = KILL_AFTER; i < TOTAL; i++) shipper.send('conn', connRecord(uid(i), '10.44.0.1', `10.44.1.${i % 250}`, 443, 1700000000 + i));
    await until(() => shipper.stats().retries > 0);
    const second = await startServer(dataDir, listen);
    children.push(second);
    const flushed = await shipper.flush({ timeoutMs: 60_000 });
    assert.equal(flushed.outcome, 'acknowledged', JSON.stringify(flushed));

    const r = await call(`${second.url}/api/v1/connections?ip=10.44.0.1&limit=10000`, 'GET', { token: admin });
    assert.equal(r.status, 200);
    assert.equal(r.json.total, TOTAL, 'each record stored once');
    const uids = new Set<string>(r.json.rows.map((row: { uid: string }) => row.uid));
    assert.equal(uids.size, TOTAL);
    for (let i = 0; i < TOTAL; i++) assert.ok(uids.has(uid(i)), `missing ${uid(i)}`);
  });

  it('stops shipping when the agent is revoked (403)', async () => {
    const dataDir = path.join(dir, 'server2');
    const srv = await startServer(dataDir, '127.0.0.1:0');
    children.push(srv);
    const admin = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
    const tok = await call(`${srv.url}/api/v1/admin/tokens`, 'POST', { token: admin, body: { name: 'edge-2', kind: 'sensor' } });
    const shipper = createShipper({
      server: srv.url,
      token: tok.json.token,
      credentialFile: path.join(dir, 'agent2', 'credential.json'),
      spoolDir: path.join(dir, 'agent2', 'spool'),
      kind: 'sensor',
      name: 'edge-2',
      maxSpoolBytes: 1024 * 1024,
      batchRecords: 10,
      batchIntervalMs: 20,
      retryMinMs: 20,
      retryMaxMs: 200,
    });
    shippers.push(shipper);
    shipper.send('conn', connRecord('Crev00001', '10.45.0.1', '10.45.0.2', 80, 1700000000));
    assert.equal((await shipper.flush({ timeoutMs: 30_000 })).outcome, 'acknowledged');
    const agentId = shipper.stats().agentId!;
    assert.equal((await call(`${srv.url}/api/v1/admin/agents/${agentId}/revoke`, 'POST', { token: admin })).status, 200);
    shipper.send('conn', connRecord('Crev00002', '10.45.0.1', '10.45.0.2', 80, 1700000001));
    const f = await shipper.flush({ timeoutMs: 30_000 });
    assert.equal(f.outcome, 'spooled');
    assert.equal(shipper.status, 'revoked');
    const r = await call(`${srv.url}/api/v1/connections?ip=10.45.0.1`, 'GET', { token: admin });
    assert.equal(r.json.total, 1);
  });
});
