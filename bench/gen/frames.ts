/**
 * Writes Ethernet frames (optionally 802.1Q-tagged) carrying IPv4 or IPv6
 * with TCP or UDP into one reusable scratch buffer, for the benchmark
 * generator. Lengths (IP total/payload length, UDP length) are consistent;
 * checksums are left zero, which the benchmark does not need.
 */

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

const ETH_HEADER = 14;
const VLAN_TAG = 4;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;
/** MSS, SACK-permitted, timestamps, window scale: what a modern SYN carries. */
const SYN_OPTIONS = Uint8Array.of(
  0x02, 0x04, 0x05, 0xb4, // MSS 1460
  0x04, 0x02, // SACK permitted
  0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, // timestamps
  0x01, // NOP
  0x03, 0x03, 0x07, // window scale 7
);
const UDP_HEADER = 8;
/** Shortest Ethernet frame without FCS; shorter ones are zero-padded as on the wire. */
const MIN_FRAME = 60;
/** Bytes copied as payload filler: printable text so payload-scanning code has something to read. */
const FILLER_SIZE = 4096;

/** One side-independent description of a flow: addresses, ports, encapsulation, TCP state. */
export class FlowState {
  v6 = false;
  vlan = 0;
  readonly client = new Uint8Array(16);
  readonly server = new Uint8Array(16);
  clientPort = 0;
  serverPort = 0;
  clientSeq = 0;
  serverSeq = 0;
  ipId = 0;
}

export class FrameWriter {
  readonly buf = new Uint8Array(2048);
  readonly #filler = new Uint8Array(FILLER_SIZE);

  constructor() {
    const text = 'GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n<html><body>picket benchmark payload ';
    for (let i = 0; i < FILLER_SIZE; i++) this.#filler[i] = text.charCodeAt(i % text.length);
  }

  /** Writes a TCP segment; returns the frame length. */
  tcp(f: FlowState, fromClient: boolean, flags: number, payload: number): number {
    const options = (flags & TCP_SYN) !== 0 ? SYN_OPTIONS.length : 0;
    const l4 = TCP_HEADER + options + payload;
    const b = this.buf;
    let o = this.#l2l3(f, fromClient, PROTO_TCP, l4);
    const seq = fromClient ? f.clientSeq : f.serverSeq;
    const ack = (flags & TCP_ACK) !== 0 ? (fromClient ? f.serverSeq : f.clientSeq) : 0;
    o = put16(b, o, fromClient ? f.clientPort : f.serverPort);
    o = put16(b, o, fromClient ? f.serverPort : f.clientPort);
    o = put32(b, o, seq);
    o = put32(b, o, ack);
    b[o++] = ((TCP_HEADER + options) / 4) << 4;
    b[o++] = flags;
    o = put16(b, o, 502); // window (scaled)
    o = put16(b, o, 0); // checksum, not computed
    o = put16(b, o, 0); // urgent pointer
    for (let i = 0; i < options; i++) b[o++] = SYN_OPTIONS[i]!;
    o = this.#fill(o, payload);
    // SYN and FIN each take one sequence number.
    const used = payload + ((flags & (TCP_SYN | TCP_FIN)) !== 0 ? 1 : 0);
    if (fromClient) f.clientSeq = (f.clientSeq + used) >>> 0;
    else f.serverSeq = (f.serverSeq + used) >>> 0;
    return this.#pad(o);
  }

  /**
   * Starts a UDP datagram of `payload` bytes; returns the payload offset. The
   * caller writes the payload there and then calls finishUdp().
   */
  udpStart(f: FlowState, fromClient: boolean, payload: number): number {
    const b = this.buf;
    let o = this.#l2l3(f, fromClient, PROTO_UDP, UDP_HEADER + payload);
    o = put16(b, o, fromClient ? f.clientPort : f.serverPort);
    o = put16(b, o, fromClient ? f.serverPort : f.clientPort);
    o = put16(b, o, UDP_HEADER + payload);
    return put16(b, o, 0); // checksum, not computed
  }

  /** UDP datagram with filler payload; returns the frame length. */
  udpFilled(f: FlowState, fromClient: boolean, payload: number): number {
    return this.#pad(this.#fill(this.udpStart(f, fromClient, payload), payload));
  }

  /** Ends a datagram whose payload ends at `end`; returns the frame length. */
  finish(end: number): number {
    return this.#pad(end);
  }

  /** Length of the headers in front of a UDP payload for this flow. */
  udpHeaderLen(f: FlowState): number {
    return ETH_HEADER + (f.vlan !== 0 ? VLAN_TAG : 0) + (f.v6 ? IPV6_HEADER : IPV4_HEADER) + UDP_HEADER;
  }

  #fill(o: number, n: number): number {
    const b = this.buf;
    const f = this.#filler;
    const start = (o * 31) & (FILLER_SIZE - 1);
    for (let i = 0; i < n; i++) b[o + i] = f[(start + i) & (FILLER_SIZE - 1)]!;
    return o + n;
  }

  #pad(end: number): number {
    if (end >= MIN_FRAME) return end;
    this.buf.fill(0, end, MIN_FRAME);
    return MIN_FRAME;
  }

  #l2l3(f: FlowState, fromClient: boolean, proto: number, l4Len: number): number {
    const b = this.buf;
    const src = fromClient ? f.client : f.server;
    const dst = fromClient ? f.server : f.client;
    // Locally administered MACs derived from the last address bytes.
    let o = 0;
    b[o++] = 0x02; b[o++] = 0x00; b[o++] = dst[12]!; b[o++] = dst[13]!; b[o++] = dst[14]!; b[o++] = dst[15]!;
    b[o++] = 0x02; b[o++] = 0x00; b[o++] = src[12]!; b[o++] = src[13]!; b[o++] = src[14]!; b[o++] = src[15]!;
    if (f.vlan !== 0) {
      o = put16(b, o, 0x8100);
      o = put16(b, o, f.vlan);
    }
    if (f.v6) {
      o = put16(b, o, 0x86dd);
      o = put32(b, o, 0x60000000);
      o = put16(b, o, l4Len);
      b[o++] = proto;
      b[o++] = fromClient ? 64 : 57; // hop limit
      for (let i = 0; i < 16; i++) b[o++] = src[i]!;
      for (let i = 0; i < 16; i++) b[o++] = dst[i]!;
      return o;
    }
    o = put16(b, o, 0x0800);
    b[o++] = 0x45;
    b[o++] = 0;
    o = put16(b, o, IPV4_HEADER + l4Len);
    f.ipId = (f.ipId + 1) & 0xffff;
    o = put16(b, o, f.ipId);
    o = put16(b, o, 0x4000); // don't fragment
    b[o++] = fromClient ? 64 : 52; // TTL
    b[o++] = proto;
    o = put16(b, o, 0); // header checksum, not computed
    for (let i = 12; i < 16; i++) b[o++] = src[i]!;
    for (let i = 12; i < 16; i++) b[o++] = dst[i]!;
    return o;
  }
}

function put16(b: Uint8Array, o: number, v: number): number {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
  return o + 2;
}

function put32(b: Uint8Array, o: number, v: number): number {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
  return o + 4;
}
