/**
 * Chooses the protocol analyzer for a flow: first by the server port of the
 * packet, then by asking each content probe about the first payload bytes.
 * A port's analyzer gives way to one that `claims` the first bytes
 * (unmistakably its protocol) when its own probe does not recognise them.
 */
import type { ProtocolSpec, Transport } from '../protocols/analyzer.js';

export class ProtocolRegistry {
  readonly specs: readonly ProtocolSpec[];
  readonly #tcpPorts = new Map<number, ProtocolSpec>();
  readonly #udpPorts = new Map<number, ProtocolSpec>();
  readonly #tcpProbes: ProtocolSpec[] = [];
  readonly #udpProbes: ProtocolSpec[] = [];
  readonly #tcpClaims: ProtocolSpec[] = [];
  readonly #udpClaims: ProtocolSpec[] = [];

  constructor(specs: readonly ProtocolSpec[]) {
    this.specs = specs;
    for (const spec of specs) {
      for (const transport of spec.transports) {
        const ports = transport === 'tcp' ? this.#tcpPorts : this.#udpPorts;
        for (const port of spec.ports) if (!ports.has(port)) ports.set(port, spec);
        if (spec.probe !== undefined) (transport === 'tcp' ? this.#tcpProbes : this.#udpProbes).push(spec);
        if (spec.claims !== undefined) (transport === 'tcp' ? this.#tcpClaims : this.#udpClaims).push(spec);
      }
    }
  }

  get empty(): boolean {
    return this.specs.length === 0;
  }

  /** The analyzer registered for a port pair (destination port first), or undefined. */
  byPort(transport: Transport, dstPort: number, srcPort: number): ProtocolSpec | undefined {
    const ports = transport === 'tcp' ? this.#tcpPorts : this.#udpPorts;
    return ports.get(dstPort) ?? ports.get(srcPort);
  }

  /**
   * The analyzer for a flow whose port chose `portSpec`: another analyzer
   * that `claims` these first bytes when `portSpec`'s own probe does not
   * recognise them (HTTP spoken on a TLS, FTP or RDP port), else `portSpec`.
   */
  overPort(transport: Transport, portSpec: ProtocolSpec, data: Uint8Array, fromOrig: boolean): ProtocolSpec {
    const claims = transport === 'tcp' ? this.#tcpClaims : this.#udpClaims;
    for (let i = 0; i < claims.length; i++) {
      const spec = claims[i]!;
      if (spec === portSpec) continue;
      try {
        if (!spec.claims!(data, fromOrig, transport)) continue;
        if (portSpec.probe !== undefined && portSpec.probe(data, fromOrig, transport)) return portSpec;
        return spec;
      } catch {
        // As for probes: a bug here must not stop the capture.
      }
    }
    return portSpec;
  }

  /**
   * Whether another analyzer might still claim a flow from `portSpec` once
   * more bytes arrive: `portSpec`'s own probe rejects these bytes, and a
   * claiming analyzer's probe accepts them although its `claims` cannot yet
   * (an HTTP request line cut short on a TLS port).
   */
  mayClaim(transport: Transport, portSpec: ProtocolSpec, data: Uint8Array, fromOrig: boolean): boolean {
    try {
      if (portSpec.probe === undefined || portSpec.probe(data, fromOrig, transport)) return false;
    } catch {
      return false;
    }
    const claims = transport === 'tcp' ? this.#tcpClaims : this.#udpClaims;
    for (let i = 0; i < claims.length; i++) {
      const spec = claims[i]!;
      if (spec === portSpec || spec.probe === undefined) continue;
      try {
        if (spec.probe(data, fromOrig, transport) && !spec.claims!(data, fromOrig, transport)) return true;
      } catch {
        // As for probes.
      }
    }
    return false;
  }

  /** The first analyzer whose probe claims these bytes, or undefined. A probe that throws is skipped. */
  byContent(transport: Transport, data: Uint8Array, fromOrig: boolean): ProtocolSpec | undefined {
    const probes = transport === 'tcp' ? this.#tcpProbes : this.#udpProbes;
    for (let i = 0; i < probes.length; i++) {
      const spec = probes[i]!;
      try {
        if (spec.probe!(data, fromOrig, transport)) return spec;
      } catch {
        // A probe bug must not stop the capture; the next probe gets its chance.
      }
    }
    return undefined;
  }
}
