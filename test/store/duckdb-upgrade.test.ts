/**
 * A store file made before conn rows had tunnel columns: its conn table is
 * made here with the statement the earlier version ran (written out below,
 * not generated from today's column list) and given rows, then opened with
 * this version. The columns are added (at the end of the table, after agent
 * and the address keys, where DuckDB puts added columns), the old rows stay
 * readable, and new rows land in the right columns although the appender
 * fills rows by position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDb } from '../../src/store/duckdb/db.js';
import { openStores, STORE_FILE } from '../../src/store/open.js';
import { PicketError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/paths.js';
import { conn, DAY0 } from './store-suite.js';

/** The conn table as the store made it before tunnel, tunnel_id and tunnel_parents were stored. */
const OLD_CONN_DDL =
  'CREATE TABLE conn ("ts" DOUBLE NOT NULL, "uid" VARCHAR NOT NULL, "orig_h" VARCHAR NOT NULL, "orig_p" INTEGER NOT NULL, ' +
  '"resp_h" VARCHAR NOT NULL, "resp_p" INTEGER NOT NULL, "proto" VARCHAR NOT NULL, "service" VARCHAR, "duration" DOUBLE, ' +
  '"orig_bytes" BIGINT, "resp_bytes" BIGINT, "conn_state" VARCHAR, "local_orig" BOOLEAN, "local_resp" BOOLEAN, ' +
  '"missed_bytes" BIGINT, "history" VARCHAR, "orig_pkts" BIGINT, "orig_ip_bytes" BIGINT, "resp_pkts" BIGINT, ' +
  '"resp_ip_bytes" BIGINT, "ip_proto" INTEGER, "orig_l2_addr" VARCHAR, "resp_l2_addr" VARCHAR, "vlan" INTEGER, ' +
  '"inner_vlan" INTEGER, "community_id" VARCHAR, "orig_asn" BIGINT, "orig_as_org" VARCHAR, "orig_cc" VARCHAR, ' +
  '"resp_asn" BIGINT, "resp_as_org" VARCHAR, "resp_cc" VARCHAR, agent VARCHAR, orig_key VARCHAR NOT NULL, resp_key VARCHAR NOT NULL)';

const OLD_ROW_COLUMNS =
  'ts, uid, orig_h, orig_p, resp_h, resp_p, proto, orig_bytes, resp_bytes, conn_state, missed_bytes, history, ' +
  'orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes, ip_proto, vlan, community_id, resp_cc, agent, orig_key, resp_key';

/** Two rows an earlier server stored (one from an agent), and the records they were. */
const OLD_ROWS = [
  `(${DAY0 + 10}, 'Cold1', '10.0.0.5', 40001, '93.184.216.34', 443, 'tcp', 100, 1000, 'SF', 0, 'ShADadFf', 5, 360, 7, 1380, 6, 12, ` +
    `'1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'US', NULL, '00000000000000000000ffff0a000005', '00000000000000000000ffff5db8d822')`,
  `(${DAY0 + 20}, 'Cold2', '10.0.0.9', 40002, '10.0.0.5', 22, 'tcp', 500, 600, 'SF', 0, 'ShADadFf', 10, 900, 12, 1100, 6, NULL, ` +
    `'1:BBBBBBBBBBBBBBBBBBBBBBBBBBB=', NULL, 'ag_old', '00000000000000000000ffff0a000009', '00000000000000000000ffff0a000005')`,
];
const OLD_RECORDS: Record<string, unknown>[] = [
  {
    ts: DAY0 + 10, uid: 'Cold1', 'id.orig_h': '10.0.0.5', 'id.orig_p': 40001, 'id.resp_h': '93.184.216.34', 'id.resp_p': 443, proto: 'tcp',
    orig_bytes: 100, resp_bytes: 1000, conn_state: 'SF', missed_bytes: 0, history: 'ShADadFf', orig_pkts: 5, orig_ip_bytes: 360,
    resp_pkts: 7, resp_ip_bytes: 1380, ip_proto: 6, vlan: 12, community_id: '1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=', resp_cc: 'US',
  },
  {
    ts: DAY0 + 20, uid: 'Cold2', 'id.orig_h': '10.0.0.9', 'id.orig_p': 40002, 'id.resp_h': '10.0.0.5', 'id.resp_p': 22, proto: 'tcp',
    orig_bytes: 500, resp_bytes: 600, conn_state: 'SF', missed_bytes: 0, history: 'ShADadFf', orig_pkts: 10, orig_ip_bytes: 900,
    resp_pkts: 12, resp_ip_bytes: 1100, ip_proto: 6, community_id: '1:BBBBBBBBBBBBBBBBBBBBBBBBBBB=', agent: 'ag_old',
  },
];

async function oldStore(ddl: string): Promise<string> {
  const dir = tempDir('picket-store-old-');
  const db = await DuckDb.open(path.join(dir, STORE_FILE));
  try {
    await db.exec(ddl);
  } finally {
    await db.close();
  }
  return dir;
}

