/**
 * The in-memory IndicatorIndex: every source's indicators compiled into
 * lookup structures detectors can ask once per flow or DNS transaction.
 * Exact IPv4 addresses sit in a hash map keyed by the address as a number;
 * CIDRs in one hash map per prefix length (a lookup masks the address once
 * per length in use, most specific first — lists hold a handful of distinct
 * lengths, so this is a short loop of integer hashes); names in a map probed
 * for the name and each parent domain; fingerprints (JA3, JA4, HASSH,
 * certificate SHA-1 and SHA-256, file MD5, SHA-1 and SHA-256) in one map
 * per kind, one probe per
 * fingerprint. A lookup that matches nothing returns one shared empty
 * array, so the common case allocates nothing; results are shared with the
 * index and must not be modified.
 */
import type { FingerprintKind, IndicatorIndex, IndicatorSource } from '../context.js';
import { isNat64, parseIpInto } from '../../config/ip.js';
import { parseCidr } from '../../config/cidr.js';
import { indicatorUrlKey } from './http-url.js';
import { parseUrlIndicator, queryFingerprint, queryName, shownAddress, v6Text, type StoredIndicator } from './indicator.js';

/** One source's indicators, as handed to the index builder. */
export interface SourceIndicators {
  source: string;
  indicators: readonly StoredIndicator[];
}

const EMPTY: IndicatorSource[] = [];
Object.freeze(EMPTY);

function maskV4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function push<K>(map: Map<K, IndicatorSource[]>, key: K, s: IndicatorSource): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [s]);
  else list.push(s);
}

