/**
 * Alerts shipped by agents reach the server's configured sinks, except those
 * a console suppression hides; a retried batch is not delivered twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { enroll, ingest, startTestServer } from './helpers.js';
import { tempDir } from '../helpers/paths.js';
import { shippedAlert as alert } from '../helpers/shipped-alert.js';

test('ingested alerts go to the sinks once, suppressed ones do not', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'alerts.jsonl');
  const config = path.join(dir, 'picket.yaml');
  fs.writeFileSync(config, `sinks:\n  - { type: file, name: siem, path: ${JSON.stringify(out)} }\n`);
  const s = await startTestServer({ configFile: config, dataDir: path.join(dir, 'data'), env: { PICKET_ADMIN_PASSWORD: 'sink-test-password' } });
  try {
    assert.ok(s.ctx.deliverAlerts !== undefined, 'set at start when sinks are configured');
    // A suppression made in the console: log in, then POST with the CSRF token.
    const login = await fetch(`${s.url}/api/v1/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: 'sink-test-password' }),
    });
    assert.equal(login.status, 200);
    const { csrf } = (await login.json()) as { csrf: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const sup = await fetch(`${s.url}/api/v1/console/suppressions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ rule: 'scan.*', reason: 'known scanner' }),
    });
    assert.equal(sup.status, 200, await sup.text());
    const agent = await enroll(s);
    const batch = [
      { kind: 'alert', data: alert('auth.bruteforce', '10.77.2.20', '2026-11-28T10:00:00.000Z') },
      { kind: 'alert', data: alert('scan.port.vertical', '10.77.2.20', '2026-11-28T10:00:01.000Z') },
    ];
    assert.equal((await ingest(s, agent, 1, batch)).status, 200);
    assert.equal((await ingest(s, agent, 1, batch)).json.duplicate, true);
    await s.stop();
    const lines = fs.readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { rule: { id: string } });
    assert.deepEqual(lines.map((l) => l.rule.id), ['auth.bruteforce']);
  } finally {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed alert in a batch is skipped and counted by the sinks: the batch is acknowledged and the other alerts delivered', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'alerts.jsonl');
  const config = path.join(dir, 'picket.yaml');
  // A severity filter: it reads event.severity of every alert offered.
  fs.writeFileSync(config, `sinks:\n  - { type: file, name: siem, path: ${JSON.stringify(out)}, min_severity: low }\n`);
  const s = await startTestServer({ configFile: config, dataDir: path.join(dir, 'data') });
  try {
    const agent = await enroll(s);
    // No event at all: the store skips it; without source: the store keeps it, a sink cannot render it.
    const noEvent = { rule: { id: 'x.y' }, '@timestamp': '2024-01-01T00:00:00Z' };
    const { source: _dropped, ...noSource } = alert('auth.bruteforce', '10.77.2.21', '2026-11-28T10:00:02.000Z');
    const batch = [
      { kind: 'alert', data: alert('auth.bruteforce', '10.77.2.20', '2026-11-28T10:00:00.000Z') },
      { kind: 'alert', data: noEvent },
      { kind: 'alert', data: noSource },
      { kind: 'alert', data: alert('scan.port.vertical', '10.77.2.20', '2026-11-28T10:00:01.000Z') },
    ];
    const first = await ingest(s, agent, 1, batch);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.json.duplicate, false);
    assert.equal(first.json.stored, 3);
    const retry = await ingest(s, agent, 1, batch);
    assert.equal(retry.json.duplicate, true);
    await s.stop();
    const lines = fs.readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { rule: { id: string } });
    assert.deepEqual(lines.map((l) => l.rule.id), ['auth.bruteforce', 'scan.port.vertical']);
  } finally {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
