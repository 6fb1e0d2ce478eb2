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

  /**
   * The addresses of a host list whose entries are configured network names
   * (every CIDR of the network) or CIDRs. An entry that is neither is left
   * out and passed to `unknown` with its index.
   */
  hostSet(entries: readonly string[], unknown?: (text: string, index: number) => void): CidrSet {
    const set = new CidrSet();
    for (let i = 0; i < entries.length; i++) {
      const text = entries[i]!;
      const net = this.#byName.get(text);
      if (net !== undefined) {
        for (const c of net.cidrs) {
          const cidr = parseCidr(c);
          if (typeof cidr !== 'string') set.add(cidr);
        }
        continue;
      }
      const cidr = parseCidr(text);
      if (typeof cidr === 'string') unknown?.(text, i);
      else set.add(cidr);
    }
    return set;
  }

  /** Configured network, or private/loopback/link-local/CGNAT/multicast/ULA. */
  isInternal(ip: string): boolean {
    return this.#table.lookup(ip) !== undefined || this.#builtin.has(ip);
  }
}
