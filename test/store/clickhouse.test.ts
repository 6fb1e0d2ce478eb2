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

after(async () => {
  await server?.stop();
});
