/**
 * IP fragment reassembly for IPv4 (key: src, dst, protocol, id; RFC 791) and
 * IPv6 (key: src, dst, id; RFC 8200 4.5). Pending datagrams are bounded three
 * ways, all counted when they bite: total bytes held, number of datagrams,
 * and age in packet time (never the wall clock, so replaying a capture gives
 * the same answer as watching it live). Overlapping data is resolved "first
 * arrival wins": bytes already held are never overwritten, so a later
 * fragment cannot rewrite what an earlier one said (the classic IDS evasion
 * the overlap rules are about); the overlap itself is counted as an anomaly,
 * and separately when the overlapping bytes disagree.
 *
 * This is the one place on the packet path that allocates: one data buffer
 * per pending datagram (grown by doubling) and one result buffer per
 * completed datagram. Ordinary, unfragmented traffic never reaches it.
 */
import type { Counters, FragmentStats } from './counters.js';

/** Seconds of packet time a datagram may wait for its fragments: Linux's ipfrag_time default. */
export const DEFAULT_FRAGMENT_TIMEOUT = 30;
/** Bytes held across all pending datagrams before the oldest are dropped. */
export const DEFAULT_FRAGMENT_MAX_BYTES = 16 * 1024 * 1024;
/** Pending datagrams before the oldest are dropped. */
export const DEFAULT_FRAGMENT_MAX_DATAGRAMS = 4096;
/**
 * Largest reassembled payload: fragment offset + length may not pass the
 * 16-bit length fields (IPv4 total length, IPv6 payload length). Larger is
 * the "ping of death" pattern and is refused.
 */
export const MAX_REASSEMBLED_PAYLOAD = 65535;
/**
 * Disjoint pieces one datagram may hold while it has holes. Real senders
 * produce a handful; thousands of tiny non-adjacent pieces is a CPU attack
 * on the range bookkeeping.
 */
export const MAX_PIECES_PER_DATAGRAM = 256;
/**
 * Non-last fragments carrying less data than this are unusual enough to
 * note (Zeek's "excessively_small_fragment" uses the same 64-byte mark).
 */
export const SMALL_FRAGMENT_BYTES = 64;
/** Bytes charged per pending datagram for its bookkeeping, on top of its buffers. */
const DATAGRAM_OVERHEAD = 128;

class Datagram {
  hash = 0;
  /** Next datagram in the same hash bucket. */
  chain: Datagram | null = null;
  /** Arrival-order list (oldest first) used for expiry and eviction. */
  older: Datagram | null = null;
  newer: Datagram | null = null;
  v = 0;
  proto = 0;
  id = 0;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  d0 = 0;
  d1 = 0;
  d2 = 0;
  d3 = 0;
  firstTs = 0;
  data: Uint8Array = EMPTY;
  /** Received byte ranges as sorted, merged [start, end) pairs. */
  ranges: number[] = [];
  /** Payload length once the last fragment (MF/M = 0) was seen, else -1. */
  total = -1;
  /** Header of the offset-0 fragment (IPv4 header, or IPv6 unfragmentable part + fragment header). */
  hdr: Uint8Array | null = null;
  /** Bytes currently charged against the byte bound. */
  charged = 0;
}

const EMPTY = new Uint8Array(0);

export interface ReassemblyLimits {
  timeout: number;
  maxBytes: number;
  maxDatagrams: number;
}

function hashKey(v: number, src: Uint32Array, dst: Uint32Array, proto: number, id: number): number {
  let h = Math.imul(id ^ (proto << 24) ^ v, 0x9e3779b1);
  h = Math.imul(h ^ src[0], 0x85ebca6b);
  h = Math.imul(h ^ dst[0], 0xc2b2ae35);
  if (v === 6) {
    h = Math.imul(h ^ src[1], 0x85ebca6b);
    h = Math.imul(h ^ src[2], 0xc2b2ae35);
    h = Math.imul(h ^ src[3], 0x85ebca6b);
    h = Math.imul(h ^ dst[1], 0xc2b2ae35);
    h = Math.imul(h ^ dst[2], 0x85ebca6b);
    h = Math.imul(h ^ dst[3], 0xc2b2ae35);
  }
  h ^= h >>> 15;
  // Keep it a small integer so Map lookups stay on the fast path.
  return h & 0x3fffffff;
}

export class FragmentReassembler {
  readonly #limits: ReassemblyLimits;
  readonly #stats: FragmentStats;
  readonly #c: Counters;
  readonly #buckets = new Map<number, Datagram>();
  #oldest: Datagram | null = null;
  #newest: Datagram | null = null;
  #count = 0;
  #bytes = 0;
  /** Header length (of the offset-0 fragment) in the buffer the last successful add() returned. */
  lastHdrLen = 0;

