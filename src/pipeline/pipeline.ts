/**
 * The packet pipeline in one place: raw packet -> decoder -> flow tracker ->
 * (for flows an analyzer claims) TCP reassembly and the protocol analyzer ->
 * events on the bus. Capture sources call `packet()`; the end of the input
 * calls `finish()`. All time is packet time.
 *
 * Per-packet work allocates nothing unless the packet belongs to a flow an
 * analyzer is reading, or starts/ends a flow.
 */
import type { RawPacket } from '../capture/packet.js';
import { DecodedPacket, ICMP6_NEIGHBOR_ADVERT, ICMP6_NEIGHBOR_SOLICIT, ICMP6_ROUTER_ADVERT, IpProto, L3, TcpFlag } from '../decode/decoded.js';
import { PacketDecoder, addrToString, macToString, ipv4ToString, ipv6ToString, type DecoderOptions } from '../decode/decoder.js';
import type { DecodeStats } from '../decode/counters.js';
import { readMac, u32 } from '../decode/bytes.js';
import { FlowTracker, type FlowEndReason, type FlowTrackerOptions } from '../flows/tracker.js';
import type { ConnRecord } from '../flows/conn-record.js';
import { ReassemblyBudget } from '../flows/reassembly.js';
import type { ProtocolSpec, Transport } from '../protocols/analyzer.js';
import type { EventBus } from '../events/bus.js';
import type { FlowEndEvent, FlowLongEvent } from '../events/types.js';
import { AppLayerStats, FlowApp } from './flow-app.js';
import { ProtocolRegistry } from './protocol-registry.js';
import { ExpectedConnections } from './expected-connections.js';
import { TunnelTable } from '../flows/tunnels.js';

export interface PipelineOptions {
  bus: EventBus;
  protocols?: readonly ProtocolSpec[];
  decoder?: DecoderOptions;
  flows?: FlowTrackerOptions;
  /** Process-wide bound on out-of-order TCP bytes held for analyzers (default 64 MiB). */
  reassemblyMaxBytes?: number;
}

/**
 * Payload packets per flow that may be offered to content probes before the
 * flow is left unanalysed (most protocols identify themselves in the first
 * message of either side).
 */
const MAX_PROBE_PACKETS = 6;

/** Neighbor discovery option types (RFC 4861 §4.6, RFC 8106): source and target link-layer address, prefix information, DNS servers. */
const ND_OPTION_SLLA = 1;
const ND_OPTION_TLLA = 2;
const ND_OPTION_PREFIX = 3;
const ND_OPTION_RDNSS = 25;
/** Prefixes and DNS servers kept from one router advertisement. */
const MAX_RA_ITEMS = 8;
/** Seconds of packet time between two walks of the flow table for long-lived connections (flow.long). */
const LONG_SWEEP_SECONDS = 60;

/** The payload of a SYN or FIN segment that carries none (empty, so shared by all). */
const NO_PAYLOAD = new Uint8Array(0);

/**
 * A TCP payload seen before the flow's analyzer was chosen, kept to be
 * given to it once chosen: a segment that came after a hole in its
 * direction (the second segment of a ClientHello overtaking the first), or
 * one the content probes did not recognise (the responder's lines before an
 * SSH banner, when the originator's banner then chose the analyzer). Zeek
 * buffers a connection's first bytes the same way and replays them to the
 * analyzer its signatures choose.
 */
interface EarlySegment {
  fromOrig: boolean;
  seq: number;
  fin: boolean;
  data: Uint8Array;
  ts: number;
  /** Offered to the probes and not recognised (else: held for coming after a hole). */
  probed: boolean;
}

/** Early segments held per flow until an analyzer is chosen. */
const MAX_EARLY_SEGMENTS = 8;
/** Early payload bytes held per flow. */
const MAX_EARLY_FLOW_BYTES = 16 * 1024;
/** Early payload bytes held by all flows of a pipeline (past it, a flow's early bytes are not kept). */
const MAX_EARLY_BYTES = 16 * 1024 * 1024;
/** How far past its SYN a segment may start and still be read as after a hole in that stream (Zeek's TOO_LARGE_SEQ_DELTA). */
const MAX_EARLY_AHEAD = 1024 * 1024;

/** Per-slot bits of #early state: SYN seen (sequence number kept), early bytes of that side not kept. */
const SYN_ORIG = 1;
const SYN_RESP = 2;
const LOST_ORIG = 4;
const LOST_RESP = 8;

