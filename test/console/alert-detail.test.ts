/**
 * The console's alert page data: each host an alert names comes with its
 * own network. The alert's `network.name` is its source's; the
 * destination's is looked up in the site's networks (picket.yaml), so an
 * alert from a workstation to a server names both networks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestServer } from '../server/helpers.js';
import { tempDir } from '../helpers/paths.js';
import { alert, DAY0 } from '../store/store-suite.js';

test('alert detail: the source and destination each carry their own network', async () => {
  const dir = tempDir();
  const configFile = path.join(dir, 'picket.yaml');
  fs.writeFileSync(configFile, 'networks:\n  - { name: servers, cidrs: [10.77.1.0/24] }\n  - { name: workstations, cidrs: [10.77.2.0/24] }\n');
  const s = await startTestServer({ dataDir: path.join(dir, 'data'), configFile, env: { PICKET_ADMIN_PASSWORD: 'alert-detail-pw' } });
  try {
    const a = { ...alert('kerberos.overpass_the_hash', 3, '10.77.2.22', DAY0 + 5, 'workstations'), destination: { ip: '10.77.1.10', port: 88 } };
    const outside = { ...alert('smb.internet', 3, '10.77.2.23', DAY0 + 6), destination: { ip: '198.51.100.10', port: 445 } };
    await s.ctx.stores.store.insert('alert', [a, outside]);
    const login = await fetch(`${s.url}/api/v1/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: 'alert-detail-pw' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const list = (await (await fetch(`${s.url}/api/v1/console/alerts`, { headers: { cookie } })).json()) as { rows: { id: string; rule: { id: string } }[] };
    const hostsOf = async (rule: string): Promise<[string, string, string | null][]> => {
      const id = list.rows.find((r) => r.rule.id === rule)!.id;
      const d = (await (await fetch(`${s.url}/api/v1/console/alerts/${encodeURIComponent(id)}`, { headers: { cookie } })).json()) as { hosts: { role: string; ip: string; network: string | null }[] };
      return d.hosts.map((h) => [h.role, h.ip, h.network]);
    };
    assert.deepEqual(await hostsOf('kerberos.overpass_the_hash'), [
      ['source', '10.77.2.22', 'workstations'],
      ['destination', '10.77.1.10', 'servers'],
    ]);
    // Without a network on the alert, the source's is looked up too; a public destination has none.
    assert.deepEqual(await hostsOf('smb.internet'), [
      ['source', '10.77.2.23', 'workstations'],
      ['destination', '198.51.100.10', null],
    ]);
  } finally {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