  constructor(limits: ReassemblyLimits, stats: FragmentStats, c: Counters) {
    this.#limits = limits;
    this.#stats = stats;
    this.#c = c;
  }

  /** Bytes currently held by pending datagrams (buffers + bookkeeping). */
  get bytesHeld(): number {
    return this.#bytes;
  }

  /**
   * Adds one fragment: `dataLen` payload bytes at `buf[dataOff]` belonging at
   * `fragOffset`, and, for the offset-0 fragment, its `hdrLen`-byte header at
   * `buf[hdrOff]`. `keyProto` is the IPv4 protocol (0 for IPv6, whose key has
   * none). Returns a fresh buffer holding header + whole payload when this
   * fragment completed the datagram, else null (reasons counted).
   */
  add(
    v: 4 | 6,
    src: Uint32Array,
    dst: Uint32Array,
    keyProto: number,
    id: number,
    fragOffset: number,
    more: boolean,
    buf: Uint8Array,
    hdrOff: number,
    hdrLen: number,
    dataOff: number,
    dataLen: number,
    ts: number,
  ): Uint8Array | null {
    const end = fragOffset + dataLen;
    if (end > MAX_REASSEMBLED_PAYLOAD) {
      this.#c.malformed.add('frag_too_big');
      return null;
    }
    if (more && dataLen < SMALL_FRAGMENT_BYTES) this.#c.anomalies.add('frag_small');

    const hash = hashKey(v, src, dst, keyProto, id);
    let d = this.#find(hash, v, src, dst, keyProto, id);

    // A fragment that contradicts the datagram's known end is dropped; the
    // datagram keeps what it had (first arrival wins here too).
    if (d !== null) {
      const r = d.ranges;
      if (!more) {
        if ((d.total >= 0 && d.total !== end) || (r.length > 0 && r[r.length - 1] > end)) {
          this.#c.malformed.add('frag_inconsistent');
          return null;
        }
      } else if (d.total >= 0 && end > d.total) {
        this.#c.malformed.add('frag_inconsistent');
        return null;
      }
    } else {
      d = this.#create(hash, v, src, dst, keyProto, id, ts);
    }

    // Make room: grow the data buffer, charge it, and evict the oldest other
    // datagrams while the byte bound is exceeded.
    if (end > d.data.length) {
      let cap = d.data.length * 2;
      if (cap < end) cap = end;
      if (cap > MAX_REASSEMBLED_PAYLOAD) cap = MAX_REASSEMBLED_PAYLOAD;
      const need = cap - d.data.length;
      if (!this.#reserve(d, need)) return null;
      const grown = new Uint8Array(cap);
      grown.set(d.data);
      d.data = grown;
      d.charged += need;
      this.#bytes += need;
    }
    if (fragOffset === 0 && d.hdr === null) {
      if (!this.#reserve(d, hdrLen)) return null;
      d.hdr = buf.slice(hdrOff, hdrOff + hdrLen);
      d.charged += hdrLen;
      this.#bytes += hdrLen;
    }

    if (dataLen > 0 && !this.#insert(d, fragOffset, end, buf, dataOff)) {
      this.#remove(d);
      this.#stats.dropped++;
      return null;
    }
    if (!more) d.total = end;

    const r = d.ranges;
    if (d.total >= 0 && d.hdr !== null && (d.total === 0 || (r.length === 2 && r[0] === 0 && r[1] === d.total))) {
      const hdr = d.hdr;
      const out = new Uint8Array(hdr.length + d.total);
      out.set(hdr, 0);
      out.set(d.data.subarray(0, d.total), hdr.length);
      this.lastHdrLen = hdr.length;
      this.#remove(d);
      this.#stats.reassembled++;
      return out;
    }
    return null;
  }

  /** Drops datagrams whose first fragment is `timeout` seconds (packet time) older than `now`. */
  expire(now: number): void {
    const limit = this.#limits.timeout;
    let d = this.#oldest;
    // The list is in arrival order, so the scan stops at the first young one.
    while (d !== null && now - d.firstTs >= limit) {
      const next = d.newer;
      this.#remove(d);
      this.#stats.expired++;
      d = next;
    }
  }

  /** True when something is pending (a cheap guard before expire()). */
  get hasPending(): boolean {
    return this.#count > 0;
  }

  /** Copies the uncovered parts of [s, e) into the buffer and merges the range. False past the piece bound. */
  #insert(d: Datagram, s: number, e: number, buf: Uint8Array, dataOff: number): boolean {
    const r = d.ranges;
    const data = d.data;
    let pos = s;
    let overlapped = false;
    let conflict = false;
    let i = 0;
    // Skip ranges wholly before s.
    while (i < r.length && r[i + 1] < s) i += 2;
    const first = i;
    for (; i < r.length && r[i] <= e; i += 2) {
      const rs = r[i];
      const re = r[i + 1];
      if (re > s && rs < e) {
        overlapped = true;
        // Overlaps that disagree are what evasion looks like; keep looking
        // only until the first difference.
        const hi = re < e ? re : e;
        for (let x = rs > s ? rs : s; x < hi && !conflict; x++) conflict = data[x] !== buf[dataOff + x - s];
      }
      if (rs > pos) data.set(buf.subarray(dataOff + (pos - s), dataOff + (rs - s)), pos);
      if (re > pos) pos = re;
    }
    if (pos < e) data.set(buf.subarray(dataOff + (pos - s), dataOff + (e - s)), pos);
    if (overlapped) this.#c.anomalies.add('frag_overlap');
    if (conflict) this.#c.anomalies.add('frag_overlap_conflict');
    // Ranges first..i-2 touch or overlap [s, e): replace them by their union.
    const ms = first < i ? Math.min(s, r[first]) : s;
    const me = first < i ? Math.max(e, r[i - 1]) : e;
    r.splice(first, i - first, ms, me);
    return r.length <= MAX_PIECES_PER_DATAGRAM * 2;
  }

  /** Evicts the oldest datagrams other than `keep` until `n` more bytes fit; false (and `keep` dropped) if they cannot. */
  #reserve(keep: Datagram, n: number): boolean {
    const max = this.#limits.maxBytes;
    while (this.#bytes + n > max) {
      let victim = this.#oldest;
      if (victim === keep) victim = keep.newer;
      if (victim === null) {
        this.#remove(keep);
        this.#stats.dropped++;
        return false;
      }
      this.#remove(victim);
      this.#stats.dropped++;
    }
    return true;
  }

