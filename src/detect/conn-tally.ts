/**
 * Running tallies merged into one held alert (ports, connection outcomes),
 * kept per dedup key in a bounded LRU. A tally restarts when the engine no
 * longer holds an alert for its key, so evidence always describes exactly
 * the interval the alert covers.
 */
import { LruMap } from '../state/lru.js';
import type { AuthOutcome } from '../events/auth.js';

/** Ports listed per alert; the rest only counted. */
export const MAX_TALLY_PORTS = 64;

export interface ConnTally {
  ports: Set<number>;
  /** The listed ports by transport ("tcp", "udp", "icmp"), for messages. */
  byTransport: Map<string, Set<number>>;
  portsCount: number;
  connections: number;
  sessions: number;
  failed: number;
  /** Connections whose login succeeded / failed, where the protocol showed it (auth events). */
  logins: number;
  loginsFailed: number;
}

export class ConnTallies {
  readonly #map: LruMap<string, ConnTally>;

  constructor(maxKeys: number) {
    this.#map = new LruMap(maxKeys);
  }

  /** The tally for `key`, fresh when `fresh` (no alert held for it); `login` is the connection's auth outcome when known. */
  note(key: string, fresh: boolean, port: number, session: boolean, login?: AuthOutcome, transport = 'tcp'): ConnTally {
    let t = this.#map.get(key);
    if (t === undefined || fresh) {
      t = { ports: new Set(), byTransport: new Map(), portsCount: 0, connections: 0, sessions: 0, failed: 0, logins: 0, loginsFailed: 0 };
      this.#map.set(key, t);
    }
    if (login === 'success') t.logins++;
    else if (login === 'failure') t.loginsFailed++;
    if (!t.ports.has(port)) {
      t.portsCount++;
      if (t.ports.size < MAX_TALLY_PORTS) t.ports.add(port);
    }
    let listed = t.byTransport.get(transport);
    if (listed === undefined) t.byTransport.set(transport, (listed = new Set()));
    if (listed.size < MAX_TALLY_PORTS) listed.add(port);
    t.connections++;
    if (session) t.sessions++;
    else t.failed++;
    return t;
  }
}

/** "TCP 3389" or "TCP 22, 445 and 3389"; for ICMP the message types ("ICMP type 8"). */
export function portList(transport: string, ports: Set<number>): string {
  const list = [...ports].sort((a, b) => a - b);
  const upper = transport === 'icmp' ? (list.length === 1 ? 'ICMP type' : 'ICMP types') : transport.toUpperCase();
  if (list.length === 1) return `${upper} ${list[0]}`;
  return `${upper} ${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

/**
 * The ports of a tally by transport: "TCP 22 and 3389" for one transport
 * (as portList), "TCP 22, UDP 3389" for several (UDP 3389 is RDP's UDP
 * transport, not the TCP port).
 */
export function tallyPorts(t: ConnTally): string {
  const parts: string[] = [];
  for (const [transport, ports] of t.byTransport) parts.push(portList(transport, ports));
  return parts.join(', ');
}
