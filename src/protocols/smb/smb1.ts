/**
 * SMB1 message parser (MS-CIFS / MS-SMB): the 32-byte header, then the
 * commands Picket reads for authentication, share mapping and file access —
 * NEGOTIATE (dialect strings / chosen index), SESSION_SETUP_ANDX
 * (extended-security blob, or plain account/domain), TREE_CONNECT_ANDX
 * (path, service, native file system), NT_CREATE_ANDX (name and options;
 * the opened file's FID, times and size), READ_ANDX / WRITE_ANDX and CLOSE
 * (FID, and the bytes of named-pipe writes and reads) and TRANSACTION's
 * TransactNmPipe — following AndX chains. Pure; never throws.
 */
import { FILE_ATTRIBUTE_DIRECTORY, Smb1Command, Smb1Flags2, SMB1_FLAGS_REPLY } from './consts.js';
import { fileTimesAt, readCString, smb1FileKey, u16, u32, u64, type CString, type SmbOpened } from './wire.js';

/** TransactNmPipe: a named-pipe transaction's function code (MS-CIFS §2.2.5.6). */
export const SMB1_TRANS_NMPIPE = 0x0026;
/** WRITE_ANDX WriteMode bit: raw write starting a pipe message, with a 2-byte length first (MS-CIFS §2.2.4.43.1). */
const SMB1_WRITE_MSG_START = 0x0008;

/** SMB1 header size (MS-CIFS §2.2.3.1). */
export const SMB1_HEADER_SIZE = 32;
/** AndX commands followed in one message: real chains have 2-3 links; a loop is cut here. */
export const SMB1_MAX_ANDX = 8;
/** Dialect strings kept from a NEGOTIATE request: clients send up to about a dozen. */
export const SMB1_MAX_DIALECTS = 32;

export interface Smb1SessionSetup {
  /** Extended-security blob (SPNEGO/NTLMSSP) bounds, -1 when absent. */
  blobStart: number;
  blobEnd: number;
  /** Plain (non-extended) session setup: account and domain. */
  account?: string;
  domain?: string;
  nativeOs?: string;
  nativeLm?: string;
  /** Response Action bit 0: logged in as guest. */
  guest?: boolean;
}

export interface Smb1TreeConnect {
  path?: string;
  service?: string;
  nativeFs?: string;
}

/** An NT_CREATE_ANDX request: the name asked for and how. */
export interface Smb1CreateRequest {
  /** As sent: usually with a leading backslash. */
  name: string;
  disposition: number;
  options: number;
}

/** A READ_ANDX or WRITE_ANDX request. */
export interface Smb1Access {
  write: boolean;
  /** The FID as a map key (`smb1FileKey`). */
  fileKey: string;
  /** WRITE_ANDX: where the written bytes are (absolute; `dataEnd` may pass the message when it was cut), -1 when unknown. */
  dataStart: number;
  dataEnd: number;
  /** The file offset written at or read from (-1 when unknown). */
  offset: number;
}

/** Bytes a message carries for a named pipe (absolute offsets; the end may pass the kept message). */
export interface Smb1Data {
  start: number;
  end: number;
}

/** A TransactNmPipe request: the pipe's FID and the bytes written to it. */
export interface Smb1Transact extends Smb1Data {
  fileKey: string;
}

export interface Smb1Message {
  command: number;
  status: number;
  flags: number;
  flags2: number;
  tid: number;
  pid: number;
  uid: number;
  mid: number;
  isReply: boolean;
  /** NEGOTIATE request dialects. */
  dialects?: string[];
  /** NEGOTIATE response: index into the request's dialects (0xffff = none). */
  dialectIndex?: number;
  sessionSetup?: Smb1SessionSetup;
  treeConnect?: Smb1TreeConnect;
  /** NT_CREATE_ANDX request. */
  create?: Smb1CreateRequest;
  /** NT_CREATE_ANDX response with its parameters: the file opened. */
  opened?: SmbOpened;
  /** READ_ANDX / WRITE_ANDX request. */
  access?: Smb1Access;
  /** CLOSE request: the FID closed (`smb1FileKey`). */
  closeKey?: string;
  /** READ_ANDX response: the bytes read. */
  readData?: Smb1Data;
  /** TRANSACTION request calling TransactNmPipe. */
  transact?: Smb1Transact;
  /** TRANSACTION response: its data bytes. */
  transactData?: Smb1Data;
  /** Anomaly code when part of the message could not be read. */
  malformed?: string;
}

const str: CString = { text: '', next: 0 };