/** Signed distance a - b in 32-bit sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** Adds the analyzers that recognised the flow to conn.log `service` (comma-joined, no repeats). */
function addServices(record: ConnRecord, services: readonly string[]): void {
  if (services.length === 0) return;
  const existing = record.service === undefined ? [] : record.service.split(',');
  for (const s of services) if (!existing.includes(s)) existing.push(s);
  record.service = existing.join(',');
}

/** `size` doubled until index `slot` fits (per-slot arrays grow with the flow table). */
function doubledToHold(size: number, slot: number): number {
  let n = size;
  while (n <= slot) n *= 2;
  return n;
}

/**
 * Walks one side's kept segments (a handful at most) from sequence number
 * `start` while they join up, and returns the end of the contiguous bytes;
 * with `parts`, pushes the new bytes of each segment joined, in order.
 */
function joinKept(held: readonly EarlySegment[], fromOrig: boolean, start: number, parts: Uint8Array[] | null): number {
  let next = start;
  for (let grew = true; grew; ) {
    grew = false;
    for (let i = 0; i < held.length; i++) {
      const e = held[i]!;
      if (e.fromOrig !== fromOrig) continue;
      const end = (e.seq + e.data.length) >>> 0;
      if (seqDiff(e.seq, next) <= 0 && seqDiff(end, next) > 0) {
        if (parts !== null) parts.push(e.data.subarray(seqDiff(next, e.seq)));
        next = end;
        grew = true;
      }
    }
  }
  return next;
}

export interface PipelineStats {
  packets: number;
  bytes: number;
  decoded: number;
  malformed: Record<string, number>;
  unsupported: Record<string, number>;
  fragments: { seen: number; reassembled: number; pending: number; expired: number; dropped: number };
  /** Packets taken out of tunnels, by kind. */
  tunnels: Record<string, number>;
  /**
   * Packets decoded, but with something odd about them, by reason (as
   * Zeek's weird.log): lengths that disagree, overlapping fragments, a
   * tunnel header that does not fit, nesting past the bound.
   */
  anomalies: Record<string, number>;
  flows: { created: number; live: number; maxLive: number; ended: number; evicted: number; untracked: number };
  app: AppLayerStats;
  reassembly: { heldBytes: number; overflows: number; gapBytes: number };
  handlerErrors: Record<string, number>;
}

export class Pipeline {
  readonly decoder: PacketDecoder;
  readonly tracker: FlowTracker;
  readonly #bus: EventBus;
  readonly #registry: ProtocolRegistry;
  readonly #decoded = new DecodedPacket();
  /**
   * Per flow slot: its application layer, null when none will be chosen,
   * undefined while undecided. Kept dense (filled up to its length, grown
   * by pushing) so V8 stores it as a plain array: written at scattered slot
   * numbers, a sparse array turns into a dictionary looked up per packet.
   */
  readonly #apps: (FlowApp | null | undefined)[] = new Array<FlowApp | null | undefined>(1024).fill(undefined);
  /** Per flow slot: payload packets offered to probes so far. */
  #probes = new Uint8Array(1024);
  /**
   * Per flow slot, while no analyzer is chosen: the SYN sequence numbers
   * seen (originator at 2*slot, responder at 2*slot+1), and the SYN_* and
   * LOST_* bits. The analyzer is chosen on a payload packet, after the
   * handshake; its reassembler starts each side at its SYN.
   */
  #synSeq = new Uint32Array(2048);
  #earlyBits = new Uint8Array(1024);
  /** Scratch words of a Neighbor Solicitation's target address. */
  readonly #ndTarget = new Uint32Array(4);
  /** Per flow slot: payloads seen before the analyzer was chosen (EarlySegment). */
  readonly #early = new Map<number, EarlySegment[]>();
  /** Bytes held in #early, all flows. */
  #earlyBytes = 0;
  readonly #appStats = new AppLayerStats();
  /** Connections analyzers announced (FTP data channels), taken by the first flow that matches. */
  readonly #expected = new ExpectedConnections();
  readonly #budget: ReassemblyBudget;
  #packets = 0;
  #bytes = 0;
  #now = 0;
  #nextExpire = 0;
  #nextLong = 0;
  readonly #tunnels: TunnelTable;
  #emitArp: boolean;
  #emitStart: boolean;
  #emitLong: boolean;
  #emitNd: boolean;
  #emitNa: boolean;
  #emitRa: boolean;

