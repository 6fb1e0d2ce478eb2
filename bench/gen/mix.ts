/**
 * Benchmark capture generator: writes a deterministic, realistic-looking
 * Ethernet pcap of N packets spread over F flows. The mix: DNS query/response
 * pairs in real wire format, short TCP connections (handshake, a few data
 * segments both ways, FIN/ACK close), a few long bulk TCP transfers that carry
 * most of the packets, SYNs rejected with RST, other UDP (NTP, syslog, SSDP,
 * QUIC-sized datagrams); ~15 % of flows over IPv6 and ~8 % VLAN-tagged. Many
 * flows are in progress at once, so packets of different flows interleave as
 * on a real link.
 *
 *   node dist/bench/gen/mix.js OUT.pcap --packets 5000000 [--flows 250000] [--seed 1]
 *
 * Speed: one scratch frame buffer and a fixed pool of flow objects are reused;
 * PcapWriter packs records into 1 MiB blocks written synchronously.
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { LinkType } from '../../src/capture/packet.js';
import { DnsQuestion, writeDnsQuery, writeDnsResponse } from './dns-wire.js';
import { FlowState, FrameWriter, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from './frames.js';
import { Prng } from './prng.js';

export interface MixOptions {
  packets: number;
  flows: number;
  seed: number;
}

export interface MixResult {
  /** Packets written (equals opts.packets unless flows ran out first). */
  packets: number;
  /** Flows started (equals opts.flows unless the packet budget ran out first). */
  flows: number;
  /** Bytes in the file. */
  bytes: number;
}

const KIND_DNS = 0;
const KIND_UDP = 1;
const KIND_RST = 2;
const KIND_SHORT_TCP = 3;
const KIND_LONG_TCP = 4;

/** Share of flows per kind (the rest is short TCP). Long flows are few but carry most packets. */
const SHARE_DNS = 0.3;
const SHARE_UDP = 0.12;
const SHARE_RST = 0.1;
const SHARE_LONG = 0.02;
const SHARE_IPV6 = 0.15;
const SHARE_VLAN = 0.08;
const VLAN_IDS = [10, 20, 100, 300];
/** Short TCP: 3 handshake + 2..10 data + 3 close. */
const SHORT_TCP_MIN = 8;
const SHORT_TCP_MAX = 16;
const MIN_LONG_PACKETS = 20;
/** Flows in progress at once; real links carry thousands of concurrent short flows and a few bulk ones. */
const SHORT_CONCURRENCY = 2000;
const LONG_CONCURRENCY = 32;
/**
 * Client addresses: flow i uses host i % CLIENT_HOSTS and an ephemeral port
 * that is a bijection of i / CLIENT_HOSTS (7919 is prime to the range size),
 * so no 5-tuple repeats below 5000 * 28232 flows.
 */
const CLIENT_HOSTS = 5000;
const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_COUNT = 28232;
const EPHEMERAL_STRIDE = 7919;
/** Long flows that are bulk transfers; the rest are interactive (SSH-, RDP-, chat-like) with small packets. */
const SHARE_BULK = 0.3;
const SERVER_HOSTS = 3000;
/** Mean gap between packets (µs): ~100 kpkt/s, a busy but ordinary link. */
const MEAN_GAP_US = 10;
/** 2023-11-14T22:13:20Z: a fixed start keeps output identical across runs. */
const START_US = 1700000000 * 1e6;

/** TCP server ports with cumulative weights. */
const TCP_PORTS = [443, 80, 22, 25, 445, 3389, 8080, 993, 3306, 8443];
const TCP_PORT_CUM = [0.55, 0.75, 0.8, 0.83, 0.87, 0.9, 0.94, 0.96, 0.98, 1];
/** Other UDP services. */
const UDP_PORTS = [123, 514, 1900, 443, 5060, 27015];

class FlowRun extends FlowState {
  kind = KIND_DNS;
  total = 0;
  sent = 0;
  /** Long flows only: bulk transfer (full-size segments) rather than interactive (small packets). */
  bulk = false;
  readonly dns = new DnsQuestion();
}