async function catalog(dir: string): Promise<string[]> {
  const db = await DuckDb.open(path.join(dir, STORE_FILE));
  try {
    const rows = await db.all("SELECT column_name FROM duckdb_columns() WHERE table_name = 'conn' ORDER BY column_index");
    return rows.map((r) => String(r.column_name));
  } finally {
    await db.close();
  }
}

test('a store file from before the tunnel columns: opened, upgraded, old rows kept, new rows stored whole', async () => {
  const dir = await oldStore(OLD_CONN_DDL);
  try {
    const seed = await DuckDb.open(path.join(dir, STORE_FILE));
    await seed.exec(`INSERT INTO conn (${OLD_ROW_COLUMNS}) VALUES ${OLD_ROWS.join(', ')}`);
    await seed.close();

    const tunnelled = conn({ uid: 'Cnew1', ts: DAY0 + 30, tunnel: 'vxlan', tunnel_id: 4242, tunnel_parents: ['CvxTunnel'], orig_bytes: 7, resp_bytes: 8 });
    const plain = conn({ uid: 'Cnew2', ts: DAY0 + 40, vlan: 5 });
    let opened = await openStores(dir);
    try {
      const store = opened.store;
      const old = await store.connections({ sort: { field: 'time', dir: 'asc' } });
      assert.deepEqual(old.rows, OLD_RECORDS, 'the old rows read back as they were, no tunnel fields');
      assert.equal((await store.insertBatch('ag_new', 1, [{ kind: 'conn', data: tunnelled }, { kind: 'conn', data: plain }])).stored, 2);
      assert.deepEqual((await store.connections({ uid: 'Cnew1' })).rows, [{ ...tunnelled, agent: 'ag_new' }]);
      assert.deepEqual((await store.connections({ uid: 'Cnew2' })).rows, [{ ...plain, agent: 'ag_new' }]);
      // Old and new rows count together.
      const s = await store.hostSummary('10.0.0.5');
      assert.equal(s.connections, 4);
      assert.equal(s.bytes_sent, 100 + 600 + 7 + 0);
    } finally {
      await opened.close();
    }

    // The columns went after the tail columns, where DuckDB adds them: appending by the new list's order would be wrong.
    const cols = await catalog(dir);
    assert.deepEqual(cols.slice(-6), ['agent', 'orig_key', 'resp_key', 'tunnel_parents', 'tunnel', 'tunnel_id']);
    const check = await DuckDb.open(path.join(dir, STORE_FILE));
    try {
      const rows = await check.all("SELECT tunnel, tunnel_id, tunnel_parents, agent, resp_key, vlan FROM conn WHERE uid IN ('Cnew1', 'Cnew2') ORDER BY uid");
      assert.deepEqual(rows, [
        { tunnel: 'vxlan', tunnel_id: 4242, tunnel_parents: ['CvxTunnel'], agent: 'ag_new', resp_key: '00000000000000000000ffff5db8d822', vlan: null },
        { tunnel: null, tunnel_id: null, tunnel_parents: null, agent: 'ag_new', resp_key: '00000000000000000000ffff5db8d822', vlan: 5 },
      ]);
    } finally {
      await check.close();
    }

    // Opened again: nothing more to add, everything still there, and new rows still go in.
    opened = await openStores(dir, { engine: 'duckdb' }, { create: false });
    try {
      assert.equal((await opened.store.connections({})).total, 4);
      assert.deepEqual(await opened.store.insert('conn', [conn({ uid: 'Cnew3', ts: DAY0 + 50, tunnel: 'gre', tunnel_id: 3000000000 })]), { stored: 1, skipped: {} });
      assert.equal((await opened.store.connections({ uid: 'Cnew3' })).rows[0]?.tunnel_id, 3000000000);
    } finally {
      await opened.close();
    }
    assert.equal((await catalog(dir)).length, cols.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a conn table this version cannot append to is refused when the store opens, naming the columns', async () => {
  const isOpenError = (col: string) => (e: unknown): boolean => e instanceof PicketError && e.code === 'PKT_ERR_STORE_OPEN' && e.message.includes(col);
  // A required column missing: old rows have no value for it, so it cannot be added.
  const noUid = await oldStore(OLD_CONN_DDL.replace('"uid" VARCHAR NOT NULL, ', ''));
  // A column from a newer version: appending would have to guess its value.
  const newer = await oldStore(OLD_CONN_DDL.replace('resp_key VARCHAR NOT NULL)', 'resp_key VARCHAR NOT NULL, future_field VARCHAR)'));
  try {
    await assert.rejects(openStores(noUid), isOpenError('uid'));
    await assert.rejects(openStores(newer), isOpenError('future_field'));
  } finally {
    fs.rmSync(noUid, { recursive: true, force: true });
    fs.rmSync(newer, { recursive: true, force: true });
  }
});
