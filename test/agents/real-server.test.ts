/**
 * The shipper against the real `picket server` (DuckDB store) in a child
 * process on 127.0.0.1: the server is killed (SIGKILL) mid-stream, stays down
 * for a while, comes back on the same port and data directory, and every
 * connection record is then in the store exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { createShipper } from '../../src/agents/shipper.js';
import { startCli, type CliRun } from './cli-process.js';
import { until } from '../helpers/until.js';

const ADMIN = 'agents-test-admin-token-0123456789';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startServer(data: string, listen: string): Promise<{ run: CliRun; url: string }> {
  const run = startCli(['server', '--data', data, '--listen', listen, '--quiet'], { env: { PICKET_ADMIN_TOKEN: ADMIN } });
  await until(() => /listening on (http:\/\/\S+)/.test(run.stdout()) || run.child.exitCode !== null, 'the server to listen');
  const m = /listening on (http:\/\/\S+)/.exec(run.stdout());
  assert.ok(m !== null, `server did not start: ${run.stderr()}`);
  return { run, url: m[1]! };
}

async function adminCall(url: string, method: string, p: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${url}${p}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.json();
}

function conn(i: number): Record<string, unknown> {
  return {
    ts: 1_700_000_000 + i,
    uid: `Cagent${i}`,
    'id.orig_h': '10.9.0.1',
    'id.orig_p': 10000 + (i % 50000),
    'id.resp_h': '10.9.0.2',
    'id.resp_p': 443,
    proto: 'tcp',
    conn_state: 'SF',
    missed_bytes: 0,
    history: 'ShADadFf',
    orig_pkts: 3,
    orig_ip_bytes: 200,
    resp_pkts: 3,
    resp_ip_bytes: 300,
    orig_bytes: 10,
    resp_bytes: 20,
    ip_proto: 6,
    community_id: '1:test',
    duration: 0.5,
  };
}

test('real picket server killed mid-stream: every record stored exactly once after it returns', async () => {
  const work = tempDir();
  const data = path.join(work, 'server');
  let server: { run: CliRun; url: string } | undefined = await startServer(data, '127.0.0.1:0');
  const url = server.url;
  const listen = url.replace(/^http:\/\//, '');
  const { token } = (await adminCall(url, 'POST', '/api/v1/admin/tokens', { name: 'agents-test', kind: 'sensor' })) as { token: string };
  const shipper = createShipper({
    server: url,
    token,
    credentialFile: path.join(work, 'agent', 'credential.json'),
    spoolDir: path.join(work, 'agent', 'spool'),
    kind: 'sensor',
    name: 'agents-test',
    maxSpoolBytes: 64 * 1024 * 1024,
    batchRecords: 100,
    batchIntervalMs: 50,
    retryMinMs: 100,
    retryMaxMs: 500,
  });
  try {
    const N = 4000;
    let i = 0;
    const sendUpTo = async (n: number): Promise<void> => {
      for (; i < n; i++) {
        shipper.send('conn', conn(i));
        if (i % 100 === 99) await sleep(5);
      }
    };
    await sendUpTo(1000);
    await until(() => shipper.stats().batchesAcked >= 3, 'first acknowledgements');
    process.kill(server.run.child.pid!, 'SIGKILL');
    await server.run.exited;
    server = undefined;
    await sendUpTo(3000);
    await until(() => shipper.status === 'retrying', 'the shipper to notice');
    await sleep(1000);
    server = await startServer(data, listen);
    await sendUpTo(N);
    const r = await shipper.flush({ timeoutMs: 120_000 });
    assert.equal(r.outcome, 'acknowledged');
    const st = shipper.stats();
    assert.equal(st.batchesAcked, st.batchesSealed);
    // Read back every stored connection of this agent's host pair.
    const seen = new Map<string, number>();
    for (let offset = 0; ; ) {
      const page = (await adminCall(url, 'GET', `/api/v1/connections?ip=10.9.0.1&limit=1000&offset=${offset}`)) as { total: number; rows: { uid: string }[] };
      for (const row of page.rows) seen.set(row.uid, (seen.get(row.uid) ?? 0) + 1);
      offset += page.rows.length;
      if (page.rows.length === 0 || offset >= page.total) break;
    }
    const missing: number[] = [];
    const doubled: number[] = [];
    for (let k = 0; k < N; k++) {
      const c = seen.get(`Cagent${k}`) ?? 0;
      if (c === 0) missing.push(k);
      if (c > 1) doubled.push(k);
    }
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} records missing`);
    assert.deepEqual(doubled.slice(0, 20), [], `${doubled.length} records stored twice`);
    assert.equal(seen.size, N);
  } finally {
    await shipper.close();
    if (server !== undefined) {
      process.kill(server.run.child.pid!, 'SIGTERM');
      await server.run.exited;
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
});