export async function generateMix(file: string, opts: MixOptions): Promise<MixResult> {
  const P = Math.max(0, Math.floor(opts.packets));
  const F = Math.max(1, Math.floor(opts.flows));
  const rng = new Prng(opts.seed);
  const { kinds, counts } = planFlows(rng, P, F);

  const shortQueue: number[] = [];
  const longQueue: number[] = [];
  let remShort = 0;
  let remLong = 0;
  for (let i = 0; i < F; i++) {
    if (kinds[i] === KIND_LONG_TCP) { longQueue.push(i); remLong += counts[i]!; }
    else { shortQueue.push(i); remShort += counts[i]!; }
  }

  const fd = fs.openSync(file, 'w');
  const writer = new PcapWriter(fd, LinkType.ETHERNET);
  const frames = new FrameWriter();
  const shortSlots: FlowRun[] = [];
  const longSlots: FlowRun[] = [];
  const shortPool: FlowRun[] = Array.from({ length: Math.min(SHORT_CONCURRENCY, shortQueue.length) }, () => new FlowRun());
  const longPool: FlowRun[] = Array.from({ length: Math.min(LONG_CONCURRENCY, longQueue.length) }, () => new FlowRun());
  let nextShort = 0;
  let nextLong = 0;
  let started = 0;
  for (const run of shortPool) { initFlow(run, shortQueue[nextShort]!, kinds, counts, rng); nextShort++; shortSlots.push(run); started++; }
  for (const run of longPool) { initFlow(run, longQueue[nextLong]!, kinds, counts, rng); nextLong++; longSlots.push(run); started++; }

  let written = 0;
  let clock = START_US;
  while (written < P) {
    const nShort = shortSlots.length;
    const nLong = longSlots.length;
    if (nShort === 0 && nLong === 0) break;
    // Draw from the long pool in proportion to the packets it still owes,
    // so both pools run dry together.
    const useLong = nLong > 0 && (nShort === 0 || rng.float() * (remShort + remLong) < remLong);
    const slots = useLong ? longSlots : shortSlots;
    const idx = rng.int(slots.length);
    const run = slots[idx]!;
    const len = emit(run, frames, rng);
    clock += -Math.log(1 - rng.float()) * MEAN_GAP_US;
    const sec = Math.floor(clock / 1e6);
    writer.writeExact(sec, Math.floor(clock - sec * 1e6), frames.buf, 0, len);
    written++;
    run.sent++;
    if (useLong) remLong--; else remShort--;
    if (run.sent === run.total) {
      const queue = useLong ? longQueue : shortQueue;
      const next = useLong ? nextLong : nextShort;
      if (next < queue.length) {
        initFlow(run, queue[next]!, kinds, counts, rng);
        started++;
        if (useLong) nextLong++; else nextShort++;
      } else {
        slots[idx] = slots[slots.length - 1]!;
        slots.pop();
      }
    }
  }
  await writer.close();
  return { packets: written, flows: started, bytes: writer.bytes };
}

/** Decides every flow's kind and packet count up front so long flows can absorb the exact packet budget. */
function planFlows(rng: Prng, P: number, F: number): { kinds: Uint8Array; counts: Uint32Array } {
  const kinds = new Uint8Array(F);
  const counts = new Uint32Array(F);
  let shortSum = 0;
  let longN = 0;
  for (let i = 0; i < F; i++) {
    const u = rng.float();
    let kind: number;
    let n: number;
    if (u < SHARE_DNS) { kind = KIND_DNS; n = 2; }
    else if (u < SHARE_DNS + SHARE_UDP) { kind = KIND_UDP; n = rng.range(1, 4); }
    else if (u < SHARE_DNS + SHARE_UDP + SHARE_RST) { kind = KIND_RST; n = 2; }
    else if (u < SHARE_DNS + SHARE_UDP + SHARE_RST + SHARE_LONG) { kind = KIND_LONG_TCP; n = 0; longN++; }
    else { kind = KIND_SHORT_TCP; n = rng.range(SHORT_TCP_MIN, SHORT_TCP_MAX); }
    kinds[i] = kind;
    counts[i] = n;
    shortSum += n;
  }
  if (longN === 0) {
    shortSum -= counts[F - 1]!;
    kinds[F - 1] = KIND_LONG_TCP;
    counts[F - 1] = 0;
    longN = 1;
  }
  // Spread the remaining budget over the long flows with uneven weights
  // (a few big transfers, many moderate ones).
  const budget = Math.max(0, P - shortSum);
  const weights = new Float64Array(F);
  let wSum = 0;
  for (let i = 0; i < F; i++) {
    if (kinds[i] !== KIND_LONG_TCP) continue;
    const w = 1 + 20 * rng.float() * rng.float() * rng.float();
    weights[i] = w;
    wSum += w;
  }
  let assigned = 0;
  let firstLong = -1;
  for (let i = 0; i < F; i++) {
    if (kinds[i] !== KIND_LONG_TCP) continue;
    if (firstLong < 0) firstLong = i;
    const n = Math.max(MIN_LONG_PACKETS, Math.floor((budget * weights[i]!) / wSum));
    counts[i] = n;
    assigned += n;
  }
  if (assigned < budget) counts[firstLong] = counts[firstLong]! + (budget - assigned);
  return { kinds, counts };
}

