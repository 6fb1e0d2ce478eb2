/**
 * The smallest DNS exchange that proves a resolver answered: an A query for
 * one name (RFC 1035 section 4.1) and a check that a datagram is a response
 * to it (same ID, QR bit set). Any answer counts, NXDOMAIN included: the
 * probe asks "did a packet get out and back", not "does the name exist".
 */

/** RFC 1035 2.3.4: labels of 63 octets, names of 255. */
const MAX_LABEL = 63;
const MAX_NAME = 255;

/** The query bytes, or null when `name` is not a valid DNS name. */
export function buildAQuery(id: number, name: string): Buffer | null {
  const labels = name.replace(/\.$/, '').split('.');
  let size = 12 + 1 + 4;
  for (const l of labels) {
    if (l.length === 0 || l.length > MAX_LABEL || !/^[A-Za-z0-9_-]+$/.test(l)) return null;
    size += 1 + l.length;
  }
  if (size - 16 > MAX_NAME) return null;
  const buf = Buffer.alloc(size);
  buf.writeUInt16BE(id & 0xffff, 0);
  buf.writeUInt16BE(0x0100, 2); // standard query, recursion desired
  buf.writeUInt16BE(1, 4); // QDCOUNT
  let off = 12;
  for (const l of labels) {
    buf[off++] = l.length;
    off += buf.write(l, off, 'ascii');
  }
  buf[off++] = 0;
  buf.writeUInt16BE(1, off); // QTYPE A
  buf.writeUInt16BE(1, off + 2); // QCLASS IN
  return buf;
}

/** True when `msg` is a response (QR=1) carrying `id`. */
export function isResponseTo(msg: Uint8Array, id: number): boolean {
  return msg.length >= 12 && ((msg[0]! << 8) | msg[1]!) === (id & 0xffff) && (msg[2]! & 0x80) !== 0;
}

/** The response code name for the probe's detail line. */
export function rcodeName(msg: Uint8Array): string {
  const rcode = msg.length >= 4 ? msg[3]! & 0x0f : -1;
  const names = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
  return names[rcode] ?? `rcode-${rcode}`;
}
