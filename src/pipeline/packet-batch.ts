/**
 * Decoded packets in shared memory, for a pipeline whose decoding runs on
 * another thread (decode-thread.ts). The decode thread writes each packet's
 * decoded header fields as one fixed-size record (and, when analyzers read
 * payloads, the payload bytes into the batch's byte area; IPv6 Neighbor
 * Solicitations always, for their target address); the pipeline
 * thread reads them back into its DecodedPacket. Batches of records travel
 * through a ring of BATCH_SLOTS slots handed over as batch-slots.ts says.
 *
 * The record holds exactly what the pipeline after the decoder reads (flow
 * tracking, ARP events, analyzer choice and payload); a field added to
 * DecodedPacket and read there must be added here too, which the
 * decode-thread tests catch by comparing every log with the one-thread run.
 */
import type { RawPacket } from '../capture/packet.js';
import { ICMP6_NEIGHBOR_ADVERT, ICMP6_NEIGHBOR_SOLICIT, ICMP6_ROUTER_ADVERT, IpProto, type DecodedPacket } from '../decode/decoded.js';
import { PicketError } from '../util/errors.js';
import { END_OF_INPUT, FAILED, newSlotControl, SlotConsumer, SlotProducer } from './batch-slots.js';

/**
 * Records per batch (default). Every hand-over wakes the other thread;
 * measured on the bench capture, 16,384 a batch ran 3.5-3.7 s, 4,096
 * 3.5-4.1 s and 1,024 3.9-4.6 s.
 */
export const BATCH_RECORDS = 16384;
/** Payload bytes per batch (default); a batch is handed over early when the next payload would not fit. */
export const BATCH_PAYLOAD_BYTES = 4 * 1024 * 1024;

/** Batches in the ring: how far decoding may run ahead of the pipeline. */
export const BATCH_SLOTS = 8;

// Record layout: five doubles, 26 32-bit words, the tunnel id as a double, then the tunnel's endpoints in 9 words.
const RECORD_F64 = 24;
const RECORD_BYTES = RECORD_F64 * 8;
const F_TS = 0;
const F_SRC_MAC = 1;
const F_DST_MAC = 2;
const F_ARP_SHA = 3;
const F_ARP_THA = 4;
const W_KIND = 10; // bit 0: decoded; bits 1-7: tunnel kind; 8-15: l3; 16-23: proto; 24: fragment; 25: reassembled; 27-31: carrier kind
const W_CAPLEN = 11;
const W_PORTS = 12;
const W_SRC = 13;
const W_DST = 17;
const W_SEQ = 21;
const W_ACK = 22;
const W_WIRE_LEN = 23;
const W_WINDOW = 24;
const W_IP_LEN = 25;
const W_VLAN = 26;
const W_INNER_VLAN = 27;
const W_PAYLOAD_AT = 28;
const W_PAYLOAD_LEN = 29;
const W_TCP_FLAGS = 30;
const W_ARP_OP = 31;
const W_ARP_SPA = 32;
const W_ARP_TPA = 33;
const W_TTL = 34;
const W_ETHER_TYPE = 35;
/** VNI, GRE key or GTP TEID (up to 2^32 - 1), ERSPAN session or PPTP call id, -1 for none: a double holds them all. */
const F_TUNNEL_ID = 18;
const W_TUNNEL_SRC = 38;
const W_TUNNEL_DST = 42;
/** Tunnel ports (source high 16 bits) and, in bit 0 of the next word, whether its endpoints are IPv6. */
const W_TUNNEL_PORTS = 46;
const W_TUNNEL_V6 = 47;

const KIND_DECODED = 1;
const KIND_FRAGMENT = 1 << 24;
const KIND_REASSEMBLED = 1 << 25;
/** A tunnel's own datagram (DecodedPacket.carrier) carries the kind of its tunnel here; 0 for a captured packet. */
const KIND_CARRIER_SHIFT = 27;

/** The shared buffers of one ring and its sizes (passed to the decode thread). */
export interface BatchRing {
  data: SharedArrayBuffer;
  /** Int32: [stop requested by the pipeline side, then one word per slot]. */
  ctrl: SharedArrayBuffer;
  records: number;
  payloadBytes: number;
}

/**
 * Bytes of a Neighbor Solicitation or Advertisement that travel when no
 * payloads do: its target address and the link-layer address option that
 * usually follows it (nd.solicit and nd.advert events need them).
 */
const ND_BYTES = 32;
/** Bytes of a Router Advertisement that travel when no payloads do: its options (prefixes, DNS servers, the router's link address). */
const RA_BYTES = 256;

