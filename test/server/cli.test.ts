/**
 * The CLI as a user runs it, in child processes: `picket server` prints where
 * it listens and writes DIR/admin.token with mode 0600; `picket agent token
 * create` prints the token alone on stdout's last line, both against the
 * running server (--server URL, admin token from the environment) and
 * straight on a data directory (--data DIR) with no server, only one a server
 * has made (a mistyped --data fails); the tokens it prints enroll an agent; `--data` on a directory a server holds fails with a
 * message pointing at --server; SIGTERM stops the server cleanly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/paths.js';
import { call } from './helpers.js';

const RUNNER = fileURLToPath(new URL('./cli-runner.js', import.meta.url));

/** The environment for children: no admin token unless a test sets one. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (extra.PICKET_ADMIN_TOKEN === undefined) delete env.PICKET_ADMIN_TOKEN;
  return env;
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUNNER, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}

async function startServerProcess(dataDir: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [RUNNER, 'server', '--data', dataDir, '--listen', '127.0.0.1:0', '--quiet'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  return { child, url, stderr: () => err };
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('picket agent token create on a data directory (no server)', () => {
  const dir = tempDir('picket-cli-data-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a directory that holds no store, naming the path, and creates nothing', async () => {
    const typo = path.join(dir, 'dat', 'x');
    const r = await run(['agent', 'token', 'create', '--name', 'edge-1', '--kind', 'sensor', '--data', typo]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '', 'no token printed');
    assert.match(r.stderr, new RegExp(`no Picket store at ${path.join(typo, 'picket.duckdb').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.* does not exist\\)`));
    assert.equal(fs.existsSync(path.join(dir, 'dat')), false, 'no directory made');
    // An existing directory without a store (the server never ran there) is refused too.
    const list = await run(['agent', 'token', 'list', '--data', dir]);
    assert.equal(list.code, 1);
    assert.match(list.stderr, /has no picket\.duckdb/);
    assert.equal(fs.existsSync(path.join(dir, 'picket.duckdb')), false);
  });

  it('prints the token on the last line; a server started later on the directory accepts it', async () => {
    // The server makes the store when it first starts; token create then works on it offline.
    const first = await startServerProcess(dir);
    assert.equal(await stopProcess(first.child), 0, first.stderr());
    const r = await run(['agent', 'token', 'create', '--name', 'edge-1', '--kind', 'sensor', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    const token = lastLine(r.stdout);
    assert.match(token, /^pkt_[A-Za-z0-9_-]{40,}$/);
    assert.equal(r.stdout.trim(), token, 'nothing else on stdout');
    const list = await run(['agent', 'token', 'list', '--data', dir, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const tokens = JSON.parse(list.stdout) as Array<{ name: string; kind: string }>;
    assert.deepEqual(tokens.map((t) => [t.name, t.kind]), [['edge-1', 'sensor']]);
    const bad = await run(['agent', 'token', 'create', '--name', 'x', '--kind', 'toaster', '--data', dir]);
    assert.equal(bad.code, 2);

    const srv = await startServerProcess(dir);
    try {
      const e = await call(`${srv.url}/api/v1/enroll`, 'POST', { body: { token, name: 'edge-1', kind: 'sensor' } });
      assert.equal(e.status, 200, JSON.stringify(e.json));
    } finally {
      assert.equal(await stopProcess(srv.child), 0, srv.stderr());
    }
  });
});

describe('picket server and picket agent --server', () => {
  const dir = tempDir('picket-cli-server-');
  let srv: Awaited<ReturnType<typeof startServerProcess>>;
  before(async () => {
    srv = await startServerProcess(dir);
  });
  after(async () => {
    await stopProcess(srv.child);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes DIR/admin.token with mode 0600', () => {
    const st = fs.statSync(path.join(dir, 'admin.token'));
    assert.equal(st.mode & 0o777, 0o600);
  });

  it('creates a token through the API with the admin token from PICKET_ADMIN_TOKEN; it enrolls an agent', async () => {
    const admin = fs.readFileSync(path.join(dir, 'admin.token'), 'utf8').trim();
    const r = await run(['agent', 'token', 'create', '--name', 'hp-1', '--kind', 'honeypot', '--server', srv.url], { PICKET_ADMIN_TOKEN: admin });
    assert.equal(r.code, 0, r.stderr);
    const token = lastLine(r.stdout);
    assert.match(token, /^pkt_/);
    const e = await call(`${srv.url}/api/v1/enroll`, 'POST', { body: { token, name: 'hp-1', kind: 'honeypot' } });
    assert.equal(e.status, 200);
    const list = await run(['agent', 'list', '--server', srv.url, '--json', '--admin-token', admin]);
    assert.equal(list.code, 0, list.stderr);
    const agents = JSON.parse(list.stdout) as Array<{ agent_id: string; kind: string }>;
    assert.deepEqual(agents.map((a) => [a.agent_id, a.kind]), [[e.json.agent_id, 'honeypot']]);
    const rv = await run(['agent', 'revoke', e.json.agent_id, '--server', srv.url, '--admin-token', admin]);
    assert.equal(rv.code, 0, rv.stderr);
    const denied = await call(`${srv.url}/api/v1/health`, 'POST', { token: e.json.credential, body: { ts: 1, kind: 'honeypot', version: '1' } });
    assert.equal(denied.status, 403);
  });

  it('refuses a wrong admin token and a data directory the server holds', async () => {
    const wrong = await run(['agent', 'token', 'create', '--name', 'x', '--kind', 'sensor', '--server', srv.url, '--admin-token', 'not-the-admin-token']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong admin token/);
    const held = await run(['agent', 'token', 'create', '--name', 'x', '--kind', 'sensor', '--data', dir]);
    assert.equal(held.code, 1);
    assert.match(held.stderr, /--server/);
  });
});

describe('picket server start and stop', () => {
  const dir = tempDir('picket-cli-start-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops cleanly on SIGTERM sent the moment the listening line is read', async () => {
    // The signal handlers used to be installed after that line was written, so a quick stop was the default kill.
    for (let i = 0; i < 4; i++) {
      const child = spawn(process.execPath, [RUNNER, 'server', '--data', dir, '--listen', '127.0.0.1:0', '--quiet'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/listening on /.test(out)) child.kill('SIGTERM');
      });
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, sg) => resolve([c, sg])));
      assert.deepEqual([code, signal], [0, null], `run ${i}: ${err}`);
      assert.match(err, /stopping \(storing accepted batches\)/);
    }
  });

  it('exits non-zero before listening when a sink cannot start (its secret\'s environment variable is not set)', async () => {
    const config = path.join(dir, 'picket.yaml');
    fs.writeFileSync(config, 'sinks:\n  - { type: webhook, name: chat, url_env: PICKET_TEST_NOT_SET }\n');
    const child = spawn(process.execPath, [RUNNER, 'server', '--config', config, '--data', dir, '--listen', '127.0.0.1:0', '--quiet'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Before the fix the server went on listening without sinks: give it time to exit, then stop it.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(guard);
    assert.equal(code, 1, `exit code; stdout: ${out} stderr: ${err}`);
    assert.equal(out, '', 'no listening line');
    assert.match(err, /sink chat: environment variable PICKET_TEST_NOT_SET \(url_env\) is not set/);
    // Nothing kept the store: a later server starts on the same directory.
    const srv = await startServerProcess(dir);
    assert.equal(await stopProcess(srv.child), 0, srv.stderr());
  });
});

describe('picket server: a first start that fails', () => {
  it('does not keep a generated console password nobody saw: the next start makes and shows one', async () => {
    const dir = tempDir('picket-cli-first-');
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const failed = await run(['server', '--data', dir, '--listen', `127.0.0.1:${port}`, '--quiet']);
      assert.notEqual(failed.code, 0, 'the port is taken');
      assert.doesNotMatch(failed.stderr, /created with password/);
      const srv = await startServerProcess(dir);
      // The notice is written right after the listening line: give it a moment.
      await new Promise((r) => setTimeout(r, 300));
      const code = await stopProcess(srv.child);
      assert.match(srv.stderr(), /console user "admin" created with password \S+ \(shown only this once\)/);
      assert.equal(code, 0, srv.stderr());
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
