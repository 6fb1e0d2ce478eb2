/**
 * Builds real DNS wire-format messages (RFC 1035 section 4) for the benchmark
 * capture: a query with one question, and its response with A or AAAA answers
 * that point back at the question name through a compression pointer, or an
 * NXDOMAIN. Names are made of words from a small list, pre-encoded once so
 * building a message allocates nothing.
 */
import type { Prng } from './prng.js';

const WORDS = [
  'api', 'mail', 'cdn', 'static', 'login', 'shop', 'news', 'cloud', 'assets', 'video', 'img', 'auth',
  'portal', 'update', 'metrics', 'edge', 'files', 'docs', 'search', 'maps', 'chat', 'music', 'store', 'blog',
  'alpha', 'bravo', 'delta', 'harbor', 'maple', 'orbit', 'pixel', 'quartz', 'river', 'summit', 'tundra', 'violet',
];
const TLDS = ['com', 'net', 'org', 'io', 'de', 'fr'];

function encodeAll(list: string[]): Uint8Array[] {
  return list.map((w) => Uint8Array.from(w, (c) => c.charCodeAt(0)));
}
const WORD_BYTES = encodeAll(WORDS);
const TLD_BYTES = encodeAll(TLDS);

export const DNS_TYPE_A = 1;
export const DNS_TYPE_AAAA = 28;
const DNS_CLASS_IN = 1;
/** Standard query with recursion desired. */
const FLAGS_QUERY = 0x0100;
/** Response, recursion desired and available, rcode 0 / 3 (NXDOMAIN). */
const FLAGS_RESPONSE = 0x8180;
const RCODE_NXDOMAIN = 3;
/** Pointer to offset 12, where the question name starts in every message built here. */
const NAME_POINTER = 0xc00c;

/** The question a flow asks, chosen once per flow. */
export class DnsQuestion {
  id = 0;
  qtype = DNS_TYPE_A;
  /** Word indices of the labels before the TLD (2 or 3 of them). */
  readonly words = new Uint8Array(3);
  labels = 2;
  tld = 0;
  answers = 1;
  nxdomain = false;

  pick(rng: Prng): void {
    this.id = rng.int(65536);
    this.qtype = rng.float() < 0.25 ? DNS_TYPE_AAAA : DNS_TYPE_A;
    this.labels = rng.float() < 0.4 ? 3 : 2;
    for (let i = 0; i < 3; i++) this.words[i] = rng.int(WORD_BYTES.length);
    this.tld = rng.int(TLD_BYTES.length);
    this.nxdomain = rng.float() < 0.05;
    this.answers = this.nxdomain ? 0 : rng.range(1, 3);
  }
}

function put16(b: Uint8Array, o: number, v: number): number {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
  return o + 2;
}

function putLabel(b: Uint8Array, o: number, label: Uint8Array): number {
  b[o++] = label.length;
  for (let i = 0; i < label.length; i++) b[o++] = label[i]!;
  return o;
}

function putHeaderAndQuestion(b: Uint8Array, off: number, q: DnsQuestion, flags: number, ancount: number): number {
  let o = put16(b, off, q.id);
  o = put16(b, o, flags);
  o = put16(b, o, 1); // qdcount
  o = put16(b, o, ancount);
  o = put16(b, o, 0); // nscount
  o = put16(b, o, 0); // arcount
  for (let i = 0; i < q.labels; i++) o = putLabel(b, o, WORD_BYTES[q.words[i]!]!);
  o = putLabel(b, o, TLD_BYTES[q.tld]!);
  b[o++] = 0; // root
  o = put16(b, o, q.qtype);
  return put16(b, o, DNS_CLASS_IN);
}

/** Writes the query at `off`; returns its length. */
export function writeDnsQuery(b: Uint8Array, off: number, q: DnsQuestion): number {
  return putHeaderAndQuestion(b, off, q, FLAGS_QUERY, 0) - off;
}

/** Writes the response at `off`; returns its length. */
export function writeDnsResponse(b: Uint8Array, off: number, q: DnsQuestion, rng: Prng): number {
  const flags = q.nxdomain ? FLAGS_RESPONSE | RCODE_NXDOMAIN : FLAGS_RESPONSE;
  let o = putHeaderAndQuestion(b, off, q, flags, q.answers);
  for (let i = 0; i < q.answers; i++) {
    o = put16(b, o, NAME_POINTER);
    o = put16(b, o, q.qtype);
    o = put16(b, o, DNS_CLASS_IN);
    o = put16(b, o, 0); // TTL high
    o = put16(b, o, 60 + rng.int(3600)); // TTL low
    const len = q.qtype === DNS_TYPE_AAAA ? 16 : 4;
    o = put16(b, o, len);
    if (len === 16) {
      o = put16(b, o, 0x2606);
      o = put16(b, o, 0x4700);
      for (let k = 4; k < 16; k++) b[o++] = k < 14 ? 0 : rng.int(256);
    } else {
      b[o++] = 93 + rng.int(100);
      b[o++] = rng.int(256);
      b[o++] = rng.int(256);
      b[o++] = 1 + rng.int(254);
    }
  }
  return o - off;
}
