/** The settings view lists each intel source with its indicator count and last update, the built-in data, and every rule with its state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestServer } from '../server/helpers.js';
import { tempDir } from '../helpers/paths.js';
import { DETECTORS } from '../../src/detect/index.js';
import { SEVERITY_NAMES } from '../../src/alerts/alert.js';

test('settings show intel sources with counts and rules with their state', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'bad-ips.txt'), '# lab indicators\n192.0.2.99\n203.0.113.66\nnot-an-ip\n');
  const config = path.join(dir, 'picket.yaml');
  fs.writeFileSync(config, 'intel:\n  lists:\n    - { path: bad-ips.txt, kind: ip }\ndetectors:\n  scan.ping: { enabled: false }\n');
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
    const body = (await r.json()) as {
      intel: Array<{ name: string; kind: string; count: number; alerting: number; updated: number | null }>;
      rules: Array<Record<string, unknown> & { id: string; enabled: boolean; severity: string; technique: string; name: string }>;
      bundled: Array<{ name: string; ok: boolean; detail: string }>;
    };
    assert.equal(body.intel.length, 1);
    assert.equal(body.intel[0]!.count, 2);
    assert.equal(body.intel[0]!.alerting, 2);
    assert.ok(body.intel[0]!.updated !== null);
    // Every shipped rule, in the registry's order; the one the file turns off says so.
    assert.deepEqual(body.rules.map((x) => x.id), DETECTORS.map((d) => d.id));
    const byId = new Map(body.rules.map((x) => [x.id, x]));
    assert.equal(byId.get('scan.ping')!.enabled, false);
    assert.equal(byId.get('scan.arp')!.enabled, true);
    assert.equal(byId.get('scan.arp')!.severity, SEVERITY_NAMES[DETECTORS.find((d) => d.id === 'scan.arp')!.severity]);
    assert.match(byId.get('scan.arp')!.technique, /^T\d{4}/);
    assert.ok(byId.get('scan.arp')!.name.length > 0);
    assert.equal(byId.get('scan.arp')!.options, undefined, 'options are shown under config, not repeated per rule');
    assert.equal(body.rules.filter((x) => !x.enabled).length, 1);
    // The data Picket brings, as `picket intel status` shows it.
    assert.deepEqual(body.bundled.map((b) => [b.name, b.ok]), [['ip-enrichment', true], ['user-agents', true], ['dga', true]]);
    assert.match(body.bundled[1]!.detail, /^\d+ attack-tool patterns \(bundled list\), \d+ malware patterns \(bundled list\)$/);
  } finally {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