/**
 * A ring of BATCH_SLOTS batches. Tests use small batches to cross every
 * boundary; the byte area must hold the largest payload of the input (the
 * default is sixteen times the largest record a capture may hold). When no
 * payloads travel (`payloadArea` 0) it holds the targets and link address
 * options of neighbor discovery messages only: 32 bytes a record (a router
 * advertisement's options take up to 256).
 */
export function newBatchRing(records = BATCH_RECORDS, payloadArea = BATCH_PAYLOAD_BYTES): BatchRing {
  // Whole doubles, so every slot's records start 8-byte aligned.
  const payloadBytes = Math.ceil(Math.max(payloadArea, records * ND_BYTES, RA_BYTES) / 8) * 8;
  return {
    data: new SharedArrayBuffer(BATCH_SLOTS * (records * RECORD_BYTES + payloadBytes)),
    ctrl: newSlotControl(BATCH_SLOTS),
    records,
    payloadBytes,
  };
}

/** Typed views of one slot. */
class SlotViews {
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly payload: Uint8Array;

  constructor(ring: BatchRing, slot: number) {
    const at = slot * (ring.records * RECORD_BYTES + ring.payloadBytes);
    this.f64 = new Float64Array(ring.data, at, ring.records * RECORD_F64);
    this.u32 = new Uint32Array(ring.data, at, ring.records * RECORD_F64 * 2);
    this.i32 = new Int32Array(ring.data, at, ring.records * RECORD_F64 * 2);
    this.payload = new Uint8Array(ring.data, at + ring.records * RECORD_BYTES, ring.payloadBytes);
  }
}

/** The decode thread's side: fills batches and hands them over in order. */
export class BatchWriter {
  readonly #hand: SlotProducer;
  readonly #slots: SlotViews[] = [];
  readonly #payloads: boolean;
  readonly #records: number;
  readonly #payloadBytes: number;
  #n = 0;
  #payloadUsed = 0;
  #cur: SlotViews;

  /** `payloads`: copy payload bytes (the pipeline runs analyzers). */
  constructor(ring: BatchRing, payloads: boolean) {
    this.#hand = new SlotProducer(ring.ctrl);
    for (let s = 0; s < BATCH_SLOTS; s++) this.#slots.push(new SlotViews(ring, s));
    this.#cur = this.#slots[0]!;
    this.#payloads = payloads;
    this.#records = ring.records;
    this.#payloadBytes = ring.payloadBytes;
  }

