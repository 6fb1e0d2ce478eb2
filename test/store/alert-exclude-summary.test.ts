/**
 * Two store answers the console leans on at scale, checked against plain JS
 * on the same rows (DuckDB engine; ClickHouse keeps alerts in the same local
 * file and has its own host summary, covered by the store suite):
 * - alerts({ exclude }) leaves out exactly what suppressedBy() would hide, and
 *   visibleAlerts() pages and counts the rest;
 * - hostSummary() views each connection from the host's side, a connection
 *   from the host to itself counting once, as originated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openStores } from '../../src/store/open.js';
import { suppressedBy } from '../../src/alerts/suppression.js';
import { visibleAlerts } from '../../src/server/console/suppress.js';
import type { Suppression } from '../../src/server/console/console-store.js';
import type { StoredAlert } from '../../src/store/types.js';
import { tempDir } from '../helpers/paths.js';

const T0 = 1_714_557_600; // 2024-05-01T10:00:00Z

function alert(i: number, rule: string, src: string, dst: string | null, network: string | null): Record<string, unknown> {
  const iso = new Date((T0 + i) * 1000).toISOString();
  return {
    '@timestamp': iso,
    event: { kind: 'alert', severity: 1 + (i % 4), category: ['network'] },
    rule: { id: rule, name: rule },
    source: { ip: src },
    ...(dst !== null ? { destination: { ip: dst } } : {}),
    ...(network !== null ? { network: { name: network } } : {}),
    threat: { technique: { id: 'T1046' } },
    message: `alert ${i}`,
    evidence: {},
    count: 1,
    first_seen: iso,
    last_seen: iso,
    observer: { name: 'test' },
    dedup_key: String(i),
  };
}

function sup(rule: string, host: string | null = null, network: string | null = null): Suppression {
  return { id: `sup_${rule}_${host}_${network}`, rule, host, network, reason: 'test', created_by: 'test', created_at: new Date(0).toISOString(), expires_at: null };
}

test('alerts({ exclude }) hides what suppressedBy hides; visibleAlerts pages and counts the rest', async () => {
  const dir = tempDir('picket-store-exclude-');
  const opened = await openStores(dir, { engine: 'duckdb' });
  try {
    const rules = ['scan.port', 'scan.sweep', 'dns.dga', 'intel.ip'];
    const hosts = ['10.0.0.1', '10.0.0.2', '192.0.2.9'];
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 120; i++) {
      // Some alerts have no destination and some no network: a NULL column must not match (nor hide) anything.
      rows.push(alert(i, rules[i % 4]!, hosts[i % 3]!, i % 5 === 0 ? null : hosts[(i + 1) % 3]!, i % 7 === 0 ? null : i % 2 === 0 ? 'office' : 'lab'));
    }
    const r = await opened.store.insert('alert', rows);
    assert.equal(r.stored, 120);
    const all = (await opened.store.alerts({ limit: 1000 })).rows;
    const sets: Suppression[][] = [
      [sup('scan.*')],
      [sup('dns.dga', '192.0.2.9')],
      [sup('intel.ip', null, 'lab')],
      [sup('scan.port', '10.0.0.2', 'office'), sup('dns.*', null, 'lab')],
      [sup('*')],
      [sup('nothing.matches')],
    ];
    for (const sups of sets) {
      const expected = all.filter((a) => suppressedBy(a, sups) === undefined).map((a) => a.id);
      const got = await opened.store.alerts({ limit: 1000, exclude: sups });
      assert.deepEqual(got.rows.map((a) => a.id), expected, JSON.stringify(sups));
      assert.equal(got.total, expected.length);
      // The console's page: offset and limit apply to the visible alerts, hidden counts the rest.
      const page = await visibleAlerts(opened.store, { limit: 7, offset: 5, rule: 'scan.*' }, sups);
      const visibleScan = all.filter((a: StoredAlert) => a.rule.id.startsWith('scan.') && suppressedBy(a, sups) === undefined);
      assert.deepEqual(page.rows.map((a) => a.id), visibleScan.slice(5, 12).map((a) => a.id));
      assert.equal(page.total, visibleScan.length);
      assert.equal(page.hidden, all.filter((a) => a.rule.id.startsWith('scan.')).length - visibleScan.length);
      assert.equal(page.total_exact, true);
    }
  } finally {
    await opened.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function conn(i: number, o: string, r: string, ob: number, rb: number, cc: string | null): Record<string, unknown> {
  return {
    ts: T0 + i * 60,
    uid: `C${i}`,
    'id.orig_h': o,
    'id.orig_p': 40000 + i,
    'id.resp_h': r,
    'id.resp_p': 443 + (i % 3),
    proto: 'tcp',
    orig_bytes: ob,
    resp_bytes: rb,
    orig_pkts: 1 + i,
    resp_pkts: 2 + i,
    ...(cc !== null ? { resp_cc: cc, resp_asn: 64500 + (i % 2), resp_as_org: `Org ${i % 2}` } : {}),
  };
}

test('hostSummary views connections from the host side; a connection to itself counts once, as originated', async () => {
  const dir = tempDir('picket-store-summary-');
  const opened = await openStores(dir, { engine: 'duckdb' });
  try {
    const H = '10.0.0.5';
    const rows = [
      conn(0, H, '198.51.100.1', 100, 1000, 'US'),
      conn(1, H, '198.51.100.2', 200, 2000, 'DE'),
      conn(2, '10.0.0.9', H, 300, 3000, null),
      conn(3, H, H, 400, 4000, null),
      conn(4, '10.0.0.9', '10.0.0.10', 500, 5000, null),
      conn(5, H, '198.51.100.1', 600, 6000, 'US'),
    ];
    assert.equal((await opened.store.insert('conn', rows)).stored, rows.length);
    const s = await opened.store.hostSummary(H);
    // By hand: originated #0 #1 #3 #5, answered #2.
    assert.equal(s.connections, 5);
    assert.equal(s.bytes_sent, 100 + 200 + 400 + 600 + 3000);
    assert.equal(s.bytes_received, 1000 + 2000 + 4000 + 6000 + 300);
    assert.equal(s.packets_sent, 1 + 2 + 4 + 6 + (2 + 2));
    assert.equal(s.packets_received, 2 + 3 + 5 + 7 + (1 + 2));
    assert.deepEqual(s.top_peers, [
      { ip: '198.51.100.1', connections: 2, bytes: 100 + 1000 + 600 + 6000 },
      { ip: H, connections: 1, bytes: 4400 },
      { ip: '10.0.0.9', connections: 1, bytes: 3300 },
      { ip: '198.51.100.2', connections: 1, bytes: 2200 },
    ]);
    assert.deepEqual(s.countries.map((c) => [c.country, c.connections, c.share]), [['US', 2, 0.4], ['DE', 1, 0.2]]);
    assert.deepEqual(s.asns.map((a) => [a.asn, a.org, a.connections]), [[64500, 'Org 0', 1], [64501, 'Org 1', 2]].sort((a, b) => (b[2] as number) - (a[2] as number)));
    assert.deepEqual(s.ports.map((p) => [p.port, p.connections]), [[443, 2], [444, 1], [445, 2]].sort((a, b) => b[1]! - a[1]! || a[0]! - b[0]!));
    // Five minutes of data: one-minute buckets, one connection each.
    assert.deepEqual(s.timeline?.map((t) => t.connections), [1, 1, 1, 1, 1]);
    assert.equal(s.timeline?.[2]?.bytes_in, 300);
    assert.equal(s.timeline?.[2]?.bytes_out, 3000);
    // A window: from the second minute on (half-open), the timeline bucket width from the window.
    const w = await opened.store.hostSummary(H, T0 + 60, T0 + 240);
    assert.equal(w.connections, 3);
    assert.deepEqual(w.timeline?.map((t) => [t.t, t.connections]), [
      [new Date((T0 + 60) * 1000).toISOString(), 1],
      [new Date((T0 + 120) * 1000).toISOString(), 1],
      [new Date((T0 + 180) * 1000).toISOString(), 1],
    ]);
    const none = await opened.store.hostSummary('192.0.2.77');
    assert.equal(none.connections, 0);
    assert.deepEqual(none.timeline, []);
  } finally {
    await opened.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
