/**
 * CIDR blocks and fast matchers. `CidrTable<T>` answers "which entry holds
 * this address" by longest prefix; `CidrSet` is the yes/no version used for
 * exclusion lists and suppression rules. Lists in a site config are short
 * (tens of entries), so a linear scan over packed Uint32Arrays beats a trie
 * and allocates nothing per lookup.
 */
import { parseIpInto } from './ip.js';

export interface Cidr {
  v: 4 | 6;
  /** Network address words (v4: one word; v6: four), host bits zero. */
  words: Uint32Array;
  prefix: number;
  /** Canonical text as written by the user, e.g. "10.77.1.0/24". */
  text: string;
}

/** Why a CIDR text was refused, phrased to follow the quoted value in an error. */
export type CidrError = 'is not a CIDR' | `has host bits set (did you mean ${string}?)`;

function maskWord(prefixBits: number): number {
  if (prefixBits <= 0) return 0;
  if (prefixBits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - prefixBits)) >>> 0;
}

/** Parses "a.b.c.d/n", "v6/n" or a bare address (a host route). */
export function parseCidr(text: string): Cidr | CidrError {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const words = new Uint32Array(4);
  const v = parseIpInto(addr, words);
  if (v === 0) return 'is not a CIDR';
  const max = v === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return 'is not a CIDR';
    prefix = Number(p);
    if (prefix > max) return 'is not a CIDR';
  }
  const n = v === 4 ? 1 : 4;
  let hostBits = false;
  for (let i = 0; i < n; i++) {
    const m = maskWord(prefix - 32 * i);
    if (((words[i]! & ~m) >>> 0) !== 0) hostBits = true;
    words[i] = (words[i]! & m) >>> 0;
  }
  const net = v === 4 ? words.slice(0, 1) : words;
  if (hostBits) return `has host bits set (did you mean ${formatNet(v, net)}/${prefix}?)`;
  return { v, words: net, prefix, text };
}

function formatNet(v: 4 | 6, words: Uint32Array): string {
  if (v === 4) {
    const x = words[0]!;
    return `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < 4; i++) parts.push((words[i]! >>> 16).toString(16), (words[i]! & 0xffff).toString(16));
  return parts.join(':');
}

/** Longest-prefix lookup table from CIDR to a value. */
export class CidrTable<T> {
  /** v4 entries: [net, mask] pairs. */
  #v4 = new Uint32Array(0);
  #v4Prefix: number[] = [];
  #v4Values: T[] = [];
  /** v6 entries: [w0..w3, m0..m3] per entry. */
  #v6 = new Uint32Array(0);
  #v6Prefix: number[] = [];
  #v6Values: T[] = [];
  readonly #scratch = new Uint32Array(4);

  get size(): number {
    return this.#v4Values.length + this.#v6Values.length;
  }

  add(cidr: Cidr, value: T): void {
    if (cidr.v === 4) {
      const next = new Uint32Array(this.#v4.length + 2);
      next.set(this.#v4);
      next[this.#v4.length] = cidr.words[0]!;
      next[this.#v4.length + 1] = maskWord(cidr.prefix);
      this.#v4 = next;
      this.#v4Prefix.push(cidr.prefix);
      this.#v4Values.push(value);
    } else {
      const next = new Uint32Array(this.#v6.length + 8);
      next.set(this.#v6);
      const at = this.#v6.length;
      for (let i = 0; i < 4; i++) {
        next[at + i] = cidr.words[i]!;
        next[at + 4 + i] = maskWord(cidr.prefix - 32 * i);
      }
      this.#v6 = next;
      this.#v6Prefix.push(cidr.prefix);
      this.#v6Values.push(value);
    }
  }

  /** The value of the most specific block holding `ip`, or undefined (also for non-addresses). */
  lookup(ip: string): T | undefined {
    const w = this.#scratch;
    const v = parseIpInto(ip, w);
    if (v === 4) return this.#lookup4(w[0]!);
    if (v === 6) return this.#lookup6(w);
    return undefined;
  }

  #lookup4(addr: number): T | undefined {
    const t = this.#v4;
    let best = -1;
    let bestPrefix = -1;
    for (let i = 0, e = 0; i < t.length; i += 2, e++) {
      if (((addr & t[i + 1]!) >>> 0) === t[i] && this.#v4Prefix[e]! > bestPrefix) {
        best = e;
        bestPrefix = this.#v4Prefix[e]!;
      }
    }
    return best < 0 ? undefined : this.#v4Values[best];
  }

  #lookup6(w: Uint32Array): T | undefined {
    const t = this.#v6;
    let best = -1;
    let bestPrefix = -1;
    for (let i = 0, e = 0; i < t.length; i += 8, e++) {
      if (
        ((w[0]! & t[i + 4]!) >>> 0) === t[i] &&
        ((w[1]! & t[i + 5]!) >>> 0) === t[i + 1] &&
        ((w[2]! & t[i + 6]!) >>> 0) === t[i + 2] &&
        ((w[3]! & t[i + 7]!) >>> 0) === t[i + 3] &&
        this.#v6Prefix[e]! > bestPrefix
      ) {
        best = e;
        bestPrefix = this.#v6Prefix[e]!;
      }
    }
    return best < 0 ? undefined : this.#v6Values[best];
  }
}

/** Membership test over a list of CIDRs (exclusions, suppressions, built-in ranges). */
export class CidrSet {
  readonly #table = new CidrTable<true>();

  /** Builds a set from texts; invalid entries throw (config validation has already vetted them). */
  static of(texts: readonly string[]): CidrSet {
    const set = new CidrSet();
    for (let i = 0; i < texts.length; i++) {
      const c = parseCidr(texts[i]!);
      if (typeof c === 'string') throw new TypeError(`${JSON.stringify(texts[i])} ${c}`);
      set.add(c);
    }
    return set;
  }

  get size(): number {
    return this.#table.size;
  }

  add(cidr: Cidr): void {
    this.#table.add(cidr, true);
  }

  has(ip: string): boolean {
    return this.#table.lookup(ip) === true;
  }
}

/**
 * Ranges that are never "the Internet": RFC 1918 private, loopback, link-local,
 * CGNAT (RFC 6598), "this network", multicast and broadcast; for v6 loopback,
 * unspecified, ULA, link-local and multicast. Documentation ranges (192.0.2/24,
 * 198.51.100/24, 203.0.113/24) and the benchmark range 198.18/15 are left out
 * on purpose: labs use them to stand in for public hosts.
 */
/** Multicast and limited broadcast: addresses of groups, not of one host. */
export const GROUP_CIDRS: readonly string[] = Object.freeze(['224.0.0.0/4', '255.255.255.255/32', 'ff00::/8']);

export const BUILTIN_INTERNAL_CIDRS: readonly string[] = Object.freeze([
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '0.0.0.0/8',
  '224.0.0.0/4',
  '255.255.255.255/32',
  '::1/128',
  '::/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
]);
