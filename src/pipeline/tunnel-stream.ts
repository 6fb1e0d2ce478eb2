/**
 * The protocol inside a connection's tunnel (AnalyzerContext.tunnel): the
 * bytes an HTTP CONNECT or a STARTTLS upgrade carries on the same TCP
 * connection. Like a new connection, its analyzer is chosen by content
 * (ProtocolRegistry.byContent) from its first bytes, which are kept, in
 * order and within MAX_UNDECIDED_BYTES, until a probe recognises them; then
 * they are replayed into the analyzer and the rest follows as it comes. The
 * inner analyzer reports through the outer connection: its events carry
 * that connection's id and its service joins conn.log `service` ("http,ssl"
 * for TLS through a proxy). Its anomalies and exceptions are counted under
 * its own name. A tunnel inside a tunnel is followed up to MAX_TUNNEL_DEPTH.
 */
import type { Analyzer, AnalyzerContext, ExpectedConnection, ProtocolSpec, TunnelChosen, TunnelledStream } from '../protocols/analyzer.js';
import type { ConnId } from '../events/conn-id.js';
import type { PicketEvent } from '../events/types.js';
import type { ProtocolRegistry } from './protocol-registry.js';
import { MAX_FLOW_ANOMALIES, countAnomaly, type AppLayerStats } from './app-stats.js';

/** Bytes (both directions) kept while no probe has recognised the inner protocol; past them it is given up. */
export const MAX_UNDECIDED_BYTES = 16 * 1024;
/** Tunnels followed inside one connection, one in another. */
export const MAX_TUNNEL_DEPTH = 2;

/** What the inner analyzer reports through: the outer connection's. */
export interface TunnelHost {
  readonly conn: ConnId;
  /** The outer protocol's analyzer name (ssl events from inside carry it as `inside`). */
  readonly protocol: string | null;
  emit(event: PicketEvent): void;
  confirm(service: string): void;
  expect?(connection: ExpectedConnection): void;
}

interface Pending {
  fromOrig: boolean;
  bytes: Uint8Array;
  ts: number;
}

export class InnerStream implements TunnelledStream, AnalyzerContext {
  readonly conn: ConnId;
  readonly #host: TunnelHost;
  readonly #registry: ProtocolRegistry;
  readonly #stats: AppLayerStats;
  readonly #depth: number;
  #spec: ProtocolSpec | null = null;
  #analyzer: Analyzer | null = null;
  /** First bytes, in arrival order, while undecided. */
  #pending: Pending[] = [];
  #pendingBytes = 0;
  /** No analyzer was found, or the one found failed: the rest is ignored. */
  #done = false;
  #anomalies = 0;
  #confirmed = false;
  #wantOrig = true;
  #wantResp = true;
  readonly #onChosen: TunnelChosen | undefined;

  constructor(host: TunnelHost, registry: ProtocolRegistry, stats: AppLayerStats, depth: number, onChosen?: TunnelChosen) {
    this.conn = host.conn;
    this.#host = host;
    this.#onChosen = onChosen;
    this.#registry = registry;
    this.#stats = stats;
    this.#depth = depth;
  }

  /** The inner analyzer's name once chosen. */
  get protocol(): string | null {
    return this.#spec?.name ?? null;
  }

