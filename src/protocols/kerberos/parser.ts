/**
 * Kerberos 5 message parser (RFC 4120 §5): KDC requests (AS-REQ/TGS-REQ),
 * KDC replies (AS-REP/TGS-REP), KRB-ERROR, AP-REQ and AP-REP. Only the clear
 * parts are read (principals, realms, times, options, encryption types);
 * encrypted parts are never touched beyond their etype.
 *
 * Pure: bytes in, a parsed message or `{ msgType: -1, reason }` out; never
 * throws. Built on the shared BER reader, so every read is bounds-checked.
 */
import { BerReader, TagClass, UniversalTag } from '../asn1/ber.js';
import { KdcOptionBit, KrbMsgType } from './consts.js';

/** PrincipalName components kept: real names have 1-3 ("krbtgt/REALM", "host/fqdn"). */
export const KRB_MAX_NAME_PARTS = 16;
/** Requested etypes kept: clients offer 5-10. */
export const KRB_MAX_ETYPES = 64;
/** PA-DATA entries kept (types only): requests carry 1-5. */
export const KRB_MAX_PADATA = 32;

export interface KrbTicket {
  realm: string;
  /** Service principal, components joined with '/'. */
  sname: string;
  /** Ticket enc-part etype (the key the service's account is encrypted with). */
  etype: number;
}

export interface KdcRequest {
  msgType: typeof KrbMsgType.AS_REQ | typeof KrbMsgType.TGS_REQ;
  /** Client principal components joined with '/', when present (AS-REQ). */
  cname?: string;
  /** Realm of the request body (the client's realm for AS, the service's for TGS). */
  realm: string;
  sname?: string;
  from?: number;
  till?: number;
  rtime?: number;
  nonce: number;
  /** Requested encryption types in client preference order. */
  etypes: number[];
  /** KDCOptions as a 32-bit number, bit 0 being the most significant bit. */
  kdcOptions: number;
  forwardable: boolean;
  renewable: boolean;
  /** PA-DATA types present (e.g. 2 = PA-ENC-TIMESTAMP, 128 = PA-PAC-REQUEST). */
  padataTypes: number[];
}

export interface KdcReply {
  msgType: typeof KrbMsgType.AS_REP | typeof KrbMsgType.TGS_REP;
  crealm: string;
  cname: string;
  ticket: KrbTicket;
  /** Etype of the reply's own enc-part (the client's key for AS, session key for TGS). */
  encPartEtype: number;
}

export interface KrbErrorMessage {
  msgType: typeof KrbMsgType.ERROR;
  errorCode: number;
  crealm?: string;
  cname?: string;
  realm: string;
  sname?: string;
  eText?: string;
}

export interface ApRequest {
  msgType: typeof KrbMsgType.AP_REQ;
  /** APOptions as a 32-bit number (bit 1 = use-session-key, bit 2 = mutual-required). */
  apOptions: number;
  ticket: KrbTicket;
}

export interface ApReply {
  msgType: typeof KrbMsgType.AP_REP;
  encPartEtype: number;
}

export interface KrbMalformed {
  msgType: -1;
  /** Anomaly code, e.g. "krb_not_a_message", "krb_missing_field". */
  reason: string;
}

export type KrbMessage = KdcRequest | KdcReply | KrbErrorMessage | ApRequest | ApReply;

function malformed(reason: string): KrbMalformed {
  return { msgType: -1, reason };
}

/** Reads a single element wrapped in an explicit context tag (the reader sits on the [n] element). */
function explicit(r: BerReader): BerReader | null {
  const inner = r.enter();
  if (inner === null || !inner.next()) return null;
  return inner;
}

