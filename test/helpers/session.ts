/**
 * Hand-built TCP and UDP conversations with real payload bytes, as raw IPv4
 * packets, run through the real pipeline (decoder, flow tracker, dispatch,
 * reassembly, every shipped analyzer): for tests of what the logs say about
 * traffic cut into segments the way real stacks cut it, retransmitted or
 * reordered.
 */
import { RawPacket, LinkType } from '../../src/capture/packet.js';
import { EventBus } from '../../src/events/bus.js';
import type { PicketEvent } from '../../src/events/types.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { createProtocols } from '../../src/protocols/index.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

function ip4(s: string): number[] {
  return s.split('.').map(Number);
}

/** One raw IPv4 packet carrying TCP or UDP. */
function ipPacket(src: number[], dst: number[], proto: number, l4: Uint8Array): Uint8Array {
  const out = new Uint8Array(20 + l4.length);
  const total = out.length;
  out.set([0x45, 0, total >> 8, total & 0xff, 0, 1, 0x40, 0, 64, proto, 0, 0], 0);
  out.set(src, 12);
  out.set(dst, 16);
  out.set(l4, 20);
  return out;
}

export interface Conversation {
  readonly packets: { ts: number; data: Uint8Array }[];
}

/** A TCP connection between a client and a server; sequence numbers advance as data is sent. */
export class TcpSession implements Conversation {
  readonly packets: { ts: number; data: Uint8Array }[] = [];
  clientSeq: number;
  serverSeq: number;
  ts: number;
  readonly #c: number[];
  readonly #s: number[];
  readonly #cp: number;
  readonly #sp: number;

  constructor(opts: { client?: string; server?: string; clientPort?: number; serverPort: number; ts?: number; clientIsn?: number; serverIsn?: number }) {
    this.#c = ip4(opts.client ?? '10.0.0.1');
    this.#s = ip4(opts.server ?? '10.0.0.2');
    this.#cp = opts.clientPort ?? 49152;
    this.#sp = opts.serverPort;
    this.ts = opts.ts ?? 1_700_000_000;
    this.clientSeq = opts.clientIsn ?? 1000;
    this.serverSeq = opts.serverIsn ?? 900000;
  }

  /** Builds (without recording) one segment. */
  segment(fromClient: boolean, flags: number, seq: number, payload: Uint8Array): Uint8Array {
    const tcp = new Uint8Array(20 + payload.length);
    const sp = fromClient ? this.#cp : this.#sp;
    const dp = fromClient ? this.#sp : this.#cp;
    const ack = fromClient ? this.serverSeq : this.clientSeq;
    tcp.set([sp >> 8, sp & 0xff, dp >> 8, dp & 0xff], 0);
    tcp.set([seq >>> 24, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff], 4);
    tcp.set([ack >>> 24, (ack >>> 16) & 0xff, (ack >>> 8) & 0xff, ack & 0xff], 8);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    tcp.set(payload, 20);
    return fromClient ? ipPacket(this.#c, this.#s, 6, tcp) : ipPacket(this.#s, this.#c, 6, tcp);
  }

  #put(data: Uint8Array): void {
    this.ts += 0.001;
    this.packets.push({ ts: this.ts, data });
  }

  handshake(): this {
    this.#put(this.segment(true, SYN, this.clientSeq, new Uint8Array(0)));
    this.clientSeq = (this.clientSeq + 1) >>> 0;
    this.#put(this.segment(false, SYN | ACK, this.serverSeq, new Uint8Array(0)));
    this.serverSeq = (this.serverSeq + 1) >>> 0;
    this.#put(this.segment(true, ACK, this.clientSeq, new Uint8Array(0)));
    return this;
  }

  /** Sends `payload` as one segment per piece (each piece a separate packet). */
  send(fromClient: boolean, ...pieces: Uint8Array[]): this {
    for (const p of pieces) {
      const seq = fromClient ? this.clientSeq : this.serverSeq;
      this.#put(this.segment(fromClient, PSH | ACK, seq, p));
      if (fromClient) this.clientSeq = (this.clientSeq + p.length) >>> 0;
      else this.serverSeq = (this.serverSeq + p.length) >>> 0;
    }
    return this;
  }

