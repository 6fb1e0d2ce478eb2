/**
 * One SNMP message (RFC 3416 PDUs; RFC 1157 for v1, RFC 1901 for v2c, RFC
 * 3412/3414 for v3 with the user-based security model): the version, the
 * community (v1/v2c), the v3 user name and flags, and the PDU's kind,
 * request id, error status and variable bindings (at most MAX_BINDINGS read
 * for their names and the values snmp.log reports). A pure function over
 * one datagram: returns null for what is not SNMP, never throws.
 */
import { BerReader, TagClass, UniversalTag } from '../asn1/ber.js';
import { MAX_BINDINGS, MAX_TEXT, PduType, SNMP_V3, TIMETICKS_TAG } from './consts.js';

/** One variable binding: its name, and its value when it is a string or TimeTicks. */
export interface Binding {
  oid: string;
  /** OCTET STRING value (latin1, cut at MAX_TEXT). */
  octets?: string;
  /** TimeTicks value (hundredths of a second). */
  ticks?: number;
  /** The value is an SNMPv2 exception (noSuchObject, noSuchInstance, endOfMibView). */
  exception?: boolean;
}

export interface SnmpMessage {
  /** 0 (v1), 1 (v2c) or 3 (v3), as on the wire. */
  version: number;
  /** v1 and v2c: the community, as bytes (it is a secret: callers decide what to keep). */
  community?: Uint8Array;
  /** v3: the USM user name (empty in discovery). */
  user?: string;
  /** v3: the PDU is encrypted (privacy): its kind and bindings are unseen. */
  encrypted: boolean;
  /** v3: msgFlags asks for authentication. */
  authFlag: boolean;
  /** PDU kind (context tag, PduType), -1 when unseen (encrypted). */
  pdu: number;
  requestId: number;
  /** error-status of a Response (0 noError); for GetBulk, non-repeaters. */
  errorStatus: number;
  /** Bindings in the PDU (all counted, at most MAX_BINDINGS kept). */
  bindingCount: number;
  bindings: Binding[];
}

/** Reads one datagram; null when it is not an SNMP message. */
export function parseSnmp(buf: Uint8Array): SnmpMessage | null {
  const top = new BerReader(buf);
  if (!top.next() || !top.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE) || !top.constructed) return null;
  const msg = top.enter();
  if (msg === null || !msg.next() || !msg.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return null;
  const version = msg.int();
  const out: SnmpMessage = { version, encrypted: false, authFlag: false, pdu: -1, requestId: 0, errorStatus: 0, bindingCount: 0, bindings: [] };
  if (version === 0 || version === 1) {
    if (!msg.next() || !msg.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) return null;
    out.community = msg.bytes();
    if (!msg.next()) return null;
    return readPdu(msg, out) ? out : null;
  }
  if (version !== SNMP_V3) return null;
  // msgGlobalData: msgID, msgMaxSize, msgFlags, msgSecurityModel.
  if (!msg.next() || !msg.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return null;
  const global = msg.enter();
  if (global === null) return null;
  let flags = 0;
  for (let i = 0; i < 3 && global.next(); i++) {
    if (i === 2 && global.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING) && global.length > 0) flags = buf[global.valueStart]!;
  }
  out.authFlag = (flags & 0x01) !== 0;
  out.encrypted = (flags & 0x02) !== 0;
  // msgSecurityParameters: an OCTET STRING holding the USM SEQUENCE.
  if (!msg.next() || !msg.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) return null;
  out.user = usmUser(msg);
  // msgData: a ScopedPDU, or its encryption.
  if (!msg.next()) return null;
  if (msg.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) {
    out.encrypted = true;
    return out;
  }
  if (!msg.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return null;
  const scoped = msg.enter();
  // contextEngineID, contextName, then the PDU.
  if (scoped === null || !scoped.next() || !scoped.next() || !scoped.next()) return null;
  out.encrypted = false;
  return readPdu(scoped, out) ? out : null;
}

/** The user name of a USM security parameters block (RFC 3414 section 2.4), '' when unreadable. */
function usmUser(r: BerReader): string {
  const inner = r.enter();
  if (inner === null || !inner.next() || !inner.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return '';
  const usm = inner.enter();
  if (usm === null) return '';
  // engineID, engineBoots, engineTime, userName.
  for (let i = 0; i < 4; i++) if (!usm.next()) return '';
  if (!usm.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) return '';
  return latin1(usm.buf, usm.valueStart, usm.valueEnd);
}

/** Reads the PDU the reader stands on into `out`; false when it is not one. */
function readPdu(r: BerReader, out: SnmpMessage): boolean {
  if (r.cls !== TagClass.CONTEXT || !r.constructed || r.tag > PduType.REPORT) return false;
  out.pdu = r.tag;
  const pdu = r.enter();
  if (pdu === null) return false;
  if (r.tag === PduType.TRAP_V1) {
    // enterprise, agent-addr, generic-trap, specific-trap, time-stamp, then the bindings.
    for (let i = 0; i < 5; i++) if (!pdu.next()) return false;
  } else {
    if (!pdu.next() || !pdu.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return false;
    out.requestId = pdu.int();
    if (!pdu.next() || !pdu.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return false;
    out.errorStatus = pdu.int();
    if (!pdu.next()) return false;
  }
  if (!pdu.next() || !pdu.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return false;
  const list = pdu.enter();
  if (list === null) return false;
  while (list.next()) {
    out.bindingCount++;
    if (out.bindings.length >= MAX_BINDINGS || !list.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) continue;
    const vb = list.enter();
    if (vb === null || !vb.next() || !vb.is(TagClass.UNIVERSAL, UniversalTag.OID)) continue;
    const b: Binding = { oid: vb.oid() };
    if (vb.next()) {
      if (vb.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) b.octets = latin1(vb.buf, vb.valueStart, Math.min(vb.valueEnd, vb.valueStart + MAX_TEXT));
      else if (vb.is(TagClass.APPLICATION, TIMETICKS_TAG) && vb.length <= 5) b.ticks = unsigned(vb.buf, vb.valueStart, vb.valueEnd);
      else if (vb.cls === TagClass.CONTEXT) b.exception = true;
    }
    out.bindings.push(b);
  }
  // A bindings list that ends in a malformed element still counts what was read.
  return true;
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
  return s;
}

/** An unsigned BER integer of at most 5 octets (a leading zero octet allowed). */
function unsigned(buf: Uint8Array, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 256 + buf[i]!;
  return v;
}
