/**
 * The store suite against the embedded DuckDB engine: a fresh data directory
 * (DIR/picket.duckdb) per store.
 */
import fs from 'node:fs';
import { openStores } from '../../src/store/open.js';
import { tempDir } from '../helpers/paths.js';
import { storeSuite, type StoreFactory } from './store-suite.js';

const factory: StoreFactory = async (retention) => {
  const dir = tempDir('picket-store-');
  const opened = await openStores(dir, { engine: 'duckdb', retention });
  return {
    store: opened.store,
    close: async () => {
      await opened.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};

storeSuite('duckdb', () => factory, () => undefined);
