/**
 * Pure readers of connection-oriented DCE/RPC PDUs (C706 12.6): the common
 * header, honouring the byte order the data representation label announces,
 * and the bodies the analyzer needs — bind / alter_context (presentation
 * context items), bind_ack / alter_context_resp (secondary address and
 * results), request (context id, opnum, object UUID, where its stub
 * starts), response (context id) and fault (status), and the auth level of
 * a PDU's sec_trailer. Each reader fills a caller-owned scratch object and
 * returns false when the PDU is too short for what it announces; nothing
 * throws and nothing is allocated except the UUID text of a bind's
 * interfaces and a bind_ack's address.
 */
import { u16 as be16, u32 as be32 } from '../../decode/bytes.js';
import { u16 as le16, u32 as le32 } from '../smb/wire.js';
import { HEADER_SIZE, MAX_CONTEXT_ITEMS, MAX_TRANSFER_SYNTAXES, PfcFlags, RPC_VERSION, SEC_TRAILER_SIZE } from './consts.js';

/** The common header of one PDU. */
export interface PduHeader {
  ptype: number;
  flags: number;
  /** True when the data representation says little-endian integers. */
  little: boolean;
  fragLength: number;
  authLength: number;
  callId: number;
}

export function newHeader(): PduHeader {
  return { ptype: 0, flags: 0, little: true, fragLength: 0, authLength: 0, callId: 0 };
}

/** 16-bit value at `o` in the PDU's byte order (its data representation). */
export function u16(b: Uint8Array, o: number, little: boolean): number {
  return little ? le16(b, o) : be16(b, o);
}

/** 32-bit value at `o` in the PDU's byte order. */
export function u32(b: Uint8Array, o: number, little: boolean): number {
  return little ? le32(b, o) : be32(b, o);
}

/**
 * The header at `o` (at least HEADER_SIZE bytes there): true when it is a
 * version 5.0/5.1 PDU whose frag_length covers its header and its auth
 * verifier. Fills `h`.
 */
export function readHeader(b: Uint8Array, o: number, h: PduHeader): boolean {
  if (b[o] !== RPC_VERSION || b[o + 1]! > 1) return false;
  // drep[0]: high nibble is the integer representation, 1 = little-endian (C706 14.1).
  const rep = b[o + 4]! >> 4;
  if (rep > 1) return false;
  const little = rep === 1;
  h.ptype = b[o + 2]!;
  h.flags = b[o + 3]!;
  h.little = little;
  h.fragLength = u16(b, o + 8, little);
  h.authLength = u16(b, o + 10, little);
  h.callId = u32(b, o + 12, little);
  if (h.fragLength < HEADER_SIZE) return false;
  if (h.authLength > 0 && HEADER_SIZE + SEC_TRAILER_SIZE + h.authLength > h.fragLength) return false;
  return true;
}

/** Where a PDU's body ends: before its sec_trailer, auth verifier and auth padding. */
export function bodyEnd(b: Uint8Array, o: number, h: PduHeader): number {
  const end = o + h.fragLength;
  if (h.authLength === 0) return end;
  const trailer = end - h.authLength - SEC_TRAILER_SIZE;
  // sec_trailer: auth_type, auth_level, auth_pad_length, ... ; the pad precedes it.
  const pad = b[trailer + 2]!;
  return Math.max(o + HEADER_SIZE, trailer - pad);
}

/**
 * The auth_level of the PDU's sec_trailer (C706 13.2.6.1, values in
 * [MS-RPCE] 2.2.1.1.8: 2 connect ... 5 packet integrity, 6 packet privacy),
 * 0 when it carries no auth verifier.
 */
export function authLevel(b: Uint8Array, o: number, h: PduHeader): number {
  if (h.authLength === 0) return 0;
  return b[o + h.fragLength - h.authLength - SEC_TRAILER_SIZE + 1]!;
}

const HEX = '0123456789abcdef';
const uuidCodes: number[] = new Array<number>(36).fill(0);
/** Byte order of a UUID's 16 bytes as text: time_low, time_mid and time_hi are reversed when little-endian. */
const LE_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] as const;
const BE_ORDER = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] as const;

/** The UUID at `o` as lower-case text; its first three fields in the PDU's byte order (NDR). */
export function uuidText(b: Uint8Array, o: number, little: boolean): string {
  const order = little ? LE_ORDER : BE_ORDER;
  let c = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) uuidCodes[c++] = 0x2d;
    const v = b[o + order[i]!]!;
    uuidCodes[c++] = HEX.charCodeAt(v >> 4);
    uuidCodes[c++] = HEX.charCodeAt(v & 15);
  }
  return String.fromCharCode(...uuidCodes);
}

/** One presentation context a bind or alter_context offers. */
export interface ContextItem {
  contextId: number;
  /** Abstract syntax: the interface UUID and version. */
  uuid: string;
  versionMajor: number;
  versionMinor: number;
  /** The first transfer syntax's UUID (NDR, NDR64 or bind-time feature negotiation). */
  transferSyntax: string;
}

/** A bind / alter_context body. */
export interface BindBody {
  items: ContextItem[];
  /** True when the PDU listed more items than MAX_CONTEXT_ITEMS. */
  cut: boolean;
}

/**
 * A bind or alter_context PDU at `o` (C706 12.6.4.3): max_xmit_frag,
 * max_recv_frag, assoc_group_id, then the p_cont_list_t. Null when the list
 * runs past the body.
 */