  constructor(opts: PipelineOptions) {
    this.#bus = opts.bus;
    this.#registry = new ProtocolRegistry(opts.protocols ?? []);
    this.#budget = new ReassemblyBudget(opts.reassemblyMaxBytes);
    this.decoder = new PacketDecoder(opts.decoder);
    this.tracker = new FlowTracker(opts.flows ?? {}, {
      onStart: (slot, ts) => this.#flowStarted(slot, ts),
      onEnding: (slot, endTs) => this.#flowEnding(slot, endTs),
      onEnd: (slot, record, reason) => this.#flowEnded(slot, record, reason),
    });
    this.#emitArp = this.#bus.has('arp');
    this.#emitStart = this.#bus.has('flow.start');
    this.#emitLong = this.#bus.has('flow.long');
    this.#emitNd = this.#bus.has('nd.solicit');
    this.#emitNa = this.#bus.has('nd.advert');
    this.#emitRa = this.#bus.has('nd.router_advert');
    const numbers = this.tracker.flowNumbers;
    this.#tunnels = new TunnelTable((e) => this.#bus.emit(e), this.tracker.uidSeed, numbers.first, numbers.step);
  }

  /** Re-reads which events have listeners (call after subscribing late). */
  refreshSubscriptions(): void {
    this.#emitArp = this.#bus.has('arp');
    this.#emitStart = this.#bus.has('flow.start');
    this.#emitLong = this.#bus.has('flow.long');
    this.#emitNd = this.#bus.has('nd.solicit');
    this.#emitNa = this.#bus.has('nd.advert');
    this.#emitRa = this.#bus.has('nd.router_advert');
  }

  /** Packet time of the newest packet seen. */
  get now(): number {
    return this.#now;
  }

  /** One captured packet (the source reuses `pkt` after this returns). */
  packet(pkt: RawPacket): void {
    this.#packets++;
    this.#bytes += pkt.caplen;
    this.advanceTime(pkt.ts);
    const d = this.#decoded;
    if (this.decoder.decode(pkt, d)) this.#decodedPacket(d);
  }

  /**
   * One packet decoded elsewhere (decode-thread.ts): `ok` is false when it
   * did not decode, and then only its time and size count.
   */
  decodedPacket(d: DecodedPacket, ts: number, caplen: number, ok: boolean): void {
    this.#packets++;
    this.#bytes += caplen;
    this.advanceTime(ts);
    if (ok) this.#decodedPacket(d);
  }

