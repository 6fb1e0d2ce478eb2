/**
 * LDAPMessage parser (RFC 4511 §4.1-4.14): message id, operation, and the
 * fields ldap.log / ldap_search.log and the auth events need — bind
 * (version, name, authentication choice, SASL mechanism and credential
 * bounds; simple passwords are never read), LDAPResult (code, matched DN,
 * diagnostic), search request (base, scope, deref, limits, filter as RFC 4515
 * text, attributes), entry names, extended operation names, abandon ids.
 *
 * Pure: one whole message in, a parsed message or `{ malformed }` out.
 */
import { BerReader, TagClass, UniversalTag, utf8Text } from '../asn1/ber.js';
import { BindAuth, LdapOp, hasResult } from './consts.js';
import { renderFilter } from './filter.js';

/** Search attributes kept: tools ask for at most a few dozen. */
export const LDAP_MAX_ATTRIBUTES = 64;

export interface LdapMessage {
  messageId: number;
  /** protocolOp APPLICATION tag (see LdapOp). */
  op: number;
  /** BindRequest. */
  version?: number;
  /** BindRequest name, SearchResultEntry / Modify / Add / Delete / ModDN / Compare entry DN. */
  object?: string;
  /** BindRequest authentication choice tag (see BindAuth). */
  authType?: number;
  /** SASL mechanism. */
  mechanism?: string;
  /** True when a simple bind carried a non-empty password (its value is never read). */
  hasPassword?: boolean;
  /** SASL credentials / Sicily blob, or BindResponse serverSaslCreds: absolute bounds, -1 when absent. */
  credStart: number;
  credEnd: number;
  /** LDAPResult. */
  resultCode?: number;
  matchedDn?: string;
  /** LDAPResult matchedDN raw bounds (Sicily returns the NTLM challenge there). */
  matchedStart: number;
  matchedEnd: number;
  diagnostic?: string;
  /** SearchRequest. */
  baseObject?: string;
  scope?: number;
  deref?: number;
  sizeLimit?: number;
  timeLimit?: number;
  typesOnly?: boolean;
  filter?: string;
  attributes?: string[];
  /** ExtendedRequest requestName / ExtendedResponse responseName. */
  oid?: string;
  /** AbandonRequest: the id abandoned. */
  abandonId?: number;
}

export interface LdapMalformed {
  malformed: string;
}

function bad(code: string): LdapMalformed {
  return { malformed: code };
}

