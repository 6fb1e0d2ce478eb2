/** The settings view lists each intel source with its indicator count and last update. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestServer } from '../server/helpers.js';
import { tempDir } from '../helpers/paths.js';

test('settings show intel sources with counts', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'bad-ips.txt'), '# lab indicators\n192.0.2.99\n203.0.113.66\nnot-an-ip\n');
  const config = path.join(dir, 'picket.yaml');
  fs.writeFileSync(config, 'intel:\n  lists:\n    - { path: bad-ips.txt, kind: ip }\n');
  const s = await startTestServer({ configFile: config, dataDir: path.join(dir, 'data'), env: { PICKET_ADMIN_PASSWORD: 'settings-test-pw' } });
  try {
    const login = await fetch(`${s.url}/api/v1/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: 'settings-test-pw' }),
    });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const r = await fetch(`${s.url}/api/v1/console/settings`, { headers: { cookie } });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { intel: Array<{ name: string; kind: string; count: number; alerting: number; updated: number | null }> };
    assert.equal(body.intel.length, 1);
    assert.equal(body.intel[0]!.count, 2);
    assert.equal(body.intel[0]!.alerting, 2);
    assert.ok(body.intel[0]!.updated !== null);
  } finally {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
