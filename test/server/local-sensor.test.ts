/**
 * `picket server --local-sensor` (what `npm start` runs): the server and a
 * live sensor in one process. The end-to-end test runs it inside a network
 * namespace the test creates (its default route leads to a peer namespace),
 * sends a bounded burst of UDP from the peer, and finds the connection in the
 * store afterwards. Namespaces and processes are removed at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';
import { defaultRouteInterface, liveCaptureBlocker } from '../../src/server/local-sensor.js';

const BIN = path.join(REPO_ROOT, 'bin', 'picket.js');

test('the default-route interface is read from the route table', () => {
  const dir = tempDir();
  try {
    const table = path.join(dir, 'route');
    fs.writeFileSync(
      table,
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n' +
        'eth1\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n' +
        'eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\n',
    );
    assert.equal(defaultRouteInterface(table), 'eth0');
    fs.writeFileSync(table, 'Iface\tDestination\tGateway\n');
    assert.equal(defaultRouteInterface(table), undefined);
    assert.equal(defaultRouteInterface(path.join(dir, 'missing')), undefined);
    assert.match(liveCaptureBlocker(undefined) ?? '', /no default route/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

const canNetns = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v ip && command -v tcpdump']).status === 0;

test('server --local-sensor captures on the default interface and stores what it saw', { skip: canNetns ? false : 'needs root, iproute2 and tcpdump', timeout: 120_000 }, async () => {
  const tag = String(process.pid % 1_000_000);
  const nsS = `pkt-ls-${tag}-s`;
  const nsP = `pkt-ls-${tag}-p`;
  const dir = tempDir();
  const data = path.join(dir, 'data');
  const port = 41000 + (process.pid % 1000);
  const cleanup = (): void => {
    for (const ns of [nsS, nsP]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        /* not there */
      }
    }
  };
  let child: ReturnType<typeof spawn> | null = null;
  try {
    ip('netns', 'add', nsS);
    ip('netns', 'add', nsP);
    ip('link', 'add', `pkl${tag}s`, 'netns', nsS, 'type', 'veth', 'peer', 'name', `pkl${tag}p`, 'netns', nsP);
    ip('-n', nsS, 'link', 'set', 'lo', 'up');
    ip('-n', nsP, 'link', 'set', 'lo', 'up');
    ip('-n', nsS, 'addr', 'add', '10.214.0.2/24', 'dev', `pkl${tag}s`);
    ip('-n', nsP, 'addr', 'add', '10.214.0.1/24', 'dev', `pkl${tag}p`);
    ip('-n', nsS, 'link', 'set', `pkl${tag}s`, 'up');
    ip('-n', nsP, 'link', 'set', `pkl${tag}p`, 'up');
    ip('-n', nsS, 'route', 'add', 'default', 'via', '10.214.0.1');

    child = spawn('ip', ['netns', 'exec', nsS, process.execPath, BIN, 'server', '--local-sensor', '--data', data, '--listen', '127.0.0.1:8799', '--quiet'], {
      env: { ...process.env, PICKET_ADMIN_PASSWORD: 'local-sensor-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (c) => resolve(c)));
    const deadline = Date.now() + 30_000;
    while (!/local sensor capturing on pkl/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(stderr, new RegExp(`local sensor capturing on pkl${tag}s`));
    await new Promise((r) => setTimeout(r, 1500)); // tcpdump attaches
    // A bounded burst from the peer namespace: 20 datagrams.
    const send = spawnSync('ip', [
      'netns', 'exec', nsP, process.execPath, '-e',
      `const s=require('dgram').createSocket('udp4');let n=0;const go=()=>{if(n++>=20){s.close();return;}s.send(Buffer.from('hello '+n),${port},'10.214.0.2',go)};go();`,
    ], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(send.status, 0, send.stderr);
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 40_000))]);
    assert.notEqual(code, 'timeout', stderr);
    const q = spawnSync(process.execPath, [BIN, 'query', 'connections', '--data', data, '--port', String(port), '--format', 'json'], { encoding: 'utf8' });
    assert.equal(q.status, 0, q.stderr);
    const page = JSON.parse(q.stdout) as { rows: Array<Record<string, unknown>> };
    const conn = page.rows.find((r) => r['id.resp_p'] === port);
    assert.ok(conn, `no connection to port ${port} stored: ${q.stdout}\n${stderr}`);
    assert.equal(conn['id.orig_h'], '10.214.0.1');
    assert.equal(conn.orig_pkts, 20);
  } finally {
    if (child !== null && child.exitCode === null) child.kill('SIGKILL');
    cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
