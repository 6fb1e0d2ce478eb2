/**
 * The TorIndex detectors ask: relays by address. Records of one relay at one
 * address from several documents (a consensus and an exit list both naming
 * it) are merged into one entry — flags united, ports taken from whichever
 * document has them, an exit if any says so, every source named — keyed by
 * fingerprint (or nickname when a document has no fingerprint). IPv4 keys
 * are numbers, so a lookup parses the address into a scratch array and
 * allocates nothing.
 */
import type { TorIndex, TorRelay } from '../context.js';
import { isNat64, parseIpInto } from '../../config/ip.js';
import { v6Text } from '../store/indicator.js';
import type { TorRelayRecord } from './relay.js';

export interface SourceRelays {
  source: string;
  relays: readonly TorRelayRecord[];
}

export class TorRelayIndex implements TorIndex {
  readonly #v4 = new Map<number, TorRelay[]>();
  readonly #v6 = new Map<string, TorRelay[]>();
  readonly #scratch = new Uint32Array(4);
  #relays = 0;
  #exits = 0;

  static build(sources: readonly SourceRelays[]): TorRelayIndex {
    const idx = new TorRelayIndex();
    for (const s of sources) for (const r of s.relays) idx.add(s.source, r);
    return idx;
  }

  /** Relay entries (one per relay and address). */
  get size(): number {
    return this.#relays;
  }

  /** Entries that are exits. */
  get exits(): number {
    return this.#exits;
  }

  private add(source: string, r: TorRelayRecord): void {
    const w = this.#scratch;
    const v = parseIpInto(r.address, w);
    if (v === 0) return;
    let list: TorRelay[] | undefined;
    if (v === 4) {
      list = this.#v4.get(w[0]!);
      if (list === undefined) this.#v4.set(w[0]!, (list = []));
    } else {
      const key = v6Text(w);
      list = this.#v6.get(key);
      if (list === undefined) this.#v6.set(key, (list = []));
    }
    const same = list.find((x) =>
      r.fingerprint !== undefined && x.fingerprint !== undefined
        ? x.fingerprint === r.fingerprint
        : r.fingerprint === undefined && x.fingerprint === undefined && x.nickname === r.nickname,
    );
    if (same === undefined) {
      const t: TorRelay = { flags: [...r.flags], exit: r.exit, source };
      if (r.nickname !== undefined) t.nickname = r.nickname;
      if (r.fingerprint !== undefined) t.fingerprint = r.fingerprint;
      if (r.or_port !== undefined) t.or_port = r.or_port;
      if (r.dir_port !== undefined) t.dir_port = r.dir_port;
      list.push(t);
      this.#relays++;
      if (t.exit) this.#exits++;
      return;
    }
    for (const f of r.flags) if (!same.flags.includes(f)) same.flags.push(f);
    if (same.nickname === undefined && r.nickname !== undefined) same.nickname = r.nickname;
    if (same.or_port === undefined && r.or_port !== undefined) same.or_port = r.or_port;
    if (same.dir_port === undefined && r.dir_port !== undefined) same.dir_port = r.dir_port;
    if (r.exit && !same.exit) {
      same.exit = true;
      this.#exits++;
    }
    if (!same.source.split(', ').includes(source)) same.source += `, ${source}`;
  }

  lookup(ip: string): TorRelay[] | undefined {
    const w = this.#scratch;
    const v = parseIpInto(ip, w);
    if (v === 4) return this.#v4.get(w[0]!);
    if (v === 6) return this.#v6.get(v6Text(w)) ?? (isNat64(w) ? this.#v4.get(w[3]!) : undefined);
    return undefined;
  }
}
