/**
 * The host page's default window: `span` asks for the last stretch of the
 * host's own activity (ending at its newest connection), so an old or
 * replayed capture still shows data and a busy host's whole history is not
 * read unless asked for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestServer } from '../server/helpers.js';
import { tempDir } from '../helpers/paths.js';
import { alert, conn, DAY0 } from '../store/store-suite.js';

const DAY = 86400;

test('host summary with span covers the last stretch of the host\'s activity (console and admin API)', async () => {
  const dir = tempDir();
  const s = await startTestServer({ dataDir: path.join(dir, 'data'), env: { PICKET_ADMIN_PASSWORD: 'host-window-pw' } });
  try {
    const store = s.ctx.stores.store;
    // 10.0.0.5: three connections on day 0, one on day 3 (its newest).
    await store.insert('conn', [
      conn({ ts: DAY0 + 10, uid: 'Ca' }),
      conn({ ts: DAY0 + 20, uid: 'Cb' }),
      conn({ ts: DAY0 + 30, uid: 'Cc' }),
      conn({ ts: DAY0 + 3 * DAY + 40, uid: 'Cd' }),
      // 10.0.0.6 was last active ten days before the newest stored connection: the look-back has to widen.
      conn({ ts: DAY0 - 7 * DAY + 5, uid: 'Ce', 'id.orig_h': '10.0.0.6' }),
    ]);
    assert.equal(await store.hostLastSeen('10.0.0.6'), DAY0 - 7 * DAY + 5);
    assert.equal(await store.hostLastSeen('10.0.0.5'), DAY0 + 3 * DAY + 40);
    const login = await fetch(`${s.url}/api/v1/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: 'host-window-pw' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const get = async (q: string): Promise<{ status: number; body: { connections: number; from: string | null; to: string | null; error?: string } }> => {
      const r = await fetch(`${s.url}/api/v1/console/hosts/10.0.0.5${q}`, { headers: { cookie } });
      return { status: r.status, body: (await r.json()) as { connections: number; from: string | null; to: string | null } };
    };
    const day = await get('?span=24h');
    assert.equal(day.status, 200);
    assert.equal(day.body.connections, 1, 'only the newest day of activity');
    // The window ends just past the newest connection (exclusive end), on the next whole millisecond.
    assert.equal(day.body.to, new Date((DAY0 + 3 * DAY + 40) * 1000 + 1).toISOString());
    // The page lists the host's connections with the window the summary gives back: the newest is in it,
    // also when its time falls inside a millisecond (the window travels as ISO text with milliseconds).
    const listed = async (ip: string, w: { from: string | null; to: string | null }): Promise<string[]> => {
      const r = await fetch(`${s.url}/api/v1/console/connections?ip=${ip}&from=${encodeURIComponent(w.from ?? '')}&to=${encodeURIComponent(w.to ?? '')}`, { headers: { cookie } });
      return ((await r.json()) as { rows: { uid: string }[] }).rows.map((x) => x.uid);
    };
    assert.deepEqual(await listed('10.0.0.5', day.body), ['Cd']);
    await store.insert('conn', [conn({ ts: DAY0 + 50.000207, uid: 'Cg', 'id.orig_h': '10.0.0.7' }), conn({ ts: DAY0 + 49.999, uid: 'Cf', 'id.orig_h': '10.0.0.7' })]);
    const sub = await fetch(`${s.url}/api/v1/console/hosts/10.0.0.7?span=24h`, { headers: { cookie } });
    const subBody = (await sub.json()) as { connections: number; from: string | null; to: string | null };
    assert.equal(subBody.connections, 2);
    assert.deepEqual((await listed('10.0.0.7', subBody)).sort(), ['Cf', 'Cg']);
    assert.equal((await get('?span=10ms')).body.connections, 1, 'a span shorter than a second still holds the newest connection');
    assert.equal((await get('?span=4d')).body.connections, 4);
    const all = await get('');
    assert.equal(all.body.connections, 4);
    assert.equal(all.body.from, null);
    // Another spelling of the address is the same host.
    const mapped = await fetch(`${s.url}/api/v1/console/hosts/${encodeURIComponent('::FFFF:10.0.0.5')}`, { headers: { cookie } });
    assert.deepEqual(await mapped.json(), all.body);
    const stranger = await fetch(`${s.url}/api/v1/console/hosts/192.0.2.7?span=24h`, { headers: { cookie } });
    assert.equal(((await stranger.json()) as { connections: number }).connections, 0);
    assert.equal((await get('?span=soon')).status, 400);
    assert.equal((await get('?span=24h&from=2024-05-01')).status, 400);
    // The admin API's host route takes the same window.
    const viaApi = await fetch(`${s.url}/api/v1/hosts/10.0.0.5?span=24h`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    assert.equal(((await viaApi.json()) as { connections: number }).connections, 1);
    const viaApiMapped = await fetch(`${s.url}/api/v1/hosts/${encodeURIComponent('::ffff:10.0.0.5')}?span=24h`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    assert.equal(((await viaApiMapped.json()) as { connections: number }).connections, 1);

    // A suppression's host is kept in the spelling alerts carry, since matching compares text.
    const { csrf } = (await login.json()) as { csrf: string };
    const sup = await fetch(`${s.url}/api/v1/console/suppressions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ rule: 'scan.*', reason: 'lab scanner', host: '::FFFF:10.0.0.5' }),
    });
    assert.equal(sup.status, 200);
    assert.equal(((await sup.json()) as { host: string }).host, '10.0.0.5');
  } finally {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('host summary in the console: alerts hidden by suppressions are left out and counted, like the alert list', async () => {
  const dir = tempDir();
  const s = await startTestServer({ dataDir: path.join(dir, 'data'), env: { PICKET_ADMIN_PASSWORD: 'host-window-pw' } });
  try {
    const store = s.ctx.stores.store;
    await store.insert('conn', [conn({ ts: DAY0 + 10, uid: 'Ca' })]);
    await store.insert('alert', [alert('scan.port.vertical', 2, '10.0.0.5', DAY0 + 11), alert('dns.dga', 3, '10.0.0.5', DAY0 + 12), alert('scan.arp', 2, '10.0.0.5', DAY0 + 13)]);
    const login = await fetch(`${s.url}/api/v1/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: 'host-window-pw' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const { csrf } = (await login.json()) as { csrf: string };
    type Summary = { alerts: { rule: string }[]; alerts_hidden: number };
    const summary = async (): Promise<Summary> => (await (await fetch(`${s.url}/api/v1/console/hosts/10.0.0.5`, { headers: { cookie } })).json()) as Summary;
    const before = await summary();
    assert.deepEqual(before.alerts.map((a) => a.rule), ['scan.arp', 'dns.dga', 'scan.port.vertical']);
    assert.equal(before.alerts_hidden, 0);
    const sup = await fetch(`${s.url}/api/v1/console/suppressions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ rule: 'scan.*', reason: 'lab scanner', host: '10.0.0.5' }),
    });
    assert.equal(sup.status, 200);
    const after = await summary();
    assert.deepEqual(after.alerts.map((a) => a.rule), ['dns.dga']);
    assert.equal(after.alerts_hidden, 2);
    // The alert list says the same.
    const list = (await (await fetch(`${s.url}/api/v1/console/alerts?host=10.0.0.5`, { headers: { cookie } })).json()) as { total: number; hidden: number };
    assert.deepEqual([list.total, list.hidden], [1, 2]);
  } finally {
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
