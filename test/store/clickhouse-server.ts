/**
 * Starts Debian's clickhouse-server for the store tests: installs the package
 * when the binary is missing (the package does not start a service on
 * install), writes a configuration from the templates beside this file into a
 * temporary directory, listens on 127.0.0.1 on free ports, and stops the child
 * by its PID at the end. `startClickHouse()` returns null with a reason only
 * when the server cannot be installed, so the suite can skip with a message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT, tempDir } from '../helpers/paths.js';

const BINARIES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse'];
/** Readiness polls (100 ms apart): a cold start on a loaded machine takes seconds. */
const READY_POLLS = 600;
/** Polls for the child to exit after SIGTERM before SIGKILL. */
const STOP_POLLS = 100;

export interface ClickHouseServer {
  url: string;
  user: string;
  /** Environment variable holding the password (as the store config names it). */
  passwordEnv: string;
  version: string;
  stop(): Promise<void>;
}

function findBinary(): string | null {
  for (const b of BINARIES) if (fs.existsSync(b)) return b;
  return null;
}

function install(): string | null {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'clickhouse-server'], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { env, encoding: 'utf8' });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'clickhouse-server'], { env, encoding: 'utf8' });
  }
  if (r.status !== 0) return `apt-get install clickhouse-server failed: ${(r.stderr ?? r.error?.message ?? '').trim().slice(-400)}`;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function fill(template: string, values: Record<string, string>): string {
  let text = fs.readFileSync(path.join(REPO_ROOT, 'test', 'store', template), 'utf8');
  for (const [k, v] of Object.entries(values)) text = text.replaceAll(`{{${k}}}`, v);
  return text;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  process.kill(child.pid, 'SIGTERM');
  for (let i = 0; i < STOP_POLLS && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
  if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
}

/** Starts a private server, or returns the reason it cannot. */
export async function startClickHouse(): Promise<ClickHouseServer | { skip: string }> {
  let bin = findBinary();
  if (bin === null) {
    const why = install();
    bin = findBinary();
    if (bin === null) return { skip: why ?? 'clickhouse-server is not installed and could not be installed' };
  }
  const dir = tempDir('picket-ch-');
  for (const d of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const httpPort = await freePort();
  let tcpPort = await freePort();
  while (tcpPort === httpPort) tcpPort = await freePort();
  const password = `pw${process.pid}x${Date.now()}`;
  const passwordEnv = 'PICKET_TEST_CLICKHOUSE_PASSWORD';
  process.env[passwordEnv] = password;
  fs.writeFileSync(path.join(dir, 'users.xml'), fill('clickhouse-users.xml.template', { PASSWORD: password }));
  fs.writeFileSync(
    path.join(dir, 'config.xml'),
    fill('clickhouse-config.xml.template', { DIR: dir, HTTP_PORT: String(httpPort), TCP_PORT: String(tcpPort) }),
  );
  const args = bin.endsWith('/clickhouse') ? ['server', `--config-file=${path.join(dir, 'config.xml')}`] : [`--config-file=${path.join(dir, 'config.xml')}`];
  const out = fs.openSync(path.join(dir, 'log', 'stdout.log'), 'w');
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${httpPort}`;
  let version = '';
  for (let i = 0; i < READY_POLLS && child.exitCode === null; i++) {
    try {
      const auth = `Basic ${Buffer.from(`default:${password}`).toString('base64')}`;
      const res = await fetch(`${url}/?query=${encodeURIComponent('SELECT version()')}`, { headers: { Authorization: auth } });
      if (res.ok) {
        version = (await res.text()).trim();
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  const stop = async (): Promise<void> => {
    await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  if (version === '') {
    const log = fs.existsSync(path.join(dir, 'log', 'error.log')) ? fs.readFileSync(path.join(dir, 'log', 'error.log'), 'utf8').slice(-2000) : '';
    await stop();
    throw new Error(`clickhouse-server did not become ready (exit ${String(child.exitCode)}): ${log}`);
  }
  return { url, user: 'default', passwordEnv, version, stop };
}
