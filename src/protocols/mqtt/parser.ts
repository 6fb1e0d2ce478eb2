/**
 * MQTT control packets: the fixed header (type and remaining length),
 * CONNECT (protocol, version, flags, client id, will, user name; the
 * password only as "present"), CONNACK (the broker's answer), PUBLISH (topic,
 * QoS, where the payload starts), SUBSCRIBE, UNSUBSCRIBE and their
 * acknowledgements, and the packet identifier of the QoS exchanges. Pure
 * functions; null for a packet that does not parse.
 */
import { u16 } from '../../decode/bytes.js';
import { logString } from '../wire-text.js';
import { Flag, MAX_TOPICS, PacketType } from './consts.js';

/**
 * The variable byte integer at `b[i..end)` (MQTT's remaining length and
 * property lengths: 7 bits a byte, at most 4 bytes): its value and the index
 * after it; null while its bytes are incomplete; `next` -1 when it runs past
 * 4 bytes.
 */
export function varInt(b: Uint8Array, i: number, end: number): { value: number; next: number } | null {
  let value = 0;
  let mul = 1;
  for (let k = 0; k < 4; k++) {
    if (i + k >= end) return null;
    const v = b[i + k]!;
    value += (v & 0x7f) * mul;
    if ((v & 0x80) === 0) return { value, next: i + k + 1 };
    mul *= 128;
  }
  return { value: 0, next: -1 };
}

/** A packet's type, the offset of its body and its length; null while the header is incomplete; -1 body for a malformed length. */
export function fixedHeader(b: Uint8Array, start: number, end: number): { type: number; body: number; length: number } | null {
  if (end - start < 2) return null;
  const len = varInt(b, start + 1, end);
  if (len === null) return null;
  return { type: b[start]! >> 4, body: len.next, length: len.value };
}

export interface MqttConnect {
  protocolName: string;
  /** 3 (3.1), 4 (3.1.1), 5 (5.0). */
  version: number;
  clientId: string;
  willTopic?: string;
  willPayload?: string;
  user?: string;
  hasPassword: boolean;
}

/** A cursor over one packet's body. */
class Reader {
  constructor(
    readonly b: Uint8Array,
    public i: number,
    readonly end: number,
  ) {}
  u8(): number | null {
    return this.i < this.end ? this.b[this.i++]! : null;
  }
  u16(): number | null {
    if (this.i + 2 > this.end) return null;
    const v = u16(this.b, this.i);
    this.i += 2;
    return v;
  }
  /** A two-byte-length string or binary field, as log text; null when it overruns. */
  text(): string | null {
    const n = this.u16();
    if (n === null || this.i + n > this.end) return null;
    const s = logString(this.b, this.i, this.i + n);
    this.i += n;
    return s;
  }
  skipText(): boolean {
    const n = this.u16();
    if (n === null || this.i + n > this.end) return false;
    this.i += n;
    return true;
  }
  /** Skips MQTT 5 properties (a variable byte length, then that many bytes). */
  skipProperties(): boolean {
    const len = varInt(this.b, this.i, this.end);
    if (len === null || len.next < 0 || len.next + len.value > this.end) return false;
    this.i = len.next + len.value;
    return true;
  }
}

export function parseConnect(b: Uint8Array, body: number, length: number): MqttConnect | null {
  const r = new Reader(b, body, body + length);
  const protocolName = r.text();
  const version = r.u8();
  const flags = r.u8();
  if (protocolName === null || version === null || flags === null || r.u16() === null) return null;
  if (version === 5 && !r.skipProperties()) return null;
  const clientId = r.text();
  if (clientId === null) return null;
  const c: MqttConnect = { protocolName, version, clientId, hasPassword: (flags & Flag.PASSWORD) !== 0 };
  if ((flags & Flag.WILL) !== 0) {
    if (version === 5 && !r.skipProperties()) return null;
    const topic = r.text();
    const payload = r.text();
    if (topic === null || payload === null) return null;
    c.willTopic = topic;
    c.willPayload = payload;
  }
  if ((flags & Flag.USERNAME) !== 0) {
    const user = r.text();
    if (user === null) return null;
    c.user = user;
  }
  // The password is never read into text: only whether it is there.
  if (c.hasPassword && !r.skipText()) return null;
  return c;
}

