/**
 * `picket server --demo` (what a fresh `npm start` needs): an empty store is
 * filled from the bundled demo capture with connections, alerts and
 * devices; a second start on the same data directory does not load it again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDir } from '../helpers/paths.js';
import { adminGet, startTestServer } from './helpers.js';

describe('server --demo', () => {
  it('loads the bundled demo capture once into an empty store', async () => {
    const dir = tempDir('picket-demo-');
    try {
      const s = await startTestServer({ dataDir: dir, demo: true });
      await s.demoDone;
      const conns = (await adminGet(s, '/connections?limit=1')).json.total as number;
      const alerts = (await adminGet(s, '/alerts?limit=1')).json.total as number;
      const devices = (await adminGet(s, '/devices?limit=1')).json.total as number;
      // Devices sit in the demo's lab networks (its picket.yaml), as its alerts name them, though this server has none.
      const srv = (await adminGet(s, '/devices?ip=10.77.1.10')).json.rows as { network: string | null }[];
      const ws = (await adminGet(s, '/devices?ip=10.77.2.21')).json.rows as { network: string | null }[];
      await s.stop();
      assert.deepEqual([srv.map((d) => d.network), ws.map((d) => d.network)], [['servers'], ['workstations']]);
      assert.ok(conns > 0, 'connections loaded');
      assert.ok(alerts > 0, 'alerts from the detection engine loaded');
      assert.ok(devices > 0, 'devices derived');
      const again = await startTestServer({ dataDir: dir, demo: true });
      await again.demoDone;
      const conns2 = (await adminGet(again, '/connections?limit=1')).json.total as number;
      await again.stop();
      assert.equal(conns2, conns);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
