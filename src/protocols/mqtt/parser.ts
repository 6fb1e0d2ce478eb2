/**
 * MQTT control packets of the connection phase: the fixed header (type and
 * remaining length), CONNECT (protocol, version, flags, client id, will,
 * user name; the password only as "present") and CONNACK (the broker's
 * answer). Pure functions; null for a packet that does not parse.
 */
import { logString } from '../wire-text.js';
import { Flag, PacketType } from './consts.js';

/** A packet's type, the offset of its body and its length; null while the header is incomplete; -1 body for a malformed length. */
export function fixedHeader(b: Uint8Array, start: number, end: number): { type: number; body: number; length: number } | null {
  if (end - start < 2) return null;
  let len = 0;
  let mul = 1;
  for (let i = 1; i <= 4; i++) {
    if (start + i >= end) return null;
    const v = b[start + i]!;
    len += (v & 0x7f) * mul;
    if ((v & 0x80) === 0) return { type: b[start]! >> 4, body: start + i + 1, length: len };
    mul *= 128;
  }
  return { type: b[start]! >> 4, body: -1, length: 0 };
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
    const v = (this.b[this.i]! << 8) | this.b[this.i + 1]!;
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
  /** Skips MQTT 5 properties (a variable-byte length, then that many bytes). */
  skipProperties(): boolean {
    let len = 0;
    let mul = 1;
    for (let k = 0; k < 4; k++) {
      const v = this.u8();
      if (v === null) return false;
      len += (v & 0x7f) * mul;
      if ((v & 0x80) === 0) {
        if (this.i + len > this.end) return false;
        this.i += len;
        return true;
      }
      mul *= 128;
    }
    return false;
  }
}

/** The CONNECT in `b[body, body+length)`; null when it does not parse. */
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