/** A CONNACK's return (3.x) or reason (5) code; null when it does not parse. */
export function parseConnack(b: Uint8Array, body: number, length: number): number | null {
  return length >= 2 && body + 2 <= b.length ? b[body + 1]! : null;
}

/** True for client bytes that begin a CONNECT: type 1, a length, then the protocol name "MQTT" or "MQIsdp". */
export function looksLikeConnect(b: Uint8Array): boolean {
  const h = fixedHeader(b, 0, b.length);
  if (h === null || h.body < 0 || h.type !== PacketType.CONNECT || (b[0]! & 0x0f) !== 0) return false;
  const i = h.body;
  if (b.length < i + 6 || b[i] !== 0) return false;
  const n = b[i + 1]!;
  const name = n === 4 || n === 6 ? String.fromCharCode(...b.subarray(i + 2, i + 2 + n)) : '';
  return name === 'MQTT' || name === 'MQIsdp';
}

export interface MqttPublish {
  qos: number;
  retain: boolean;
  /** A redelivery of an earlier attempt (DUP flag). */
  dup: boolean;
  topic: string;
  /** The packet identifier (QoS 1 and 2), else null. */
  id: number | null;
  /** Offset of the payload's first byte. */
  payload: number;
}

/**
 * A PUBLISH whose body starts at `body` with `flags` (the fixed header's low
 * bits); `end` may fall short of the packet's end (a long message read from
 * its head), as long as the topic and identifier fit.
 */
export function parsePublish(b: Uint8Array, flags: number, body: number, end: number, version: number): MqttPublish | null {
  const qos = (flags >> 1) & 3;
  if (qos === 3) return null;
  const r = new Reader(b, body, end);
  const topic = r.text();
  if (topic === null) return null;
  const id = qos > 0 ? r.u16() : null;
  if (qos > 0 && id === null) return null;
  if (version === 5 && !r.skipProperties()) return null;
  return { qos, retain: (flags & 1) !== 0, dup: (flags & 8) !== 0, topic, id, payload: r.i };
}

/** The packet identifier that opens a PUBACK, PUBREC, PUBREL, PUBCOMP or UNSUBACK; null when it is missing. */
export function packetId(b: Uint8Array, body: number, length: number): number | null {
  return length >= 2 ? u16(b, body) : null;
}

export interface MqttSubscription {
  id: number;
  topics: string[];
  /** SUBSCRIBE: the QoS asked for each topic (the options byte's low bits); empty for UNSUBSCRIBE. */
  qos: number[];
}

/** A SUBSCRIBE (`subscribe` true: each topic followed by its options byte) or an UNSUBSCRIBE; at most MAX_TOPICS topics kept. */
export function parseSubscription(b: Uint8Array, body: number, length: number, version: number, subscribe: boolean): MqttSubscription | null {
  const r = new Reader(b, body, body + length);
  const id = r.u16();
  if (id === null || (version === 5 && !r.skipProperties())) return null;
  const s: MqttSubscription = { id, topics: [], qos: [] };
  while (r.i < r.end) {
    const topic = r.text();
    if (topic === null) return null;
    const options = subscribe ? r.u8() : 0;
    if (options === null) return null;
    if (s.topics.length < MAX_TOPICS) {
      s.topics.push(topic);
      if (subscribe) s.qos.push(options & 3);
    }
  }
  // A (UN)SUBSCRIBE names at least one topic.
  return s.topics.length > 0 ? s : null;
}

/** A SUBACK's identifier and first return code (undefined when it lists none). */
export function parseSuback(b: Uint8Array, body: number, length: number, version: number): { id: number; code: number | undefined } | null {
  const r = new Reader(b, body, body + length);
  const id = r.u16();
  if (id === null || (version === 5 && !r.skipProperties())) return null;
  return { id, code: r.u8() ?? undefined };
}
