/**
 * Hand-built SMB and NTLMSSP messages for the unit tests, laid out as
 * MS-SMB2 / MS-CIFS / MS-NLMP give them (little-endian fields, offsets from
 * the SMB2 header or the NTLMSSP message start).
 */
import { concat, le16, le32, utf16, app, ctx, seq, oid, octets, enumerated } from '../asn1/helpers.js';
import { OID_SPNEGO, OID_NTLMSSP } from '../../../src/protocols/asn1/spnego.js';

const SIG = new TextEncoder().encode('NTLMSSP\0');

export function ntlmNegotiate(): Uint8Array {
  return concat(SIG, le32(1), le32(0xe2088297), new Uint8Array(16));
}

/** CHALLENGE with target info AV pairs (NetBIOS/DNS computer, DNS tree). */
export function ntlmChallenge(nb: string, dns: string, tree: string): Uint8Array {
  const av = concat(
    le16(1), le16(nb.length * 2), utf16(nb),
    le16(3), le16(dns.length * 2), utf16(dns),
    le16(5), le16(tree.length * 2), utf16(tree),
    le16(0), le16(0),
  );
  const fixed = 56;
  return concat(
    SIG, le32(2),
    le16(0), le16(0), le32(fixed), // TargetName: empty
    le32(0x00800001 | 0x00020000), // UNICODE | TARGET_INFO
    new Uint8Array(8), new Uint8Array(8), // challenge, reserved
    le16(av.length), le16(av.length), le32(fixed),
    new Uint8Array(8), // version
    av,
  );
}

export function ntlmAuthenticate(domain: string, user: string, ws: string, unicode = true): Uint8Array {
  const enc = (s: string): Uint8Array => (unicode ? utf16(s) : new TextEncoder().encode(s));
  const d = enc(domain);
  const u = enc(user);
  const w = enc(ws);
  const nt = new Uint8Array(24);
  let off = 72;
  const field = (b: Uint8Array): Uint8Array => {
    const f = concat(le16(b.length), le16(b.length), le32(off));
    off += b.length;
    return f;
  };
  const lm = new Uint8Array(0);
  const header = concat(SIG, le32(3), field(lm), field(nt), field(d), field(u), field(w), field(new Uint8Array(0)), le32(unicode ? 0xe2888215 : 0xe2888214), new Uint8Array(8));
  return concat(header, lm, nt, d, u, w);
}

export function spnegoInit(token: Uint8Array): Uint8Array {
  return app(0, oid(OID_SPNEGO), ctx(0, seq(ctx(0, seq(oid(OID_NTLMSSP))), ctx(2, octets(token)))));
}

/** NegTokenResp; `state` undefined omits negState (as clients do in their AUTHENTICATE token). */
export function spnegoResp(state: number | undefined, token?: Uint8Array): Uint8Array {
  return ctx(
    1,
    seq(
      ...(state !== undefined ? [ctx(0, enumerated(state))] : []),
      ...(token !== undefined ? [ctx(1, oid(OID_NTLMSSP)), ctx(2, octets(token))] : []),
    ),
  );
}

export interface Smb2Opts {
  reply?: boolean;
  status?: number;
  messageId?: number;
  next?: number;
  treeId?: number;
}

export function smb2Header(command: number, o: Smb2Opts = {}): Uint8Array {
  return concat(
    new Uint8Array([0xfe, 0x53, 0x4d, 0x42]),
    le16(64), le16(1), le32(o.status ?? 0), le16(command), le16(1),
    le32(o.reply === true ? 1 : 0), le32(o.next ?? 0),
    le32(o.messageId ?? 0), le32(0),
    le32(0), le32(o.treeId ?? 0),
    le32(0x1234), le32(0),
    new Uint8Array(16),
  );
}

/** NBSS session message framing. */
export function nbss(payload: Uint8Array, type = 0): Uint8Array {
  return concat(new Uint8Array([type, (payload.length >> 16) & 0xff, (payload.length >> 8) & 0xff, payload.length & 0xff]), payload);
}

export function negotiateRequest(dialects: number[], contexts: Uint8Array[] = [], messageId = 0): Uint8Array {
  const dl = concat(...dialects.map(le16));
  let body = concat(le16(36), le16(dialects.length), le16(1), le16(0), le32(0x7f), new Uint8Array(16));
  const ctxStart = 64 + 36 + dl.length;
  const pad = (8 - (ctxStart % 8)) % 8;
  body = concat(body, le32(contexts.length > 0 ? ctxStart + pad : 0), le16(contexts.length), le16(0), dl, new Uint8Array(contexts.length > 0 ? pad : 0));
  const ctxs: Uint8Array[] = [];
  for (let i = 0; i < contexts.length; i++) {
    const c = contexts[i]!;
    ctxs.push(c);
    if (i < contexts.length - 1) ctxs.push(new Uint8Array((8 - (c.length % 8)) % 8));
  }
  return concat(smb2Header(0, { messageId }), body, ...ctxs);
}

export function negotiateContext(type: number, data: Uint8Array): Uint8Array {
  return concat(le16(type), le16(data.length), le32(0), data);
}

export function negotiateResponse(dialect: number, messageId = 0): Uint8Array {
  const body = concat(le16(65), le16(1), le16(dialect), le16(0), new Uint8Array(16), le32(0x2f), le32(65536), le32(65536), le32(65536), new Uint8Array(16), le16(0), le16(0), le32(0));
  return concat(smb2Header(0, { reply: true, messageId }), body);
}

export function sessionSetupRequest(blob: Uint8Array, messageId: number): Uint8Array {
  return concat(smb2Header(1, { messageId }), le16(25), new Uint8Array([0, 1]), le32(0), le32(0), le16(64 + 24), le16(blob.length), new Uint8Array(8), blob);
}

export function sessionSetupResponse(status: number, blob: Uint8Array | undefined, messageId: number): Uint8Array {
  const b = blob ?? new Uint8Array(0);
  return concat(smb2Header(1, { reply: true, status, messageId }), le16(9), le16(0), le16(b.length > 0 ? 72 : 0), le16(b.length), b);
}

export function treeConnectRequest(path: string, messageId: number, next = 0): Uint8Array {
  const p = utf16(path);
  return concat(smb2Header(3, { messageId, next }), le16(9), le16(0), le16(72), le16(p.length), p);
}

export function treeConnectResponse(status: number, shareType: number, messageId: number): Uint8Array {
  if (status !== 0) return concat(smb2Header(3, { reply: true, status, messageId }), le16(9), le16(0), le32(0), new Uint8Array(1));
  return concat(smb2Header(3, { reply: true, status, messageId, treeId: 5 }), le16(16), new Uint8Array([shareType, 0]), le32(0), le32(0), le32(0x1f01ff));
}

export function echoRequest(messageId: number): Uint8Array {
  return concat(smb2Header(13, { messageId }), le16(4), le16(0));
}

/** SMB1 header: command, status, flags, flags2, tid/pid/uid/mid. */
export function smb1Header(command: number, reply: boolean, status = 0, mid = 1, flags2 = 0xc801): Uint8Array {
  return concat(
    new Uint8Array([0xff, 0x53, 0x4d, 0x42, command]),
    le32(status),
    new Uint8Array([reply ? 0x98 : 0x18]),
    le16(flags2),
    le16(0), new Uint8Array(8), le16(0),
    le16(0xffff), le16(0xfeff), le16(0), le16(mid),
  );
}