  /**
   * Adds one packet: `ok` says whether `d` holds its decoding (else only the
   * time and size count). False when the pipeline side asked to stop.
   */
  add(pkt: RawPacket, d: DecodedPacket, ok: boolean): boolean {
    // A UDP tunnel's own datagram goes first, as a record of its own (see carrierKind()).
    if (ok && d.tunnel !== 0 && d.carrier !== null && !this.#put(pkt.ts, 0, d.carrier, true, d.carrierKind)) return false;
    return this.#put(pkt.ts, pkt.caplen, d, ok, 0);
  }

  /** Writes one record; `carrierKind` marks a tunnel's datagram (no payload travels: no analyzer reads it). */
  #put(ts: number, caplen: number, d: DecodedPacket, ok: boolean, carrierKind: number): boolean {
    let payloadLen = 0;
    // Without analyzers only neighbor discovery's target and link address option travel, and a router
    // advertisement's options (for nd.* events).
    const icmp6 = !this.#payloads && d.proto === IpProto.ICMPV6 ? d.srcPort : -1;
    const nd = icmp6 === ICMP6_NEIGHBOR_SOLICIT || icmp6 === ICMP6_NEIGHBOR_ADVERT || icmp6 === ICMP6_ROUTER_ADVERT;
    if (ok && carrierKind === 0 && (this.#payloads || nd)) {
      payloadLen = nd ? Math.min(d.payloadLen, icmp6 === ICMP6_ROUTER_ADVERT ? RA_BYTES : ND_BYTES) : d.payloadLen;
      if (payloadLen > this.#payloadBytes) {
        throw new PicketError('PKT_ERR_PIPELINE_WORKER', `a ${payloadLen}-byte payload does not fit a ${this.#payloadBytes}-byte batch`);
      }
      if (this.#payloadUsed + payloadLen > this.#payloadBytes && !this.#handOver()) return false;
    }
    const v = this.#cur;
    const o = this.#n * RECORD_F64;
    const w = o * 2;
    const f64 = v.f64;
    const u32 = v.u32;
    f64[o + F_TS] = ts;
    u32[w + W_CAPLEN] = caplen;
    if (!ok) {
      u32[w + W_KIND] = 0;
    } else {
      u32[w + W_KIND] =
        (KIND_DECODED |
          (d.tunnel << 1) |
          (d.l3 << 8) |
          (d.proto << 16) |
          (d.fragment ? KIND_FRAGMENT : 0) |
          (d.reassembled ? KIND_REASSEMBLED : 0) |
          (carrierKind << KIND_CARRIER_SHIFT)) >>>
        0;
      f64[o + F_TUNNEL_ID] = d.tunnelId;
      if (d.tunnel !== 0) {
        u32.set(d.tunnelSrc, w + W_TUNNEL_SRC);
        u32.set(d.tunnelDst, w + W_TUNNEL_DST);
        u32[w + W_TUNNEL_PORTS] = ((d.tunnelSrcPort << 16) | d.tunnelDstPort) >>> 0;
        u32[w + W_TUNNEL_V6] = d.tunnelV6 ? 1 : 0;
      }
      f64[o + F_SRC_MAC] = d.srcMac;
      f64[o + F_DST_MAC] = d.dstMac;
      u32[w + W_PORTS] = ((d.srcPort << 16) | d.dstPort) >>> 0;
      const src = d.src;
      const dst = d.dst;
      u32[w + W_SRC] = src[0]!;
      u32[w + W_SRC + 1] = src[1]!;
      u32[w + W_SRC + 2] = src[2]!;
      u32[w + W_SRC + 3] = src[3]!;
      u32[w + W_DST] = dst[0]!;
      u32[w + W_DST + 1] = dst[1]!;
      u32[w + W_DST + 2] = dst[2]!;
      u32[w + W_DST + 3] = dst[3]!;
      u32[w + W_SEQ] = d.seq;
      u32[w + W_ACK] = d.ack;
      u32[w + W_WIRE_LEN] = d.payloadWireLen;
      u32[w + W_WINDOW] = d.window;
      u32[w + W_IP_LEN] = d.ipLen;
      v.i32[w + W_VLAN] = d.vlan;
      v.i32[w + W_INNER_VLAN] = d.innerVlan;
      u32[w + W_TCP_FLAGS] = d.tcpFlags;
      u32[w + W_TTL] = d.ttl;
      u32[w + W_ETHER_TYPE] = d.etherType;
      u32[w + W_PAYLOAD_LEN] = nd || carrierKind !== 0 ? payloadLen : d.payloadLen;
      if (payloadLen > 0) {
        v.payload.set(d.buf.subarray(d.payloadOffset, d.payloadOffset + payloadLen), this.#payloadUsed);
        u32[w + W_PAYLOAD_AT] = this.#payloadUsed;
        this.#payloadUsed += payloadLen;
      } else {
        u32[w + W_PAYLOAD_AT] = 0;
      }
      if (d.arpOp !== 0) {
        u32[w + W_ARP_OP] = d.arpOp;
        f64[o + F_ARP_SHA] = d.arpSha;
        f64[o + F_ARP_THA] = d.arpTha;
        u32[w + W_ARP_SPA] = d.arpSpa;
        u32[w + W_ARP_TPA] = d.arpTpa;
      } else {
        u32[w + W_ARP_OP] = 0;
      }
    }
    if (++this.#n === this.#records) return this.#handOver();
    return true;
  }

  /** Hands over what is filled and marks the end of the input. */
  finish(): void {
    if (this.#n > 0 && !this.#handOver()) return;
    this.#hand.publish(END_OF_INPUT);
  }

  /** Tells the pipeline side that decoding failed (the error goes as a message). */
  fail(): void {
    this.#hand.publish(FAILED);
  }

  /** Publishes the current batch and waits for the next slot to be free; false when asked to stop. */
  #handOver(): boolean {
    this.#hand.publish(this.#n);
    const free = this.#hand.advance();
    this.#cur = this.#slots[this.#hand.slot]!;
    this.#n = 0;
    this.#payloadUsed = 0;
    return free;
  }
}

/** The pipeline thread's side: takes batches in order and reads records into a DecodedPacket. */
export class BatchReader {
  readonly #hand: SlotConsumer;
  readonly #slots: SlotViews[] = [];
  #cur: SlotViews;

  constructor(ring: BatchRing) {
    this.#hand = new SlotConsumer(ring.ctrl);
    for (let s = 0; s < BATCH_SLOTS; s++) this.#slots.push(new SlotViews(ring, s));
    this.#cur = this.#slots[0]!;
  }

  /** The next batch's record count, END_OF_INPUT or FAILED (see SlotConsumer.next). */
  async next(alive: () => boolean): Promise<number> {
    const v = await this.#hand.next(alive);
    this.#cur = this.#slots[this.#hand.slot]!;
    return v;
  }

  /** Gives the current batch's slot back to the decode thread. */
  release(): void {
    this.#hand.release();
  }

  /** Asks the decode thread to stop (it notices while waiting for a free slot). */
  stop(): void {
    this.#hand.stop();
  }

  /** Packet time of record `i` of the current batch. */
  ts(i: number): number {
    return this.#cur.f64[i * RECORD_F64 + F_TS]!;
  }

  /** Captured length of record `i`. */
  caplen(i: number): number {
    return this.#cur.u32[i * RECORD_F64 * 2 + W_CAPLEN]!;
  }

  /**
   * The TunnelKind when record `i` is the outer datagram of a UDP tunnel
   * (DecodedPacket.carrier; read it with read() and hand it to
   * Pipeline.carrierPacket) rather than a captured packet, else 0.
   */
  carrierKind(i: number): number {
    return this.#cur.u32[i * RECORD_F64 * 2 + W_KIND]! >>> KIND_CARRIER_SHIFT;
  }

  /** Fills `d` from record `i`; false when the packet did not decode. */
  read(i: number, d: DecodedPacket): boolean {
    const v = this.#cur;
    const o = i * RECORD_F64;
    const w = o * 2;
    const u32 = v.u32;
    const f64 = v.f64;
    const kind = u32[w + W_KIND]!;
    if ((kind & KIND_DECODED) === 0) return false;
    d.ts = f64[o + F_TS]!;
    d.tunnel = (kind >>> 1) & 0x7f;
    d.tunnelId = f64[o + F_TUNNEL_ID]!;
    if (d.tunnel !== 0) {
      for (let k = 0; k < 4; k++) {
        d.tunnelSrc[k] = u32[w + W_TUNNEL_SRC + k]!;
        d.tunnelDst[k] = u32[w + W_TUNNEL_DST + k]!;
      }
      const tp = u32[w + W_TUNNEL_PORTS]!;
      d.tunnelSrcPort = tp >>> 16;
      d.tunnelDstPort = tp & 0xffff;
      d.tunnelV6 = u32[w + W_TUNNEL_V6] === 1;
    }
    d.l3 = (kind >>> 8) & 0xff;
    d.proto = (kind >>> 16) & 0xff;
    d.fragment = (kind & KIND_FRAGMENT) !== 0;
    d.reassembled = (kind & KIND_REASSEMBLED) !== 0;
    d.srcMac = f64[o + F_SRC_MAC]!;
    d.dstMac = f64[o + F_DST_MAC]!;
    const ports = u32[w + W_PORTS]!;
    d.srcPort = ports >>> 16;
    d.dstPort = ports & 0xffff;
    const src = d.src;
    const dst = d.dst;
    src[0] = u32[w + W_SRC]!;
    src[1] = u32[w + W_SRC + 1]!;
    src[2] = u32[w + W_SRC + 2]!;
    src[3] = u32[w + W_SRC + 3]!;
    dst[0] = u32[w + W_DST]!;
    dst[1] = u32[w + W_DST + 1]!;
    dst[2] = u32[w + W_DST + 2]!;
    dst[3] = u32[w + W_DST + 3]!;
    d.seq = u32[w + W_SEQ]!;
    d.ack = u32[w + W_ACK]!;
    d.payloadWireLen = u32[w + W_WIRE_LEN]!;
    d.window = u32[w + W_WINDOW]!;
    d.ipLen = u32[w + W_IP_LEN]!;
    d.vlan = v.i32[w + W_VLAN]!;
    d.innerVlan = v.i32[w + W_INNER_VLAN]!;
    d.tcpFlags = u32[w + W_TCP_FLAGS]!;
    d.ttl = u32[w + W_TTL]!;
    d.etherType = u32[w + W_ETHER_TYPE]!;
    d.buf = v.payload;
    d.payloadOffset = u32[w + W_PAYLOAD_AT]!;
    d.payloadLen = u32[w + W_PAYLOAD_LEN]!;
    const arpOp = u32[w + W_ARP_OP]!;
    d.arpOp = arpOp;
    if (arpOp !== 0) {
      d.arpSha = f64[o + F_ARP_SHA]!;
      d.arpTha = f64[o + F_ARP_THA]!;
      d.arpSpa = u32[w + W_ARP_SPA]!;
      d.arpTpa = u32[w + W_ARP_TPA]!;
    }
    return true;
  }
}