export class MemoryIndicatorIndex implements IndicatorIndex {
  readonly #v4 = new Map<number, IndicatorSource[]>();
  readonly #v6 = new Map<string, IndicatorSource[]>();
  /** v4 CIDRs: maps by prefix length, and the lengths in use, longest first. */
  readonly #v4Nets = new Map<number, Map<number, IndicatorSource[]>>();
  #v4Lengths: number[] = [];
  readonly #v6Nets = new Map<number, Map<string, IndicatorSource[]>>();
  #v6Lengths: number[] = [];
  readonly #domains = new Map<string, IndicatorSource[]>();
  readonly #userAgents = new Map<string, IndicatorSource[]>();
  readonly #urls = new Map<string, IndicatorSource[]>();
  /** URL indicators by host, for `picket intel lookup` (a listed URL does not condemn its whole host). */
  readonly #urlHosts = new Map<string, IndicatorSource[]>();
  /** http(s) URL indicators by their request key (http-url.ts), for http.bad_url. */
  readonly #httpUrls = new Map<string, IndicatorSource[]>();
  readonly #fingerprints: Readonly<Record<FingerprintKind, Map<string, IndicatorSource[]>>> = {
    ja3: new Map(),
    ja3s: new Map(),
    ja4: new Map(),
    hassh: new Map(),
    hassh_server: new Map(),
    cert_sha1: new Map(),
    cert_sha256: new Map(),
    file_md5: new Map(),
    file_sha1: new Map(),
    file_sha256: new Map(),
  };
  readonly #scratch = new Uint32Array(4);
  readonly #scratch6 = new Uint32Array(4);
  #size = 0;

  /** Compiles the given sources (later sources append to earlier ones' matches). */
  static build(sources: readonly SourceIndicators[]): MemoryIndicatorIndex {
    const idx = new MemoryIndicatorIndex();
    for (const s of sources) for (const ind of s.indicators) idx.add(s.source, ind);
    idx.#v4Lengths = [...idx.#v4Nets.keys()].sort((a, b) => b - a);
    idx.#v6Lengths = [...idx.#v6Nets.keys()].sort((a, b) => b - a);
    return idx;
  }

  /** Number of indicator entries compiled. */
  get size(): number {
    return this.#size;
  }

  private add(source: string, ind: StoredIndicator): void {
    const s: IndicatorSource = { source, kind: ind.kind, indicator: ind.listed ?? (ind.kind === 'ip' || ind.kind === 'cidr' ? shownAddress(ind.value) : ind.value), to_ids: ind.to_ids };
    if (ind.event_id !== undefined) s.event_id = ind.event_id;
    if (ind.event_info !== undefined) s.event_info = ind.event_info;
    if (ind.tags !== undefined && ind.tags.length > 0) s.tags = ind.tags;
    if (ind.comment !== undefined) s.comment = ind.comment;
    switch (ind.kind) {
      case 'ip': {
        const v = parseIpInto(ind.value, this.#scratch);
        if (v === 4) push(this.#v4, this.#scratch[0]!, s);
        else if (v === 6) push(this.#v6, v6Text(this.#scratch), s);
        else return;
        break;
      }
      case 'cidr': {
        const c = parseCidr(ind.value);
        if (typeof c === 'string') return;
        if (c.v === 4) {
          let m = this.#v4Nets.get(c.prefix);
          if (m === undefined) this.#v4Nets.set(c.prefix, (m = new Map()));
          push(m, c.words[0]!, s);
        } else {
          let m = this.#v6Nets.get(c.prefix);
          if (m === undefined) this.#v6Nets.set(c.prefix, (m = new Map()));
          push(m, v6Text(c.words), s);
        }
        break;
      }
      case 'domain':
        push(this.#domains, ind.value, s);
        break;
      case 'user-agent':
        push(this.#userAgents, ind.value, s);
        break;
      case 'url': {
        push(this.#urls, ind.value, s);
        const host = urlHost(ind.value);
        if (host !== null) push(this.#urlHosts, host, s);
        const key = indicatorUrlKey(ind.value);
        if (key !== null) push(this.#httpUrls, key, s);
        break;
      }
      case 'ja3':
      case 'ja3s':
      case 'ja4':
      case 'hassh':
      case 'hassh_server':
      case 'cert_sha1':
      case 'cert_sha256':
      case 'file_md5':
      case 'file_sha1':
      case 'file_sha256':
        // Stored lower-case by normalizeFingerprint; a hand-made snapshot may not be.
        push(this.#fingerprints[ind.kind], queryFingerprint(ind.value), s);
        break;
    }
    this.#size++;
  }

  matchIp(ip: string): IndicatorSource[] {
    const w = this.#scratch;
    const v = parseIpInto(ip, w);
    if (v === 0) return EMPTY;
    if (v === 4) return this.#matchV4(w[0]!, EMPTY);
    let found = this.#v6.get(v6Text(w)) ?? EMPTY;
    // NAT64 (64:ff9b::/96): the listed IPv4 address it stands for matches too.
    if (isNat64(w)) found = this.#matchV4(w[3]!, found);
    const lengths = this.#v6Lengths;
    const m = this.#scratch6;
    for (let i = 0; i < lengths.length; i++) {
      const p = lengths[i]!;
      for (let k = 0; k < 4; k++) m[k] = (w[k]! & maskV4(Math.max(0, Math.min(32, p - 32 * k)))) >>> 0;
      const list = this.#v6Nets.get(p)!.get(v6Text(m));
      if (list !== undefined) found = merge(found, list);
    }
    return found;
  }

  #matchV4(a: number, found: IndicatorSource[]): IndicatorSource[] {
    const exact = this.#v4.get(a);
    if (exact !== undefined) found = merge(found, exact);
    const lengths = this.#v4Lengths;
    for (let i = 0; i < lengths.length; i++) {
      const p = lengths[i]!;
      const list = this.#v4Nets.get(p)!.get((a & maskV4(p)) >>> 0);
      if (list !== undefined) found = merge(found, list);
    }
    return found;
  }

  matchDomain(name: string): IndicatorSource[] {
    if (this.#domains.size === 0) return EMPTY;
    const n = queryName(name);
    let found: IndicatorSource[] = EMPTY;
    let at = 0;
    // The name itself, then each parent ("a.b.example.com" -> "b.example.com" -> "example.com" -> "com").
    while (at < n.length) {
      const key = at === 0 ? n : n.slice(at);
      const list = this.#domains.get(key);
      if (list !== undefined) found = merge(found, list);
      const dot = n.indexOf('.', at);
      if (dot < 0) break;
      at = dot + 1;
    }
    return found;
  }

  matchUserAgent(ua: string): IndicatorSource[] {
    return this.#userAgents.get(ua) ?? EMPTY;
  }

  matchFingerprint(kind: FingerprintKind, value: string): IndicatorSource[] {
    const map = this.#fingerprints[kind];
    if (map.size === 0) return EMPTY;
    return map.get(queryFingerprint(value)) ?? EMPTY;
  }

  /** URL indicators equal to `url` (as listed). */
  matchUrl(url: string): IndicatorSource[] {
    return this.#urls.get(url.trim()) ?? EMPTY;
  }

  /** URL indicators whose request key (http-url.ts `httpUrlKey`) is `key`. */
  matchHttpUrl(key: string): IndicatorSource[] {
    if (this.#httpUrls.size === 0) return EMPTY;
    return this.#httpUrls.get(key) ?? EMPTY;
  }

  /** URL indicators whose host is `host` (name or address): shown by lookups; a host is never alerted on for a URL listed on it. */
  urlsOnHost(host: string): IndicatorSource[] {
    return this.#urlHosts.get(host) ?? EMPTY;
  }
}

/** A single match hands out the index's own list; only several matches build a new one. */
function merge(found: IndicatorSource[], list: IndicatorSource[]): IndicatorSource[] {
  return found.length === 0 ? list : found.concat(list);
}

function urlHost(url: string): string | null {
  const u = parseUrlIndicator(url);
  return u === null ? null : u.host;
}