  #find(hash: number, v: number, src: Uint32Array, dst: Uint32Array, proto: number, id: number): Datagram | null {
    let d = this.#buckets.get(hash) ?? null;
    while (d !== null) {
      if (
        d.id === id &&
        d.v === v &&
        d.proto === proto &&
        d.s0 === src[0] &&
        d.d0 === dst[0] &&
        d.s1 === src[1] &&
        d.s2 === src[2] &&
        d.s3 === src[3] &&
        d.d1 === dst[1] &&
        d.d2 === dst[2] &&
        d.d3 === dst[3]
      )
        return d;
      d = d.chain;
    }
    return null;
  }

  #create(hash: number, v: number, src: Uint32Array, dst: Uint32Array, proto: number, id: number, ts: number): Datagram {
    if (this.#count >= this.#limits.maxDatagrams && this.#oldest !== null) {
      this.#remove(this.#oldest);
      this.#stats.dropped++;
    }
    const d = new Datagram();
    d.hash = hash;
    d.v = v;
    d.proto = proto;
    d.id = id;
    d.s0 = src[0];
    d.s1 = src[1];
    d.s2 = src[2];
    d.s3 = src[3];
    d.d0 = dst[0];
    d.d1 = dst[1];
    d.d2 = dst[2];
    d.d3 = dst[3];
    d.firstTs = ts;
    d.chain = this.#buckets.get(hash) ?? null;
    this.#buckets.set(hash, d);
    d.older = this.#newest;
    if (this.#newest !== null) this.#newest.newer = d;
    else this.#oldest = d;
    this.#newest = d;
    d.charged = DATAGRAM_OVERHEAD;
    this.#bytes += DATAGRAM_OVERHEAD;
    this.#count++;
    this.#stats.pending = this.#count;
    return d;
  }

  /** Unlinks a datagram (completed, expired or given up; the caller counts which). */
  #remove(d: Datagram): void {
    // Unlink from the hash chain.
    const head = this.#buckets.get(d.hash);
    if (head === d) {
      if (d.chain === null) this.#buckets.delete(d.hash);
      else this.#buckets.set(d.hash, d.chain);
    } else {
      let p = head ?? null;
      while (p !== null && p.chain !== d) p = p.chain;
      if (p !== null) p.chain = d.chain;
    }
    // Unlink from the arrival list.
    if (d.older !== null) d.older.newer = d.newer;
    else this.#oldest = d.newer;
    if (d.newer !== null) d.newer.older = d.older;
    else this.#newest = d.older;
    d.older = d.newer = d.chain = null;
    this.#bytes -= d.charged;
    d.charged = 0;
    this.#count--;
    this.#stats.pending = this.#count;
  }
}
