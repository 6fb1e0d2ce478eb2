/**
 * Hand-built connection-oriented DCE/RPC PDUs for the unit tests, laid out
 * as C706 chapter 12 gives them, in either byte order (the data
 * representation label says which), and the SMB messages that carry them
 * over named pipes (MS-SMB2 READ response and IOCTL, MS-CIFS READ_ANDX
 * response and TRANSACTION).
 */
import { concat, le16, le32 } from '../../helpers/bytes.js';
import { smb2Header } from '../smb/messages.js';

export const SRVSVC = '4b324fc8-1670-01d3-1278-5a47bf6ee188';
/** IRemoteSCMActivator ([MS-DCOM] 1.9). */
export const ACTIVATOR = '000001a0-0000-0000-c000-000000000046';
export const IDISPATCH = '00020400-0000-0000-c000-000000000046';
export const SVCCTL = '367abb81-9844-35f1-ad32-98f038001003';
export const DRSUAPI = 'e3514235-4b06-11d1-ab04-00c04fc2dcd2';
export const LSARPC = '12345778-1234-abcd-ef00-0123456789ab';
export const WKSSVC = '6bffd098-a112-3610-9833-46c3f87e345a';
export const NDR = '8a885d04-1ceb-11c9-9fe8-08002b104860';
export const NDR64 = '71710533-beba-4937-8319-b5dbef9ccc36';
/** Bind-time feature negotiation with both feature bits ([MS-RPCE] 3.3.1.5.3). */
export const BIND_TIME = '6cb71c2c-9812-4540-0300-000000000000';

function u16(v: number, little: boolean): Uint8Array {
  return little ? le16(v) : new Uint8Array([(v >> 8) & 0xff, v & 0xff]);
}

