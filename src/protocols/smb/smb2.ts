/**
 * SMB2/3 message parser (MS-SMB2): the 64-byte header (with NextCommand for
 * compounded messages) and the bodies Picket reads — NEGOTIATE (dialects,
 * SMB 3.1.1 negotiate contexts), SESSION_SETUP (security blob bounds),
 * TREE_CONNECT (path / share type), CREATE (name and options; the opened
 * file's handle, times and size), CLOSE (handle) and SET_INFO (renames and
 * deletes). READ and WRITE are not parsed here: the analyzer reads their
 * handle in place (`SMB2_READ_WRITE_FILE_ID`). Also recognises the 0xFD
 * transform header of encrypted messages. Pure; never throws. All body
 * offsets in SMB2 are relative to the start of the SMB2 header.
 */
import {
  FILE_ATTRIBUTE_DIRECTORY,
  FileInfoClass,
  NegotiateContextType,
  SMB2_INFO_FILE,
  Smb2Command,
  Smb2Flags,
  cipherName,
  compressionName,
  contextTypeName,
} from './consts.js';
import type { SmbNegotiateContext } from './events.js';
import { fileTimesAt, smb2FileKey, u16, u32, u64, utf16Text, type SmbOpened } from './wire.js';

export const SMB2_HEADER_SIZE = 64;
/** Transform header size (MS-SMB2 §2.2.41). */
export const SMB2_TRANSFORM_HEADER_SIZE = 52;
/** Dialects kept from a NEGOTIATE request: clients offer at most 5-6. */
export const SMB2_MAX_DIALECTS = 32;
/** Negotiate contexts walked: 3.1.1 defines 7 types; more is garbage. */
export const SMB2_MAX_CONTEXTS = 16;
/** Algorithm ids kept per context: real lists have 1-4. */
export const SMB2_MAX_ALGORITHMS = 16;
/** Where the FileId sits in READ and WRITE request bodies (MS-SMB2 §2.2.19, §2.2.21). */
export const SMB2_READ_WRITE_FILE_ID = 16;
/** Body bytes of a READ/WRITE request up to the end of its FileId. */
export const SMB2_READ_WRITE_MIN_BODY = SMB2_READ_WRITE_FILE_ID + 16;

/** A CREATE request: the name asked for (relative to the share) and how. */
export interface Smb2CreateRequest {
  name: string;
  /** CreateDisposition: open, create, overwrite... (`createDispositionName`). */
  disposition: number;
  /** CreateOptions bits (`CreateOptions`). */
  options: number;
}

/** A SET_INFO request Picket acts on: a rename or a delete mark. */
export interface Smb2SetInfo {
  /** New name (relative to the share) of a rename. */
  renameTo?: string;
  /** A disposition request: true marks the file for deletion, false clears the mark. */
  deletePending?: boolean;
}

export interface Smb2Message {
  command: number;
  status: number;
  flags: number;
  /** Offset (from this header) of the next compounded message, 0 when last. */
  nextCommand: number;
  messageId: number;
  treeId: number;
  sessionId: number;
  isReply: boolean;
  isAsync: boolean;
  /** NEGOTIATE request: dialect revisions offered. */
  dialects?: number[];
  /** NEGOTIATE response: dialect revision chosen. */
  dialect?: number;
  contexts?: SmbNegotiateContext[];
  /** SESSION_SETUP / NEGOTIATE response security buffer bounds (absolute), -1 when absent. */
  blobStart: number;
  blobEnd: number;
  /** TREE_CONNECT request path. */
  path?: string;
  /** TREE_CONNECT response share type (1 disk, 2 pipe, 3 print). */
  shareType?: number;
  /** CREATE request. */
  create?: Smb2CreateRequest;
  /** Successful CREATE response: the file opened. */
  opened?: SmbOpened;
  /** CLOSE and SET_INFO requests: the handle acted on (`smb2FileKey`). */
  fileKey?: string;
  /** SET_INFO request renaming or deleting a file. */
  setInfo?: Smb2SetInfo;
  /** Anomaly code when the body could not be read. */
  malformed?: string;
}