/** Parses one LDAPMessage occupying exactly [start, end). */
export function parseLdapMessage(b: Uint8Array, start: number, end: number): LdapMessage | LdapMalformed {
  const top = new BerReader(b, start, end);
  if (!top.next() || !top.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return bad('ldap_not_a_message');
  const seq = top.enter();
  if (seq === null || !seq.next() || !seq.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return bad('ldap_bad_message_id');
  const messageId = seq.int();
  if (Number.isNaN(messageId)) return bad('ldap_bad_message_id');
  if (!seq.next() || seq.cls !== TagClass.APPLICATION) return bad('ldap_bad_protocol_op');
  const msg: LdapMessage = { messageId, op: seq.tag, credStart: -1, credEnd: -1, matchedStart: -1, matchedEnd: -1 };
  const op = seq.tag;
  // Primitive operations: UnbindRequest (NULL), DelRequest (LDAPDN), AbandonRequest (MessageID).
  if (!seq.constructed) {
    if (op === LdapOp.DEL_REQUEST) msg.object = seq.str();
    else if (op === LdapOp.ABANDON_REQUEST) msg.abandonId = seq.int();
    return msg;
  }
  const body = seq.enter();
  if (body === null) return bad('ldap_too_deep');
  if (hasResult(op)) {
    if (!result(body, msg)) return bad('ldap_bad_result');
    if (op === LdapOp.BIND_RESPONSE) {
      while (body.next()) {
        if (body.is(TagClass.CONTEXT, 7)) {
          msg.credStart = body.valueStart;
          msg.credEnd = body.valueEnd;
        }
      }
    } else if (op === LdapOp.EXTENDED_RESPONSE) {
      while (body.next()) if (body.is(TagClass.CONTEXT, 10)) msg.oid = body.str();
    }
    return msg;
  }
  switch (op) {
    case LdapOp.BIND_REQUEST:
      return bindRequest(body, msg);
    case LdapOp.SEARCH_REQUEST:
      return searchRequest(body, msg);
    case LdapOp.SEARCH_RESULT_ENTRY:
    case LdapOp.MODIFY_REQUEST:
    case LdapOp.ADD_REQUEST:
    case LdapOp.MOD_DN_REQUEST:
    case LdapOp.COMPARE_REQUEST:
      if (body.next() && body.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) msg.object = body.str();
      return msg;
    case LdapOp.EXTENDED_REQUEST:
      if (body.next() && body.is(TagClass.CONTEXT, 0)) msg.oid = body.str();
      return msg;
    default:
      return msg;
  }
}

function result(r: BerReader, msg: LdapMessage): boolean {
  if (!r.next() || !r.is(TagClass.UNIVERSAL, UniversalTag.ENUMERATED)) return false;
  const code = r.int();
  if (Number.isNaN(code)) return false;
  msg.resultCode = code;
  if (!r.next()) return false;
  msg.matchedDn = r.str();
  msg.matchedStart = r.valueStart;
  msg.matchedEnd = r.valueEnd;
  if (!r.next()) return false;
  // Active Directory NUL-terminates its diagnostic text; the terminator is not part of the message.
  let de = r.valueEnd;
  while (de > r.valueStart && r.buf[de - 1] === 0) de--;
  msg.diagnostic = utf8Text(r.buf, r.valueStart, de);
  return true;
}

function bindRequest(r: BerReader, msg: LdapMessage): LdapMessage | LdapMalformed {
  if (!r.next() || !r.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return bad('ldap_bad_bind');
  msg.version = r.int();
  if (!r.next() || !r.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) return bad('ldap_bad_bind');
  msg.object = r.str();
  if (!r.next() || r.cls !== TagClass.CONTEXT) return bad('ldap_bad_bind');
  msg.authType = r.tag;
  if (r.tag === BindAuth.SIMPLE) {
    // The password itself is deliberately not decoded or kept.
    msg.hasPassword = r.length > 0;
  } else if (r.tag === BindAuth.SASL) {
    const sasl = r.enter();
    if (sasl === null || !sasl.next()) return bad('ldap_bad_bind');
    msg.mechanism = sasl.str();
    if (sasl.next() && sasl.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) {
      msg.credStart = sasl.valueStart;
      msg.credEnd = sasl.valueEnd;
    }
  } else {
    // Sicily negotiate/response: the blob is the value itself.
    msg.credStart = r.valueStart;
    msg.credEnd = r.valueEnd;
  }
  return msg;
}

function searchRequest(r: BerReader, msg: LdapMessage): LdapMessage | LdapMalformed {
  if (!r.next() || !r.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) return bad('ldap_bad_search');
  msg.baseObject = r.str();
  if (!r.next() || !r.is(TagClass.UNIVERSAL, UniversalTag.ENUMERATED)) return bad('ldap_bad_search');
  msg.scope = r.int();
  if (!r.next() || !r.is(TagClass.UNIVERSAL, UniversalTag.ENUMERATED)) return bad('ldap_bad_search');
  msg.deref = r.int();
  if (!r.next() || !r.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return bad('ldap_bad_search');
  msg.sizeLimit = r.int();
  if (!r.next() || !r.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return bad('ldap_bad_search');
  msg.timeLimit = r.int();
  if (!r.next() || !r.is(TagClass.UNIVERSAL, UniversalTag.BOOLEAN)) return bad('ldap_bad_search');
  msg.typesOnly = r.bool();
  if (!r.next()) return bad('ldap_bad_search');
  msg.filter = renderFilter(r);
  const attrs: string[] = [];
  if (r.next() && r.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) {
    const list = r.enter();
    while (list !== null && list.next() && attrs.length < LDAP_MAX_ATTRIBUTES) {
      attrs.push(utf8Text(list.buf, list.valueStart, list.valueEnd));
    }
  }
  msg.attributes = attrs;
  return msg;
}

/**
 * Reads only the message id and operation tag from the first bytes of a
 * message too large to buffer (search result entries can be megabytes).
 * Returns the operation tag, or -1 when the prefix does not parse.
 */
export function peekOp(b: Uint8Array, start: number, end: number): number {
  // The outer SEQUENCE is longer than what we hold: read its header by hand.
  if (end - start < 2 || b[start] !== 0x30) return -1;
  const l = b[start + 1]!;
  const hdr = l < 0x80 ? 2 : 2 + (l & 0x7f);
  const inner = new BerReader(b, start + hdr, end);
  if (!inner.next() || !inner.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return -1;
  if (inner.pos >= end) return -1;
  const tag = b[inner.pos]!;
  if ((tag & 0xc0) !== 0x40) return -1;
  return tag & 0x1f;
}
