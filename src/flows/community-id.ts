/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): a
 * direction-free flow hash shared by Zeek, Suricata and others, so
 * conn.log lines can be joined with their alerts. SHA-1 over
 * seed(2) . addrA . addrB . proto(1) . 0(1) . portA(2) . portB(2), all
 * big-endian, the smaller (address, port) endpoint first unless the flow
 * is a one-way ICMP message; then "1:" + base64. Computed once per flow, at
 * its end, into a reused buffer (at most 40 bytes: one SHA-1 block).
 */
import { sha1Base64 } from './sha1.js';

/** Hash input: 2 + 16 + 16 + 1 + 1 + 2 + 2 bytes at most (IPv6). */
const INPUT = new Uint8Array(40);

/**
 * Hashes a flow key. `words` holds address A at [off, off+n) and address B
 * at [off+4, off+4+n) as big-endian words (n = 1 for IPv4, 4 for IPv6);
 * the caller has already ordered A/B as the spec requires.
 */
export function communityIdFromKey(
  seed: number,
  v6: boolean,
  proto: number,
  words: ArrayLike<number>,
  off: number,
  portA: number,
  portB: number,
): string {
  const n = v6 ? 4 : 1;
  const buf = INPUT;
  buf[0] = (seed >>> 8) & 0xff;
  buf[1] = seed & 0xff;
  let o = 2;
  for (let side = 0; side < 2; side++) {
    for (let i = 0; i < n; i++) {
      const v = words[off + side * 4 + i]! >>> 0;
      buf[o++] = v >>> 24;
      buf[o++] = (v >>> 16) & 0xff;
      buf[o++] = (v >>> 8) & 0xff;
      buf[o++] = v & 0xff;
    }
  }
  buf[o++] = proto & 0xff;
  buf[o++] = 0;
  buf[o++] = (portA >>> 8) & 0xff;
  buf[o++] = portA & 0xff;
  buf[o++] = (portB >>> 8) & 0xff;
  buf[o++] = portB & 0xff;
  return sha1Base64(buf, o, '1:');
}

/** Lexicographic comparison of (address words, port) endpoints: <0, 0 or >0. */
function compareEndpoint(a: Uint32Array, ap: number, b: Uint32Array, bp: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const x = a[i]! >>> 0;
    const y = b[i]! >>> 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ap - bp;
}

/**
 * Community ID of a tuple given in either direction (a convenience for
 * tests and tools; the tracker hashes its stored key directly). For ICMP
 * pass the port equivalents (type, counterpart type or code) and `oneWay`.
 */
export function communityId(
  v6: boolean,
  proto: number,
  src: Uint32Array,
  srcPort: number,
  dst: Uint32Array,
  dstPort: number,
  oneWay = false,
  seed = 0,
): string {
  const n = v6 ? 4 : 1;
  const words = new Uint32Array(8);
  const swap = !oneWay && compareEndpoint(src, srcPort, dst, dstPort, n) > 0;
  const a = swap ? dst : src;
  const b = swap ? src : dst;
  for (let i = 0; i < n; i++) {
    words[i] = a[i]!;
    words[4 + i] = b[i]!;
  }
  return communityIdFromKey(seed, v6, proto, words, 0, swap ? dstPort : srcPort, swap ? srcPort : dstPort);
}
