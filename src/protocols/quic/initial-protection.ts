/**
 * Initial packet protection (RFC 9001 section 5, RFC 9369 section 3.3 for
 * version 2). Initial packets are encrypted, but with keys anyone can derive
 * from the Destination Connection ID of the client's first Initial packet:
 * this module derives them and removes header and payload protection, so the
 * ClientHello and ServerHello inside can be read like TLS over TCP.
 * Never throws: a packet that does not decrypt gives null.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { AEAD_TAG_LENGTH, HP_SAMPLE_LENGTH, type VersionProfile } from './consts.js';

/** Packet protection keys of one direction. */
export interface DirectionKeys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

export interface InitialKeys {
  client: DirectionKeys;
  server: DirectionKeys;
}

function hmacSha256(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * HKDF-Expand-Label (RFC 8446 section 7.1) with an empty context, for
 * outputs of at most one SHA-256 block (every Initial secret and key is).
 */
export function hkdfExpandLabel(secret: Uint8Array, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.alloc(2 + 1 + full.length + 1 + 1);
  info.writeUInt16BE(length, 0);
  info[2] = full.length;
  full.copy(info, 3);
  info[3 + full.length] = 0; // context length
  info[4 + full.length] = 1; // HKDF-Expand block counter
  return hmacSha256(secret, info).subarray(0, length);
}

function directionKeys(secret: Buffer, profile: VersionProfile): DirectionKeys {
  return {
    key: hkdfExpandLabel(secret, profile.keyLabel, 16),
    iv: hkdfExpandLabel(secret, profile.ivLabel, 12),
    hp: hkdfExpandLabel(secret, profile.hpLabel, 16),
  };
}

/** Both directions' Initial keys for a connection whose client chose `dcid`. */
export function deriveInitialKeys(profile: VersionProfile, dcid: Uint8Array): InitialKeys {
  const initial = hmacSha256(Buffer.from(profile.salt, 'hex'), dcid); // HKDF-Extract
  return {
    client: directionKeys(hkdfExpandLabel(initial, 'client in', 32), profile),
    server: directionKeys(hkdfExpandLabel(initial, 'server in', 32), profile),
  };
}

/**
 * The full packet number from its truncated encoding (RFC 9000 appendix
 * A.3), given the largest number seen so far in that direction (-1: none).
 */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const half = win / 2;
  const candidate = Math.floor(expected / win) * win + truncated;
  if (candidate <= expected - half && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + half && candidate >= win) return candidate - win;
  return candidate;
}

/** An Initial packet with its protection removed. */
export interface OpenedPacket {
  packetNumber: number;
  /** The frames. */
  payload: Buffer;
}

/**
 * Removes header and payload protection from the long-header packet
 * `d[start, end)` whose packet number starts at `pnOffset`. `largestPn` is
 * the largest packet number read so far in that direction (-1: none).
 * Null when the packet is too short or does not authenticate.
 */
export function openLongHeaderPacket(
  d: Uint8Array,
  start: number,
  pnOffset: number,
  end: number,
  keys: DirectionKeys,
  largestPn: number,
): OpenedPacket | null {
  const sampleAt = pnOffset + 4;
  if (sampleAt + HP_SAMPLE_LENGTH > end) return null;
  let mask: Buffer;
  try {
    const ecb = createCipheriv('aes-128-ecb', keys.hp, null);
    ecb.setAutoPadding(false);
    mask = ecb.update(d.subarray(sampleAt, sampleAt + HP_SAMPLE_LENGTH));
  } catch {
    return null;
  }
  const first = d[start]! ^ (mask[0]! & 0x0f);
  const pnLength = (first & 3) + 1;
  const headerEnd = pnOffset + pnLength;
  if (headerEnd + AEAD_TAG_LENGTH > end) return null;
  const header = Buffer.from(d.subarray(start, headerEnd));
  header[0] = first;
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) {
    const at = pnOffset - start + i;
    header[at] = header[at]! ^ mask[1 + i]!;
    truncated = truncated * 256 + header[at]!;
  }
  const packetNumber = decodePacketNumber(largestPn, truncated, pnLength * 8);
  const nonce = Buffer.from(keys.iv);
  let pn = packetNumber;
  for (let i = 0; i < 8 && pn > 0; i++) {
    nonce[11 - i] = nonce[11 - i]! ^ pn % 256;
    pn = Math.floor(pn / 256);
  }
  try {
    const gcm = createDecipheriv('aes-128-gcm', keys.key, nonce);
    gcm.setAAD(header);
    gcm.setAuthTag(d.subarray(end - AEAD_TAG_LENGTH, end));
    const body = gcm.update(d.subarray(headerEnd, end - AEAD_TAG_LENGTH));
    const rest = gcm.final();
    return { packetNumber, payload: rest.length === 0 ? body : Buffer.concat([body, rest]) };
  } catch {
    return null;
  }
}
