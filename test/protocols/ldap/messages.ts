/**
 * Hand-built LDAPMessages (RFC 4511 §4) for the unit tests: implicit
 * APPLICATION/context tags exactly as the RFC's ASN.1 module defines them.
 */
import { app, bool, concat, enumerated, int, octets, seq, tlv } from '../asn1/helpers.js';

export const msg = (id: number, op: Uint8Array): Uint8Array => seq(int(id), op);

export function simpleBind(id: number, name: string, password: string): Uint8Array {
  return msg(id, app(0, int(3), octets(name), octets(password, 0x80)));
}

export function saslBind(id: number, name: string, mech: string, creds?: Uint8Array): Uint8Array {
  return msg(id, app(0, int(3), octets(name), tlv(0xa3, octets(mech), ...(creds !== undefined ? [octets(creds)] : []))));
}

export function sicilyBind(id: number, name: string, tag: 9 | 10 | 11, blob: Uint8Array): Uint8Array {
  return msg(id, app(0, int(3), octets(name), tlv(0x80 | tag, blob)));
}

export function result(code: number, diag = '', matched: Uint8Array | string = ''): Uint8Array[] {
  return [enumerated(code), octets(matched), octets(diag)];
}

export function bindResponse(id: number, code: number, diag = '', serverCreds?: Uint8Array): Uint8Array {
  return msg(id, app(1, ...result(code, diag), ...(serverCreds !== undefined ? [tlv(0x87, serverCreds)] : [])));
}

export function searchRequest(id: number, base: string, scope: number, filter: Uint8Array, attrs: string[]): Uint8Array {
  return msg(id, app(3, octets(base), enumerated(scope), enumerated(0), int(1000), int(30), bool(false), filter, seq(...attrs.map((a) => octets(a)))));
}

export function searchEntry(id: number, dn: string): Uint8Array {
  return msg(id, app(4, octets(dn), seq(seq(octets('cn'), tlv(0x31, octets('x'))))));
}

export function searchDone(id: number, code: number): Uint8Array {
  return msg(id, app(5, ...result(code)));
}

export const unbind = (id: number): Uint8Array => msg(id, tlv(0x42));

// Filter constructors (RFC 4511 §4.5.1 Filter CHOICE, implicit context tags).
export const and = (...f: Uint8Array[]): Uint8Array => tlv(0xa0, ...f);
export const or = (...f: Uint8Array[]): Uint8Array => tlv(0xa1, ...f);
export const not = (f: Uint8Array): Uint8Array => tlv(0xa2, f);
export const eq = (a: string, v: string | Uint8Array): Uint8Array => tlv(0xa3, octets(a), octets(v));
export const ge = (a: string, v: string): Uint8Array => tlv(0xa5, octets(a), octets(v));
export const present = (a: string): Uint8Array => octets(a, 0x87);
export const substr = (a: string, initial?: string, any: string[] = [], final?: string): Uint8Array =>
  tlv(
    0xa4,
    octets(a),
    seq(
      ...(initial !== undefined ? [octets(initial, 0x80)] : []),
      ...any.map((x) => octets(x, 0x81)),
      ...(final !== undefined ? [octets(final, 0x82)] : []),
    ),
  );
export const ext = (rule: string, type: string, value: string, dn = false): Uint8Array =>
  tlv(0xa9, octets(rule, 0x81), octets(type, 0x82), octets(value, 0x83), ...(dn ? [tlv(0x84, new Uint8Array([0xff]))] : []));

export { concat };
