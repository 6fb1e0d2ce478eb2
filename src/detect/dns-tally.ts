/**
 * Per-client DNS tallies for the DNS volume rules: queries by type, NXDOMAIN
 * answers and distinct names, since the start of the client's current burst
 * (restarted when the client was idle for a whole window). Bounded by an LRU
 * of clients and a cap on distinct names, and swept in packet time: a
 * client idle for two windows is dropped (its next query would restart the
 * tally anyway; the second window allows for records that arrive out of
 * time order). Without the sweep a long-running sensor kept the tallies of
 * every client it had ever seen, up to the caps. Also the query filter, the
 * finding (keyed by client) and the message and evidence parts those rules
 * share.
 */
import { formatCount, type Evidence } from '../alerts/alert.js';
import { LruMap } from '../state/lru.js';
import { cutText } from '../util/cut-text.js';
import type { DetectorContext, Finding } from './detector.js';
import type { DnsRecord } from '../protocols/dns/events.js';
import type { Burst } from './burst.js';

/** Distinct query names counted per client burst (enough to tell enumeration from chatter). */
export const MAX_NAMES_PER_CLIENT = 10000;
/**
 * Distinct names held across all clients (~100 bytes each: ~50 MB). Without
 * it, the per-client cap times the client bound would allow hundreds of
 * millions of names (say, many hosts of a network each enumerating
 * subdomains). Past it, new names are not kept and the client's count is
 * reported as a lower bound ("N+"), as at the per-client cap.
 */
export const MAX_NAMES_TOTAL = 500_000;
/**
 * Longest name kept (cut, into a string of its own). Names are at most 253
 * characters on the wire, but a binary label is written with escapes (over
 * 1,000 characters); cut, the budget above stays near its 50 MB.
 */
const MAX_NAME_LENGTH = 255;
/** Names listed in an alert's evidence as a sample. */
const MAX_LISTED_NAMES = 20;

export interface DnsTally {
  byType: Map<string, number>;
  nxdomain: number;
  names: Set<string>;
  /** Names beyond MAX_NAMES_PER_CLIENT were not counted as distinct. */
  namesCapped: boolean;
  /** The newest query time noted. */
  last: number;
}

/** How often (in idle spans) tallies are swept. */
const SWEEP_FRACTION = 0.25;

export class DnsTallies {
  readonly #map: LruMap<string, DnsTally>;
  readonly #maxNames: number;
  readonly #idle: number;
  /** Names held by all tallies. */
  #names = 0;
  #nextSweep = -Infinity;

  /** `idle`: seconds of packet time after which a client's tally is dropped (the rule's window, twice). */
  constructor(maxClients: number, idle: number, maxNames = MAX_NAMES_TOTAL) {
    this.#map = new LruMap(maxClients, (_client, t) => {
      this.#names -= t.names.size;
    });
    this.#maxNames = maxNames;
    this.#idle = idle;
  }

  /** Clients with a tally. */
  get size(): number {
    return this.#map.size;
  }

  /** Distinct names held across all clients. */
  get namesHeld(): number {
    return this.#names;
  }

  /** A query of `client` at `ts`; `restart`: the client's burst starts over with it. */
  note(client: string, restart: boolean, qtype: string, query: string | undefined, nxdomain: boolean, ts: number): DnsTally {
    if (ts >= this.#nextSweep) this.#sweep(ts);
    let t = this.#map.get(client);
    if (t === undefined || restart) {
      if (t !== undefined) this.#names -= t.names.size;
      t = { byType: new Map(), nxdomain: 0, names: new Set(), namesCapped: false, last: ts };
      this.#map.set(client, t);
    }
    if (ts > t.last) t.last = ts;
    t.byType.set(qtype, (t.byType.get(qtype) ?? 0) + 1);
    if (nxdomain) t.nxdomain++;
    const name = query === undefined ? undefined : cutText(query, MAX_NAME_LENGTH);
    if (name !== undefined && !t.names.has(name)) {
      if (t.names.size < MAX_NAMES_PER_CLIENT && this.#names < this.#maxNames) {
        t.names.add(name);
        this.#names++;
      } else {
        t.namesCapped = true;
      }
    }
    return t;
  }

  /** Drops the tallies of clients idle for `idle` seconds. */
  #sweep(ts: number): void {
    this.#nextSweep = ts + this.#idle * SWEEP_FRACTION;
    const cutoff = ts - this.#idle;
    this.#map.prune((_client, t) => {
      if (t.last > cutoff) return false;
      this.#names -= t.names.size;
      return true;
    });
  }
}

/** "N different names" for alert messages ("N+" once the distinct-name cap was reached). */
export function namesText(t: DnsTally): string {
  return `${formatCount(t.names.size)}${t.namesCapped ? '+' : ''} different names`;
}

/** The evidence fields every DNS volume rule reports, in their order. */
export function tallyEvidence(t: DnsTally): { by_type: { [k: string]: number }; nxdomain: number; distinct_names: number; names_sample: string[] } {
  return {
    by_type: typeCounts(t),
    nxdomain: t.nxdomain,
    distinct_names: t.names.size,
    names_sample: [...t.names].slice(0, MAX_LISTED_NAMES),
  };
}

/** Evidence form of the per-type counts. */
export function typeCounts(t: DnsTally): { [k: string]: number } {
  const out: { [k: string]: number } = {};
  for (const [k, v] of t.byType) out[k] = v;
  return out;
}

/**
 * True when a query (of a type the rule watches) counts for a DNS volume
 * rule: sent to one of its DNS `ports` by a client that is not excluded.
 * The DNS rules judge the asking client, so `exclude` names clients only:
 * a resolver listed there stops counting for the queries it forwards
 * upstream, while its own clients' queries to it still count.
 */
export function countedQuery(r: DnsRecord, ports: ReadonlySet<number>, ctx: Pick<DetectorContext<unknown>, 'excluded'>): boolean {
  return ports.has(r['id.resp_p']) && !ctx.excluded(r['id.orig_h']);
}

/** A DNS volume rule's finding for `r`'s client, keyed by the client, counting and dated as burst `b` says. */
export function clientFinding(r: DnsRecord, b: Burst, message: string, evidence: Evidence): Finding {
  const client = r['id.orig_h'];
  return {
    ts: r.ts,
    key: client,
    source: { ip: client, port: r['id.orig_p'] },
    destination: { ip: r['id.resp_h'], port: r['id.resp_p'] },
    transport: r.proto,
    count: b.count,
    firstSeen: b.first,
    message,
    evidence,
  };
}