/** Parses the SMB2 message whose header starts at `s`, ending at or before `e`. Null when shorter than a header. */
export function parseSmb2(b: Uint8Array, s: number, e: number): Smb2Message | null {
  if (e > b.length) e = b.length;
  if (e - s < SMB2_HEADER_SIZE) return null;
  const flags = u32(b, s + 16);
  const isAsync = (flags & Smb2Flags.ASYNC_COMMAND) !== 0;
  const msg: Smb2Message = {
    command: u16(b, s + 12),
    status: u32(b, s + 8),
    flags,
    nextCommand: u32(b, s + 20),
    messageId: u64(b, s + 24),
    treeId: isAsync ? 0 : u32(b, s + 36),
    sessionId: u64(b, s + 40),
    isReply: (flags & Smb2Flags.SERVER_TO_REDIR) !== 0,
    isAsync,
    blobStart: -1,
    blobEnd: -1,
  };
  // A compounded message ends where the next begins.
  const end = msg.nextCommand !== 0 && s + msg.nextCommand < e ? s + msg.nextCommand : e;
  const body = s + SMB2_HEADER_SIZE;
  const bodyLen = end - body;
  const structSize = bodyLen >= 2 ? u16(b, body) : 0;
  // Error responses use the 9-byte ERROR body whatever the command (MS-SMB2 §2.2.2).
  if (msg.isReply && structSize === 9 && msg.command !== Smb2Command.SESSION_SETUP && msg.command !== Smb2Command.TREE_CONNECT) {
    return msg;
  }
  switch (msg.command) {
    case Smb2Command.NEGOTIATE:
      if (msg.isReply) negotiateResponse(b, s, body, end, msg);
      else negotiateRequest(b, s, body, end, msg);
      break;
    case Smb2Command.SESSION_SETUP:
      if (msg.isReply) {
        if (bodyLen < 8) break;
        setBlob(b, s, end, u16(b, body + 4), u16(b, body + 6), msg);
      } else {
        if (bodyLen < 24) {
          msg.malformed = 'smb2_truncated';
          break;
        }
        setBlob(b, s, end, u16(b, body + 12), u16(b, body + 14), msg);
      }
      break;
    case Smb2Command.TREE_CONNECT:
      if (msg.isReply) {
        if (structSize === 16 && bodyLen >= 16) msg.shareType = b[body + 2]!;
      } else {
        if (bodyLen < 8) {
          msg.malformed = 'smb2_truncated';
          break;
        }
        const off = u16(b, body + 4);
        const len = u16(b, body + 6);
        if (off < SMB2_HEADER_SIZE || s + off + len > end) {
          msg.malformed = 'smb2_bad_offset';
          break;
        }
        msg.path = utf16Text(b, s + off, s + off + len);
      }
      break;
    case Smb2Command.CREATE:
      if (msg.isReply) createResponse(b, body, end, msg);
      else createRequest(b, s, body, end, msg);
      break;
    case Smb2Command.CLOSE:
      if (msg.isReply) break;
      // StructureSize, Flags, Reserved, then the FileId (MS-SMB2 §2.2.15).
      if (bodyLen < 24) msg.malformed = 'smb2_truncated';
      else msg.fileKey = smb2FileKey(b, body + 8);
      break;
    case Smb2Command.SET_INFO:
      if (!msg.isReply) setInfoRequest(b, s, body, end, msg);
      break;
    default:
      break;
  }
  return msg;
}

/** CREATE request (MS-SMB2 §2.2.13): the fixed part is 56 bytes, the name at NameOffset. */
function createRequest(b: Uint8Array, s: number, body: number, end: number, msg: Smb2Message): void {
  if (end - body < 56) {
    msg.malformed = 'smb2_truncated';
    return;
  }
  const off = u16(b, body + 44);
  const len = u16(b, body + 46);
  let name = '';
  if (len > 0) {
    if (off < SMB2_HEADER_SIZE || s + off + len > end) {
      msg.malformed = 'smb2_bad_offset';
      return;
    }
    name = utf16Text(b, s + off, s + off + len);
  }
  msg.create = { name, disposition: u32(b, body + 36), options: u32(b, body + 40) };
}

/** CREATE response (MS-SMB2 §2.2.14): times from byte 8, EndofFile at 48, FileAttributes at 56, FileId at 64. */
function createResponse(b: Uint8Array, body: number, end: number, msg: Smb2Message): void {
  if (end - body < 80) {
    msg.malformed = 'smb2_truncated';
    return;
  }
  msg.opened = {
    fileKey: smb2FileKey(b, body + 64),
    times: fileTimesAt(b, body + 8),
    size: u64(b, body + 48),
    directory: (u32(b, body + 56) & FILE_ATTRIBUTE_DIRECTORY) !== 0,
  };
}

/**
 * SET_INFO request (MS-SMB2 §2.2.39): InfoType, FileInfoClass,
 * BufferLength, BufferOffset, then the FileId at 16. Only renames
 * (FILE_RENAME_INFORMATION: the name length at 16 and the name at 20, in
 * both the plain and the Ex form) and disposition changes are read.
 */
function setInfoRequest(b: Uint8Array, s: number, body: number, end: number, msg: Smb2Message): void {
  if (end - body < 32) {
    msg.malformed = 'smb2_truncated';
    return;
  }
  msg.fileKey = smb2FileKey(b, body + 16);
  if (b[body + 2] !== SMB2_INFO_FILE) return;
  const cls = b[body + 3]!;
  if (cls !== FileInfoClass.RENAME && cls !== FileInfoClass.RENAME_EX && cls !== FileInfoClass.DISPOSITION && cls !== FileInfoClass.DISPOSITION_EX) {
    return;
  }
  const len = u32(b, body + 4);
  const off = u16(b, body + 8);
  const buf = s + off;
  if (off < SMB2_HEADER_SIZE || buf + len > end) {
    msg.malformed = 'smb2_bad_offset';
    return;
  }
  if (cls === FileInfoClass.DISPOSITION) {
    if (len < 1) msg.malformed = 'smb2_truncated';
    else msg.setInfo = { deletePending: b[buf] !== 0 };
  } else if (cls === FileInfoClass.DISPOSITION_EX) {
    // Flags bit 0x1 is FILE_DISPOSITION_DELETE (MS-FSCC §2.4.12).
    if (len < 4) msg.malformed = 'smb2_truncated';
    else msg.setInfo = { deletePending: (u32(b, buf) & 1) !== 0 };
  } else {
    const nameLen = len >= 20 ? u32(b, buf + 16) : -1;
    if (nameLen < 0 || 20 + nameLen > len) {
      msg.malformed = 'smb2_truncated';
      return;
    }
    msg.setInfo = { renameTo: utf16Text(b, buf + 20, buf + 20 + nameLen) };
  }
}

