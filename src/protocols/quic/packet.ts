/**
 * QUIC long headers (RFC 9000 section 17.2, RFC 8999 for the
 * version-independent part): where each packet of a datagram starts and
 * ends, its version, connection IDs, kind, and where its protected packet
 * number begins. Pure; never throws; the views it returns point into the
 * datagram.
 */
import { Cursor } from './cursor.js';
import { hexAt } from '../dns/format.js';
import { PacketKind, type VersionProfile } from './consts.js';

/** The header of one long-header packet. */
export interface LongHeader {
  /** Offset of the packet's first byte in the datagram. */
  start: number;
  /** Offset just past the packet (the next coalesced packet starts here). */
  end: number;
  version: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** Known only for versions Picket reads; -1 otherwise (and for Version Negotiation). */
  kind: PacketKind | -1;
  /** Initial packets: the token's length. */
  tokenLength: number;
  /** Initial, 0-RTT and Handshake packets: offset of the (protected) packet number. */
  pnOffset: number;
}

/**
 * Reads the long header starting at `start`. `profile` is the version's
 * (from `versionProfile`), or undefined for a version Picket cannot read:
 * then only the invariant fields are read and the packet runs to the end of
 * the datagram. Returns null when the header overruns the datagram.
 */
export function readLongHeader(d: Uint8Array, start: number, profile: VersionProfile | undefined): LongHeader | null {
  const c = new Cursor(d, start, d.length);
  const first = c.u8();
  const version = c.u32();
  const dcid = c.bytes(c.u8());
  const scid = c.bytes(c.u8());
  if (c.truncated || dcid === null || scid === null) return null;
  const h: LongHeader = { start, end: d.length, version, dcid, scid, kind: -1, tokenLength: 0, pnOffset: -1 };
  if (profile === undefined || version === 0) return h;
  const kind = profile.types.indexOf((first >> 4) & 3) as PacketKind;
  h.kind = kind;
  if (kind === PacketKind.RETRY) return h; // token and integrity tag fill the datagram
  if (kind === PacketKind.INITIAL) {
    h.tokenLength = c.varint();
    c.skip(h.tokenLength);
  }
  const length = c.varint();
  if (c.truncated || c.pos + length > d.length) return null;
  h.pnOffset = c.pos;
  h.end = c.pos + length;
  return h;
}

/** Hex of a connection ID, as quic.log writes it. */
export function cidHex(cid: Uint8Array): string {
  return hexAt(cid, 0, cid.length);
}
