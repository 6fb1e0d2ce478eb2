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
import { DecodedPacket, IpProto, L3, TcpFlag } from '../decode/decoded.js';
import { PacketDecoder, macToString, ipv4ToString, type DecoderOptions } from '../decode/decoder.js';
import type { DecodeStats } from '../decode/counters.js';
import { FlowTracker, type FlowEndReason, type FlowTrackerOptions } from '../flows/tracker.js';
import type { ConnRecord } from '../flows/conn-record.js';
import { ReassemblyBudget } from '../flows/reassembly.js';
import type { ProtocolSpec, Transport } from '../protocols/analyzer.js';
import type { EventBus } from '../events/bus.js';
import type { FlowEndEvent, FlowLongEvent } from '../events/types.js';
import { AppLayerStats, FlowApp } from './flow-app.js';
import { ProtocolRegistry } from './protocol-registry.js';

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
/** Seconds of packet time between two walks of the flow table for long-lived connections (flow.long). */
const LONG_SWEEP_SECONDS = 60;

export interface PipelineStats {
  packets: number;
  bytes: number;
  decoded: number;
  malformed: Record<string, number>;
  unsupported: Record<string, number>;
  fragments: { seen: number; reassembled: number; pending: number; expired: number; dropped: number };
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
  readonly #appStats = new AppLayerStats();
  readonly #budget: ReassemblyBudget;
  #packets = 0;
  #bytes = 0;
  #now = 0;
  #nextExpire = 0;
  #nextLong = 0;
  #emitArp: boolean;
  #emitStart: boolean;
  #emitLong: boolean;

  constructor(opts: PipelineOptions) {
    this.#bus = opts.bus;
    this.#registry = new ProtocolRegistry(opts.protocols ?? []);
    this.#budget = new ReassemblyBudget(opts.reassemblyMaxBytes);
    this.decoder = new PacketDecoder(opts.decoder);
    this.tracker = new FlowTracker(opts.flows ?? {}, {
      onStart: (slot, ts) => this.#flowStarted(slot, ts),
      onEnd: (slot, record, reason) => this.#flowEnded(slot, record, reason),
    });
    this.#emitArp = this.#bus.has('arp');
    this.#emitStart = this.#bus.has('flow.start');
    this.#emitLong = this.#bus.has('flow.long');
  }

  /** Re-reads which events have listeners (call after subscribing late). */
  refreshSubscriptions(): void {
    this.#emitArp = this.#bus.has('arp');
    this.#emitStart = this.#bus.has('flow.start');
    this.#emitLong = this.#bus.has('flow.long');
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
    if (d.l3 === L3.ARP) {
      if (this.#emitArp) this.#arp(d);
      return;
    }
    const slot = this.tracker.track(d);
    if (slot < 0 || this.#registry.empty) return;
    const proto = d.proto;
    if (proto !== IpProto.TCP && proto !== IpProto.UDP) return;
    let app = this.#apps[slot];
    if (app === null) return;
    const fromOrig = this.tracker.lastFromOrig;
    if (app === undefined) {
      if (d.payloadLen === 0) return;
      app = this.#choose(slot, d, fromOrig);
      if (app === null || app === undefined) return;
    }
    // A direction the analyzer needs nothing more from costs no view of its bytes.
    if (fromOrig ? !app.wantOrig : !app.wantResp) return;
    const payload = d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLen);
    if (proto === IpProto.TCP) {
      const flags = d.tcpFlags;
      app.segment(fromOrig, d.seq, (flags & TcpFlag.SYN) !== 0, (flags & TcpFlag.FIN) !== 0, payload, d.ts);
    } else {
      app.datagram(fromOrig, payload, d.ts);
    }
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
    let spec = registry.byPort(transport, d.dstPort, d.srcPort);
    const payload = d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLen);
    if (spec === undefined) spec = registry.byContent(transport, payload, fromOrig);
    else spec = registry.overPort(transport, spec, payload, fromOrig);
    if (spec === undefined) {
      if (slot >= this.#probes.length) this.#growProbes(slot);
      if (++this.#probes[slot]! >= MAX_PROBE_PACKETS) this.#apps[slot] = null;
      return undefined;
    }
    const app = new FlowApp(
      spec,
      this.tracker.connId(slot),
      this.#bus,
      this.#appStats,
      transport === 'tcp' ? this.#budget : null,
    );
    this.#apps[slot] = app;
    return app;
  }

  #growProbes(slot: number): void {
    let size = this.#probes.length;
    while (size <= slot) size *= 2;
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
    if (this.#emitStart) this.#bus.emit({ type: 'flow.start', ts, conn: this.tracker.connId(slot) });
  }

  /** A live connection reached a long-connection age: its record so far, with the services recognised so far. */
  #flowLong(slot: number, record: ConnRecord, ts: number): void {
    const app = this.#apps[slot];
    if (app !== undefined && app !== null && app.services.length > 0) {
      const existing = record.service === undefined ? [] : record.service.split(',');
      for (const s of app.services) if (!existing.includes(s)) existing.push(s);
      record.service = existing.join(',');
    }
    const e: FlowLongEvent = { type: 'flow.long', ts, record, openedWithAck: record.proto === 'tcp' && this.tracker.openedWithAck(slot) };
    this.#bus.emit(e);
  }

  #flowEnded(slot: number, record: ConnRecord, reason: FlowEndReason): void {
    const end = record.ts + (record.duration ?? 0);
    const app = this.#apps[slot];
    if (app !== undefined && app !== null) {
      app.end(end);
      if (app.services.length > 0) {
        const existing = record.service === undefined ? [] : record.service.split(',');
        for (const s of app.services) if (!existing.includes(s)) existing.push(s);
        record.service = existing.join(',');
      }
      if (app.missedBytes > 0) record.missed_bytes += app.missedBytes;
    }
    this.#apps[slot] = undefined;
    if (slot < this.#probes.length) this.#probes[slot] = 0;
    // One shape for every flow.end (false when not TCP).
    const e: FlowEndEvent = { type: 'flow.end', ts: end, log: 'conn', record, reason, openedWithAck: record.proto === 'tcp' && this.tracker.openedWithAck(slot) };
    this.#bus.emit(e);
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
