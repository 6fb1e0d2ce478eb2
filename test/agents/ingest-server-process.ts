/**
 * Starts and stops the stand-in ingest server (fixtures/ingest-server.ts) as
 * a child process on 127.0.0.1, and wraps the admin calls the tests make.
 * Every child is tracked by PID and killed by the test that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'ingest-server.js');
export const ADMIN_TOKEN = 'test-admin-token';
/** Longest wait for the child to print its port (bounded: never hang a test run). */
const START_TIMEOUT_MS = 20_000;

export interface IngestServer {
  port: number;
  url: string;
  child: ChildProcess;
  /** SIGKILL (an abrupt death mid-stream) and wait for the exit. */
  kill(): Promise<void>;
}

export function startIngestServer(dir: string, opts: { port?: number; env?: Record<string, string> } = {}): Promise<IngestServer> {
  const child = spawn(process.execPath, [FIXTURE, '--port', String(opts.port ?? 0), '--dir', dir], {
    env: { ...process.env, ADMIN_TOKEN, ...(opts.env ?? {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('ingest server did not start'));
    }, START_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ingest server exited with ${code}`));
    });
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        child,
        kill: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null || child.signalCode !== null) return res();
            child.removeAllListeners('exit');
            child.once('exit', () => res());
            process.kill(child.pid!, 'SIGKILL');
          }),
      });
    });
  });
}

async function admin(url: string, pathname: string, body: object): Promise<unknown> {
  const r = await fetch(`${url}${pathname}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${pathname}: HTTP ${r.status}`);
  return r.json();
}

export async function createToken(url: string, kind: string, name = 'test'): Promise<string> {
  const r = (await admin(url, '/api/v1/admin/tokens', { name, kind })) as { token: string };
  return r.token;
}

export async function revokeAgent(url: string, agentId: string): Promise<void> {
  await admin(url, `/api/v1/admin/agents/${agentId}/revoke`, {});
}
