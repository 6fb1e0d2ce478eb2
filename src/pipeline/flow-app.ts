/**
 * One flow's application layer: the analyzer chosen for it, the TCP
 * reassembler that feeds it, and the context through which it reports.
 * The pipeline creates one only for flows an analyzer claimed.
 */
import type { Analyzer, AnalyzerContext, ExpectedConnection, ProtocolSpec, TunnelChosen, TunnelledStream } from '../protocols/analyzer.js';
import type { ProtocolRegistry } from './protocol-registry.js';
import { InnerStream } from './tunnel-stream.js';
import { AppLayerStats, MAX_FLOW_ANOMALIES, countAnomaly } from './app-stats.js';

export { AppLayerStats, MAX_FLOW_ANOMALIES } from './app-stats.js';
import type { ExpectedConnections } from './expected-connections.js';
import type { ConnId } from '../events/conn-id.js';
import type { PicketEvent } from '../events/types.js';
import type { EventBus } from '../events/bus.js';
import { ReassemblyBudget, TcpReassembler, type StreamConsumer } from '../flows/reassembly.js';

/** Where a flow's content gaps are counted (the flow tracker: conn.log `missed_bytes` and the history's 'G'/'g'). */
export interface GapCounter {
  addMissedBytes(slot: number, n: number, fromOrig: boolean): void;
}

/** Anomaly code when an announced connection pushed the oldest one out of the pipeline's bounded table. */
export const EXPECTED_DROPPED = 'expected_connection_dropped';

/** The services of a flow whose analyzer confirmed none (shared: never added to). */
const NO_SERVICES: readonly string[] = [];

export class FlowApp implements AnalyzerContext, StreamConsumer {
  readonly conn: ConnId;
  readonly spec: ProtocolSpec;
  readonly analyzer: Analyzer;
  readonly reassembler: TcpReassembler | null;
  /**
   * Services confirmed by the analyzer, in order (conn.log `service`). Each
   * confirmation makes a new array of the exact length (concat): pushed onto
   * an empty array, the first one reserved room for 17 for the flow's life.
   */
  services: readonly string[] = NO_SERVICES;
  /** False once the analyzer needs nothing more in that direction, or failed. */
  wantOrig = true;
  wantResp = true;
  readonly #bus: EventBus;
  readonly #stats: AppLayerStats;
  /**
   * Told of each content gap as reassembly declares it, with the flow's slot
   * (a counter and a number rather than a function made for each flow).
   */
  readonly #gaps: GapCounter | null;
  readonly #slot: number;
  /** Where announced connections go (the pipeline's table); null: announcements are ignored. */
  readonly #expected: ExpectedConnections | null;
  /** Where a tunnel's inner protocol is looked up (AnalyzerContext.tunnel); null: tunnels are not followed. */
  readonly #registry: ProtocolRegistry | null;
  #anomalies = 0;

  constructor(
    spec: ProtocolSpec,
    conn: ConnId,
    bus: EventBus,
    stats: AppLayerStats,
    budget: ReassemblyBudget | null,
    gaps: GapCounter | null = null,
    slot = -1,
    expected: ExpectedConnections | null = null,
    registry: ProtocolRegistry | null = null,
  ) {
    this.spec = spec;
    this.conn = conn;
    this.#bus = bus;
    this.#stats = stats;
    this.#gaps = gaps;
    this.#slot = slot;
    this.#expected = expected;
    this.#registry = registry;
    stats.flows[spec.name] = (stats.flows[spec.name] ?? 0) + 1;
    this.reassembler = budget === null ? null : new TcpReassembler(this, budget);
    this.analyzer = spec.create(this);
  }

  emit(event: PicketEvent): void {
    this.#bus.emit(event);
  }

  expect(connection: ExpectedConnection): void {
    // Counted where the summary shows protocol anomalies, as "<analyzer>.expected_connection_dropped".
    if (this.#expected?.add(connection) === false) this.anomaly(EXPECTED_DROPPED);
  }

  /** The analyzer's name (TunnelHost). */
  get protocol(): string {
    return this.spec.name;
  }

  tunnel(onChosen?: TunnelChosen): TunnelledStream | null {
    if (this.#registry === null || this.reassembler === null) return null;
    return new InnerStream(this, this.#registry, this.#stats, 1, onChosen);
  }

  confirm(service: string): void {
    if (!this.services.includes(service)) this.services = this.services.concat(service);
  }

  anomaly(code: string): void {
    countAnomaly(this.#stats, this.spec.name, code);
    if (++this.#anomalies === MAX_FLOW_ANOMALIES && this.services.length === 0) {
      const name = this.spec.name;
      this.#stats.abandoned[name] = (this.#stats.abandoned[name] ?? 0) + 1;
      this.#stopDirection(true);
      this.#stopDirection(false);
    }
  }

  /** True while the analyzer still wants data in some direction. */
  get active(): boolean {
    return this.wantOrig || this.wantResp;
  }

  /** A TCP segment of this flow. */
  segment(fromOrig: boolean, seq: number, syn: boolean, fin: boolean, payload: Uint8Array, ts: number): void {
    if (fromOrig ? !this.wantOrig : !this.wantResp) return;
    this.reassembler!.segment(fromOrig, seq, syn, fin, payload, ts);
  }

  /**
   * A TCP acknowledgement sent by one side (`fromOrig`): it covers the other
   * side's stream, whose hole below it then is capture loss.
   */
  ack(fromOrig: boolean, ack: number, ts: number): void {
    if (fromOrig ? !this.wantResp : !this.wantOrig) return;
    this.reassembler!.ack(!fromOrig, ack, ts);
  }

  /** A UDP datagram of this flow. */
  datagram(fromOrig: boolean, payload: Uint8Array, ts: number): void {
    if (fromOrig ? !this.wantOrig : !this.wantResp) return;
    this.data(fromOrig, payload, ts);
  }

  /** StreamConsumer: in-order bytes (TCP) or one datagram (UDP). */
  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    try {
      this.analyzer.data(fromOrig, data, ts);
      const wants = this.analyzer.wants;
      if (wants !== undefined) {
        if (this.wantOrig && !wants.call(this.analyzer, true)) this.#stopDirection(true);
        if (this.wantResp && !wants.call(this.analyzer, false)) this.#stopDirection(false);
      }
    } catch {
      this.#fail();
    }
  }

  /** StreamConsumer: bytes that will never arrive. */
  gap(fromOrig: boolean, len: number): void {
    if (this.#gaps !== null) this.#gaps.addMissedBytes(this.#slot, len, fromOrig);
    const gap = this.analyzer.gap;
    if (gap === undefined) return;
    try {
      gap.call(this.analyzer, fromOrig, len);
    } catch {
      this.#fail();
    }
  }

  /** The flow ended: deliver what reassembly holds, then let the analyzer flush. */
  end(ts: number): void {
    if (this.reassembler !== null) {
      if (this.active) this.reassembler.flush(ts);
      this.reassembler.release();
    }
    try {
      this.analyzer.end(ts);
    } catch {
      this.#count();
    }
  }

  #stopDirection(fromOrig: boolean): void {
    if (fromOrig) this.wantOrig = false;
    else this.wantResp = false;
    this.reassembler?.stop(fromOrig);
  }

  #fail(): void {
    this.#count();
    this.wantOrig = false;
    this.wantResp = false;
    this.reassembler?.release();
  }

  #count(): void {
    const name = this.spec.name;
    this.#stats.exceptions[name] = (this.#stats.exceptions[name] ?? 0) + 1;
  }
}
