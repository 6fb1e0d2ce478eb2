/**
 * The same store suite against ClickHouse: Debian's clickhouse-server started
 * on 127.0.0.1 by clickhouse-server.ts (installed with apt-get when missing),
 * one database per store, stopped by PID at the end. Skipped, with the reason,
 * only when the server cannot be installed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDb } from '../../src/store/duckdb/db.js';
import { DuckDbMetaStore } from '../../src/store/meta.js';
import { openStores } from '../../src/store/open.js';
import { ClickHouseMetadataStore } from '../../src/store/clickhouse/store.js';
import { tempDir } from '../helpers/paths.js';
import { storeSuite, conn, DAY0, type StoreFactory } from './store-suite.js';
import { startClickHouse, type ClickHouseServer } from './clickhouse-server.js';
import { createClient } from '@clickhouse/client';
import { PicketError } from '../../src/util/errors.js';

const started = await startClickHouse();
const server: ClickHouseServer | null = 'skip' in started ? null : started;
const skip = 'skip' in started ? `clickhouse-server unavailable: ${started.skip}` : undefined;
if (skip !== undefined) process.stderr.write(`${skip}\n`);

let dbSeq = 0;
const factory: StoreFactory = async (retention) => {
  if (server === null) throw new Error(skip);
  const dir = tempDir('picket-store-ch-');
  dbSeq++;
  const opened = await openStores(dir, {
    engine: 'clickhouse',
    retention,
    clickhouse: { url: server.url, database: `picket_test_${process.pid}_${dbSeq}`, user: server.user, password_env: server.passwordEnv },
  });
  return {
    store: opened.store,
    close: async () => {
      if (opened.store instanceof ClickHouseMetadataStore) await opened.store.dropDatabase();
      await opened.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};

storeSuite('clickhouse', () => factory, () => skip);

test('clickhouse: a batch left half-stored by a crash is cleaned before it is stored again', { skip }, async () => {
  if (server === null) return;
  const dir = tempDir('picket-store-ch-');
  const db = await DuckDb.open(path.join(dir, 'picket.duckdb'));
  await new DuckDbMetaStore(db).init();
  const store = new ClickHouseMetadataStore(db, {
    dataDir: dir,
    clickhouse: { url: server.url, database: `picket_test_${process.pid}_crash`, user: server.user, password_env: server.passwordEnv },
  });
  try {
    await store.init();
    const batch = [0, 1, 2].map((i) => ({ kind: 'conn', data: conn({ ts: DAY0 + i, uid: `Ccrash${i}` }) }));
    assert.deepEqual(await store.insertBatch('ag_c', 7, batch), { stored: 3, skipped: {}, duplicate: false });
    // What a crash between the ClickHouse insert and the local commit leaves: rows in
    // ClickHouse, a pending note, no "stored" mark.
    await db.exec("DELETE FROM batches WHERE agent_id = 'ag_c' AND seq = 7");
    await db.exec("INSERT INTO ch_pending VALUES ('ag_c', 7)");
    const retry = await store.insertBatch('ag_c', 7, batch);
    assert.deepEqual(retry, { stored: 3, skipped: {}, duplicate: false });
    assert.equal((await store.connections({})).total, 3);
    assert.equal((await store.connections({ ip: '10.0.0.5' })).total, 3);
    assert.equal((await db.all('SELECT count(*) AS n FROM ch_pending'))[0]?.n, 0);
    assert.equal((await store.insertBatch('ag_c', 7, batch)).duplicate, true);
  } finally {
    await store.dropDatabase().catch(() => undefined);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** conn_by_host as the store made it before tunnel, tunnel_id and tunnel_parents were stored. */
const OLD_CONN_BY_HOST =
  '(day Date, host String, host_key String, peer String, peer_key String, dir UInt8, ts Float64, uid String, orig_h String, orig_p Int32, ' +
  'resp_h String, resp_p Int32, proto String, service Nullable(String), duration Nullable(Float64), orig_bytes Nullable(Int64), ' +
  'resp_bytes Nullable(Int64), conn_state Nullable(String), local_orig Nullable(UInt8), local_resp Nullable(UInt8), ' +
  'missed_bytes Nullable(Int64), history Nullable(String), orig_pkts Nullable(Int64), orig_ip_bytes Nullable(Int64), ' +
  'resp_pkts Nullable(Int64), resp_ip_bytes Nullable(Int64), ip_proto Nullable(Int32), orig_l2_addr Nullable(String), ' +
  'resp_l2_addr Nullable(String), vlan Nullable(Int32), inner_vlan Nullable(Int32), community_id Nullable(String), ' +
  'orig_asn Nullable(Int64), orig_as_org Nullable(String), orig_cc Nullable(String), resp_asn Nullable(Int64), ' +
  'resp_as_org Nullable(String), resp_cc Nullable(String), agent String, orig_key String, resp_key String, batch_seq UInt64)';

