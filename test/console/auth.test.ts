/**
 * Console authentication: scrypt hashing, the lock-out schedule, the console
 * store file, and over real HTTP against `runServer` on 127.0.0.1: first
 * admin from PICKET_ADMIN_PASSWORD (or a generated one reported once), login
 * cookies, CSRF refusal, viewers cannot write, lock-out after failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hashPassword, verifyPassword } from '../../src/server/console/password.js';
import { LoginThrottle, LOCK_BASE_MS, MAX_FAILURES } from '../../src/server/console/throttle.js';
import { ConsoleStore, CONSOLE_FILE } from '../../src/server/console/console-store.js';
import { runServer, type RunningServer } from '../../src/server/server.js';
import { tempDir } from '../helpers/paths.js';

test('scrypt hashes verify the right password only, are salted, and malformed hashes are refused', async () => {
  const h = await hashPassword('correct horse');
  assert.match(h, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
  assert.equal(await verifyPassword('correct horse', h), true);
  assert.equal(await verifyPassword('correct horsE', h), false);
  assert.notEqual(await hashPassword('correct horse'), h);
  assert.equal(await verifyPassword('x', 'scrypt$1$8$1$AAAA$BBBB'), false);
  assert.equal(await verifyPassword('x', 'plain'), false);
});

test('lock-out starts after MAX_FAILURES and doubles; success clears it', () => {
  let now = 1_000_000;
  const t = new LoginThrottle(() => now);
  for (let i = 0; i < MAX_FAILURES - 1; i++) t.failure('bob');
  assert.equal(t.retryAfterMs('bob'), 0);
  t.failure('bob');
  assert.equal(t.retryAfterMs('bob'), LOCK_BASE_MS);
  now += LOCK_BASE_MS;
  assert.equal(t.retryAfterMs('bob'), 0);
  t.failure('bob');
  assert.equal(t.retryAfterMs('bob'), 2 * LOCK_BASE_MS);
  assert.equal(t.retryAfterMs('alice'), 0);
  t.success('bob');
  assert.equal(t.retryAfterMs('bob'), 0);
});

test('console store: file is 0600, survives a reopen, sessions and suppressions persist', async () => {
  const dir = tempDir('picket-console-store-');
  try {
    const s = ConsoleStore.open(dir);
    await s.createUser('ann', 'password-1', 'viewer');
    const u = await s.checkPassword('ann', 'password-1');
    assert.ok(u !== undefined);
    assert.equal(await s.checkPassword('ann', 'wrong-pass'), undefined);
    assert.equal(await s.checkPassword('nobody', 'password-1'), undefined);
    const { cookie } = await s.createSession(u);
    await s.addSuppression({ rule: 'scan.*', host: null, network: null, reason: 'lab', created_by: 'ann', expires_at: null });
    const file = path.join(dir, CONSOLE_FILE);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.ok(!fs.readFileSync(file, 'utf8').includes(cookie), 'the cookie value itself is never stored');
    const again = ConsoleStore.open(dir);
    assert.equal(again.session(cookie)?.user, 'ann');
    assert.equal(again.suppressions().length, 1);
    await again.endSession(cookie);
    assert.equal(ConsoleStore.open(dir).session(cookie), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

interface Http {
  status: number;
  json: any;
  cookie: string | null;
}

async function req(base: string, method: string, p: string, opts: { body?: unknown; cookie?: string; csrf?: string } = {}): Promise<Http> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.cookie !== undefined) headers.cookie = opts.cookie;
  if (opts.csrf !== undefined) headers['x-csrf-token'] = opts.csrf;
  const r = await fetch(base + p, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await r.text();
  return { status: r.status, json: text === '' ? null : JSON.parse(text), cookie: r.headers.get('set-cookie') };
}

async function login(base: string, user: string, password: string): Promise<{ cookie: string; csrf: string; raw: string }> {
  const r = await req(base, 'POST', '/api/v1/console/login', { body: { user, password } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const raw = r.cookie ?? '';
  return { cookie: raw.split(';')[0] ?? '', csrf: r.json.csrf, raw };
}

async function withServer(env: NodeJS.ProcessEnv, fn: (s: RunningServer) => Promise<void>): Promise<void> {
  const dir = tempDir('picket-console-http-');
  const s = await runServer({ listen: '127.0.0.1:0', logLevel: false, env, dataDir: dir });
  try {
    await fn(s);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a generated first admin password is reported once and works', async () => {
  await withServer({}, async (s) => {
    assert.equal(s.consoleNotices.length, 1);
    const m = /password (\S+) \(shown only this once\)/.exec(s.consoleNotices[0] ?? '');
    assert.ok(m !== null, s.consoleNotices[0]);
    await login(`${s.url}`.replace(/\/$/, ''), 'admin', m[1] ?? '');
  });
});

test('login, cookie flags, CSRF refusal, viewer cannot write, lock-out', async () => {
  await withServer({ PICKET_ADMIN_PASSWORD: 'test-admin-pw' }, async (s) => {
    const base = s.url.replace(/\/$/, '');
    assert.match(s.consoleNotices[0] ?? '', /PICKET_ADMIN_PASSWORD/);
    assert.equal((await req(base, 'GET', '/api/v1/console/me')).status, 401);
    assert.equal((await req(base, 'POST', '/api/v1/console/login', { body: { user: 'admin', password: 'nope-nope' } })).status, 401);

    const a = await login(base, 'admin', 'test-admin-pw');
    assert.match(a.raw, /HttpOnly/);
    assert.match(a.raw, /SameSite=Strict/);
    assert.doesNotMatch(a.raw, /Secure/, 'plain HTTP: no Secure flag');
    const me = await req(base, 'GET', '/api/v1/console/me', { cookie: a.cookie });
    assert.equal(me.json.role, 'admin');

    // A write without the CSRF header (what a forged cross-site form would send) is refused.
    const forged = await req(base, 'POST', '/api/v1/console/users', { cookie: a.cookie, body: { name: 'val', password: 'viewer-pw-1', role: 'viewer' } });
    assert.equal(forged.status, 403);
    assert.equal(forged.json.error.code, 'PKT_ERR_SERVER_CSRF');
    const wrong = await req(base, 'POST', '/api/v1/console/users', { cookie: a.cookie, csrf: 'x'.repeat(43), body: { name: 'val', password: 'viewer-pw-1', role: 'viewer' } });
    assert.equal(wrong.status, 403);
    const made = await req(base, 'POST', '/api/v1/console/users', { cookie: a.cookie, csrf: a.csrf, body: { name: 'val', password: 'viewer-pw-1', role: 'viewer' } });
    assert.equal(made.status, 200, JSON.stringify(made.json));

    const v = await login(base, 'val', 'viewer-pw-1');
    assert.equal((await req(base, 'GET', '/api/v1/console/alerts', { cookie: v.cookie })).status, 200);
    const vw = await req(base, 'POST', '/api/v1/console/tokens', { cookie: v.cookie, csrf: v.csrf, body: { name: 'x', kind: 'sensor' } });
    assert.equal(vw.status, 403);
    assert.equal(vw.json.error.code, 'PKT_ERR_SERVER_FORBIDDEN');
    const aw = await req(base, 'POST', '/api/v1/console/tokens', { cookie: a.cookie, csrf: a.csrf, body: { name: 'x', kind: 'sensor' } });
    assert.equal(aw.status, 200);
    assert.match(aw.json.token, /^pkt_/);
    // Viewers may still log out (session + CSRF, no admin role).
    assert.equal((await req(base, 'POST', '/api/v1/console/logout', { cookie: v.cookie, csrf: v.csrf })).status, 204);
    assert.equal((await req(base, 'GET', '/api/v1/console/me', { cookie: v.cookie })).status, 401);

    for (let i = 0; i < 5; i++) assert.equal((await req(base, 'POST', '/api/v1/console/login', { body: { user: 'val', password: 'bad-guess' } })).status, 401);
    const locked = await req(base, 'POST', '/api/v1/console/login', { body: { user: 'val', password: 'viewer-pw-1' } });
    assert.equal(locked.status, 429, 'locked even with the right password');
    assert.equal(locked.json.error.code, 'PKT_ERR_SERVER_LOCKED');
    // Other users are not affected.
    await login(base, 'admin', 'test-admin-pw');
  });
});
