/**
 * The sending side of QUIC Initial packet protection, for building test
 * packets: header and payload protection applied as RFC 9001 section 5
 * describes (checked against the RFC's own sample packets in
 * initial-protection.test.ts), so the analyzer can be fed handshakes no
 * capture here holds (a server's answer, Retry, version 2, close frames).
 */
import { createCipheriv } from 'node:crypto';
import type { DirectionKeys } from '../../../src/protocols/quic/initial-protection.js';

/** A QUIC variable-length integer in its shortest encoding (or `size` bytes). */
export function varint(v: number, size?: number): Uint8Array {
  const n = size ?? (v < 64 ? 1 : v < 16384 ? 2 : v < 2 ** 30 ? 4 : 8);
  const out = new Uint8Array(n);
  let x = v;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = x % 256;
    x = Math.floor(x / 256);
  }
  out[0] = out[0]! | ([1, 2, 4, 8].indexOf(n) << 6);
  return out;
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface LongPacketSpec {
  /** Long-header type bits (0-3) as the version numbers them. */
  typeBits: number;
  version: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** Initial packets only: the token (none by default). */
  token?: Uint8Array;
  packetNumber: number;
  /** Bytes of packet number encoding (1-4). */
  pnLength: number;
  /** The frames, padded by the caller if needed. */
  payload: Uint8Array;
  keys: DirectionKeys;
  /** Encode the Length field in this many bytes (the RFC samples use 2). */
  lengthSize?: number;
  /** Initial packets carry a token length; 0-RTT and Handshake do not. */
  initial?: boolean;
}

/** The unprotected header (with the packet number) of a long-header packet. */
export function longHeader(p: LongPacketSpec): Uint8Array {
  const first = 0xc0 | (p.typeBits << 4) | (p.pnLength - 1);
  const v = p.version;
  const pn = new Uint8Array(p.pnLength);
  for (let i = 0, x = p.packetNumber; i < p.pnLength; i++, x = Math.floor(x / 256)) pn[p.pnLength - 1 - i] = x % 256;
  const length = p.pnLength + p.payload.length + 16;
  const token = p.token ?? new Uint8Array(0);
  return join(
    Uint8Array.of(first, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff, p.dcid.length),
    p.dcid,
    Uint8Array.of(p.scid.length),
    p.scid,
    p.initial === false ? new Uint8Array(0) : join(varint(token.length), token),
    varint(length, p.lengthSize),
    pn,
  );
}

/** A protected long-header packet. */
export function protectLongPacket(p: LongPacketSpec): Uint8Array {
  const header = longHeader(p);
  const nonce = Buffer.from(p.keys.iv);
  for (let i = 0, x = p.packetNumber; i < 8; i++, x = Math.floor(x / 256)) nonce[11 - i] = nonce[11 - i]! ^ x % 256;
  const gcm = createCipheriv('aes-128-gcm', p.keys.key, nonce);
  gcm.setAAD(header);
  const sealed = join(gcm.update(p.payload), gcm.final(), gcm.getAuthTag());
  const pnOffset = header.length - p.pnLength;
  // The sample starts 4 bytes after the packet number's start, whatever its length.
  const sample = sealed.subarray(4 - p.pnLength, 4 - p.pnLength + 16);
  const ecb = createCipheriv('aes-128-ecb', p.keys.hp, null);
  ecb.setAutoPadding(false);
  const mask = ecb.update(sample);
  const out = join(header, sealed);
  out[0] = out[0]! ^ (mask[0]! & 0x0f);
  for (let i = 0; i < p.pnLength; i++) out[pnOffset + i] = out[pnOffset + i]! ^ mask[1 + i]!;
  return out;
}

/** A CRYPTO frame. */
export function cryptoFrame(offset: number, data: Uint8Array): Uint8Array {
  return join(Uint8Array.of(0x06), varint(offset), varint(data.length), data);
}

/** A transport CONNECTION_CLOSE frame. */
export function closeFrame(code: number, reason: string): Uint8Array {
  const r = new TextEncoder().encode(reason);
  return join(Uint8Array.of(0x1c), varint(code), varint(0x06), varint(r.length), r);
}

/** `frames` followed by PADDING up to `size` bytes. */
export function padded(size: number, ...frames: Uint8Array[]): Uint8Array {
  const f = join(...frames);
  const out = new Uint8Array(Math.max(size, f.length));
  out.set(f);
  return out;
}

export { join };