test('clickhouse: tables from before the tunnel columns get them on open; old rows stay, new rows keep their tunnel', { skip }, async () => {
  if (server === null) return;
  const database = `picket_test_${process.pid}_old`;
  const ch = createClient({ url: server.url, username: server.user, password: process.env[server.passwordEnv] ?? '' });
  const dir = tempDir('picket-store-ch-');
  const options = { engine: 'clickhouse' as const, clickhouse: { url: server.url, database, user: server.user, password_env: server.passwordEnv } };
  try {
    await ch.command({ query: `CREATE DATABASE ${database}` });
    await ch.command({ query: `CREATE TABLE ${database}.conn_by_host ${OLD_CONN_BY_HOST} ENGINE = MergeTree PARTITION BY toYYYYMMDD(day) ORDER BY (host, ts)` });
    // One connection an earlier server stored, as its two per-host copies.
    const old = conn({ uid: 'Cold1', ts: DAY0 + 10, orig_bytes: 100, resp_bytes: 1000 });
    const row = {
      day: '2024-05-01', ts: old.ts, uid: old.uid, orig_h: old['id.orig_h'], orig_p: old['id.orig_p'], resp_h: old['id.resp_h'], resp_p: old['id.resp_p'],
      proto: old.proto, orig_bytes: 100, resp_bytes: 1000, conn_state: old.conn_state, missed_bytes: 0, history: old.history, orig_pkts: 1,
      orig_ip_bytes: 60, resp_pkts: 1, resp_ip_bytes: 60, ip_proto: 6, community_id: old.community_id, agent: '', batch_seq: 0,
      orig_key: '00000000000000000000ffff0a000005', resp_key: '00000000000000000000ffff5db8d822',
    };
    await ch.insert({
      table: `${database}.conn_by_host`,
      format: 'JSONEachRow',
      values: [
        { ...row, host: row.orig_h, host_key: row.orig_key, peer: row.resp_h, peer_key: row.resp_key, dir: 1 },
        { ...row, host: row.resp_h, host_key: row.resp_key, peer: row.orig_h, peer_key: row.orig_key, dir: 0 },
      ],
    });
    const tunnelled = conn({ uid: 'Cnew1', ts: DAY0 + 20, tunnel: 'gre', tunnel_id: 4294967295, tunnel_parents: ['CgreTunnel'] });
    for (let round = 0; round < 2; round++) {
      // The second open finds the columns there and adds nothing.
      const opened = await openStores(dir, options);
      try {
        const store = opened.store;
        assert.deepEqual((await store.connections({ uid: 'Cold1' })).rows, [old]);
        if (round === 0) assert.deepEqual(await store.insert('conn', [tunnelled]), { stored: 1, skipped: {} });
        assert.deepEqual((await store.connections({ uid: 'Cnew1' })).rows, [tunnelled]);
        assert.equal((await store.connections({ ip: '10.0.0.5' })).total, 2);
        assert.equal((await store.connections({ ip: '93.184.216.34' })).total, 2, 'both copies of each connection are there');
      } finally {
        await opened.close();
      }
    }
    // Added after their neighbours in the column list, so the table reads as a new one would.
    const cols = (await (await ch.query({ query: `SELECT name FROM system.columns WHERE database = '${database}' AND table = 'conn_by_host'`, format: 'JSONEachRow' })).json()) as { name: string }[];
    const names = cols.map((c) => c.name);
    assert.deepEqual(names.slice(names.indexOf('resp_ip_bytes'), names.indexOf('resp_ip_bytes') + 3), ['resp_ip_bytes', 'tunnel_parents', 'ip_proto']);
    assert.deepEqual(names.slice(names.indexOf('inner_vlan'), names.indexOf('inner_vlan') + 4), ['inner_vlan', 'tunnel', 'tunnel_id', 'community_id']);
  } finally {
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('clickhouse: a conn_by_host lacking the columns that is not a MergeTree table is refused with the statements to run', { skip }, async () => {
  if (server === null) return;
  const database = `picket_test_${process.pid}_memory`;
  const ch = createClient({ url: server.url, username: server.user, password: process.env[server.passwordEnv] ?? '' });
  const dir = tempDir('picket-store-ch-');
  try {
    await ch.command({ query: `CREATE DATABASE ${database}` });
    // Stands for a table Picket did not make (a cluster's Distributed table, whose shards an ALTER on it would not reach).
    await ch.command({ query: `CREATE TABLE ${database}.conn_by_host ${OLD_CONN_BY_HOST} ENGINE = Memory` });
    await assert.rejects(
      openStores(dir, { engine: 'clickhouse', clickhouse: { url: server.url, database, user: server.user, password_env: server.passwordEnv } }),
      (e: unknown) =>
        e instanceof PicketError &&
        e.code === 'PKT_ERR_STORE_OPEN' &&
        e.message.includes('engine Memory') &&
        e.message.includes(`ALTER TABLE ${database}.conn_by_host ADD COLUMN tunnel_parents Array(String) AFTER resp_ip_bytes`) &&
        e.message.includes('ADD COLUMN tunnel_id Nullable(Int64) AFTER tunnel'),
    );
  } finally {
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

after(async () => {
  await server?.stop();
});
