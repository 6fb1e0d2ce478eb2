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
  note(key: string, fresh: boolean, port: number, session: boolean, login?: AuthOutcome): ConnTally {
    let t = this.#map.get(key);
    if (t === undefined || fresh) {
      t = { ports: new Set(), portsCount: 0, connections: 0, sessions: 0, failed: 0, logins: 0, loginsFailed: 0 };
      this.#map.set(key, t);
    }
    if (login === 'success') t.logins++;
    else if (login === 'failure') t.loginsFailed++;
    if (!t.ports.has(port)) {
      t.portsCount++;
      if (t.ports.size < MAX_TALLY_PORTS) t.ports.add(port);
    }
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
