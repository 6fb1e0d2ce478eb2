/**
 * Console suppressions reach the honeypot agent too (the alert output every
 * alert-raising agent command shares): with --server, an alert a suppression
 * covers is still shipped and stored, but not written to --alerts. Real
 * server in this process, real honeypot child process, real TCP and UDP on
 * 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Alert } from '../../src/alerts/alert.js';
import { runServer, type RunningServer } from '../../src/server/server.js';
import { tempDir } from '../helpers/paths.js';
import { startCli, type CliRun } from './cli-process.js';
import { until } from '../helpers/until.js';
import { freeTcpUdpPort } from '../helpers/free-port.js';

function touchTcp(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.on('connect', () => s.end(Buffer.from('hello')));
  });
}

async function touchUdp(port: number): Promise<void> {
  const client = dgram.createSocket('udp4');
  await new Promise<void>((r) => client.send(Buffer.from('ping'), port, '127.0.0.1', () => r()));
  client.close();
}

function fileRules(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as Alert).rule.id);
}

test('honeypot --server --alerts: a console suppression keeps its alert from the local file, not from the server', async () => {
  const work = tempDir('picket-hp-sup-');
  const password = 'honeypot-suppression-pw';
  const alertsFile = path.join(work, 'alerts.jsonl');
  let server: RunningServer | undefined;
  let run: CliRun | undefined;
  try {
    server = await runServer({ dataDir: path.join(work, 'server'), listen: '127.0.0.1:0', logLevel: false, env: { PICKET_ADMIN_PASSWORD: password } });
    const url = server.url.replace(/\/$/, '');
    const auth = { authorization: `Bearer ${server.admin.token}` };
    const made = await fetch(`${url}/api/v1/admin/tokens`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'hp', kind: 'honeypot' }) });
    const { token } = (await made.json()) as { token: string };
    const tport = await freeTcpUdpPort();
    const uport = await freeTcpUdpPort();
    const honeypot = (): CliRun =>
      startCli([
        'honeypot', '--server', url, '--token', token, '--spool', path.join(work, 'agent'), '--alerts', alertsFile,
        '--tcp', String(tport), '--udp', String(uport), '--bind', '127.0.0.1', '--batch-interval-ms', '100',
      ]);
    const stored = async (rule: string): Promise<number> => {
      const r = await fetch(`${url}/api/v1/alerts?rule=${rule}`, { headers: auth });
      return ((await r.json()) as { total: number }).total;
    };

    // First run enrolls the agent; no suppressions yet, so the alert is written locally.
    run = honeypot();
    await until(() => /listening on 127\.0\.0\.1/.test(run!.stderr()), 'the honeypot to listen', 400, 25);
    await touchTcp(tport);
    await until(() => fileRules(alertsFile).length === 1, 'the first local alert', 400, 25);
    process.kill(run.child.pid!, 'SIGTERM');
    assert.equal(await run.exited, 0, run.stderr());

    // Suppress honeypot.tcp from 127.0.0.1 in the console.
    const login = await fetch(`${url}/api/v1/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
    const { csrf } = (await login.json()) as { csrf: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const sup = await fetch(`${url}/api/v1/console/suppressions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ rule: 'honeypot.tcp', host: '127.0.0.1', reason: 'our own health check' }),
    });
    assert.equal(sup.status, 200, await sup.text());

    // Second run: the TCP touch is shipped but not written; the UDP one (not suppressed) is written.
    run = honeypot();
    await until(() => /listening on 127\.0\.0\.1/.test(run!.stderr()), 'the honeypot to listen again', 400, 25);
    await touchTcp(tport);
    await touchUdp(uport);
    await until(() => fileRules(alertsFile).length === 2, 'the UDP alert in the file', 400, 25);
    for (let i = 0; i < 200 && (await stored('honeypot.tcp')) < 2; i++) await sleep(50);
    process.kill(run.child.pid!, 'SIGTERM');
    assert.equal(await run.exited, 0, run.stderr());
    assert.deepEqual(fileRules(alertsFile), ['honeypot.tcp', 'honeypot.udp']);
    assert.equal(await stored('honeypot.tcp'), 2, 'both TCP touches reached the server');
    assert.equal(await stored('honeypot.udp'), 1);
    assert.match(run.stderr(), /1 alerts kept from the local output by console suppressions/);
  } finally {
    if (run !== undefined && run.child.exitCode === null) process.kill(run.child.pid!, 'SIGKILL');
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
