/**
 * The flow lookup table: open addressing with linear probing over ONE
 * interleaved Uint32Array, each entry holding the whole normalised key, its
 * hash and the flow number. A lookup touches one or two cache lines and
 * compares numbers only (string-keyed Maps were 10x slower at 200k flows in
 * our measurements). Deletion shifts later entries of the probe run back
 * (backward-shift deletion), so no tombstones build up under churn. The
 * table keeps each flow's entry position, so a flow's key can be read back
 * (for its ConnId and conn record) without a second copy.
 *
 * Key layout (KEY_WORDS words): [meta, ports, A0..A3, B0..B3] where meta is
 * IP protocol | family/one-way bits, ports is (portA << 16 | portB), and A/B
 * are the two endpoints' addresses ordered so both directions of a flow
 * produce the same key.
 */

/** Words of a normalised key. */
export const KEY_WORDS = 10;
/**
 * Words per table entry: the key, its hash, flow number + 1 (0 = empty
 * entry), and padding to 64 bytes so an entry never straddles two cache
 * lines (one memory access per probe).
 */
export const ENTRY_WORDS = 16;
const HASH_AT = 10;
const FLOW_AT = 11;
/** Offsets of the key fields inside an entry (and inside a key buffer). */
export const KEY_META = 0;
export const KEY_PORTS = 1;
export const KEY_ADDR_A = 2;
export const KEY_ADDR_B = 6;
/** Meta-word bit of an IPv6 key (the tracker sets it; see tracker.ts KEY_V6). */
export const KEY_META_V6 = 0x100;

/**
 * The table keeps at least this many entries per possible flow: at most 50%
 * load, where linear probing still averages under two probes per lookup.
 */
const ENTRIES_PER_FLOW = 2;

function pow2AtLeast(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}

export class FlowTable {
  /** Interleaved entries; read keys at `entryOffset(flow)`. */
  words: Uint32Array;
  /** Entries - 1 (entries is a power of two). */
  #mask: number;
  /** Entry position of each flow number, -1 when the flow is not in the table. */
  #pos: Int32Array;
  readonly #seed: number;
  /** Entry position left by the last `find` (the match, or where the key would go). */
  lastPos = 0;

  constructor(flowCapacity: number, seed: number) {
    const entries = pow2AtLeast(flowCapacity * ENTRIES_PER_FLOW);
    this.words = new Uint32Array(entries * ENTRY_WORDS);
    this.#mask = entries - 1;
    this.#pos = new Int32Array(flowCapacity).fill(-1);
    this.#seed = seed >>> 0;
  }

  /**
   * Hash of a key (the per-table seed keeps crafted collisions from being
   * portable). An IPv4 key has only four meaningful words (meta, ports and
   * one word per address; the rest are zero), so only those are mixed: the
   * IPv6 bit in the meta word keeps the two families apart.
   */
  hash(key: Uint32Array): number {
    const meta = key[KEY_META]!;
    let h = Math.imul(this.#seed ^ 0x9e3779b9 ^ meta, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h ^ key[KEY_PORTS]!, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h ^ key[KEY_ADDR_A]!, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h ^ key[KEY_ADDR_B]!, 0x85ebca6b);
    h ^= h >>> 15;
    if ((meta & KEY_META_V6) !== 0) {
      for (let i = 1; i < 4; i++) {
        h = Math.imul(h ^ key[KEY_ADDR_A + i]!, 0x85ebca6b);
        h ^= h >>> 15;
        h = Math.imul(h ^ key[KEY_ADDR_B + i]!, 0x85ebca6b);
        h ^= h >>> 15;
      }
    }
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** Flow number stored under `key`, or -1. Either way sets `lastPos`. */
  find(key: Uint32Array, hash: number): number {
    const w = this.words;
    const mask = this.#mask;
    let pos = hash & mask;
    for (;;) {
      const e = pos * ENTRY_WORDS;
      const flow = w[e + FLOW_AT]!;
      if (flow === 0) {
        this.lastPos = pos;
        return -1;
      }
      if (
        w[e + HASH_AT] === hash &&
        w[e] === key[0] &&
        w[e + 1] === key[1] &&
        w[e + 2] === key[2] &&
        w[e + 3] === key[3] &&
        w[e + 4] === key[4] &&
        w[e + 5] === key[5] &&
        w[e + 6] === key[6] &&
        w[e + 7] === key[7] &&
        w[e + 8] === key[8] &&
        w[e + 9] === key[9]
      ) {
        this.lastPos = pos;
        return flow - 1;
      }
      pos = (pos + 1) & mask;
    }
  }

  /** Stores `flow` under `key` at `pos`, an empty entry returned by `find` for this key. */
  insertAt(pos: number, key: Uint32Array, hash: number, flow: number): void {
    const w = this.words;
    const e = pos * ENTRY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) w[e + i] = key[i]!;
    w[e + HASH_AT] = hash;
    w[e + FLOW_AT] = flow + 1;
    this.#pos[flow] = pos;
  }

  /** Word offset of `flow`'s entry (its key starts there), or -1. */
  entryOffset(flow: number): number {
    const pos = this.#pos[flow]!;
    return pos < 0 ? -1 : pos * ENTRY_WORDS;
  }

  /** Removes `flow`, shifting the rest of its probe run back so lookups never cross a hole. */
  remove(flow: number): void {
    let hole = this.#pos[flow]!;
    if (hole < 0) return;
    this.#pos[flow] = -1;
    const w = this.words;
    const mask = this.#mask;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const ej = j * ENTRY_WORDS;
      const f = w[ej + FLOW_AT]!;
      if (f === 0) break;
      const home = w[ej + HASH_AT]! & mask;
      // The entry at j may move into the hole only if its home is not in (hole, j] (cyclically).
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRange) continue;
      const eh = hole * ENTRY_WORDS;
      for (let i = 0; i < ENTRY_WORDS; i++) w[eh + i] = w[ej + i]!;
      this.#pos[f - 1] = hole;
      hole = j;
    }
    const eh = hole * ENTRY_WORDS;
    for (let i = 0; i < ENTRY_WORDS; i++) w[eh + i] = 0;
  }

  /** Rebuilds for a larger flow capacity (amortised: capacity doubles). */
  grow(flowCapacity: number): void {
    const old = this.words;
    const entries = pow2AtLeast(flowCapacity * ENTRIES_PER_FLOW);
    const pos = new Int32Array(flowCapacity).fill(-1);
    if (entries * ENTRY_WORDS > old.length) {
      const w = new Uint32Array(entries * ENTRY_WORDS);
      const mask = entries - 1;
      for (let e = 0; e < old.length; e += ENTRY_WORDS) {
        const f = old[e + FLOW_AT]!;
        if (f === 0) continue;
        let p = old[e + HASH_AT]! & mask;
        while (w[p * ENTRY_WORDS + FLOW_AT] !== 0) p = (p + 1) & mask;
        const d = p * ENTRY_WORDS;
        for (let i = 0; i < ENTRY_WORDS; i++) w[d + i] = old[e + i]!;
        pos[f - 1] = p;
      }
      this.words = w;
      this.#mask = mask;
    } else {
      pos.set(this.#pos);
    }
    this.#pos = pos;
  }

  /** Bytes held (for memory reports). */
  get byteLength(): number {
    return this.words.byteLength + this.#pos.byteLength;
  }
}
