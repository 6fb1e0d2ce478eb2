/**
 * The stores the server works with: the metadata store (rows, host
 * summaries, searches; src/store/types.ts) and the meta store (agents,
 * enrollment tokens, stored batches, health; src/store/meta.ts). The server
 * only reaches them through this pair, which also lets tests wrap the real
 * store (a slow or failing one, for the backpressure tests).
 */
import type { MetadataStore } from '../store/types.js';
import type { MetaStore } from '../store/meta.js';

export type { MetadataStore } from '../store/types.js';
export type { MetaStore, AgentKind, AgentRecord } from '../store/meta.js';
export { AGENT_KINDS } from '../store/meta.js';

/** A JSON object as it arrived from an agent. */
export type JsonObject = { [key: string]: unknown };

export interface ServerStores {
  store: MetadataStore;
  meta: MetaStore;
}
