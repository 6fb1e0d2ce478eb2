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
  /** SMB2_FLAGS_RELATED_OPERATIONS: acts on the file of the message before it in the compound. */
  related?: boolean;
  /** SMB2_FLAGS_ASYNC_COMMAND: an async header (AsyncId where the tree id was), as in interim and late replies. */
  asyncId?: number;
}

export function smb2Header(command: number, o: Smb2Opts = {}): Uint8Array {
  return concat(
    new Uint8Array([0xfe, 0x53, 0x4d, 0x42]),
    le16(64), le16(1), le32(o.status ?? 0), le16(command), le16(1),
    le32((o.reply === true ? 1 : 0) | (o.asyncId !== undefined ? 2 : 0) | (o.related === true ? 4 : 0)), le32(o.next ?? 0),
    le32(o.messageId ?? 0), le32(0),
    ...(o.asyncId !== undefined ? [le32(o.asyncId), le32(0)] : [le32(0), le32(o.treeId ?? 0)]),
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

/** Messages chained into one compound: each padded to 8 bytes, NextCommand pointing at the next. */
export function compound(...msgs: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const m = new Uint8Array(msgs[i]!);
    const last = i === msgs.length - 1;
    const padded = last ? m.length : m.length + ((8 - (m.length % 8)) % 8);
    if (!last) m.set(le32(padded), 20);
    parts.push(m, new Uint8Array(padded - m.length));
  }
  return concat(...parts);
}

/** The FileId of related requests in a compound: all ones ("the file of the request before"). */
export const RELATED_FILE_ID = new Uint8Array(16).fill(0xff);

/** A FileId whose persistent and volatile halves are `n` and `n + 1`. */
export function fileId(n: number): Uint8Array {
  return concat(le32(n), le32(0), le32(n + 1), le32(0));
}

export interface CreateOpts extends Smb2Opts {
  /** CreateDisposition, default FILE_OPEN (1). */
  disposition?: number;
  /** CreateOptions, default 0 (FILE_DIRECTORY_FILE 0x1, FILE_DELETE_ON_CLOSE 0x1000). */
  options?: number;
}

/** CREATE request (MS-SMB2 §2.2.13): 56 fixed bytes, the UTF-16LE name right after (offset 120). */
export function createRequest(name: string, o: CreateOpts = {}): Uint8Array {
  const n = utf16(name);
  const fixed = concat(
    le16(57), new Uint8Array([0, 0]), le32(2), new Uint8Array(8), new Uint8Array(8),
    le32(0x0012019f), le32(0x80), le32(7), le32(o.disposition ?? 1), le32(o.options ?? 0),
    le16(n.length > 0 ? 120 : 0), le16(n.length), le32(0), le32(0),
  );
  // An empty name still has one buffer byte (StructureSize 57 counts it).
  return concat(smb2Header(5, { treeId: 5, ...o }), fixed, n.length > 0 ? n : new Uint8Array(1));
}

/** 100 ns ticks since 1601 of an epoch time in whole microseconds. */
export function filetime(epochSeconds: number): Uint8Array {
  const ticks = BigInt(Math.round(epochSeconds * 1e6)) * 10n + 116444736000000000n;
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, ticks, true);
  return out;
}

export interface CreatedFile {
  id: Uint8Array;
  size?: number;
  directory?: boolean;
  /** Creation, last access, last write, change (epoch seconds). */
  times?: [number, number, number, number];
}

/** CREATE response (MS-SMB2 §2.2.14); an error status gets the 9-byte error body. */
export function createResponse(f: CreatedFile, o: Smb2Opts = {}): Uint8Array {
  if ((o.status ?? 0) !== 0) return concat(smb2Header(5, { reply: true, treeId: 5, ...o }), le16(9), le16(0), le32(0), new Uint8Array(1));
  const t = f.times ?? [1600000000, 1600000100, 1600000200, 1600000300];
  const size = f.size ?? 0;
  return concat(
    smb2Header(5, { reply: true, treeId: 5, ...o }),
    le16(89), new Uint8Array([0, 0]), le32(1),
    filetime(t[0]), filetime(t[1]), filetime(t[2]), filetime(t[3]),
    le32(size), le32(0), le32(size), le32(0),
    le32(f.directory === true ? 0x10 : 0x20), le32(0),
    f.id, le32(0), le32(0),
  );
}

/** READ request (MS-SMB2 §2.2.19): FileId at body offset 16. */
export function readRequest(id: Uint8Array, o: Smb2Opts = {}): Uint8Array {
  return concat(smb2Header(8, { treeId: 5, ...o }), le16(49), new Uint8Array([0x50, 0]), le32(65536), le32(0), le32(0), id, le32(1), le32(0), le32(0), le16(0), le16(0), new Uint8Array(1));
}

/** WRITE request (MS-SMB2 §2.2.21): FileId at body offset 16, the data after the fixed part. */
export function writeRequest(id: Uint8Array, data: Uint8Array, o: Smb2Opts = {}): Uint8Array {
  return concat(smb2Header(9, { treeId: 5, ...o }), le16(49), le16(112), le32(data.length), le32(0), le32(0), id, le32(0), le32(0), le16(0), le16(0), le32(0), data);
}

/** CLOSE request (MS-SMB2 §2.2.15). */
export function closeRequest(id: Uint8Array, o: Smb2Opts = {}): Uint8Array {
  return concat(smb2Header(6, { treeId: 5, ...o }), le16(24), le16(0), le32(0), id);
}

/** SET_INFO request (MS-SMB2 §2.2.39) of file information class `cls`, the buffer at offset 96. */
export function setInfoRequest(id: Uint8Array, cls: number, buffer: Uint8Array, o: Smb2Opts = {}): Uint8Array {
  return concat(smb2Header(17, { treeId: 5, ...o }), le16(33), new Uint8Array([1, cls]), le32(buffer.length), le16(96), le16(0), le32(0), id, buffer);
}

