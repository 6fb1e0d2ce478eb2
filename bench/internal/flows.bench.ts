/**
 * Micro benchmark of the flow tracker alone: synthetic TCP (80%) and UDP
 * (20%) flows, first created (SYN / first datagram), then a long run of
 * mid-connection packets spread over all of them in both directions, with
 * advancing sequence numbers, through one reused DecodedPacket. Runs with
 * 200k and 1M live flows (or --flows N) and prints packets/s for creation
 * and for existing flows, the heap growth during the existing-flow phase
 * (should stay near zero: that path must not allocate), heap/RSS, and the
 * bytes the tracker's tables hold. Figures are printed, never asserted.
 *
 * Run: node <build>/bench/internal/flows.bench.js [--flows N] [--packets N]
 */
import os from 'node:os';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import { FlowTracker } from '../../src/flows/tracker.js';

const argv = process.argv.slice(2);
const opt = (name: string): number | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};
const flowCounts = opt('flows') !== undefined ? [opt('flows')!] : [200_000, 1_000_000];
const PACKETS = opt('packets') ?? 10_000_000;

const mb = (n: number): string => (n / 1048576).toFixed(0) + ' MiB';
const rate = (n: number, ns: bigint): string => ((n / Number(ns)) * 1e3).toFixed(2) + ' Mpkt/s';

/** Per-flow generator state, interleaved: [client, server, client port, server port, tcp?, client seq, server seq]. */
const G = 7;

function generate(flows: number): Uint32Array {
  const g = new Uint32Array(flows * G);
  let x = 2463534242;
  const rnd = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const servicePorts = [80, 443, 53, 8080, 22];
  for (let i = 0; i < flows; i++) {
    const o = i * G;
    g[o] = (0x0a000000 | (rnd() & 0xffffff)) >>> 0;
    g[o + 1] = (0xc0a80000 | (rnd() & 0xffff)) >>> 0;
    g[o + 2] = 1024 + (rnd() % 60000);
    g[o + 3] = servicePorts[rnd() % 5]!;
    g[o + 4] = rnd() % 5 === 0 ? 0 : 1;
    g[o + 5] = rnd();
    g[o + 6] = rnd();
  }
  return g;
}

/** Fills `p` with the next packet of flow `i` (first = SYN / first datagram) and advances its sequence numbers. */
function fill(p: DecodedPacket, g: Uint32Array, i: number, fromClient: boolean, first: boolean, ts: number): void {
  const o = i * G;
  const tcp = g[o + 4] === 1;
  p.proto = tcp ? 6 : 17;
  p.src[0] = fromClient ? g[o]! : g[o + 1]!;
  p.dst[0] = fromClient ? g[o + 1]! : g[o]!;
  p.srcPort = fromClient ? g[o + 2]! : g[o + 3]!;
  p.dstPort = fromClient ? g[o + 3]! : g[o + 2]!;
  const len = tcp && first ? 0 : 100;
  p.payloadLen = len;
  p.payloadWireLen = len;
  p.ipLen = (tcp ? 40 : 28) + len;
  if (tcp) {
    p.tcpFlags = first ? 0x02 : 0x18;
    const mine = fromClient ? o + 5 : o + 6;
    const theirs = fromClient ? o + 6 : o + 5;
    p.seq = g[mine]!;
    p.ack = g[theirs]!;
    g[mine] = (g[mine]! + (first ? 1 : len)) >>> 0;
  }
  p.ts = ts;
}

function run(flows: number): void {
  let ended = 0;
  const tracker = new FlowTracker({ maxFlows: flows, uidSeed: 1 }, { onStart() {}, onEnd: () => void ended++ });
  const g = generate(flows);
  const p = new DecodedPacket();
  p.l3 = L3.IPV4;
  p.srcMac = 0x020000000001;
  p.dstMac = 0x020000000002;
  p.window = 64000;
  // One microsecond of packet time per packet; expire() once per second, as the pipeline does.
  let ts = 1_700_000_000;
  let nextExpire = ts;

  // Phase 1: create every flow.
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < flows; i++) {
    fill(p, g, i, true, true, ts);
    tracker.track(p);
    ts += 1e-6;
  }
  const createNs = process.hrtime.bigint() - t0;

  // Phase 2: existing flows only (each TCP flow's SYN-ACK first, then data both ways).
  for (let i = 0; i < flows; i++) {
    if (g[i * G + 4] === 1) {
      fill(p, g, i, false, true, ts);
      p.tcpFlags = 0x12;
      tracker.track(p);
    }
  }
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  t0 = process.hrtime.bigint();
  let k = 0;
  for (let n = 0; n < PACKETS; n++) {
    // A large odd stride walks all flows in a cache-unfriendly order, as real traffic does.
    k = (k + 7919) % flows;
    fill(p, g, k, (n & 1) === 0, false, ts);
    tracker.track(p);
    ts += 1e-6;
    if (ts >= nextExpire) {
      nextExpire = ts + 1;
      tracker.expire(ts);
    }
  }
  const runNs = process.hrtime.bigint() - t0;
  const heapAfter = process.memoryUsage().heapUsed;
  const mem = process.memoryUsage();
  const st = tracker.stats;
  process.stdout.write(
    `flows ${flows.toLocaleString('en-US')}: create ${rate(flows, createNs)}, existing ${rate(PACKETS, runNs)}` +
      ` (${PACKETS.toLocaleString('en-US')} packets), heap growth ${mb(heapAfter - heapBefore)},` +
      ` heap ${mb(mem.heapUsed)}, rss ${mb(mem.rss)}, tracker tables ${mb(tracker.byteLength)},` +
      ` live ${st.live}, ended ${ended}\n`,
  );
  tracker.flushAll();
}

// Shared machines skew every figure: print the load the run saw.
process.stdout.write(`load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs\n`);
for (const n of flowCounts) run(n);