  // ---- TunnelledStream (fed by the outer analyzer) ----

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (this.#done || data.length === 0) return;
    if (this.#analyzer !== null) {
      this.#feed(fromOrig, data, ts);
      return;
    }
    this.#pending.push({ fromOrig, bytes: data.slice(), ts });
    this.#pendingBytes += data.length;
    const spec = this.#choose();
    if (spec === undefined) {
      if (this.#pendingBytes >= MAX_UNDECIDED_BYTES) this.#giveUp();
      return;
    }
    this.#start(spec);
    this.#onChosen?.(spec.name, ts);
  }

  gap(fromOrig: boolean, len: number): void {
    const a = this.#analyzer;
    if (a === null) {
      // Lost bytes before the protocol is known: what follows cannot be lined up with a first message.
      if (!this.#done) this.#giveUp();
      return;
    }
    if (this.#done || a.gap === undefined) return;
    try {
      a.gap(fromOrig, len);
    } catch {
      this.#fail();
    }
  }

  wants(fromOrig: boolean): boolean {
    if (this.#done) return false;
    return fromOrig ? this.#wantOrig : this.#wantResp;
  }

  end(ts: number): void {
    const a = this.#analyzer;
    if (a === null || this.#done) {
      this.#done = true;
      return;
    }
    try {
      a.end(ts);
    } catch {
      this.#countException();
    }
    this.#done = true;
  }

  // ---- AnalyzerContext (used by the inner analyzer) ----

  emit(event: PicketEvent): void {
    if (event.type === 'ssl' && event.inside === undefined) {
      const outer = this.#host.protocol;
      if (outer !== null) event.inside = outer;
    }
    this.#host.emit(event);
  }

  confirm(service: string): void {
    this.#confirmed = true;
    this.#host.confirm(service);
  }

  /** As FlowApp.anomaly: an inner protocol never confirmed stops being parsed at MAX_FLOW_ANOMALIES. */
  anomaly(code: string): void {
    const name = this.#spec?.name ?? 'tunnel';
    countAnomaly(this.#stats, name, code);
    if (++this.#anomalies === MAX_FLOW_ANOMALIES && !this.#confirmed) {
      this.#stats.abandoned[name] = (this.#stats.abandoned[name] ?? 0) + 1;
      this.#giveUp();
    }
  }

  expect(connection: ExpectedConnection): void {
    this.#host.expect?.(connection);
  }

  tunnel(onChosen?: TunnelChosen): TunnelledStream | null {
    if (this.#depth >= MAX_TUNNEL_DEPTH) return null;
    return new InnerStream(this, this.#registry, this.#stats, this.#depth + 1, onChosen);
  }

  // ---- internals ----

  /** The analyzer the kept bytes show: the originator's first bytes are asked first, as for a new connection. */
  #choose(): ProtocolSpec | undefined {
    const orig = this.#joined(true);
    if (orig !== null) {
      const s = this.#registry.byContent('tcp', orig, true);
      if (s !== undefined) return s;
    }
    const resp = this.#joined(false);
    return resp === null ? undefined : this.#registry.byContent('tcp', resp, false);
  }

  /** One direction's kept bytes as one array, or null when it sent none. */
  #joined(fromOrig: boolean): Uint8Array | null {
    let n = 0;
    let only: Uint8Array | null = null;
    for (const p of this.#pending) {
      if (p.fromOrig !== fromOrig) continue;
      n += p.bytes.length;
      only = only === null ? p.bytes : only;
    }
    if (n === 0) return null;
    if (only !== null && only.length === n) return only;
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of this.#pending) {
      if (p.fromOrig !== fromOrig) continue;
      out.set(p.bytes, at);
      at += p.bytes.length;
    }
    return out;
  }

  #start(spec: ProtocolSpec): void {
    this.#spec = spec;
    this.#stats.flows[spec.name] = (this.#stats.flows[spec.name] ?? 0) + 1;
    try {
      this.#analyzer = spec.create(this);
    } catch {
      this.#fail();
      return;
    }
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const p of pending) {
      if (this.#done) return;
      this.#feed(p.fromOrig, p.bytes, p.ts);
    }
  }

  #feed(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (fromOrig ? !this.#wantOrig : !this.#wantResp) return;
    const a = this.#analyzer!;
    try {
      a.data(fromOrig, data, ts);
      const wants = a.wants;
      if (wants !== undefined) {
        if (this.#wantOrig && !wants.call(a, true)) this.#wantOrig = false;
        if (this.#wantResp && !wants.call(a, false)) this.#wantResp = false;
      }
    } catch {
      this.#fail();
    }
  }

  #giveUp(): void {
    this.#done = true;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #fail(): void {
    this.#countException();
    this.#giveUp();
  }

  #countException(): void {
    const name = this.#spec?.name ?? 'tunnel';
    this.#stats.exceptions[name] = (this.#stats.exceptions[name] ?? 0) + 1;
  }
}
