/**
 * Hand-built Kerberos messages (DER, RFC 4120 §5) for the unit tests, shaped
 * like the kinit captures in the corpus: principal names, realm, times,
 * KDCOptions and etypes at the positions the RFC gives them.
 */
import { app, ctx, seq, int, genStr, genTime, octets, tlv } from '../asn1/helpers.js';

export function principal(type: number, ...parts: string[]): Uint8Array {
  return seq(ctx(0, int(type)), ctx(1, seq(...parts.map(genStr))));
}

export function encData(etype: number): Uint8Array {
  return seq(ctx(0, int(etype)), ctx(2, octets(new Uint8Array(16))));
}

export function ticket(realm: string, sname: Uint8Array, etype: number): Uint8Array {
  return app(1, seq(ctx(0, int(5)), ctx(1, genStr(realm)), ctx(2, sname), ctx(3, encData(etype))));
}

/** KDCOptions BIT STRING: unused-bits octet then 4 flag octets. */
export function kdcOptions(b0: number, b1: number): Uint8Array {
  return tlv(0x03, new Uint8Array([0, b0, b1, 0, 0]));
}

export function asReq(opts: { user: string; realm: string; till: string; from?: string; etypes: number[]; padata?: number[] }): Uint8Array {
  const body = seq(
    ctx(0, kdcOptions(0x40, 0x80)), // forwardable (bit 1), renewable (bit 8)
    ctx(1, principal(1, opts.user)),
    ctx(2, genStr(opts.realm)),
    ctx(3, principal(2, 'krbtgt', opts.realm)),
    ...(opts.from !== undefined ? [ctx(4, genTime(opts.from))] : []),
    ctx(5, genTime(opts.till)),
    ctx(7, int(12345)),
    ctx(8, seq(...opts.etypes.map((e) => int(e)))),
  );
  const padata = (opts.padata ?? []).map((t) => seq(ctx(1, int(t)), ctx(2, octets('x'))));
  return app(10, seq(ctx(1, int(5)), ctx(2, int(10)), ...(padata.length > 0 ? [ctx(3, seq(...padata))] : []), ctx(4, body)));
}

export function tgsReq(sname: string[], realm: string, till: string): Uint8Array {
  const body = seq(ctx(0, kdcOptions(0x40, 0)), ctx(2, genStr(realm)), ctx(3, principal(2, ...sname)), ctx(5, genTime(till)), ctx(7, int(1)), ctx(8, seq(int(18), int(23))));
  return app(12, seq(ctx(1, int(5)), ctx(2, int(12)), ctx(3, seq(seq(ctx(1, int(1)), ctx(2, octets('ap-req'))))), ctx(4, body)));
}

export function kdcRep(msgType: 11 | 13, user: string, realm: string, sname: string[], etype: number): Uint8Array {
  return app(
    msgType,
    seq(
      ctx(0, int(5)),
      ctx(1, int(msgType)),
      ctx(3, genStr(realm)),
      ctx(4, principal(1, user)),
      ctx(5, ticket(realm, principal(2, ...sname), etype)),
      ctx(6, encData(18)),
    ),
  );
}

export function krbError(code: number, realm: string, user?: string, eText?: string): Uint8Array {
  return app(
    30,
    seq(
      ctx(0, int(5)),
      ctx(1, int(30)),
      ctx(4, genTime('20150119224819Z')),
      ctx(5, int(0)),
      ctx(6, int(code)),
      ...(user !== undefined ? [ctx(7, genStr(realm)), ctx(8, principal(1, user))] : []),
      ctx(9, genStr(realm)),
      ctx(10, principal(2, 'krbtgt', realm)),
      ...(eText !== undefined ? [ctx(11, genStr(eText))] : []),
    ),
  );
}

export function apReq(realm: string, sname: string[], etype: number): Uint8Array {
  return app(14, seq(ctx(0, int(5)), ctx(1, int(14)), ctx(2, kdcOptions(0x20, 0)), ctx(3, ticket(realm, principal(2, ...sname), etype)), ctx(4, encData(18))));
}

export function apRep(): Uint8Array {
  return app(15, seq(ctx(0, int(5)), ctx(1, int(15)), ctx(2, encData(18))));
}