  /** Sends `payload` cut into segments of at most `mss` bytes. */
  sendMss(fromClient: boolean, payload: Uint8Array, mss: number): this {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < payload.length; i += mss) parts.push(payload.subarray(i, Math.min(payload.length, i + mss)));
    return this.send(fromClient, ...parts);
  }

  /** Records a segment at an explicit sequence number (retransmission, reordering); does not advance. */
  raw(fromClient: boolean, seq: number, payload: Uint8Array, flags = PSH | ACK): this {
    this.#put(this.segment(fromClient, flags, seq, payload));
    return this;
  }

  fin(fromClient: boolean): this {
    const seq = fromClient ? this.clientSeq : this.serverSeq;
    this.#put(this.segment(fromClient, FIN | ACK, seq, new Uint8Array(0)));
    if (fromClient) this.clientSeq = (this.clientSeq + 1) >>> 0;
    else this.serverSeq = (this.serverSeq + 1) >>> 0;
    return this;
  }

  /** Client FIN, server FIN, client ACK. */
  close(): this {
    this.fin(true);
    this.fin(false);
    this.#put(this.segment(true, ACK, this.clientSeq, new Uint8Array(0)));
    return this;
  }

  rst(fromClient: boolean): this {
    const seq = fromClient ? this.clientSeq : this.serverSeq;
    this.#put(this.segment(fromClient, RST | ACK, seq, new Uint8Array(0)));
    return this;
  }
}

/** UDP datagrams between a client and a server. */
export class UdpSession implements Conversation {
  readonly packets: { ts: number; data: Uint8Array }[] = [];
  ts: number;
  readonly #c: number[];
  readonly #s: number[];
  readonly #cp: number;
  readonly #sp: number;

  constructor(opts: { client?: string; server?: string; clientPort?: number; serverPort: number; ts?: number }) {
    this.#c = ip4(opts.client ?? '10.0.0.1');
    this.#s = ip4(opts.server ?? '10.0.0.2');
    this.#cp = opts.clientPort ?? 49152;
    this.#sp = opts.serverPort;
    this.ts = opts.ts ?? 1_700_000_000;
  }

  send(fromClient: boolean, payload: Uint8Array): this {
    const udp = new Uint8Array(8 + payload.length);
    const sp = fromClient ? this.#cp : this.#sp;
    const dp = fromClient ? this.#sp : this.#cp;
    const len = udp.length;
    udp.set([sp >> 8, sp & 0xff, dp >> 8, dp & 0xff, len >> 8, len & 0xff, 0, 0], 0);
    udp.set(payload, 8);
    this.ts += 0.001;
    this.packets.push({ ts: this.ts, data: fromClient ? ipPacket(this.#c, this.#s, 17, udp) : ipPacket(this.#s, this.#c, 17, udp) });
    return this;
  }
}

/** Fills `raw` with one whole captured frame (the packet sources' reused RawPacket) and returns it. */
export function asRawPacket(raw: RawPacket, data: Uint8Array, ts: number, linkType: number): RawPacket {
  raw.data = data;
  raw.offset = 0;
  raw.caplen = data.length;
  raw.origLen = data.length;
  raw.tsSec = Math.floor(ts);
  raw.tsNsec = Math.round((ts - raw.tsSec) * 1e9);
  raw.ts = ts;
  raw.linkType = linkType;
  return raw;
}

/** Runs conversations (their packets merged by time) through a pipeline with every shipped analyzer; returns every event. */
export function runConversations(...convs: Conversation[]): PicketEvent[] {
  const bus = new EventBus();
  const events: PicketEvent[] = [];
  bus.onAny((e) => events.push(e));
  const pipeline = new Pipeline({ bus, protocols: createProtocols(), flows: { uidSeed: 1 } });
  const all = convs.flatMap((c) => c.packets).sort((a, b) => a.ts - b.ts);
  const raw = new RawPacket();
  for (const p of all) pipeline.packet(asRawPacket(raw, p.data, p.ts, LinkType.RAW));
  pipeline.finish();
  return events;
}

/** The log records of one log ("ssl", "dns", "http", ...) among pipeline events. */
export function logRecords(events: readonly PicketEvent[], log: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const e of events) {
    const ev = e as { log?: string; record?: Record<string, unknown> };
    if (ev.log === log && ev.record !== undefined) out.push(ev.record);
  }
  return out;
}