/** FILE_RENAME_INFORMATION (type 2, MS-FSCC §2.4.37.2): ReplaceIfExists, reserved, RootDirectory, length, name. */
export function renameInfo(name: string): Uint8Array {
  const n = utf16(name);
  return concat(new Uint8Array([0]), new Uint8Array(7), new Uint8Array(8), le32(n.length), n);
}

/** QUERY_INFO request (MS-SMB2 §2.2.37) for FileAllInformation; its FileId at body offset 24. */
export function queryInfoRequest(id: Uint8Array, o: Smb2Opts = {}): Uint8Array {
  return concat(smb2Header(16, { treeId: 5, ...o }), le16(41), new Uint8Array([1, 18]), le32(4096), le16(0), le16(0), le32(0), le32(0), le32(0), id, new Uint8Array(1));
}

/** CLOSE response (MS-SMB2 §2.2.16): 60 bytes, nothing Picket reads. */
export function closeResponse(o: Smb2Opts = {}): Uint8Array {
  return concat(smb2Header(6, { reply: true, treeId: 5, ...o }), le16(60), new Uint8Array(58));
}

const UNICODE_FLAGS2 = 0xc801;
const OEM_FLAGS2 = 0x4801;

/** SMB1 message: header, word count, parameter words, byte count, data. */
function smb1(command: number, reply: boolean, mid: number, words: Uint8Array, bytes: Uint8Array, flags2 = UNICODE_FLAGS2, status = 0): Uint8Array {
  return concat(smb1Header(command, reply, status, mid, flags2), new Uint8Array([words.length / 2]), words, le16(bytes.length), bytes);
}

/** SMB1 TREE_CONNECT_ANDX request and its response with `service` ("A:" disk, "IPC" pipe). */
export function smb1TreeConnect(path: string, service: string, mid: number): [Uint8Array, Uint8Array] {
  const words = concat(new Uint8Array([0xff, 0]), le16(0), le16(0x0008), le16(1));
  // Bytes at 32+1+8+2 = 43: the 1-byte password puts the Unicode path at 44 (even).
  const req = smb1(0x75, false, mid, words, concat(new Uint8Array([0]), utf16(`${path}\0`), new TextEncoder().encode('?????\0')));
  // Response bytes at 32+1+6+2 = 41: the OEM service, then the Unicode file system name at an even offset.
  const svc = new TextEncoder().encode(`${service}\0`);
  const pad = new Uint8Array((41 + svc.length) % 2);
  const res = smb1(0x75, true, mid, concat(new Uint8Array([0xff, 0]), le16(0), le16(1)), concat(svc, pad, utf16('NTFS\0')));
  return [req, res];
}

/** SMB1 NT_CREATE_ANDX request (MS-CIFS §2.2.4.64.1), the name Unicode or OEM. */
export function smb1CreateRequest(name: string, mid: number, unicode = true, options = 0): Uint8Array {
  const n = unicode ? utf16(`${name}\0`) : new TextEncoder().encode(`${name}\0`);
  const words = concat(
    new Uint8Array([0xff, 0]), le16(0), new Uint8Array([0]), le16(n.length - (unicode ? 2 : 1)),
    le32(0), le32(0), le32(0x0012019f), new Uint8Array(8), le32(0x80), le32(7), le32(1), le32(options), le32(2), new Uint8Array([0]),
  );
  // Bytes start at 32+1+48+2 = 83 (odd): one pad byte aligns a Unicode name.
  return smb1(0xa2, false, mid, words, unicode ? concat(new Uint8Array([0]), n) : n, unicode ? UNICODE_FLAGS2 : OEM_FLAGS2);
}

/** SMB1 NT_CREATE_ANDX response (MS-CIFS §2.2.4.64.2): FID, times, end of file, directory flag. */
export function smb1CreateResponse(fid: number, mid: number, size: number, times: [number, number, number, number], directory = false): Uint8Array {
  const words = concat(
    new Uint8Array([0xff, 0]), le16(0), new Uint8Array([0]), le16(fid), le32(1),
    filetime(times[0]), filetime(times[1]), filetime(times[2]), filetime(times[3]),
    le32(directory ? 0x10 : 0x20), le32(size), le32(0), le32(size), le32(0), le16(0), le16(0), new Uint8Array([directory ? 1 : 0]),
  );
  return smb1(0xa2, true, mid, words, new Uint8Array(0));
}

/** SMB1 READ_ANDX request (12 words). */
export function smb1ReadRequest(fid: number, mid: number): Uint8Array {
  return smb1(0x2e, false, mid, concat(new Uint8Array([0xff, 0]), le16(0), le16(fid), le32(0), le16(4096), le16(0), le32(0), le16(0), le32(0)), new Uint8Array(0));
}

/** SMB1 WRITE_ANDX request (14 words), the data after one pad byte; past 64 KiB its length's high half in DataLengthHigh (a large write). */
export function smb1WriteRequest(fid: number, mid: number, data: Uint8Array, offset = 0): Uint8Array {
  const words = concat(new Uint8Array([0xff, 0]), le16(0), le16(fid), le32(offset), le32(0), le16(0), le16(0), le16(data.length >>> 16), le16(data.length), le16(64), le32(0));
  return smb1(0x2f, false, mid, words, concat(new Uint8Array([0]), data));
}

/** SMB1 CLOSE request (3 words: FID, last write time). */
export function smb1CloseRequest(fid: number, mid: number): Uint8Array {
  return smb1(0x04, false, mid, concat(le16(fid), le32(0)), new Uint8Array(0));
}
