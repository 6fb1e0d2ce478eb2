/**
 * The contract between the pipeline and application-protocol parsers.
 *
 * A protocol registers one `ProtocolSpec`. For each flow whose traffic it
 * claims (by port, or by `probe` on the first payload bytes), the pipeline
 * creates one `Analyzer` and feeds it: UDP datagrams one by one, TCP as an
 * in-order byte stream per direction (reassembled by `src/flows/reassembly`).
 * The analyzer reports what it understood through `ctx.emit` as typed events;
 * it never knows who listens (logs, detectors, the store).
 *
 * Rules for analyzers:
 * - Never throw: malformed input is reported with `ctx.anomaly` and skipped.
 * - `data` views are valid only during the call; copy what you keep.
 * - State is bounded (named constants); flush pending transactions in `end`.
 */
import type { ConnId } from '../events/conn-id.js';
import type { PicketEvent } from '../events/types.js';

export type Transport = 'tcp' | 'udp';

export interface AnalyzerContext {
  /** The connection this analyzer serves. */
  readonly conn: ConnId;
  /** Publish an event (logs, detectors and the store subscribe downstream). */
  emit(event: PicketEvent): void;
  /** Mark the connection's `service` (conn.log) once the protocol is confirmed. */
  confirm(service: string): void;
  /** Count a protocol anomaly (malformed message, limit hit); never throws. */
  anomaly(code: string): void;
  /**
   * Announce a connection this one has negotiated (an FTP data channel):
   * the next TCP connection to its responder address and port, from its
   * originator when given, goes to `spec`'s analyzer whatever its port or
   * content. Absent where no pipeline runs (analyzers fed directly).
   */
  expect?(connection: ExpectedConnection): void;
  /**
   * The rest of this connection carries another protocol in both directions
   * (an HTTP CONNECT tunnel, a STARTTLS upgrade): returns the stream to feed
   * those bytes to. The pipeline picks its analyzer by content, as for a new
   * connection; its events carry this connection's id and its protocol joins
   * conn.log `service`. Absent, or null, where no pipeline runs or tunnels
   * are nested too deep. `onChosen` is told the inner analyzer's name once
   * content has chosen it, with the time of the bytes that decided, after
   * they were fed to it (the outer analyzer's event naming what its tunnel
   * carries).
   */
  tunnel?(onChosen?: TunnelChosen): TunnelledStream | null;
}

/** Told once the content of a tunnel chose its analyzer (AnalyzerContext.tunnel). */
export type TunnelChosen = (protocol: string, ts: number) => void;

/** The inner protocol of a connection (AnalyzerContext.tunnel), fed by the outer analyzer. */
export interface TunnelledStream {
  /** The next in-order bytes of one direction of the inner protocol. */
  data(fromOrig: boolean, data: Uint8Array, ts: number): void;
  /** `len` bytes of that direction were lost. */
  gap(fromOrig: boolean, len: number): void;
  /** False once the inner analyzer needs no more of that direction (or none was found). */
  wants(fromOrig: boolean): boolean;
  /** The connection ended. */
  end(ts: number): void;
}

/** A connection announced by another one's analyzer (AnalyzerContext.expect). */
export interface ExpectedConnection {
  /** Its transport (default TCP: FTP data channels; UDP: a TFTP transfer's own ports). */
  transport?: Transport;
  /** The address that will open it; undefined: any. */
  orig_h?: string;
  resp_h: string;
  resp_p: number;
  /**
   * Another responder address it may open to instead, on the same port: a
   * server behind NAT announces its inside address, and clients then use
   * the one they reached it at. Whichever opens first uses both up.
   */
  also_resp_h?: string;
  /** The analyzer it gets. */
  spec: ProtocolSpec;
  /** Packet time after which it is no longer expected. */
  until: number;
}

export interface Analyzer {
  /**
   * TCP: the next in-order bytes of one direction. UDP: one whole datagram.
   * `ts` is the packet time of the segment/datagram that completed the data.
   */
  data(fromOrig: boolean, data: Uint8Array, ts: number): void;
  /** TCP only: `len` bytes of this direction will never arrive (capture loss). */
  gap?(fromOrig: boolean, len: number): void;
  /** The connection ended (or the capture did): flush what is pending. */
  end(ts: number): void;
  /**
   * Return false once the analyzer needs no more data in that direction
   * (e.g. TLS after the handshake); the pipeline then stops reassembling it.
   */
  wants?(fromOrig: boolean): boolean;
}

export interface ProtocolSpec {
  /** Analyzer name; also the `service` value in conn.log (e.g. "dns", "http", "ssl"). */
  name: string;
  transports: readonly Transport[];
  /** Well-known server ports: traffic to these is offered to the analyzer first. */
  ports: readonly number[];
  /**
   * Content recognition for traffic on other ports: called with the first
   * payload bytes the originator sent (`fromOrig` true) or, failing that, the
   * responder. Return true to claim the flow. Must be cheap and never throw.
   */
  probe?(data: Uint8Array, fromOrig: boolean, transport: Transport): boolean;
  /**
   * An unmistakable first message (an HTTP request line): the flow goes to
   * this analyzer even on a port registered to another one, when that
   * analyzer's own probe does not recognise the bytes (plain HTTP on 443,
   * 8443, 21 or 3389 is still HTTP). Stricter than `probe`; must be cheap
   * and never throw.
   */
  claims?(data: Uint8Array, fromOrig: boolean, transport: Transport): boolean;
  create(ctx: AnalyzerContext): Analyzer;
}