function u32(v: number, little: boolean): Uint8Array {
  return little ? le32(v) : new Uint8Array([(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
}

/** A UUID's 16 bytes: time_low, time_mid, time_hi_and_version in the byte order, the rest as written. */
export function uuid(text: string, little = true): Uint8Array {
  const h = text.replace(/-/g, '');
  const raw = new Uint8Array(16);
  for (let i = 0; i < 16; i++) raw[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  if (!little) return raw;
  return concat([raw[3]!, raw[2]!, raw[1]!, raw[0]!, raw[5]!, raw[4]!, raw[7]!, raw[6]!], raw.subarray(8));
}

export interface PduOpts {
  little?: boolean;
  /** pfc_flags; default FIRST_FRAG | LAST_FRAG. */
  flags?: number;
  /** An auth verifier of this many bytes (after an 8-byte sec_trailer). */
  auth?: number;
  /** The sec_trailer's auth_level (default 2, connect; 5 packet integrity, 6 packet privacy). */
  level?: number;
}

/** A PDU: the 16-byte header (version 5.0, drep 0x10/0x00) before `body`, and an auth verifier when asked. */
export function pdu(ptype: number, callId: number, body: Uint8Array, o: PduOpts = {}): Uint8Array {
  const little = o.little ?? true;
  const auth = o.auth ?? 0;
  // Auth padding aligns the sec_trailer to 4 bytes (C706 13.2.6.1).
  const pad = auth > 0 ? (4 - ((16 + body.length) % 4)) % 4 : 0;
  const trailer = auth > 0 ? concat(new Uint8Array(pad), [9, o.level ?? 2, pad, 0], u32(0, little), new Uint8Array(auth).fill(0xaa)) : new Uint8Array(0);
  const len = 16 + body.length + trailer.length;
  return concat([5, 0, ptype, o.flags ?? 3], [little ? 0x10 : 0, 0, 0, 0], u16(len, little), u16(auth, little), u32(callId, little), body, trailer);
}

export interface Item {
  ctx: number;
  uuid: string;
  major?: number;
  minor?: number;
  syntax?: string;
}

/** A bind (or alter_context) offering `items`. */
export function bind(callId: number, items: Item[], o: PduOpts & { alter?: boolean } = {}): Uint8Array {
  const little = o.little ?? true;
  const parts = items.map((it) =>
    concat(u16(it.ctx, little), [1, 0], uuid(it.uuid, little), u16(it.major ?? 1, little), u16(it.minor ?? 0, little), uuid(it.syntax ?? NDR, little), u32(2, little)),
  );
  const body = concat(u16(4280, little), u16(4280, little), u32(0, little), [items.length, 0, 0, 0], ...parts);
  return pdu(o.alter === true ? 14 : 11, callId, body, o);
}

/** A bind_ack (or alter_context_resp) with secondary address `addr` and one result per offered item; an acceptance names NDR unless `syntax` says otherwise. */
export function bindAck(callId: number, addr: string, results: number[], o: PduOpts & { alter?: boolean; syntax?: string } = {}): Uint8Array {
  const little = o.little ?? true;
  const a = addr === '' ? new Uint8Array(0) : new TextEncoder().encode(`${addr}\0`);
  const head = concat(u16(4280, little), u16(4280, little), u32(0x1234, little), u16(a.length, little), a);
  const pad = new Uint8Array((4 - ((16 + head.length) % 4)) % 4);
  const res = results.map((r) =>
    concat(u16(r, little), u16(r === 0 ? 0 : 2, little), r === 0 ? uuid(o.syntax ?? NDR, little) : new Uint8Array(16), u32(r === 0 ? (o.syntax === NDR64 ? 1 : 2) : 0, little)),
  );
  return pdu(o.alter === true ? 15 : 12, callId, concat(head, pad, [results.length, 0, 0, 0], ...res), o);
}

/** A request for `opnum` on context `ctx`; `object` sets PFC_OBJECT_UUID with that UUID. */
export function request(callId: number, ctx: number, opnum: number, stub: Uint8Array, o: PduOpts & { object?: string } = {}): Uint8Array {
  const little = o.little ?? true;
  const flags = (o.flags ?? 3) | (o.object !== undefined ? 0x80 : 0);
  const obj = o.object !== undefined ? uuid(o.object, little) : new Uint8Array(0);
  return pdu(0, callId, concat(u32(stub.length, little), u16(ctx, little), u16(opnum, little), obj, stub), { ...o, flags });
}

export function response(callId: number, ctx: number, stub: Uint8Array, o: PduOpts = {}): Uint8Array {
  const little = o.little ?? true;
  return pdu(2, callId, concat(u32(stub.length, little), u16(ctx, little), [0, 0], stub), o);
}

export function fault(callId: number, status: number, o: PduOpts = {}): Uint8Array {
  const little = o.little ?? true;
  return pdu(3, callId, concat(u32(0, little), u16(0, little), [0, 0], u32(status, little), u32(0, little)), o);
}

/** SMB2 READ response (MS-SMB2 §2.2.20): the data at offset 80. */
export function smb2ReadResponse(data: Uint8Array, messageId: number, status = 0, asyncId?: number): Uint8Array {
  return concat(smb2Header(8, { reply: true, messageId, status, treeId: 5, asyncId }), le16(17), [80, 0], le32(data.length), le32(0), le32(0), data);
}

/** An interim SMB2 reply (MS-SMB2 §3.3.4.2): async header, STATUS_PENDING and an ERROR body (§2.2.2) with one byte of data. */
export function smb2InterimResponse(command: number, messageId: number, asyncId: number): Uint8Array {
  return concat(smb2Header(command, { reply: true, messageId, status: 0x103, asyncId }), le16(9), [0, 0], le32(0), [0]);
}

const FSCTL_PIPE_TRANSCEIVE = 0x0011c017;

/** SMB2 IOCTL request (MS-SMB2 §2.2.31) transceiving `input` on pipe `id`: the input at offset 120. */
export function smb2Transceive(id: Uint8Array, input: Uint8Array, messageId: number): Uint8Array {
  return concat(
    smb2Header(11, { messageId, treeId: 5 }), le16(57), le16(0), le32(FSCTL_PIPE_TRANSCEIVE), id,
    le32(120), le32(input.length), le32(0), le32(120), le32(0), le32(4280), le32(1), le32(0), input,
  );
}

/** SMB2 IOCTL response (MS-SMB2 §2.2.32) with `output` at offset 112. */
export function smb2TransceiveResponse(id: Uint8Array, output: Uint8Array, messageId: number): Uint8Array {
  return concat(
    smb2Header(11, { reply: true, messageId, treeId: 5 }), le16(49), le16(0), le32(FSCTL_PIPE_TRANSCEIVE), id,
    le32(112), le32(0), le32(112), le32(output.length), le32(0), le32(0), output,
  );
}

/** SMB1 header for the pipe messages (Unicode, NT status), `mid` pairs a response with its request. */
function smb1Header(command: number, reply: boolean, mid: number): Uint8Array {
  return concat([0xff, 0x53, 0x4d, 0x42, command], le32(0), [reply ? 0x98 : 0x18], le16(0xc801), le16(0), new Uint8Array(8), le16(0), le16(0xffff), le16(0xfeff), le16(0), le16(mid));
}

/** SMB1 READ_ANDX response (MS-CIFS §2.2.4.42.2): 12 words, the data after one pad byte (offset 60). */
export function smb1ReadResponse(data: Uint8Array, mid: number): Uint8Array {
  const words = concat([0xff, 0], le16(0), le16(0xffff), le16(0), le16(0), le16(data.length), le16(60), le16(0), new Uint8Array(8));
  return concat(smb1Header(0x2e, true, mid), [12], words, le16(data.length + 1), [0], data);
}

/** SMB1 TRANSACTION request calling TransactNmPipe on `fid` (MS-CIFS §2.2.4.33.1, §2.2.5.6). */
export function smb1TransactNmPipe(fid: number, data: Uint8Array, mid: number): Uint8Array {
  // 16 words (14 + 2 setup words); bytes at 32+1+32+2 = 67: the name "\PIPE\" (Unicode, after a pad byte) then the data.
  const name = concat([0], new Uint8Array([0x5c, 0, 0x50, 0, 0x49, 0, 0x50, 0, 0x45, 0, 0x5c, 0, 0, 0]));
  const dataOffset = 67 + name.length;
  const words = concat(
    le16(0), le16(data.length), le16(0), le16(4280), [0, 0], le16(0), le32(0), le16(0),
    le16(0), le16(dataOffset), le16(data.length), le16(dataOffset), [2, 0], le16(0x0026), le16(fid),
  );
  return concat(smb1Header(0x25, false, mid), [16], words, le16(name.length + data.length), name, data);
}

/** SMB1 TRANSACTION response (MS-CIFS §2.2.4.33.2): 10 words, the data at offset 56. */
export function smb1TransactionResponse(data: Uint8Array, mid: number): Uint8Array {
  const words = concat(le16(0), le16(data.length), le16(0), le16(0), le16(56), le16(0), le16(data.length), le16(56), le16(0), [0, 0]);
  return concat(smb1Header(0x25, true, mid), [10], words, le16(data.length + 1), [0], data);
}

/** NDR type serialization version 1 ([MS-RPCE] 2.2.6): common and private headers before `data`, padded to 8 bytes. */
function serialized(data: Uint8Array): Uint8Array {
  const pad = (8 - (data.length % 8)) % 8;
  return concat([1, 0x10, 8, 0], le32(0xcccccccc), le32(data.length + pad), le32(0), data, new Uint8Array(pad));
}

const CLSID_SPECIAL_SYSTEM_PROPERTIES = '000001b9-0000-0000-c000-000000000046';
const CLSID_INSTANTIATION_INFO = '000001ab-0000-0000-c000-000000000046';
const IID_ACTIVATION_PROPERTIES_IN = '000001a2-0000-0000-c000-000000000046';
const CLSID_ACTIVATION_PROPERTIES_IN = '00000338-0000-0000-c000-000000000046';

export interface ActivationOpts {
  /** ORPCTHIS carries an extension (an ORPC_EXTENT_ARRAY) before the activation properties. */
  extensions?: boolean;
  /** RemoteGetClassObject: no pUnkOuter parameter. */
  classObject?: boolean;
  /** Put InstantiationInfo first (as Impacket does) instead of after SpecialSystemProperties (as Windows does). */
  instantiationFirst?: boolean;
}

/**
 * The stub of an IRemoteSCMActivator RemoteCreateInstance (or, with
 * `classObject`, RemoteGetClassObject) request asking for `clsid` and
 * IDispatch ([MS-DCOM] 3.1.2.5.2.3): ORPCTHIS, pUnkOuter (NULL), then the
 * activation properties as an MInterfacePointer holding an OBJREF_CUSTOM
 * (2.2.18.6) whose object data is the activation properties BLOB (2.2.22):
 * a CustomHeader listing the properties' CLSIDs and sizes, then the
 * properties (SpecialPropertiesData left zero, InstantiationInfoData
 * 2.2.22.2.1), each in type serialization 1, little-endian.
 */
export function activationStub(clsid: string, o: ActivationOpts = {}): Uint8Array {
  const special = serialized(new Uint8Array(80));
  const instantiation = serialized(
    concat(uuid(clsid), le32(0x14), le32(0), le32(0), le32(1), le32(0), le32(0x20000), le32(88), le16(5), le16(7), le32(1), uuid(IDISPATCH)),
  );
  const props: [string, Uint8Array][] = [[CLSID_SPECIAL_SYSTEM_PROPERTIES, special], [CLSID_INSTANTIATION_INFO, instantiation]];
  if (o.instantiationFirst === true) props.reverse();
  const n = props.length;
  const body = concat(...props.map(([, p]) => p));
  const header = (headerSize: number): Uint8Array =>
    serialized(
      concat(
        le32(headerSize + body.length), le32(headerSize), le32(0), le32(2), le32(n), new Uint8Array(16), le32(0x20000), le32(0x20004), le32(0),
        le32(n), ...props.map(([id]) => uuid(id)), le32(n), ...props.map(([, p]) => le32(p.length)),
      ),
    );
  const customHeader = header(header(0).length);
  const blob = concat(le32(customHeader.length + body.length), le32(0), customHeader, body);
  const objref = concat(
    [0x4d, 0x45, 0x4f, 0x57], le32(4), uuid(IID_ACTIVATION_PROPERTIES_IN), uuid(CLSID_ACTIVATION_PROPERTIES_IN), le32(0), le32(blob.length + 8), blob,
  );
  // ORPCTHIS: version 5.7, flags, reserved, causality id, extensions (an array with one 8-byte extent when asked).
  const extent = concat(le32(1), le32(0), le32(0x20008), le32(2), le32(0x2000c), le32(0), uuid('f1f19680-4d2a-11ce-a66a-0020af6e72f4'), le32(8), le32(8), new Uint8Array(8).fill(0x4d));
  const orpcthis = concat(le16(5), le16(7), le32(1), le32(0), new Uint8Array(16).fill(0x11), le32(o.extensions === true ? 0x20004 : 0), o.extensions === true ? extent : []);
  const unkOuter = o.classObject === true ? new Uint8Array(0) : le32(0);
  return concat(orpcthis, unkOuter, le32(0x20010), le32(objref.length), le32(objref.length), objref);
}
