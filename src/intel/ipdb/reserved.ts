/**
 * Addresses no registry assigns to an organisation: private, loopback,
 * link-local, CGNAT, documentation, benchmarking, multicast and the rest of
 * IANA's special-purpose registries (RFC 6890 and successors). Enrichment
 * answers "unknown" for them before touching the range tables, so the common
 * case on a LAN (one side of most flows is private) costs a byte lookup.
 */

/** IPv4 special-purpose blocks as [network, prefix length]. */
const RESERVED_V4: readonly (readonly [number, number])[] = [
  [0x00000000, 8], // 0.0.0.0/8 "this network"
  [0x0a000000, 8], // 10.0.0.0/8 private
  [0x64400000, 10], // 100.64.0.0/10 CGNAT
  [0x7f000000, 8], // 127.0.0.0/8 loopback
  [0xa9fe0000, 16], // 169.254.0.0/16 link-local
  [0xac100000, 12], // 172.16.0.0/12 private
  [0xc0000000, 24], // 192.0.0.0/24 IETF protocol assignments
  [0xc0000200, 24], // 192.0.2.0/24 TEST-NET-1
  [0xc0a80000, 16], // 192.168.0.0/16 private
  [0xc6120000, 15], // 198.18.0.0/15 benchmarking
  [0xc6336400, 24], // 198.51.100.0/24 TEST-NET-2
  [0xcb007100, 24], // 203.0.113.0/24 TEST-NET-3
  [0xe0000000, 4], // 224.0.0.0/4 multicast
  [0xf0000000, 4], // 240.0.0.0/4 reserved, and broadcast
];

/** Per first octet: 0 = never reserved, 1 = wholly reserved, 2 = check the block list. */
const FIRST_OCTET = new Uint8Array(256);
const NETS = new Uint32Array(RESERVED_V4.length);
const MASKS = new Uint32Array(RESERVED_V4.length);

for (let i = 0; i < RESERVED_V4.length; i++) {
  const [net, prefix] = RESERVED_V4[i]!;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  NETS[i] = net;
  MASKS[i] = mask;
  const first = net >>> 24;
  if (prefix <= 8) {
    const span = 1 << (8 - prefix);
    for (let o = first; o < first + span; o++) FIRST_OCTET[o] = 1;
  } else if (FIRST_OCTET[first] === 0) {
    FIRST_OCTET[first] = 2;
  }
}

/** True for an IPv4 address (uint32) in a special-purpose block. */
export function isReservedV4(addr: number): boolean {
  const kind = FIRST_OCTET[addr >>> 24]!;
  if (kind !== 2) return kind === 1;
  for (let i = 0; i < NETS.length; i++) {
    if (((addr & MASKS[i]!) >>> 0) === NETS[i]) return true;
  }
  return false;
}

/**
 * True for an IPv6 address (four words, most significant first) outside
 * global unicast 2000::/3, or in the documentation block 2001:db8::/32.
 */
export function isReservedV6(w0: number): boolean {
  if (w0 >>> 29 !== 1) return true;
  return w0 === 0x20010db8;
}
