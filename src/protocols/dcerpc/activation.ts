/**
 * The class a DCOM activation asks for: the CLSID in the stub of an
 * IRemoteSCMActivator RemoteCreateInstance or RemoteGetClassObject request
 * ([MS-DCOM] 3.1.2.5.2.3), read when the stub is in clear (no auth
 * verifier, or one below packet privacy).
 *
 * The request carries its activation properties as an OBJREF_CUSTOM
 * ([MS-DCOM] 2.2.18.6: signature "MEOW", flags 4, IID
 * IActivationPropertiesIn) inside an MInterfacePointer; its object data is
 * the activation properties BLOB (2.2.22): dwSize, dwReserved, then a
 * CustomHeader (2.2.22.1) and the properties, each marshaled with NDR type
 * serialization version 1 ([MS-RPCE] 2.2.6: an 8-byte common header, an
 * 8-byte private header, then the data). The CustomHeader lists the
 * properties' CLSIDs and sizes in order; the one named
 * CLSID_InstantiationInfo (InstantiationInfoData, 2.2.22.2.1) begins with
 * the classId. The OBJREF is found by its signature, flags and IID rather
 * than by walking ORPCTHIS and its optional extensions. Everything is read
 * little-endian, as the OBJREF and the serialization headers say; any
 * inconsistency gives no CLSID. Pure: never throws.
 */
import { u32 } from '../smb/wire.js';
import { uuidText } from './parser.js';

/** IRemoteSCMActivator (ISystemActivator in Wireshark), [MS-DCOM] 1.9. */
export const ACTIVATOR_UUID = '000001a0-0000-0000-c000-000000000046';
/** Its activation operations ([MS-DCOM] 3.1.2.5.2.3.1 and 3.1.2.5.2.3.2). */
export const REMOTE_GET_CLASS_OBJECT = 3;
export const REMOTE_CREATE_INSTANCE = 4;

/** "MEOW" read little-endian. */
const OBJREF_SIGNATURE = 0x574f454d;
const OBJREF_CUSTOM = 4;
/** OBJREF signature, flags and IID; then OBJREF_CUSTOM's clsid, cbExtension and reserved before the object data. */
const OBJREF_HEAD = 24;
const CUSTOM_HEAD = 24;
/** Activation properties BLOB: dwSize and dwReserved before the CustomHeader. */
const BLOB_HEAD = 8;
/** NDR type serialization 1: common header (version, endianness, length 8, filler) and private header. */
const SERIALIZATION_HEAD = 16;
/** CustomHeader fields before its deferred arrays: five DWORDs, classInfoClsid, three pointers. */
const CUSTOM_HEADER_FIXED = 48;
/** MAX_ACTPROP_LIMIT ([MS-DCOM] 2.2.28.1). */
const MAX_PROPERTIES = 10;

/** A GUID's 16 bytes as NDR lays them out little-endian. */
function guidBytes(text: string): Uint8Array {
  const h = text.replace(/-/g, '');
  const raw: number[] = [];
  for (let i = 0; i < 16; i++) raw.push(parseInt(h.slice(2 * i, 2 * i + 2), 16));
  return new Uint8Array([raw[3]!, raw[2]!, raw[1]!, raw[0]!, raw[5]!, raw[4]!, raw[7]!, raw[6]!, ...raw.slice(8)]);
}

const IID_ACTIVATION_PROPERTIES_IN = guidBytes('000001a2-0000-0000-c000-000000000046');
const CLSID_INSTANTIATION_INFO = guidBytes('000001ab-0000-0000-c000-000000000046');

function sameBytes(b: Uint8Array, o: number, want: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if (b[o + i] !== want[i]) return false;
  return true;
}

/** True for a type serialization 1 header (version 1, little-endian, common header length 8) at `o`. */
function serializationHeader(b: Uint8Array, o: number, end: number): boolean {
  return o + SERIALIZATION_HEAD <= end && b[o] === 1 && b[o + 1] === 0x10 && b[o + 2] === 8 && b[o + 3] === 0;
}

/** Offset of the activation properties' OBJREF_CUSTOM in [start, end), or -1. */
function findObjref(b: Uint8Array, start: number, end: number): number {
  for (let p = start; p + OBJREF_HEAD <= end; p++) {
    if (b[p] !== 0x4d || u32(b, p) !== OBJREF_SIGNATURE) continue;
    if (u32(b, p + 4) === OBJREF_CUSTOM && sameBytes(b, p + 8, IID_ACTIVATION_PROPERTIES_IN)) return p;
  }
  return -1;
}

/** True when opnum `opnum` of interface `uuid` is an activation whose stub names a class. */
export function isActivationRequest(uuid: string | undefined, opnum: number): boolean {
  return uuid === ACTIVATOR_UUID && (opnum === REMOTE_CREATE_INSTANCE || opnum === REMOTE_GET_CLASS_OBJECT);
}

/** The CLSID (lower-case text) an activation request's stub `b[start, end)` asks for; undefined when it cannot be read. */
export function activationClsid(b: Uint8Array, start: number, end: number): string | undefined {
  if (end > b.length) end = b.length;
  const objref = findObjref(b, start, end);
  if (objref < 0) return undefined;
  const header = objref + OBJREF_HEAD + CUSTOM_HEAD + BLOB_HEAD;
  if (!serializationHeader(b, header, end)) return undefined;
  const d = header + SERIALIZATION_HEAD;
  if (d + CUSTOM_HEADER_FIXED + 4 > end) return undefined;
  const headerSize = u32(b, d + 4);
  const count = u32(b, d + 16);
  if (count < 1 || count > MAX_PROPERTIES) return undefined;
  // pclsid and pSizes must be present; their arrays follow in that order, each after its conformance count.
  if (u32(b, d + 36) === 0 || u32(b, d + 40) === 0) return undefined;
  const clsids = d + CUSTOM_HEADER_FIXED + 4;
  const sizes = clsids + 16 * count + 4;
  if (sizes + 4 * count > end) return undefined;
  if (u32(b, clsids - 4) !== count || u32(b, sizes - 4) !== count) return undefined;
  if (headerSize < SERIALIZATION_HEAD + CUSTOM_HEADER_FIXED) return undefined;
  let p = header + headerSize;
  for (let i = 0; i < count; i++) {
    if (sameBytes(b, clsids + 16 * i, CLSID_INSTANTIATION_INFO)) {
      if (!serializationHeader(b, p, end) || p + SERIALIZATION_HEAD + 16 > end) return undefined;
      return uuidText(b, p + SERIALIZATION_HEAD, true);
    }
    const size = u32(b, sizes + 4 * i);
    if (size < SERIALIZATION_HEAD) return undefined;
    p += size;
    if (p >= end) return undefined;
  }
  return undefined;
}
