/**
 * tunnel.log: which tunnels carried traffic, between which endpoints, as
 * Zeek's tunnel.log reports them (a line when a tunnel is first seen,
 * "Tunnel::DISCOVER", and one when it ends, "Tunnel::CLOSE" at the end of
 * the capture or "Tunnel::EXPIRE" after an hour of packet time without a
 * packet), plus the tunnel's id and the packets it carried.
 *
 * A tunnel is its kind, its id (VNI, GRE key, ERSPAN session) and its pair
 * of endpoint addresses. UDP tunnels' source ports are not part of it:
 * VXLAN and Geneve senders pick one per inner flow, and one mirror session
 * would otherwise be a tunnel per connection inside it. The ports of the
 * first packet are logged. A PPTP call id and a GTP-U TEID name the
 * receiving end, so each direction has its own (PPTP peers put each other's
 * call id in their GRE headers; a GTP bearer has an uplink and a downlink
 * TEID, and a gateway link carries thousands of bearers): those tunnels are
 * their kind and addresses only, as Zeek's tunnel.log has them (by their
 * endpoints, not by call id or TEID), and their lines give the id of their
 * first packet (each connection's own is in conn.jsonl).
 *
 * Work is done only for packets that came out of a tunnel, and a run of
 * packets through the same tunnel (a mirror feed: all of them) costs a
 * comparison of numbers, no string.
 */
import type { DecodedPacket } from '../decode/decoded.js';
import { ipv4ToString, ipv6ToString } from '../decode/addr.js';
import { TUNNEL_NAMES, TunnelKind } from '../decode/tunnel.js';
import { makeUid } from './uid.js';

/** Seconds of packet time without a packet after which a tunnel is reported gone (Zeek's Tunnel::expiration_interval). */
export const TUNNEL_EXPIRY = 3600;
/** Tunnels tracked at once; past it the one idle longest is reported expired and forgotten. */
export const MAX_TUNNELS = 10000;

/** Mixed into the flows' uid seed for tunnel uids ("tunl"), so a tunnel's uid is never a connection's. */
const TUNNEL_UID_SALT = 0x74756e6c;

/** The uid seed of tunnels, from the flows' (conn.jsonl's tunnel_parents are made with it too). */
export function tunnelUidSeed(flowSeed: number): number {
  return (flowSeed ^ TUNNEL_UID_SALT) >>> 0;
}

/**
 * Zeek's tunnel types, by TunnelKind: ERSPAN and PPTP are its GRE; VXLAN-GPE,
 * which Zeek does not decapsulate, is given VXLAN's.
 */
const ZEEK_TYPES: readonly string[] = [
  '',
  'Tunnel::IP',
  'Tunnel::GRE',
  'Tunnel::GRE',
  'Tunnel::VXLAN',
  'Tunnel::GENEVE',
  'Tunnel::TEREDO',
  'Tunnel::GTPv1',
  'Tunnel::AYIYA',
  'Tunnel::GRE',
  'Tunnel::VXLAN',
];

export type TunnelAction = 'Tunnel::DISCOVER' | 'Tunnel::CLOSE' | 'Tunnel::EXPIRE';

/** One tunnel.jsonl line. */
export interface TunnelRecord {
  ts: number;
  /** The tunnel's own id (not a connection's): the same on its DISCOVER and its CLOSE or EXPIRE line. */
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  /** Zeek's name ("Tunnel::VXLAN"; ERSPAN and PPTP are "Tunnel::GRE", as Zeek calls them; VXLAN-GPE "Tunnel::VXLAN"). */
  tunnel_type: string;
  action: TunnelAction;
  /** Picket's kind: "ip", "gre", "erspan", "pptp", "vxlan", "vxlan_gpe", "geneve", "gtpv1", "teredo", "ayiya" (conn.jsonl's `tunnel`). */
  kind: string;
  /** VNI, GRE key, ERSPAN session id, GTP TEID or PPTP call id (of the first packet), when the tunnel has one. */
  tunnel_id?: number;
  /** Packets taken out of it (on the CLOSE and EXPIRE lines). */
  packets?: number;
}

export interface TunnelEvent {
  type: 'tunnel';
  log: 'tunnel';
  ts: number;
  uid: string;
  record: TunnelRecord;
}

interface TunnelState {
  key: string;
  /** What the uid is made from (a flow's tunnel_parents are made from it too). */
  number: number;
  uid: string;
  first: TunnelRecord;
  last: number;
  packets: number;
}

/** Numbers identifying a tunnel: kind, id, v6 flag and both addresses. */
const KEY_WORDS = 11;

export class TunnelTable {
  readonly #emit: (e: TunnelEvent) => void;
  readonly #seed: number;
  #number: number;
  readonly #step: number;
  /** Insertion order is refreshed on use, so the first entry is the one idle longest. */
  readonly #tunnels = new Map<string, TunnelState>();
  /** The previous packet's tunnel, to skip the key for a run of packets through one tunnel. */
  readonly #lastKey = new Float64Array(KEY_WORDS);
  #last: TunnelState | null = null;
  /** Tunnels forgotten early to stay within MAX_TUNNELS. */
  evicted = 0;