function initFlow(run: FlowRun, flow: number, kinds: Uint8Array, counts: Uint32Array, rng: Prng): void {
  run.kind = kinds[flow]!;
  run.total = counts[flow]!;
  run.sent = 0;
  run.v6 = rng.float() < SHARE_IPV6;
  run.vlan = rng.float() < SHARE_VLAN ? VLAN_IDS[rng.int(VLAN_IDS.length)]! : 0;
  run.ipId = rng.int(65536);
  run.clientSeq = rng.u32();
  run.serverSeq = rng.u32();
  const host = flow % CLIENT_HOSTS;
  run.clientPort = EPHEMERAL_FIRST + ((Math.floor(flow / CLIENT_HOSTS) * EPHEMERAL_STRIDE + host * 13) % EPHEMERAL_COUNT);
  run.bulk = rng.float() < SHARE_BULK;
  setAddress(run.client, run.v6, 0x20010db8, 10, 1, host);
  if (run.kind === KIND_DNS) {
    run.serverPort = 53;
    // An internal resolver most of the time, public ones otherwise.
    const r = rng.int(4);
    if (r <= 1) setAddress(run.server, run.v6, 0xfd000000, 10, 0, 53);
    else if (r === 2) setAddress(run.server, run.v6, 0x20014860, 8, 8, 0x0808);
    else setAddress(run.server, run.v6, 0x26064700, 1, 1, 0x0101);
    run.dns.pick(rng);
  } else {
    // Popularity is skewed: a few servers get most connections.
    const u = rng.float();
    const server = Math.floor(SERVER_HOSTS * u * u * u);
    setAddress(run.server, run.v6, 0x26064700, 104, 16 + (server >>> 8), ((server & 0xff) << 8) | 10);
    if (run.kind === KIND_UDP) run.serverPort = UDP_PORTS[rng.int(UDP_PORTS.length)]!;
    else if (run.kind === KIND_RST) run.serverPort = 1 + rng.int(1024);
    else {
      const p = rng.float();
      let k = 0;
      while (TCP_PORT_CUM[k]! < p) k++;
      run.serverPort = TCP_PORTS[k]!;
    }
  }
}

/**
 * IPv4 a.b.(c16 >> 8).(c16 & 255) in bytes 12..15; for IPv6 the same four
 * bytes after a 32-bit prefix (prefix::a.b.c.d), so each host stays distinct.
 */
function setAddress(out: Uint8Array, v6: boolean, prefix32: number, a: number, b: number, c16: number): void {
  out.fill(0);
  if (v6) {
    out[0] = prefix32 >>> 24; out[1] = (prefix32 >>> 16) & 0xff; out[2] = (prefix32 >>> 8) & 0xff; out[3] = prefix32 & 0xff;
  }
  out[12] = a; out[13] = b; out[14] = (c16 >>> 8) & 0xff; out[15] = c16 & 0xff;
}

