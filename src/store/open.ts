/**
 * Opens the stores of a data directory: DIR/picket.duckdb holds the agent and
 * token tables and (with the default engine) every metadata row; with
 * `engine: clickhouse` the conn and dns rows go to ClickHouse and the rest
 * stays in the local file. The server, the query command and `npm start` all
 * open their store here, so the choice is made in one place.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDb } from './duckdb/db.js';
import { DuckDbMetadataStore } from './duckdb/store.js';
import { DuckDbMetaStore, type MetaStore } from './meta.js';
import type { MetadataStore } from './types.js';
import type { StoreOptions } from './options.js';
import { PicketError } from '../util/errors.js';

/** The embedded database's file name inside the data directory (contract: server-common.md). */
export const STORE_FILE = 'picket.duckdb';

export interface OpenedStores {
  store: MetadataStore;
  meta: MetaStore;
  /** Closes both (they share the file). */
  close(): Promise<void>;
}

/**
 * Throws PKT_ERR_STORE_MISSING naming the path unless `dataDir` holds a
 * store. Only the server makes a new store; a command that reads or changes
 * one (`picket query`, `picket agent --data`) would otherwise create an empty
 * store at a mistyped path, answer "0 of 0" from it or put tokens where no
 * server looks, and say nothing.
 */
export function requireExistingStore(dataDir: string): void {
  const file = path.resolve(dataDir, STORE_FILE);
  if (fs.existsSync(file)) return;
  const why = fs.existsSync(path.dirname(file)) ? `${path.dirname(file)} has no ${STORE_FILE}` : `${path.dirname(file)} does not exist`;
  throw new PicketError(
    'PKT_ERR_STORE_MISSING',
    `no Picket store at ${file} (${why}): --data must name a picket server's data directory; the server creates its store when it first starts`,
  );
}

export interface OpenHow {
  /** Make the directory and an empty store when there is none (the server); default true. */
  create?: boolean;
}

export async function openStores(dataDir: string, opts: StoreOptions = { engine: 'duckdb' }, how: OpenHow = {}): Promise<OpenedStores> {
  if (how.create === false) requireExistingStore(dataDir);
  else fs.mkdirSync(dataDir, { recursive: true });
  const db = await DuckDb.open(path.join(dataDir, STORE_FILE));
  const meta = new DuckDbMetaStore(db);
  let store: MetadataStore | undefined;
  try {
    await meta.init();
    if (opts.engine === 'clickhouse') {
      const { ClickHouseMetadataStore } = await import('./clickhouse/store.js');
      if (opts.clickhouse === undefined) {
        throw new PicketError('PKT_ERR_CONFIG_STORE', 'store.engine is clickhouse but store.clickhouse (url, database, user) is not set');
      }
      store = new ClickHouseMetadataStore(db, { dataDir, retention: opts.retention, clickhouse: opts.clickhouse });
    } else {
      store = new DuckDbMetadataStore(db, { dataDir, retention: opts.retention });
    }
    await store.init();
  } catch (err) {
    // The store's close also ends its ClickHouse client; without a store, the file alone.
    await (store !== undefined ? store.close() : db.close()).catch(() => undefined);
    throw err;
  }
  const opened = store;
  return {
    store: opened,
    meta,
    close: () => opened.close(),
  };
}