  /** `flowSeed` (the flows' uid seed), `first` and `step`: the uid numbering (disjoint per pipeline thread, as flows'). */
  constructor(emit: (e: TunnelEvent) => void, flowSeed: number, first = 0, step = 1) {
    this.#emit = emit;
    this.#seed = tunnelUidSeed(flowSeed);
    this.#number = first;
    this.#step = step;
  }

  get size(): number {
    return this.#tunnels.size;
  }

  /** A packet `d` that came out of a tunnel (`d.tunnel` set): counted, and `d.tunnelParent` set to its tunnel's number. */
  packet(d: DecodedPacket): void {
    const k = this.#lastKey;
    const s = d.tunnelSrc;
    const t = d.tunnelDst;
    // Direction-free: the smaller address first.
    const swap = lessThan(t, s);
    const a = swap ? t : s;
    const b = swap ? s : t;
    // A PPTP call id or GTP TEID is the receiver's, one per direction: not part of the key.
    const id = d.tunnel === TunnelKind.PPTP || d.tunnel === TunnelKind.GTPV1 ? -1 : d.tunnelId;
    let same = this.#last !== null && k[0] === d.tunnel && k[1] === id && k[2] === (d.tunnelV6 ? 1 : 0);
    for (let i = 0; i < 4 && same; i++) same = k[3 + i] === a[i] && k[7 + i] === b[i];
    let state = this.#last;
    if (!same || state === null) {
      k[0] = d.tunnel;
      k[1] = id;
      k[2] = d.tunnelV6 ? 1 : 0;
      for (let i = 0; i < 4; i++) {
        k[3 + i] = a[i]!;
        k[7 + i] = b[i]!;
      }
      const key = k.join(',');
      state = this.#tunnels.get(key) ?? null;
      if (state === null) state = this.#discover(key, d);
      else {
        // Refresh its place in the idle order.
        this.#tunnels.delete(key);
        this.#tunnels.set(key, state);
      }
      this.#last = state;
    }
    state.last = d.ts;
    state.packets++;
    d.tunnelParent = state.number;
  }

  /** Reports and forgets the tunnels idle for TUNNEL_EXPIRY at packet time `now`. */
  expire(now: number): void {
    // Entries are in order of last use (a run's tunnel is moved to the end when the run starts, and
    // runs do not overlap), so the idle ones are at the front.
    for (const state of this.#tunnels.values()) {
      if (now - state.last < TUNNEL_EXPIRY) break;
      this.#end(state, 'Tunnel::EXPIRE', state.last);
    }
  }

  /** End of input: every tunnel still known gets its CLOSE line at its last packet. */
  closeAll(): void {
    for (const state of [...this.#tunnels.values()]) this.#end(state, 'Tunnel::CLOSE', state.last);
  }

  #discover(key: string, d: DecodedPacket): TunnelState {
    if (this.#tunnels.size >= MAX_TUNNELS) {
      const oldest = this.#tunnels.values().next().value as TunnelState;
      this.#end(oldest, 'Tunnel::EXPIRE', oldest.last);
      this.evicted++;
    }
    const number = this.#number;
    const uid = makeUid(this.#seed, number);
    this.#number += this.#step;
    const addr = (w: Uint32Array): string => (d.tunnelV6 ? ipv6ToString(w) : ipv4ToString(w[0]!));
    const record: TunnelRecord = {
      ts: d.ts,
      uid,
      'id.orig_h': addr(d.tunnelSrc),
      'id.orig_p': d.tunnelSrcPort,
      'id.resp_h': addr(d.tunnelDst),
      'id.resp_p': d.tunnelDstPort,
      tunnel_type: ZEEK_TYPES[d.tunnel] ?? 'Tunnel::NONE',
      action: 'Tunnel::DISCOVER',
      kind: TUNNEL_NAMES[d.tunnel] ?? String(d.tunnel),
    };
    if (d.tunnelId >= 0) record.tunnel_id = d.tunnelId;
    const state: TunnelState = { key, number, uid, first: record, last: d.ts, packets: 0 };
    this.#tunnels.set(key, state);
    this.#emit({ type: 'tunnel', log: 'tunnel', ts: d.ts, uid, record });
    return state;
  }

  #end(state: TunnelState, action: TunnelAction, ts: number): void {
    this.#tunnels.delete(state.key);
    if (this.#last === state) this.#last = null;
    const record: TunnelRecord = { ...state.first, ts, action, packets: state.packets };
    this.#emit({ type: 'tunnel', log: 'tunnel', ts, uid: state.uid, record });
  }
}

/** Address order over four words (an IPv4 address has only the first). */
function lessThan(x: Uint32Array, y: Uint32Array): boolean {
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return false;
}