/** The NativeOS and NativeLanMan strings that end both session-setup messages, when present at `p`. */
function readNativeOsLm(b: Uint8Array, p: number, end: number, unicode: boolean, s: number, out: Smb1SessionSetup): void {
  if (p >= end) return;
  readCString(b, p, end, unicode, s, str);
  out.nativeOs = str.text;
  readCString(b, str.next, end, unicode, s, str);
  out.nativeLm = str.text;
}

/** Records the extended-security blob of `len` bytes at `p` (cut at `end`); returns where it ends. */
function setBlob(out: Smb1SessionSetup, p: number, len: number, end: number): number {
  out.blobStart = p;
  out.blobEnd = Math.min(p + len, end);
  return out.blobEnd;
}

/** Parses the SMB1 message in [s, e) (s at the 0xFF 'SMB' signature); null when shorter than a header. */
export function parseSmb1(b: Uint8Array, s: number, e: number): Smb1Message | null {
  if (e > b.length) e = b.length;
  if (e - s < SMB1_HEADER_SIZE) return null;
  const msg: Smb1Message = {
    command: b[s + 4]!,
    status: u32(b, s + 5),
    flags: b[s + 9]!,
    flags2: u16(b, s + 10),
    tid: u16(b, s + 24),
    pid: u16(b, s + 26),
    uid: u16(b, s + 28),
    mid: u16(b, s + 30),
    isReply: (b[s + 9]! & SMB1_FLAGS_REPLY) !== 0,
  };
  const unicode = (msg.flags2 & Smb1Flags2.UNICODE) !== 0;
  let command = msg.command;
  let off = SMB1_HEADER_SIZE;
  for (let link = 0; link < SMB1_MAX_ANDX; link++) {
    const p = s + off;
    if (p >= e) {
      // Error responses may carry no parameter block at all.
      if (link === 0 && msg.isReply && msg.status !== 0) return msg;
      msg.malformed = 'smb1_truncated';
      return msg;
    }
    const wc = b[p]!;
    const words = p + 1;
    const bcAt = words + 2 * wc;
    if (bcAt + 2 > e) {
      msg.malformed = 'smb1_truncated';
      return msg;
    }
    const bytes = bcAt + 2;
    const bytesEnd = Math.min(bytes + u16(b, bcAt), e);
    switch (command) {
      case Smb1Command.NEGOTIATE:
        if (msg.isReply) {
          if (wc >= 1) msg.dialectIndex = u16(b, words);
        } else {
          msg.dialects = negotiateDialects(b, bytes, bytesEnd);
        }
        return msg;
      case Smb1Command.SESSION_SETUP_ANDX:
        msg.sessionSetup = msg.isReply
          ? sessionSetupResponse(b, s, wc, words, bytes, bytesEnd, unicode)
          : sessionSetupRequest(b, s, wc, words, bytes, bytesEnd, unicode);
        break;
      case Smb1Command.TREE_CONNECT_ANDX:
        msg.treeConnect = msg.isReply
          ? treeConnectResponse(b, s, wc, bytes, bytesEnd, unicode)
          : treeConnectRequest(b, s, wc, words, bytes, bytesEnd, unicode);
        break;
      case Smb1Command.NT_CREATE_ANDX:
        if (msg.isReply) ntCreateResponse(b, wc, words, msg);
        else ntCreateRequest(b, s, wc, words, bytes, bytesEnd, unicode, msg);
        break;
      case Smb1Command.READ_ANDX:
      case Smb1Command.WRITE_ANDX:
        // Both requests: the AndX block (4 bytes), then the FID (MS-CIFS §2.2.4.42.1, §2.2.4.43.1).
        if (!msg.isReply && wc >= 3) msg.access = access(b, s, wc, words, command === Smb1Command.WRITE_ANDX);
        // READ_ANDX response (§2.2.4.42.2): DataLength at byte 10, DataOffset (from the header) at 12, and
        // DataLengthHigh at 14 (MS-SMB §2.2.4.2.2: a large read past 64 KiB; zero, reserved, in others).
        else if (msg.isReply && command === Smb1Command.READ_ANDX && wc >= 12) {
          const start = s + u16(b, words + 12);
          msg.readData = { start, end: start + u16(b, words + 14) * 0x10000 + u16(b, words + 10) };
        }
        break;
      case Smb1Command.TRANSACTION:
        if (msg.isReply) transactionResponse(b, s, wc, words, msg);
        else transactionRequest(b, s, wc, words, msg);
        return msg;
      case Smb1Command.CLOSE:
        // Not an AndX command: the FID is the first word (MS-CIFS §2.2.4.5.1).
        if (!msg.isReply && wc >= 1) msg.closeKey = smb1FileKey(u16(b, words));
        return msg;
      default:
        if (!isAndX(command)) return msg;
        break;
    }
    // Follow the AndX chain: words[0] low byte = next command, words[1] = its offset.
    if (wc < 2) return msg;
    const next = b[words]!;
    const nextOff = u16(b, words + 2);
    if (next === Smb1Command.NO_ANDX) return msg;
    if (nextOff <= off) {
      msg.malformed = 'smb1_andx_loop';
      return msg;
    }
    command = next;
    off = nextOff;
  }
  msg.malformed = 'smb1_andx_too_long';
  return msg;
}

