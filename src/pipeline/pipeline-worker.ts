/**
 * One thread of a multi-threaded replay (see sharded-replay.ts). It parses
 * the whole capture, as every worker does, from the buffers one reader
 * thread fills for all of them, and runs a whole ordinary Pipeline on the
 * packets of its share of address pairs (flow-shard.ts). The other
 * packets only move its clock, so flows time out exactly as in one
 * pipeline.
 *
 * Output: when the main thread's bus listens to nothing, the worker writes
 * its part of each log itself; otherwise it sends the events the bus wants
 * once per epoch (a fixed number of capture packets, the same for every
 * worker), and waits while it is too many epochs ahead of the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openCaptureFiles } from '../capture/file-source.js';
import type { RawPacket } from '../capture/packet.js';
import { EventBus } from '../events/bus.js';
import type { PicketEvent, PicketEventType } from '../events/types.js';
import { JsonlLogWriter } from '../logs/jsonl-writer.js';
import { createProtocols } from '../protocols/index.js';
import { FlowSharder } from './flow-shard.js';
import { Pipeline } from './pipeline.js';
import { ConnPacker } from './conn-transfer.js';
import { workerFailure, type EpochEvents, type ToMain, type WorkerInit } from './worker-messages.js';

/** Epochs a worker may run ahead of the main thread's emitting. */
const MAX_EPOCHS_AHEAD = 32;
const WAIT_SLICE_MS = 200;

const init = workerData as WorkerInit;
const port = parentPort!;
const progress = new Int32Array(init.progress);

const bus = new EventBus();
let collected: PicketEvent[] = [];
const conns = new ConnPacker();
let order: number[] = [];
let seqs: number[] = [];
/** Capture packets seen so far: the index of the packet being processed. */
let seen = 0;
const collect = (event: PicketEvent): void => {
  if (event.type === 'flow.end') {
    conns.add(event);
    order.push(1);
  } else {
    collected.push(event);
    order.push(0);
  }
  seqs.push(seen);
};
const forward = init.forward;
if (forward !== null) {
  if (forward.any) {
    bus.onAny(collect);
  } else {
    const types = new Set<PicketEventType>(forward.types);
    for (const type of types) bus.on(type, collect);
    if (forward.logs) {
      bus.onLog((event) => {
        if (!types.has(event.type)) collect(event);
      });
    }
  }
}
const writer = init.logsDir !== undefined ? new JsonlLogWriter(init.logsDir, undefined, init.logSuffix ?? '') : null;
if (writer !== null) bus.onLog(writer.handle);

const pipeline = new Pipeline({
  bus,
  protocols: init.analyzers ? createProtocols(init.analyzerOptions) : [],
  ...(init.decoder !== undefined ? { decoder: init.decoder } : {}),
  flows: init.flows,
});
const sharder = new FlowSharder(init.shards);
const shard = init.shard;

function takeCollected(): EpochEvents {
  const taken: EpochEvents = { events: collected, conns: conns.take(), order: Uint8Array.from(order), seq: Float64Array.from(seqs) };
  collected = [];
  order = [];
  seqs = [];
  return taken;
}

let epoch = 0;
let nextEpochAt = init.epochPackets;

function sendEpoch(): void {
  // Too far ahead of the main thread: wait (it emits an epoch once every worker sent it).
  for (;;) {
    const emitted = Atomics.load(progress, 0);
    if (epoch - emitted < MAX_EPOCHS_AHEAD) break;
    Atomics.wait(progress, 0, emitted, WAIT_SLICE_MS);
  }
  const msg: ToMain = { kind: 'events', epoch, events: takeCollected() };
  port.postMessage(msg);
  epoch++;
}

function onPacket(pkt: RawPacket): void {
  if (sharder.shardOf(pkt) === shard) pipeline.packet(pkt);
  else pipeline.advanceTime(pkt.ts);
  if (++seen === nextEpochAt && forward !== null) {
    nextEpochAt += init.epochPackets;
    sendEpoch();
  }
}

async function run(): Promise<void> {
  const source = openCaptureFiles(init.files, { shared: init.read });
  const capture = await source.run(onPacket);
  pipeline.finish();
  writer?.close();
  writer?.check();
  const msg: ToMain = {
    kind: 'finished',
    events: takeCollected(),
    stats: pipeline.stats(),
    capture,
    logs: writer?.counts() ?? {},
  };
  port.postMessage(msg);
}

run().catch((err: unknown) => {
  const msg: ToMain = workerFailure(err);
  port.postMessage(msg);
});
