/**
 * Packet fuzzing: takes real packets from the shared corpus, mutates them
 * (bit flips, truncation, lies in length fields, random bytes spliced in) and
 * pushes them through the whole pipeline with every analyzer on. The pipeline
 * must never throw and must count what it skipped.
 */
import { openCaptureFiles } from '../../src/capture/file-source.js';
import { RawPacket } from '../../src/capture/packet.js';
import { EventBus } from '../../src/events/bus.js';
import { Pipeline, type PipelineStats } from '../../src/pipeline/pipeline.js';
import { createProtocols } from '../../src/protocols/index.js';
import path from 'node:path';
import { REPO_ROOT, capturesUnder } from '../helpers/paths.js';
import { LinkType } from '../../src/capture/packet.js';
import { CLIENT, CLIENT_DUID, SERVER_DUID, exchange } from '../protocols/dhcpv6/exchange.js';
import { clientId, frame, fromClient, iaPd, iaPrefix, message, relay, serverId } from '../protocols/dhcpv6/frames.js';

export interface SeedPacket {
  data: Uint8Array;
  linkType: number;
  ts: number;
}

/** Every packet of every capture under `dirs` (recursively), as seed material. */
export async function loadSeeds(dirs: string[]): Promise<SeedPacket[]> {
  const files = capturesUnder(...dirs);
  const seeds: SeedPacket[] = [];
  for (const file of files) {
    await openCaptureFiles([file]).run((pkt) => {
      seeds.push({
        data: pkt.data.slice(pkt.offset, pkt.offset + pkt.caplen),
        linkType: pkt.linkType,
        ts: pkt.ts,
      });
    });
  }
  return seeds;
}

/** Share of the seeds made of hand-built packets for protocols the corpus lacks. */
const BUILT_SHARE = 0.01;

/** The project's own captures of what the shared corpus lacks (QUIC, DTLS, DCE/RPC over SMB pipes, VXLAN). */
export const OWN_CAPTURES = [
  path.join(REPO_ROOT, 'test', 'fixtures', 'quic'),
  path.join(REPO_ROOT, 'test', 'fixtures', 'dtls'),
  path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc'),
  path.join(REPO_ROOT, 'test', 'fixtures', 'tunnels'),
  // The lab's captures: neighbor discovery and router advertisements, LLMNR and mDNS answers, ARP replies.
  path.join(REPO_ROOT, 'test', 'lab', 'captures'),
];

/**
 * `seeds` plus packets of protocols the shared corpus has no capture of:
 * hand-built DHCPv6 (a lease exchange, a relayed prefix delegation) and
 * `own` (the packets of OWN_CAPTURES), repeated to make about 1 % of the picks.
 */
export function withBuiltSeeds(seeds: SeedPacket[], own: readonly SeedPacket[] = []): SeedPacket[] {
  const ts = 1_700_000_000;
  const built: SeedPacket[] = exchange(ts).map((data) => ({ data: frame(data), linkType: LinkType.ETHERNET, ts }));
  const pd = message(2, 9, serverId(SERVER_DUID), clientId(CLIENT_DUID), iaPd(7, 1800, 2880, iaPrefix('2001:db8:abcd::', 56, 3600, 7200)));
  built.push({ data: frame(fromClient(ts, CLIENT, relay(13, 1, '2001:db8:10::1', CLIENT.ll, relay(13, 0, '2001:db8:10::1', CLIENT.ll, pd)))), linkType: LinkType.ETHERNET, ts });
  built.push(...own);
  const copies = Math.max(1, Math.round((seeds.length * BUILT_SHARE) / built.length));
  const out = seeds.slice();
  for (let i = 0; i < copies; i++) out.push(...built);
  return out;
}

/** xorshift32: a small deterministic generator, so a failing seed can be replayed. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.#s = x;
    return x;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

/** Offsets where length fields commonly sit (Ethernet+IPv4/IPv6+TCP/UDP), for length lies. */
const LENGTH_FIELD_OFFSETS = [12, 14, 16, 17, 18, 19, 20, 38, 39, 46, 47, 54, 55, 58, 59];

export function mutate(src: Uint8Array, rng: Rng, scratch: Uint8Array): number {
  const len = src.length;
  scratch.set(src.subarray(0, Math.min(len, scratch.length)));
  let outLen = Math.min(len, scratch.length);
  const kind = rng.below(5);
  if (kind === 0) {
    // flip a few bits
    const flips = 1 + rng.below(8);
    for (let i = 0; i < flips && outLen > 0; i++) scratch[rng.below(outLen)]! ^= 1 << rng.below(8);
  } else if (kind === 1) {
    // truncate
    outLen = rng.below(outLen + 1);
  } else if (kind === 2) {
    // lie in a length-like field
    const off = LENGTH_FIELD_OFFSETS[rng.below(LENGTH_FIELD_OFFSETS.length)]!;
    if (off < outLen) scratch[off] = rng.below(2) === 0 ? 0xff : rng.below(256);
  } else if (kind === 3) {
    // overwrite a run with random bytes
    const start = rng.below(outLen + 1);
    const run = Math.min(outLen - start, 1 + rng.below(32));
    for (let i = 0; i < run; i++) scratch[start + i] = rng.below(256);
  } else {
    // extend with random tail bytes (lengths that claim more than is there, or junk after)
    const extra = Math.min(scratch.length - outLen, rng.below(64));
    for (let i = 0; i < extra; i++) scratch[outLen + i] = rng.below(256);
    outLen += extra;
  }
  return outLen;
}

export interface FuzzResult {
  packets: number;
  stats: PipelineStats;
  elapsed: number;
}

/** Feeds `count` mutated packets through a fresh pipeline (all analyzers on). Throws only if the pipeline throws. */
export function runFuzz(seeds: SeedPacket[], count: number, seed: number): FuzzResult {
  if (seeds.length === 0) throw new Error('no seed packets: is the shared corpus present?');
  const rng = new Rng(seed);
  const bus = new EventBus();
  let events = 0;
  bus.onAny(() => {
    events++;
  });
  const pipeline = new Pipeline({ bus, protocols: createProtocols(), flows: { maxFlows: 65536 } });
  const pkt = new RawPacket();
  const scratch = new Uint8Array(70000);
  const started = process.hrtime.bigint();
  let ts = 1_700_000_000;
  for (let i = 0; i < count; i++) {
    const s = seeds[rng.below(seeds.length)]!;
    const mutated = rng.below(10) !== 0; // keep some clean packets so flows and analyzers get deep
    const len = mutated ? mutate(s.data, rng, scratch) : (scratch.set(s.data), s.data.length);
    ts += rng.below(1000) / 1e6;
    pkt.data = scratch;
    pkt.offset = 0;
    pkt.caplen = len;
    pkt.origLen = len;
    pkt.ts = ts;
    pkt.tsSec = Math.floor(ts);
    pkt.tsNsec = Math.round((ts - pkt.tsSec) * 1e9);
    pkt.linkType = s.linkType;
    pipeline.packet(pkt);
  }
  pipeline.finish();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  void events;
  return { packets: count, stats: pipeline.stats(), elapsed };
}
