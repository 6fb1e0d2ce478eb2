/**
 * The decode thread of a replay with `decodeThread` (decode-thread.ts):
 * reads the capture files, decodes every packet and hands the results to
 * the pipeline thread in batches (packet-batch.ts). Its capture and decoder
 * statistics go back as the last message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openCaptureFiles } from '../capture/file-source.js';
import { DecodedPacket } from '../decode/decoded.js';
import { PacketDecoder } from '../decode/decoder.js';
import { BatchWriter } from './packet-batch.js';
import type { DecodeThreadInit, FromDecodeThread } from './decode-thread.js';
import { workerFailure } from './worker-messages.js';

const init = workerData as DecodeThreadInit;
const port = parentPort!;
const decoder = new PacketDecoder(init.decoder);
const writer = new BatchWriter(init.ring, init.payloads);
const d = new DecodedPacket();
// Read here, not by a read-ahead thread: this thread is itself the helper, and
// a fourth busy thread on two cores measured slower (3.1-3.8 s against
// 3.0-3.1 s for the bench capture, conn only); the bytes also land in this
// core's cache, where they are parsed.
const source = openCaptureFiles(init.files, { readAhead: 'never' });

async function run(): Promise<void> {
  const capture = await source.run((pkt) => {
    if (!writer.add(pkt, d, decoder.decode(pkt, d))) source.stop();
  });
  writer.finish();
  const msg: FromDecodeThread = { kind: 'finished', capture, decode: decoder.stats };
  port.postMessage(msg);
}

run().catch((err: unknown) => {
  const msg: FromDecodeThread = workerFailure(err);
  port.postMessage(msg);
  writer.fail();
});
