/**
 * The site's networks as detectors need them: which configured network holds
 * an address (longest prefix wins, so a /28 inside a /24 can have its own
 * role) and whether an address is internal (configured, or one of the
 * built-in private/special ranges; documentation ranges count as public).
 */
import { BUILTIN_INTERNAL_CIDRS, CidrSet, CidrTable, parseCidr } from './cidr.js';

export type NetworkRole = 'server' | 'workstation' | 'admin' | 'isolated' | 'guest' | 'other';

export interface NetworkConfig {
  readonly name: string;
  readonly cidrs: readonly string[];
  readonly role: NetworkRole;
  readonly new_device_alerts: boolean;
  readonly description?: string | undefined;
}

export class Site {
  readonly networks: readonly NetworkConfig[];
  readonly #table = new CidrTable<NetworkConfig>();
  readonly #builtin = CidrSet.of(BUILTIN_INTERNAL_CIDRS);
  readonly #byName = new Map<string, NetworkConfig>();

  constructor(networks: readonly NetworkConfig[]) {
    this.networks = networks;
    for (const n of networks) {
      this.#byName.set(n.name, n);
      for (const text of n.cidrs) {
        const c = parseCidr(text);
        if (typeof c !== 'string') this.#table.add(c, n);
      }
    }
  }

  /** The configured network holding `ip` (most specific), or undefined. */
  networkOf(ip: string): NetworkConfig | undefined {
    return this.#table.lookup(ip);
  }

  network(name: string): NetworkConfig | undefined {
    return this.#byName.get(name);
  }

  /** Configured network, or private/loopback/link-local/CGNAT/multicast/ULA. */
  isInternal(ip: string): boolean {
    return this.#table.lookup(ip) !== undefined || this.#builtin.has(ip);
  }
}
