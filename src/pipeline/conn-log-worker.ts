/**
 * The conn log thread (conn-log-thread.ts): reads ended flows' state from
 * the shared batches and writes their conn.jsonl lines, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FlowStore, RECORD_BYTES } from '../flows/flow-store.js';
import { KEY_WORDS } from '../flows/flow-table.js';
import { JsonlLogWriter } from '../logs/jsonl-writer.js';
import { END_OF_INPUT, FAILED, SlotConsumer } from './batch-slots.js';
import { connSlotBytes, writeEndedFlow, type ConnLogThreadInit, type FromConnLogThread } from './conn-log-thread.js';
import { workerFailure } from './worker-messages.js';

const init = workerData as ConnLogThreadInit;
const port = parentPort!;
const { ring } = init;
const hand = new SlotConsumer(ring.ctrl);

async function run(): Promise<void> {
  // Everything that can fail runs in here, so a failure always reaches the stop below.
  const stores: FlowStore[] = [];
  const keys: Uint32Array[] = [];
  for (let s = 0; s < ring.slots; s++) {
    const at = s * connSlotBytes(ring.flows);
    stores.push(FlowStore.over(ring.data, at, ring.flows));
    keys.push(new Uint32Array(ring.data, at + ring.flows * RECORD_BYTES, ring.flows * KEY_WORDS));
  }
  const writer = new JsonlLogWriter(init.logsDir, ['conn']);
  try {
    for (;;) {
      const n = await hand.next(() => true);
      if (n === END_OF_INPUT || n === FAILED) break;
      const store = stores[hand.slot]!;
      const words = keys[hand.slot]!;
      for (let i = 0; i < n; i++) writeEndedFlow(writer, store, words, i * KEY_WORDS, i, init.uidSeed);
      hand.release();
    }
  } finally {
    writer.close();
  }
  writer.check();
  const msg: FromConnLogThread = { kind: 'finished', lines: writer.counts()['conn'] ?? 0 };
  port.postMessage(msg);
}

run().catch((err: unknown) => {
  // The pipeline thread may be waiting for a free batch: let it go on without us.
  hand.stop();
  const msg: FromConnLogThread = workerFailure(err);
  port.postMessage(msg);
});