function setBlob(b: Uint8Array, s: number, end: number, off: number, len: number, msg: Smb2Message): void {
  if (len === 0) return;
  if (off < SMB2_HEADER_SIZE || s + off + len > end) {
    msg.malformed = 'smb2_bad_offset';
    return;
  }
  msg.blobStart = s + off;
  msg.blobEnd = s + off + len;
  void b;
}

function negotiateRequest(b: Uint8Array, s: number, body: number, end: number, msg: Smb2Message): void {
  if (end - body < 36) {
    msg.malformed = 'smb2_truncated';
    return;
  }
  const count = u16(b, body + 2);
  const dialects: number[] = [];
  for (let i = 0; i < count && i < SMB2_MAX_DIALECTS; i++) {
    const at = body + 36 + 2 * i;
    if (at + 2 > end) {
      msg.malformed = 'smb2_truncated';
      break;
    }
    dialects.push(u16(b, at));
  }
  msg.dialects = dialects;
  let has311 = false;
  for (let i = 0; i < dialects.length; i++) if (dialects[i] === 0x0311) has311 = true;
  if (has311) {
    msg.contexts = contexts(b, s, end, u32(b, body + 28), u16(b, body + 32), msg);
  }
}

function negotiateResponse(b: Uint8Array, s: number, body: number, end: number, msg: Smb2Message): void {
  if (end - body < 64) {
    msg.malformed = 'smb2_truncated';
    return;
  }
  msg.dialect = u16(b, body + 4);
  setBlob(b, s, end, u16(b, body + 56), u16(b, body + 58), msg);
  if (msg.dialect === 0x0311) {
    msg.contexts = contexts(b, s, end, u32(b, body + 60), u16(b, body + 6), msg);
  }
}

function contexts(b: Uint8Array, s: number, end: number, off: number, count: number, msg: Smb2Message): SmbNegotiateContext[] {
  const out: SmbNegotiateContext[] = [];
  let p = s + off;
  for (let i = 0; i < count && i < SMB2_MAX_CONTEXTS; i++) {
    if (off < SMB2_HEADER_SIZE || p + 8 > end) {
      msg.malformed = 'smb2_bad_context';
      break;
    }
    const type = u16(b, p);
    const len = u16(b, p + 2);
    const data = p + 8;
    if (data + len > end) {
      msg.malformed = 'smb2_bad_context';
      break;
    }
    const ctx: SmbNegotiateContext = { type, type_name: contextTypeName(type), length: len };
    decodeContext(b, data, data + len, ctx);
    out.push(ctx);
    // Contexts are 8-byte aligned relative to the SMB2 header.
    p = data + len;
    p = s + ((p - s + 7) & ~7);
  }
  return out;
}

function decodeContext(b: Uint8Array, p: number, end: number, ctx: SmbNegotiateContext): void {
  switch (ctx.type) {
    case NegotiateContextType.PREAUTH_INTEGRITY: {
      if (end - p < 4) return;
      const n = u16(b, p);
      ctx.salt_length = u16(b, p + 2);
      const algs: number[] = [];
      for (let i = 0; i < n && i < SMB2_MAX_ALGORITHMS && p + 4 + 2 * i + 2 <= end; i++) algs.push(u16(b, p + 4 + 2 * i));
      ctx.hash_algorithms = algs;
      return;
    }
    case NegotiateContextType.ENCRYPTION: {
      if (end - p < 2) return;
      const n = u16(b, p);
      const names: string[] = [];
      for (let i = 0; i < n && i < SMB2_MAX_ALGORITHMS && p + 2 + 2 * i + 2 <= end; i++) {
        names.push(cipherName(u16(b, p + 2 + 2 * i)));
      }
      ctx.ciphers = names;
      return;
    }
    case NegotiateContextType.COMPRESSION: {
      // CompressionAlgorithmCount(2), Padding(2), Flags(4), algorithms.
      if (end - p < 8) return;
      const n = u16(b, p);
      const names: string[] = [];
      for (let i = 0; i < n && i < SMB2_MAX_ALGORITHMS && p + 8 + 2 * i + 2 <= end; i++) {
        names.push(compressionName(u16(b, p + 8 + 2 * i)));
      }
      ctx.compression_algorithms = names;
      return;
    }
    case NegotiateContextType.NETNAME:
      ctx.netname = utf16Text(b, p, end);
      return;
    default:
      return;
  }
}