/**
 * A READ_ANDX or WRITE_ANDX request: the FID, and for a write its data
 * (§2.2.4.43.1: DataLength at byte 20, DataOffset from the header at 22,
 * DataLengthHigh at 18).
 * A write starting a named-pipe message in raw mode (WriteMode bit 0x0008)
 * begins with a 2-byte message length, which is not pipe data.
 */
function access(b: Uint8Array, s: number, wc: number, words: number, write: boolean): Smb1Access {
  const out: Smb1Access = { write, fileKey: smb1FileKey(u16(b, words + 4)), dataStart: -1, dataEnd: -1, offset: -1 };
  if (!write && wc >= 10) {
    // READ_ANDX: Offset at byte 6, OffsetHigh at 20 when WordCount is 12 (MS-CIFS 2.2.4.42.1).
    const high = wc >= 12 ? u32(b, words + 20) : 0;
    out.offset = high * 0x100000000 + u32(b, words + 6);
  }
  if (write && wc >= 12) {
    // Offset: low 32 bits at byte 6, high 32 bits at 24 when WordCount is 14 (MS-CIFS 2.2.4.43.1).
    const high = wc >= 14 ? u32(b, words + 24) : 0;
    out.offset = high * 0x100000000 + u32(b, words + 6);
    let start = s + u16(b, words + 22);
    // DataLengthHigh at byte 18 (MS-SMB §2.2.4.3.1: a large write past 64 KiB; zero, reserved, in others).
    const end = start + u16(b, words + 18) * 0x10000 + u16(b, words + 20);
    if ((u16(b, words + 14) & SMB1_WRITE_MSG_START) !== 0) start = Math.min(start + 2, end);
    out.dataStart = start;
    out.dataEnd = end;
  }
  return out;
}

/**
 * SMB_COM_TRANSACTION request (§2.2.4.33.1): DataCount at byte 22,
 * DataOffset at 24, SetupCount at 26, then the setup words; TransactNmPipe
 * is setup word 0x0026 followed by the FID (§2.2.5.6).
 */
function transactionRequest(b: Uint8Array, s: number, wc: number, words: number, msg: Smb1Message): void {
  if (wc < 14) {
    msg.malformed = 'smb1_truncated';
    return;
  }
  const setupCount = b[words + 26]!;
  if (setupCount < 2 || wc < 14 + setupCount) return;
  if (u16(b, words + 28) !== SMB1_TRANS_NMPIPE) return;
  const start = s + u16(b, words + 24);
  msg.transact = { fileKey: smb1FileKey(u16(b, words + 30)), start, end: start + u16(b, words + 22) };
}

/** SMB_COM_TRANSACTION response (§2.2.4.33.2): DataCount at byte 12, DataOffset at 14. */
function transactionResponse(b: Uint8Array, s: number, wc: number, words: number, msg: Smb1Message): void {
  if (wc < 10) return;
  const start = s + u16(b, words + 14);
  msg.transactData = { start, end: start + u16(b, words + 12) };
}

/** Commands whose parameter block starts with the AndX header. */
function isAndX(c: number): boolean {
  // LOCKING_ANDX, OPEN_ANDX, READ_ANDX, WRITE_ANDX, SESSION_SETUP_ANDX, LOGOFF_ANDX, TREE_CONNECT_ANDX, NT_CREATE_ANDX
  return c === 0x24 || c === 0x2d || c === 0x2e || c === 0x2f || c === 0x73 || c === 0x74 || c === 0x75 || c === 0xa2;
}

/**
 * NT_CREATE_ANDX request (MS-CIFS §2.2.4.64.1): 24 words with
 * CreateDisposition at byte 35 and CreateOptions at 39; the name is the
 * data block's string (Unicode aligned to the header, per Flags2).
 */