export function readBind(b: Uint8Array, o: number, h: PduHeader): BindBody | null {
  const end = bodyEnd(b, o, h);
  let p = o + HEADER_SIZE + 8;
  if (p + 4 > end) return null;
  const n = b[p]!;
  p += 4;
  const out: BindBody = { items: [], cut: n > MAX_CONTEXT_ITEMS };
  for (let i = 0; i < n && i < MAX_CONTEXT_ITEMS; i++) {
    // p_cont_id (2), n_transfer_syn (1), reserved (1), abstract syntax (20), transfer syntaxes (20 each).
    if (p + 24 > end) return null;
    const contextId = u16(b, p, h.little);
    const nSyntaxes = b[p + 2]!;
    if (nSyntaxes === 0 || nSyntaxes > MAX_TRANSFER_SYNTAXES || p + 24 + 20 * nSyntaxes > end) return null;
    const version = p + 20;
    out.items.push({
      contextId,
      uuid: uuidText(b, p + 4, h.little),
      versionMajor: u16(b, version, h.little),
      versionMinor: u16(b, version + 2, h.little),
      transferSyntax: uuidText(b, p + 24, h.little),
    });
    p += 24 + 20 * nSyntaxes;
  }
  return out;
}

/** A bind_ack / alter_context_resp body. */
export interface BindAckBody {
  /** The secondary address (a port for TCP, "\PIPE\name" for SMB); '' when none. */
  secAddr: string;
  /** Results in the order of the bind's context items (ContextResult values). */
  results: number[];
  /** The transfer syntax each result names (lower-case UUID text): the one accepted, for an acceptance. */
  syntaxes: string[];
}

/** Longest secondary address read: a port or a pipe name. */
const MAX_SEC_ADDR = 256;

/**
 * A bind_ack or alter_context_resp at `o` (C706 12.6.4.4): the secondary
 * address, padding to 4 bytes, then the result list. Null when it runs past
 * the body.
 */
export function readBindAck(b: Uint8Array, o: number, h: PduHeader): BindAckBody | null {
  const end = bodyEnd(b, o, h);
  let p = o + HEADER_SIZE + 8;
  if (p + 2 > end) return null;
  const addrLen = u16(b, p, h.little);
  p += 2;
  if (p + addrLen > end) return null;
  let secAddr = '';
  if (addrLen > 1 && addrLen <= MAX_SEC_ADDR) {
    // A NUL-terminated port_spec of printable ASCII.
    let stop = p + addrLen;
    while (stop > p && b[stop - 1] === 0) stop--;
    let printable = true;
    for (let i = p; i < stop; i++) if (b[i]! < 0x20 || b[i]! > 0x7e) printable = false;
    if (printable) secAddr = String.fromCharCode(...b.subarray(p, stop));
  }
  p += addrLen;
  // The result list is 4-byte aligned relative to the PDU start.
  p = o + ((p - o + 3) & ~3);
  if (p + 4 > end) return null;
  const n = b[p]!;
  p += 4;
  const results: number[] = [];
  const syntaxes: string[] = [];
  for (let i = 0; i < n && i < MAX_CONTEXT_ITEMS; i++) {
    // result (2), reason (2), transfer syntax UUID (16) and version (4).
    if (p + 24 > end) return null;
    results.push(u16(b, p, h.little));
    syntaxes.push(uuidText(b, p + 4, h.little));
    p += 24;
  }
  return { secAddr, results, syntaxes };
}

/** What the analyzer reads of a request, response or fault (scratch, reused). */
export interface CallPdu {
  contextId: number;
  /** Request: the operation number. */
  opnum: number;
  /** Request with PFC_OBJECT_UUID: offset of the object UUID in the buffer, else -1. */
  objectAt: number;
  /** Fault: the status code. */
  status: number;
  /** Stub data bytes carried by this fragment. */
  stubBytes: number;
  /** Request and response: offset of its stub data in the buffer (`stubBytes` of them follow). */
  stubAt: number;
}

export function newCallPdu(): CallPdu {
  return { contextId: 0, opnum: 0, objectAt: -1, status: 0, stubBytes: 0, stubAt: 0 };
}

/** A request at `o` (C706 12.6.4.9): alloc_hint, p_cont_id, opnum, optional object UUID. */
export function readRequest(b: Uint8Array, o: number, h: PduHeader, out: CallPdu): boolean {
  const end = bodyEnd(b, o, h);
  const p = o + HEADER_SIZE;
  const object = (h.flags & PfcFlags.OBJECT_UUID) !== 0;
  const stub = p + 8 + (object ? 16 : 0);
  if (stub > end) return false;
  out.contextId = u16(b, p + 4, h.little);
  out.opnum = u16(b, p + 6, h.little);
  out.objectAt = object ? p + 8 : -1;
  out.status = 0;
  out.stubBytes = end - stub;
  out.stubAt = stub;
  return true;
}

/** A response at `o` (C706 12.6.4.10): alloc_hint, p_cont_id, cancel_count, reserved. */
export function readResponse(b: Uint8Array, o: number, h: PduHeader, out: CallPdu): boolean {
  const end = bodyEnd(b, o, h);
  const p = o + HEADER_SIZE;
  if (p + 8 > end) return false;
  out.contextId = u16(b, p + 4, h.little);
  out.status = 0;
  out.objectAt = -1;
  out.stubBytes = end - p - 8;
  out.stubAt = p + 8;
  return true;
}

/** A fault at `o` (C706 12.6.4.7): alloc_hint, p_cont_id, cancel_count, reserved, status. */
export function readFault(b: Uint8Array, o: number, h: PduHeader, out: CallPdu): boolean {
  const end = bodyEnd(b, o, h);
  const p = o + HEADER_SIZE;
  if (p + 12 > end) return false;
  out.contextId = u16(b, p + 4, h.little);
  out.status = u32(b, p + 8, h.little);
  out.objectAt = -1;
  out.stubBytes = 0;
  return true;
}
