/**
 * The same store suite against ClickHouse: Debian's clickhouse-server started
 * on 127.0.0.1 by clickhouse-server.ts (installed with apt-get when missing),
 * one database per store, stopped by PID at the end. Skipped, with the reason,
 * only when the server cannot be installed.
 */
import { after } from 'node:test';
import fs from 'node:fs';
import { openStores } from '../../src/store/open.js';
import { ClickHouseMetadataStore } from '../../src/store/clickhouse/store.js';
import { tempDir } from '../helpers/paths.js';
import { storeSuite, type StoreFactory } from './store-suite.js';
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

after(async () => {
  await server?.stop();
});