function ntCreateRequest(
  b: Uint8Array,
  s: number,
  wc: number,
  words: number,
  bytes: number,
  end: number,
  unicode: boolean,
  msg: Smb1Message,
): void {
  if (wc < 24) {
    msg.malformed = 'smb1_truncated';
    return;
  }
  readCString(b, bytes, end, unicode, s, str);
  msg.create = { name: str.text, disposition: u32(b, words + 35), options: u32(b, words + 39) };
}

/**
 * NT_CREATE_ANDX response (MS-CIFS §2.2.4.64.2; MS-SMB's extended form has
 * more words after these): FID at byte 5, the four times from 11,
 * ExtFileAttributes at 43, EndOfFile at 55, Directory at 67. Error
 * responses carry no words and are left alone.
 */
function ntCreateResponse(b: Uint8Array, wc: number, words: number, msg: Smb1Message): void {
  if (wc === 0) return;
  if (wc < 34) {
    msg.malformed = 'smb1_truncated';
    return;
  }
  msg.opened = {
    fileKey: smb1FileKey(u16(b, words + 5)),
    times: fileTimesAt(b, words + 11),
    size: u64(b, words + 55),
    directory: b[words + 67] !== 0 || (u32(b, words + 43) & FILE_ATTRIBUTE_DIRECTORY) !== 0,
  };
}

function negotiateDialects(b: Uint8Array, p: number, end: number): string[] {
  const out: string[] = [];
  while (p < end && out.length < SMB1_MAX_DIALECTS) {
    // Each dialect: BufferFormat 0x02, then an OEM NUL-terminated string.
    if (b[p] !== 0x02) break;
    readCString(b, p + 1, end, false, 0, str);
    out.push(str.text);
    p = str.next;
  }
  return out;
}

function sessionSetupRequest(
  b: Uint8Array,
  s: number,
  wc: number,
  words: number,
  bytes: number,
  end: number,
  unicode: boolean,
): Smb1SessionSetup {
  const out: Smb1SessionSetup = { blobStart: -1, blobEnd: -1 };
  let p = bytes;
  if (wc === 12) {
    p = setBlob(out, p, u16(b, words + 14), end);
  } else if (wc === 13 || wc === 10) {
    // Plain credentials: skip the password(s), then account and domain names.
    const pw = wc === 13 ? u16(b, words + 14) + u16(b, words + 16) : u16(b, words + 14);
    p = Math.min(p + pw, end);
    readCString(b, p, end, unicode, s, str);
    if (str.text !== '') out.account = str.text;
    p = str.next;
    readCString(b, p, end, unicode, s, str);
    if (str.text !== '') out.domain = str.text;
    p = str.next;
  } else {
    return out;
  }
  readNativeOsLm(b, p, end, unicode, s, out);
  return out;
}

function sessionSetupResponse(
  b: Uint8Array,
  s: number,
  wc: number,
  words: number,
  bytes: number,
  end: number,
  unicode: boolean,
): Smb1SessionSetup {
  const out: Smb1SessionSetup = { blobStart: -1, blobEnd: -1 };
  if (wc < 3) return out;
  out.guest = (u16(b, words + 4) & 1) !== 0;
  let p = bytes;
  if (wc === 4) p = setBlob(out, p, u16(b, words + 6), end);
  readNativeOsLm(b, p, end, unicode, s, out);
  return out;
}

function treeConnectRequest(
  b: Uint8Array,
  s: number,
  wc: number,
  words: number,
  bytes: number,
  end: number,
  unicode: boolean,
): Smb1TreeConnect {
  const out: Smb1TreeConnect = {};
  if (wc < 4) return out;
  const pwLen = u16(b, words + 6);
  let p = Math.min(bytes + pwLen, end);
  readCString(b, p, end, unicode, s, str);
  out.path = str.text;
  p = str.next;
  // The service is always OEM (MS-CIFS §2.2.4.55.1).
  readCString(b, p, end, false, s, str);
  out.service = str.text;
  return out;
}

function treeConnectResponse(
  b: Uint8Array,
  s: number,
  wc: number,
  bytes: number,
  end: number,
  unicode: boolean,
): Smb1TreeConnect {
  const out: Smb1TreeConnect = {};
  if (wc < 2) return out;
  readCString(b, bytes, end, false, s, str);
  out.service = str.text;
  if (str.next < end) {
    readCString(b, str.next, end, unicode, s, str);
    out.nativeFs = str.text;
  }
  return out;
}