function explicitInt(r: BerReader): number {
  const v = explicit(r);
  if (v === null || !v.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return Number.NaN;
  return v.int();
}

function explicitStr(r: BerReader): string | undefined {
  const v = explicit(r);
  if (v === null || v.cls !== TagClass.UNIVERSAL) return undefined;
  return v.str();
}

function explicitTime(r: BerReader): number | undefined {
  const v = explicit(r);
  if (v === null || !v.is(TagClass.UNIVERSAL, UniversalTag.GENERALIZED_TIME)) return undefined;
  const t = v.time();
  return Number.isNaN(t) ? undefined : t;
}

/** BIT STRING flags (first 32 bits) as a number; bit 0 is the first octet's MSB. */
function explicitFlags(r: BerReader): number {
  const v = explicit(r);
  if (v === null || !v.is(TagClass.UNIVERSAL, UniversalTag.BIT_STRING) || v.length < 1) return 0;
  let flags = 0;
  for (let i = 0; i < 4; i++) {
    const at = v.valueStart + 1 + i;
    flags = flags * 256 + (at < v.valueEnd ? v.buf[at]! : 0);
  }
  return flags;
}

function bit(flags: number, n: number): boolean {
  return Math.floor(flags / 2 ** (31 - n)) % 2 === 1;
}

/** PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString } */
function principal(r: BerReader): string | undefined {
  const seqR = explicit(r);
  if (seqR === null || !seqR.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return undefined;
  const seq = seqR.enter();
  if (seq === null || !seq.seekContext(1)) return undefined;
  const listR = explicit(seq);
  if (listR === null || !listR.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return undefined;
  const list = listR.enter();
  if (list === null) return undefined;
  let out = '';
  let n = 0;
  while (list.next() && n < KRB_MAX_NAME_PARTS) {
    if (list.cls !== TagClass.UNIVERSAL) continue;
    out = n === 0 ? list.str() : `${out}/${list.str()}`;
    n++;
  }
  return out;
}

/** EncryptedData ::= SEQUENCE { etype [0] Int32, kvno [1] OPTIONAL, cipher [2] } -> etype. */
function encEtype(r: BerReader): number {
  const seqR = explicit(r);
  if (seqR === null || !seqR.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return Number.NaN;
  const seq = seqR.enter();
  if (seq === null || !seq.seekContext(0)) return Number.NaN;
  return explicitInt(seq);
}

/** Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1], sname [2], enc-part [3] } */
function ticket(r: BerReader): KrbTicket | null {
  const app = explicit(r);
  if (app === null || !app.is(TagClass.APPLICATION, 1)) return null;
  const seqR = app.enter();
  if (seqR === null || !seqR.next() || !seqR.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return null;
  const seq = seqR.enter();
  if (seq === null) return null;
  let realm = '';
  let sname = '';
  let etype = Number.NaN;
  while (seq.next()) {
    if (seq.cls !== TagClass.CONTEXT) continue;
    if (seq.tag === 1) realm = explicitStr(seq) ?? '';
    else if (seq.tag === 2) sname = principal(seq) ?? '';
    else if (seq.tag === 3) etype = encEtype(seq);
  }
  if (Number.isNaN(etype)) return null;
  return { realm, sname, etype };
}

function kdcRequest(seq: BerReader, msgType: 10 | 12): KdcRequest | KrbMalformed {
  const req: KdcRequest = {
    msgType,
    realm: '',
    nonce: 0,
    etypes: [],
    kdcOptions: 0,
    forwardable: false,
    renewable: false,
    padataTypes: [],
  };
  let sawBody = false;
  while (seq.next()) {
    if (seq.cls !== TagClass.CONTEXT) continue;
    if (seq.tag === 3) {
      // padata [3] SEQUENCE OF PA-DATA { padata-type [1] Int32, padata-value [2] }
      const listR = explicit(seq);
      const list = listR !== null && listR.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE) ? listR.enter() : null;
      while (list !== null && list.next() && req.padataTypes.length < KRB_MAX_PADATA) {
        const pa = list.enter();
        if (pa !== null && pa.seekContext(1)) {
          const t = explicitInt(pa);
          if (!Number.isNaN(t)) req.padataTypes.push(t);
        }
      }
    } else if (seq.tag === 4) {
      const bodyR = explicit(seq);
      if (bodyR === null || !bodyR.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return malformed('krb_bad_req_body');
      const body = bodyR.enter();
      if (body === null) return malformed('krb_bad_req_body');
      sawBody = true;
      while (body.next()) {
        if (body.cls !== TagClass.CONTEXT) continue;
        switch (body.tag) {
          case 0:
            req.kdcOptions = explicitFlags(body);
            req.forwardable = bit(req.kdcOptions, KdcOptionBit.FORWARDABLE);
            req.renewable = bit(req.kdcOptions, KdcOptionBit.RENEWABLE);
            break;
          case 1: {
            const c = principal(body);
            if (c !== undefined) req.cname = c;
            break;
          }
          case 2:
            req.realm = explicitStr(body) ?? '';
            break;
          case 3: {
            const s = principal(body);
            if (s !== undefined) req.sname = s;
            break;
          }
          case 4: {
            const t = explicitTime(body);
            if (t !== undefined) req.from = t;
            break;
          }
          case 5: {
            const t = explicitTime(body);
            if (t !== undefined) req.till = t;
            break;
          }
          case 6: {
            const t = explicitTime(body);
            if (t !== undefined) req.rtime = t;
            break;
          }
          case 7: {
            const n = explicitInt(body);
            if (!Number.isNaN(n)) req.nonce = n;
            break;
          }
          case 8: {
            const listR = explicit(body);
            const list = listR !== null && listR.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE) ? listR.enter() : null;
            while (list !== null && list.next() && req.etypes.length < KRB_MAX_ETYPES) {
              if (!list.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) continue;
              const e = list.int();
              if (!Number.isNaN(e)) req.etypes.push(e);
            }
            break;
          }
          default:
            break;
        }
      }
    }
  }
  if (!sawBody) return malformed('krb_missing_field');
  return req;
}

function kdcReply(seq: BerReader, msgType: 11 | 13): KdcReply | KrbMalformed {
  let crealm = '';
  let cname = '';
  let tkt: KrbTicket | null = null;
  let encPartEtype = Number.NaN;
  while (seq.next()) {
    if (seq.cls !== TagClass.CONTEXT) continue;
    if (seq.tag === 3) crealm = explicitStr(seq) ?? '';
    else if (seq.tag === 4) cname = principal(seq) ?? '';
    else if (seq.tag === 5) tkt = ticket(seq);
    else if (seq.tag === 6) encPartEtype = encEtype(seq);
  }
  if (tkt === null) return malformed('krb_missing_field');
  return { msgType, crealm, cname, ticket: tkt, encPartEtype };
}

function krbError(seq: BerReader): KrbErrorMessage | KrbMalformed {
  const err: KrbErrorMessage = { msgType: KrbMsgType.ERROR, errorCode: Number.NaN, realm: '' };
  while (seq.next()) {
    if (seq.cls !== TagClass.CONTEXT) continue;
    switch (seq.tag) {
      case 6:
        err.errorCode = explicitInt(seq);
        break;
      case 7: {
        const s = explicitStr(seq);
        if (s !== undefined) err.crealm = s;
        break;
      }
      case 8: {
        const s = principal(seq);
        if (s !== undefined) err.cname = s;
        break;
      }
      case 9:
        err.realm = explicitStr(seq) ?? '';
        break;
      case 10: {
        const s = principal(seq);
        if (s !== undefined) err.sname = s;
        break;
      }
      case 11: {
        const s = explicitStr(seq);
        if (s !== undefined) err.eText = s;
        break;
      }
      default:
        break;
    }
  }
  if (Number.isNaN(err.errorCode)) return malformed('krb_missing_field');
  return err;
}

function apRequest(seq: BerReader): ApRequest | KrbMalformed {
  let apOptions = 0;
  let tkt: KrbTicket | null = null;
  while (seq.next()) {
    if (seq.cls !== TagClass.CONTEXT) continue;
    if (seq.tag === 2) apOptions = explicitFlags(seq);
    else if (seq.tag === 3) tkt = ticket(seq);
  }
  if (tkt === null) return malformed('krb_missing_field');
  return { msgType: KrbMsgType.AP_REQ, apOptions, ticket: tkt };
}

function apReply(seq: BerReader): ApReply {
  let encPartEtype = Number.NaN;
  while (seq.next()) {
    if (seq.cls === TagClass.CONTEXT && seq.tag === 2) encPartEtype = encEtype(seq);
  }
  return { msgType: KrbMsgType.AP_REP, encPartEtype };
}

/** Parses the Kerberos message in [start, end) (one whole message, no TCP length prefix). */
export function parseKrbMessage(buf: Uint8Array, start: number, end: number): KrbMessage | KrbMalformed {
  const top = new BerReader(buf, start, end);
  if (!top.next()) return malformed(top.error === null ? 'krb_empty' : `krb_ber_${top.error}`);
  if (top.cls !== TagClass.APPLICATION || !top.constructed) return malformed('krb_not_a_message');
  const seqR = top.enter();
  if (seqR === null || !seqR.next() || !seqR.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) {
    return malformed('krb_not_a_message');
  }
  const seq = seqR.enter();
  if (seq === null) return malformed('krb_ber_depth_exceeded');
  switch (top.tag) {
    case KrbMsgType.AS_REQ:
    case KrbMsgType.TGS_REQ:
      return kdcRequest(seq, top.tag);
    case KrbMsgType.AS_REP:
    case KrbMsgType.TGS_REP:
      return kdcReply(seq, top.tag);
    case KrbMsgType.ERROR:
      return krbError(seq);
    case KrbMsgType.AP_REQ:
      return apRequest(seq);
    case KrbMsgType.AP_REP:
      return apReply(seq);
    default:
      return malformed('krb_unknown_msg_type');
  }
}

/**
 * Cheap content check for `probe`: does [start, end) start like a Kerberos
 * KDC message (APPLICATION 10..13 or 30, constructed, then a SEQUENCE)?
 */
export function looksLikeKrb(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 4) return false;
  const b = buf[start]!;
  if (b !== 0x6a && b !== 0x6b && b !== 0x6c && b !== 0x6d && b !== 0x7e) return false;
  // Skip the outer length to find the SEQUENCE tag.
  let p = start + 1;
  const l = buf[p]!;
  p += l < 0x80 ? 1 : 1 + (l & 0x7f);
  return p < end && buf[p] === 0x30;
}