  #decodedPacket(d: DecodedPacket): void {
    if (d.tunnel !== 0) this.#tunnelled(d);
    if (d.l3 === L3.ARP) {
      if (this.#emitArp) this.#arp(d);
      return;
    }
    if (d.proto === IpProto.ICMPV6) {
      if (this.#emitNd && d.srcPort === ICMP6_NEIGHBOR_SOLICIT) this.#neighborSolicit(d);
      else if (this.#emitNa && d.srcPort === ICMP6_NEIGHBOR_ADVERT) this.#neighborAdvert(d);
      else if (this.#emitRa && d.srcPort === ICMP6_ROUTER_ADVERT) this.#routerAdvert(d);
    }
    const slot = this.tracker.track(d);
    if (slot < 0 || this.#registry.empty) return;
    const proto = d.proto;
    if (proto !== IpProto.TCP && proto !== IpProto.UDP) return;
    let app = this.#apps[slot];
    if (app === null) return;
    const fromOrig = this.tracker.lastFromOrig;
    if (app === undefined) {
      app = this.#beforeChoice(slot, d, fromOrig);
      if (app === null || app === undefined) return;
    }
    if (proto === IpProto.TCP) {
      this.#tcpSegment(app, d, fromOrig);
      return;
    }
    // A direction the analyzer needs nothing more from costs no view of its bytes.
    if (fromOrig ? !app.wantOrig : !app.wantResp) return;
    app.datagram(fromOrig, d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLen), d.ts);
  }

  /** A packet that came out of a tunnel: the tunnel's own datagram first (when it has one), then the tunnel table. */
  #tunnelled(d: DecodedPacket): void {
    const c = d.carrier;
    if (c !== null) this.carrierPacket(c, d.carrierKind);
    this.#tunnels.packet(d);
  }

  /**
   * The outer UDP datagram of a tunnel (`DecodedPacket.carrier`), decoded
   * here or on a decode thread: its connection is tracked like any other,
   * with the tunnel's name (`kind`, a TunnelKind) as its service and no
   * analyzer, since its payload is the tunnelled packet. It is not a packet
   * of its own: the frame it came in counts once, as the inner packet.
   */
  carrierPacket(c: DecodedPacket, kind: number): void {
    this.advanceTime(c.ts);
    if (c.tunnel !== 0) this.#tunnels.packet(c);
    const slot = this.tracker.track(c);
    if (slot < 0) return;
    // A new flow's slot is in #apps already (#flowStarted); null there means "no analyzer".
    if (this.#apps[slot] !== undefined) return;
    this.#apps[slot] = null;
    this.tracker.markCarrier(slot, kind);
  }

  /**
   * A TCP packet of a flow with an analyzer: its acknowledgement covers the
   * other side's stream, its payload this side's. Calls that could not
   * change a stream are not made: they would cost heap numbers for the
   * sequence numbers and time, and a view of the payload.
   */
  #tcpSegment(app: FlowApp, d: DecodedPacket, fromOrig: boolean): void {
    const flags = d.tcpFlags;
    if ((flags & TcpFlag.ACK) !== 0 && (fromOrig ? app.wantResp : app.wantOrig)) app.ack(fromOrig, d.ack, d.ts);
    if (fromOrig ? !app.wantOrig : !app.wantResp) return;
    const n = d.payloadLen;
    // Without payload, SYN or FIN (a bare acknowledgement) a segment moves no stream.
    if (n === 0 && (flags & (TcpFlag.SYN | TcpFlag.FIN)) === 0) return;
    const payload = n === 0 ? NO_PAYLOAD : d.buf.subarray(d.payloadOffset, d.payloadOffset + n);
    app.segment(fromOrig, d.seq, (flags & TcpFlag.SYN) !== 0, (flags & TcpFlag.FIN) !== 0, payload, d.ts);
  }

  /**
   * A packet of a flow whose analyzer is not chosen yet: TCP SYN numbers and
   * payloads after a hole are kept for later, and a payload is offered to the
   * choice. Apart from #decodedPacket, which every packet runs, so that one
   * stays small enough to be inlined into the capture loop.
   */
  #beforeChoice(slot: number, d: DecodedPacket, fromOrig: boolean): FlowApp | null | undefined {
    if (d.proto === IpProto.TCP) {
      if ((d.tcpFlags & TcpFlag.SYN) !== 0) this.#noteSyn(slot, fromOrig, d.seq);
      if (d.payloadLen > 0 && this.#afterHole(slot, fromOrig, d) && this.#holdEarly(slot, fromOrig, d, false)) return undefined;
    }
    if (d.payloadLen === 0) return undefined;
    return this.#choose(slot, d, fromOrig);
  }

  /**
   * Moves packet time forward (every packet does; without one, an idle live
   * link or another thread's packet), so flows time out. Ignored when `ts`
   * is not ahead of the newest packet.
   */
  advanceTime(ts: number): void {
    if (ts <= this.#now) return;
    this.#now = ts;
    // Expiry runs once per second of packet time, as for packets.
    if (ts >= this.#nextExpire) {
      this.#nextExpire = ts + 1;
      this.tracker.expire(ts);
      if (this.#expected.size > 0) this.#expected.expire(ts);
      if (this.#tunnels.size > 0) this.#tunnels.expire(ts);
    }
    // Long-lived connections, once a minute of packet time (the walk covers the whole flow table).
    if (this.#emitLong && ts >= this.#nextLong) {
      this.#nextLong = ts + LONG_SWEEP_SECONDS;
      this.tracker.reportLong(ts, (slot, record) => this.#flowLong(slot, record, ts));
    }
  }

  /** End of input: ends every live flow and flushes analyzers. */
  finish(): void {
    this.tracker.flushAll(this.#now);
    this.#tunnels.closeAll();
  }

  /**
   * Statistics so far. `decoding`: the decoder statistics to report, when
   * packets were decoded elsewhere (decode-thread.ts); by default this
   * pipeline's own decoder's.
   */
  stats(decoding: DecodeStats = this.decoder.stats): PipelineStats {
    const ds = decoding;
    const fs = this.tracker.stats;
    return {
      packets: this.#packets,
      bytes: this.#bytes,
      decoded: ds.decoded,
      malformed: { ...ds.malformed },
      unsupported: { ...ds.unsupported },
      fragments: { ...ds.fragments },
      tunnels: { ...ds.tunnels },
      anomalies: { ...ds.anomalies },
      flows: {
        created: fs.created,
        live: fs.live,
        maxLive: fs.maxLive,
        ended: fs.ended,
        evicted: fs.evicted,
        untracked: fs.untracked,
      },
      app: this.#appStats,
      reassembly: {
        heldBytes: this.#budget.heldBytes,
        overflows: this.#budget.overflows,
        gapBytes: this.#budget.gapBytes,
      },
      handlerErrors: Object.fromEntries(this.#bus.handlerErrors),
    };
  }

  /** Picks (or gives up on) an analyzer for a flow's first payload packets. */
  #choose(slot: number, d: DecodedPacket, fromOrig: boolean): FlowApp | null | undefined {
    const transport: Transport = d.proto === IpProto.TCP ? 'tcp' : 'udp';
    const registry = this.#registry;
    const portSpec = registry.byPort(transport, d.dstPort, d.srcPort);
    const payload = d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLen);
    // Probes and claims read the side's stream from its first byte when earlier packets of it were
    // kept (a first message cut into small segments), else this packet's payload.
    const prefix = transport === 'tcp' ? this.#streamPrefix(slot, fromOrig, d) : null;
    const bytes = prefix ?? payload;
    if (slot >= this.#probes.length) this.#growProbes(slot);
    let fromStart = prefix !== null;
    let spec: ProtocolSpec | undefined = this.#expected.size > 0 ? this.#expectedSpec(slot, transport) : undefined;
    if (spec !== undefined) {
      // Announced by another connection's analyzer: no port or probe decides.
    } else if (portSpec === undefined) {
      spec = registry.byContent(transport, bytes, fromOrig);
      if (spec === undefined && prefix !== null) {
        // As before streams were kept: a later packet may still show the protocol.
        spec = registry.byContent(transport, payload, fromOrig);
        fromStart = false;
      }
    } else {
      spec = registry.overPort(transport, portSpec, bytes, fromOrig);
      // Another analyzer may claim these bytes once more of them arrived (a request line cut
      // short): wait for the next packet while the probe budget lasts.
      if (
        spec === portSpec &&
        transport === 'tcp' &&
        this.#probes[slot]! + 1 < MAX_PROBE_PACKETS &&
        registry.mayClaim(transport, portSpec, bytes, fromOrig) &&
        this.#holdEarly(slot, fromOrig, d, true)
      ) {
        this.#probes[slot]!++;
        return undefined;
      }
    }
    if (spec === undefined) {
      if (transport === 'tcp') this.#holdEarly(slot, fromOrig, d, true);
      if (++this.#probes[slot]! >= MAX_PROBE_PACKETS) {
        this.#apps[slot] = null;
        this.#clearEarly(slot);
      }
      return undefined;
    }
    const tcp = transport === 'tcp';
    // Content gaps (TCP only) go into the flow's conn record: missed_bytes, and the history's 'G'/'g'.
    const app = new FlowApp(
      spec,
      this.tracker.connId(slot),
      this.#bus,
      this.#appStats,
      tcp ? this.#budget : null,
      tcp ? this.tracker : null,
      slot,
      this.#expected,
      this.#registry,
    );
    this.#apps[slot] = app;
    if (tcp) this.#startStreams(slot, app, d, fromOrig, fromStart);
    return app;
  }

  /** The analyzer another connection announced for this flow (AnalyzerContext.expect), used up; or undefined. */
  #expectedSpec(slot: number, transport: Transport): ProtocolSpec | undefined {
    const c = this.tracker.connId(slot);
    return this.#expected.take(transport, c.orig_h, c.resp_h, c.resp_p, this.#now);
  }

  /**
   * The bytes of one side from its first one through this packet, when
   * packets of it were kept before (all contiguous, this one continuing
   * them); null when none were kept or they do not join up.
   */
  #streamPrefix(slot: number, fromOrig: boolean, d: DecodedPacket): Uint8Array | null {
    const held = this.#early.get(slot);
    if (held === undefined || slot >= this.#earlyBits.length) return null;
    const bits = this.#earlyBits[slot]!;
    if ((bits & (fromOrig ? LOST_ORIG : LOST_RESP)) !== 0) return null;
    let start = -1;
    if ((bits & (fromOrig ? SYN_ORIG : SYN_RESP)) !== 0) start = (this.#synSeq[2 * slot + (fromOrig ? 0 : 1)]! + 1) >>> 0;
    else for (let i = 0; i < held.length && start < 0; i++) if (held[i]!.fromOrig === fromOrig) start = held[i]!.seq;
    if (start < 0) return null;
    const chain: Uint8Array[] = [];
    const next = joinKept(held, fromOrig, start, chain);
    if (chain.length === 0) return null;
    const seq = ((d.tcpFlags & TcpFlag.SYN) !== 0 ? d.seq + 1 : d.seq) >>> 0;
    const skip = -seqDiff(seq, next);
    if (skip < 0 || skip >= d.payloadLen) return null;
    chain.push(d.buf.subarray(d.payloadOffset + skip, d.payloadOffset + d.payloadLen));
    return Buffer.concat(chain);
  }

  #noteSyn(slot: number, fromOrig: boolean, seq: number): void {
    if (slot >= this.#earlyBits.length) this.#growEarly(slot);
    // The latest SYN of a side numbers its stream (a retransmitted SYN repeats it; a new attempt renumbers it).
    this.#earlyBits[slot] = this.#earlyBits[slot]! | (fromOrig ? SYN_ORIG : SYN_RESP);
    this.#synSeq[2 * slot + (fromOrig ? 0 : 1)] = seq >>> 0;
  }

  /**
   * True when a payload segment starts after a hole in a side whose SYN was
   * seen: past the SYN and the payloads of that side kept so far.
   */
  #afterHole(slot: number, fromOrig: boolean, d: DecodedPacket): boolean {
    if (slot >= this.#earlyBits.length) return false;
    const bits = this.#earlyBits[slot]!;
    if ((bits & (fromOrig ? SYN_ORIG : SYN_RESP)) === 0 || (bits & (fromOrig ? LOST_ORIG : LOST_RESP)) !== 0) return false;
    if ((d.tcpFlags & TcpFlag.SYN) !== 0) return false;
    let next = (this.#synSeq[2 * slot + (fromOrig ? 0 : 1)]! + 1) >>> 0;
    const held = this.#early.get(slot);
    if (held !== undefined) next = joinKept(held, fromOrig, next, null);
    const ahead = seqDiff(d.seq >>> 0, next);
    // Far ahead is no hole but another numbering (a SYN not seen, a reused port): not held.
    return ahead > 0 && ahead <= MAX_EARLY_AHEAD;
  }

  /**
   * Keeps a copy of a TCP payload seen before the analyzer was chosen.
   * False when the flow (or the pipeline) holds as much as it may: that
   * side's early bytes are then marked lost, and its stream will start at
   * whatever comes after the choice, as when nothing is kept.
   */
  #holdEarly(slot: number, fromOrig: boolean, d: DecodedPacket, probed: boolean): boolean {
    if (slot >= this.#earlyBits.length) this.#growEarly(slot);
    const lost = fromOrig ? LOST_ORIG : LOST_RESP;
    if ((this.#earlyBits[slot]! & lost) !== 0) return false;
    const n = d.payloadLen;
    let held = this.#early.get(slot);
    let flowBytes = 0;
    if (held !== undefined) for (let i = 0; i < held.length; i++) flowBytes += held[i]!.data.length;
    if (
      (held !== undefined && held.length >= MAX_EARLY_SEGMENTS) ||
      flowBytes + n > MAX_EARLY_FLOW_BYTES ||
      this.#earlyBytes + n > MAX_EARLY_BYTES
    ) {
      this.#earlyBits[slot] = this.#earlyBits[slot]! | lost;
      return false;
    }
    if (held === undefined) {
      held = [];
      this.#early.set(slot, held);
    }
    const data = d.buf.slice(d.payloadOffset, d.payloadOffset + n);
    // Data on a SYN (TCP Fast Open) starts after the SYN's own sequence number.
    const seq = ((d.tcpFlags & TcpFlag.SYN) !== 0 ? d.seq + 1 : d.seq) >>> 0;
    held.push({ fromOrig, seq, fin: (d.tcpFlags & TcpFlag.FIN) !== 0, data, ts: d.ts, probed });
    this.#earlyBytes += n;
    return true;
  }

  /**
   * Starts a new TCP analyzer's streams: each side at its SYN, with the
   * payloads kept from before the choice. When the analyzer was chosen on
   * one packet alone (`fromStart` false), the bytes its side showed the
   * probes before are not the protocol's start: that side starts at the
   * packet recognised. A side whose early bytes were not all kept starts at
   * its next packet.
   */
  #startStreams(slot: number, app: FlowApp, d: DecodedPacket, chosenFromOrig: boolean, fromStart: boolean): void {
    const reassembler = app.reassembler!;
    const bits = slot < this.#earlyBits.length ? this.#earlyBits[slot]! : 0;
    const held = this.#early.get(slot);
    if (held !== undefined) this.#dropEarly(slot);
    for (const side of [true, false]) {
      if ((bits & (side ? LOST_ORIG : LOST_RESP)) !== 0) continue;
      if (side === chosenFromOrig) {
        if (!fromStart && held !== undefined && held.some((e) => e.fromOrig === side && e.probed)) continue;
        // The choosing packet must lie in the stream its side's SYN began (else that SYN numbered another attempt).
        const from = (this.#synSeq[2 * slot + (side ? 0 : 1)]! + 1) >>> 0;
        const at = seqDiff(((d.tcpFlags & TcpFlag.SYN) !== 0 ? d.seq + 1 : d.seq) >>> 0, from);
        if ((bits & (side ? SYN_ORIG : SYN_RESP)) !== 0 && (at < 0 || at > MAX_EARLY_AHEAD)) continue;
      }
      if ((bits & (side ? SYN_ORIG : SYN_RESP)) !== 0) reassembler.begin(side, this.#synSeq[2 * slot + (side ? 0 : 1)]! + 1);
      if (held === undefined) continue;
      for (const e of held) if (e.fromOrig === side) app.segment(side, e.seq, false, e.fin, e.data, e.ts);
    }
  }

  #growEarly(slot: number): void {
    const size = doubledToHold(this.#earlyBits.length, slot);
    const bits = new Uint8Array(size);
    bits.set(this.#earlyBits);
    this.#earlyBits = bits;
    const seq = new Uint32Array(2 * size);
    seq.set(this.#synSeq);
    this.#synSeq = seq;
  }

  #dropEarly(slot: number): void {
    const held = this.#early.get(slot);
    if (held === undefined) return;
    for (let i = 0; i < held.length; i++) this.#earlyBytes -= held[i]!.data.length;
    this.#early.delete(slot);
  }

  /** Forgets what was kept about a flow slot before its analyzer was chosen. */
  #clearEarly(slot: number): void {
    if (slot < this.#earlyBits.length) this.#earlyBits[slot] = 0;
    if (this.#early.size > 0) this.#dropEarly(slot);
  }

  #growProbes(slot: number): void {
    const size = doubledToHold(this.#probes.length, slot);
    const next = new Uint8Array(size);
    next.set(this.#probes);
    this.#probes = next;
  }

  #flowStarted(slot: number, ts: number): void {
    const apps = this.#apps;
    if (slot >= apps.length) {
      const size = Math.max(slot + 1, 2 * apps.length);
      while (apps.length < size) apps.push(undefined);
    }
    apps[slot] = undefined;
    if (slot < this.#probes.length) this.#probes[slot] = 0;
    this.#clearEarly(slot);
    if (this.#emitStart) this.#bus.emit({ type: 'flow.start', ts, conn: this.tracker.connId(slot) });
  }

  /** A flow is ending: its analyzer delivers what reassembly still holds (the gaps go into its record) and finishes. */
  #flowEnding(slot: number, endTs: number): void {
    const app = this.#apps[slot];
    if (app !== undefined && app !== null) app.end(endTs);
  }

  /** A live connection reached a long-connection age: its record so far, with the services recognised so far. */
  #flowLong(slot: number, record: ConnRecord, ts: number): void {
    const app = this.#apps[slot];
    if (app !== undefined && app !== null) addServices(record, app.services);
    const e: FlowLongEvent = { type: 'flow.long', ts, record, openedWithAck: record.proto === 'tcp' && this.tracker.openedWithAck(slot) };
    this.#bus.emit(e);
  }

  #flowEnded(slot: number, record: ConnRecord, reason: FlowEndReason): void {
    const end = record.ts + (record.duration ?? 0);
    const app = this.#apps[slot];
    if (app !== undefined && app !== null) addServices(record, app.services);
    this.#apps[slot] = undefined;
    if (slot < this.#probes.length) this.#probes[slot] = 0;
    this.#clearEarly(slot);
    // One shape for every flow.end (false when not TCP).
    const e: FlowEndEvent = { type: 'flow.end', ts: end, log: 'conn', record, reason, openedWithAck: record.proto === 'tcp' && this.tracker.openedWithAck(slot) };
    this.#bus.emit(e);
  }

  /** The target address of a neighbor discovery message (16 bytes or more of payload): it follows the 8-byte ICMPv6 header. */
  #ndTargetOf(d: DecodedPacket): string {
    const w = this.#ndTarget;
    for (let i = 0; i < 4; i++) w[i] = u32(d.buf, d.payloadOffset + 4 * i);
    return ipv6ToString(w);
  }

  /** An IPv6 Neighbor Solicitation: its target address follows the 8-byte ICMPv6 header. */
  #neighborSolicit(d: DecodedPacket): void {
    if (d.payloadLen < 16) return;
    this.#bus.emit({ type: 'nd.solicit', ...ndFields(d), target: this.#ndTargetOf(d) });
  }

  /**
   * An IPv6 Neighbor Advertisement: its target address follows the 8-byte
   * ICMPv6 header, then options; the Target Link-Layer Address option
   * (type 2, length 1 on Ethernet) names the link address advertised.
   */
  #neighborAdvert(d: DecodedPacket): void {
    if (d.payloadLen < 16) return;
    const b = d.buf;
    const o = d.payloadOffset;
    let tlla = '';
    for (let p = o + 16, len = 0; (len = ndOptionLength(b, p, o + d.payloadLen)) > 0; p += len) {
      if (b[p] === ND_OPTION_TLLA && len === 8) {
        tlla = macToString(readMac(b, p + 2));
        break;
      }
    }
    this.#bus.emit({ type: 'nd.advert', ...ndFields(d), dst: addrToString(d, 'dst'), target: this.#ndTargetOf(d), tlla });
  }

  /**
   * An IPv6 Router Advertisement: after the 8-byte ICMPv6 header (hop limit,
   * flags and router lifetime in its second half) come the reachable time
   * and retransmission timer (8 bytes), then options: the router's link
   * address (1), prefixes (3) and DNS servers (25).
   */
  #routerAdvert(d: DecodedPacket): void {
    const b = d.buf;
    const end = d.payloadOffset + d.payloadLen;
    let slla = '';
    const prefixes: string[] = [];
    const dns: string[] = [];
    const w = this.#ndTarget;
    for (let p = d.payloadOffset + 8, len = 0; (len = ndOptionLength(b, p, end)) > 0; p += len) {
      const type = b[p]!;
      if (type === ND_OPTION_SLLA && len === 8) {
        slla = macToString(readMac(b, p + 2));
      } else if (type === ND_OPTION_PREFIX && len === 32 && prefixes.length < MAX_RA_ITEMS) {
        for (let i = 0; i < 4; i++) w[i] = u32(b, p + 16 + 4 * i);
        prefixes.push(`${ipv6ToString(w)}/${b[p + 2]!}`);
      } else if (type === ND_OPTION_RDNSS) {
        for (let q = p + 8; q + 16 <= p + len && dns.length < MAX_RA_ITEMS; q += 16) {
          for (let i = 0; i < 4; i++) w[i] = u32(b, q + 4 * i);
          dns.push(ipv6ToString(w));
        }
      }
    }
    this.#bus.emit({ type: 'nd.router_advert', ...ndFields(d), dst: addrToString(d, 'dst'), slla, prefixes, dns_servers: dns });
  }

  #arp(d: DecodedPacket): void {
    this.#bus.emit({
      type: 'arp',
      ts: d.ts,
      op: d.arpOp,
      src_mac: d.srcMac >= 0 ? macToString(d.srcMac) : macToString(d.arpSha),
      sha: macToString(d.arpSha),
      spa: ipv4ToString(d.arpSpa),
      tha: macToString(d.arpTha),
      tpa: ipv4ToString(d.arpTpa),
      ...(d.vlan >= 0 ? { vlan: d.vlan } : {}),
    });
  }
}

/**
 * Bytes of the neighbor discovery option at `p` (RFC 4861 §4.6: its length
 * byte counts units of 8), or 0 when there is none: fewer than 8 bytes left,
 * a zero length, or an option running past `end`.
 */
function ndOptionLength(b: Uint8Array, p: number, end: number): number {
  if (p + 8 > end) return 0;
  const len = b[p + 1]! * 8;
  return len === 0 || p + len > end ? 0 : len;
}

/** What every neighbor discovery event says of its packet: time, sender MAC and address, VLAN. */
function ndFields(d: DecodedPacket): { ts: number; src_mac: string; src: string; vlan?: number } {
  return { ts: d.ts, src_mac: d.srcMac >= 0 ? macToString(d.srcMac) : '', src: addrToString(d, 'src'), ...(d.vlan >= 0 ? { vlan: d.vlan } : {}) };
}