/** Writes the flow's next packet into the frame buffer; returns its length. */
function emit(run: FlowRun, fw: FrameWriter, rng: Prng): number {
  const i = run.sent;
  switch (run.kind) {
    case KIND_DNS: {
      const off = fw.udpHeaderLen(run);
      const fromClient = i === 0;
      const len = fromClient ? writeDnsQuery(fw.buf, off, run.dns) : writeDnsResponse(fw.buf, off, run.dns, rng);
      fw.udpStart(run, fromClient, len);
      return fw.finish(off + len);
    }
    case KIND_UDP: {
      const fromClient = (i & 1) === 0;
      return fw.udpFilled(run, fromClient, udpPayloadSize(run.serverPort, rng));
    }
    case KIND_RST:
      if (i === 0) return fw.tcp(run, true, TCP_SYN, 0);
      run.serverSeq = 0;
      return fw.tcp(run, false, TCP_RST | TCP_ACK, 0);
    default:
      return tcpPacket(run, fw, rng);
  }
}

function tcpPacket(run: FlowRun, fw: FrameWriter, rng: Prng): number {
  const i = run.sent;
  const n = run.total;
  if (i === 0) return fw.tcp(run, true, TCP_SYN, 0);
  if (i === 1) return fw.tcp(run, false, TCP_SYN | TCP_ACK, 0);
  if (i === 2) return fw.tcp(run, true, TCP_ACK, 0);
  if (i === n - 3) return fw.tcp(run, true, TCP_FIN | TCP_ACK, 0);
  if (i === n - 2) return fw.tcp(run, false, TCP_FIN | TCP_ACK, 0);
  if (i === n - 1) return fw.tcp(run, true, TCP_ACK, 0);
  if (i === 3) return fw.tcp(run, true, TCP_PSH | TCP_ACK, rng.range(60, 500));
  const u = rng.float();
  if (run.kind === KIND_LONG_TCP) {
    if (run.bulk) {
      // Bulk download: full-size segments, a client ACK for every two or so.
      if (u < 0.6) return fw.tcp(run, false, TCP_ACK, 1460);
      if (u < 0.65) return fw.tcp(run, false, TCP_PSH | TCP_ACK, rng.range(100, 1460));
      return fw.tcp(run, true, TCP_ACK, 0);
    }
    // Interactive session: small messages both ways, bare ACKs in between.
    if (u < 0.35) return fw.tcp(run, true, TCP_PSH | TCP_ACK, rng.range(20, 140));
    if (u < 0.7) return fw.tcp(run, false, TCP_PSH | TCP_ACK, rng.range(20, 200));
    return fw.tcp(run, u < 0.85, TCP_ACK, 0);
  }
  if (u < 0.6) return fw.tcp(run, false, TCP_PSH | TCP_ACK, rng.float() < 0.5 ? rng.range(40, 400) : rng.range(400, 1460));
  if (u < 0.85) return fw.tcp(run, true, TCP_ACK, 0);
  return fw.tcp(run, true, TCP_PSH | TCP_ACK, rng.range(40, 300));
}

function udpPayloadSize(port: number, rng: Prng): number {
  switch (port) {
    case 123: return 48; // NTP
    case 514: return rng.range(60, 300); // syslog
    case 1900: return rng.range(100, 300); // SSDP
    case 443: return rng.range(1200, 1350); // QUIC
    case 5060: return rng.range(300, 900); // SIP
    default: return rng.range(50, 1200);
  }
}

function parseCli(argv: string[]): { out: string; opts: MixOptions } {
  let out: string | undefined;
  let packets = 1_000_000;
  let flows: number | undefined;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
      return v;
    };
    if (a === '--packets') packets = num();
    else if (a === '--flows') flows = num();
    else if (a === '--seed') seed = num();
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else out = a;
  }
  if (out === undefined) throw new Error('usage: mix.js OUT.pcap [--packets N] [--flows N] [--seed N]');
  // About 20 packets per flow: 5M packets give 250k flows.
  return { out, opts: { packets, flows: flows ?? Math.max(1, Math.round(packets / 20)), seed } };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const t0 = process.hrtime.bigint();
  const r = await generateMix(parsed.out, parsed.opts);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`${parsed.out}: ${r.packets} packets, ${r.flows} flows, ${r.bytes} bytes in ${s.toFixed(1)} s\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
