/**
 * Peak memory with 1 million live flows: feeds one SYN for each of 1M
 * distinct 5-tuples straight into the pipeline (no capture file) and reports
 * RSS while they are all live.
 * node dist/bench/live-flows.js [flows]
 */
import { RawPacket, LinkType } from '../src/capture/packet.js';
import { EventBus } from '../src/events/bus.js';
import { Pipeline } from '../src/pipeline/pipeline.js';

const flows = Number(process.argv[2] ?? 1_000_000);
const pipeline = new Pipeline({ bus: new EventBus(), protocols: [], flows: { maxFlows: flows + 1024 } });
const frame = new Uint8Array(54);
// Ethernet + IPv4 + TCP SYN, addresses and ports filled per flow.
frame.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00]);
frame.set([0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 0, 198, 51, 100, 0], 14);
frame.set([0, 0, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0], 34);
const pkt = new RawPacket();
pkt.data = frame;
pkt.caplen = pkt.origLen = frame.length;
pkt.linkType = LinkType.ETHERNET;
const started = process.hrtime.bigint();
for (let i = 0; i < flows; i++) {
  frame[28] = (i >>> 16) & 0xff; // source 10.x.y.z
  frame[29] = (i >>> 8) & 0xff;
  frame[30] = i & 0xff;
  frame[34] = 0x80 | ((i >>> 8) & 0x7f); // source port
  frame[35] = i & 0xff;
  pkt.ts = 1_700_000_000 + i / 1e6; // 1 s for all: nothing times out
  pkt.tsSec = Math.floor(pkt.ts);
  pipeline.packet(pkt);
}
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
const live = pipeline.stats().flows.live;
const rssMiB = process.memoryUsage().rss / 2 ** 20;
process.stdout.write(JSON.stringify({ flows, live, elapsed, rssMiB, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
