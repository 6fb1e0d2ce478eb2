/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): a
 * direction-free flow hash shared by Zeek, Suricata and others, so
 * conn.log lines can be joined with their alerts. SHA-1 over
 * seed(2) . addrA . addrB . proto(1) . 0(1) . portA(2) . portB(2), all
 * big-endian, the smaller (address, port) endpoint first unless the flow
 * is a one-way ICMP message; then "1:" + base64. Computed once per flow, at
 * its end, so allocating here is fine.
 */
import { createHash } from 'node:crypto';

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
  const buf = Buffer.allocUnsafe(2 + 8 * n + 2 + 4);
  let o = buf.writeUInt16BE(seed & 0xffff, 0);
  for (let i = 0; i < n; i++) o = buf.writeUInt32BE(words[off + i]! >>> 0, o);
  for (let i = 0; i < n; i++) o = buf.writeUInt32BE(words[off + 4 + i]! >>> 0, o);
  o = buf.writeUInt8(proto & 0xff, o);
  o = buf.writeUInt8(0, o);
  o = buf.writeUInt16BE(portA & 0xffff, o);
  buf.writeUInt16BE(portB & 0xffff, o);
  return '1:' + createHash('sha1').update(buf).digest('base64');
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
