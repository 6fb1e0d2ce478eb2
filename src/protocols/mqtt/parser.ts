/**
 * MQTT control packets of the connection phase: the fixed header (type and
 * remaining length), CONNECT (protocol, version, flags, client id, will,
 * user name; the password only as "present") and CONNACK (the broker's
 * answer). Pure functions; null for a packet that does not parse.
 */
import { u16 } from '../../decode/bytes.js';
import { logString } from '../wire-text.js';
import { Flag, PacketType } from './consts.js';

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
