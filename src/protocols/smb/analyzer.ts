/**
 * SMB analyzer for TCP 445 (direct) and 139 (NetBIOS session service).
 * Frames messages (`framing.ts`), parses SMB1 and SMB2/3 (`smb1.ts`,
 * `smb2.ts`, compounded SMB2 via NextCommand), pairs requests with responses
 * (bounded pending tables) and publishes:
 * - smb_mapping.log records for successful tree connects, and
 *   `smb.tree_connect` events for every tree connect outcome;
 * - smb_files.log records and `smb.file` events for files opened, read,
 *   written, renamed and deleted on disk shares (`files.ts`), and a
 *   files.log record for each file's bytes read or written, hashed
 *   (`file-content.ts`);
 * - DCE/RPC over named pipes on IPC$ (`pipes.ts` hands each pipe's bytes
 *   to a DCE/RPC reader): dce_rpc.log records and `dce_rpc.*` events;
 * - `smb.negotiate` events (offered/chosen dialects, 3.1.1 contexts);
 * - ntlm.log records and kerberos.log "AP" records via `GssAuth`;
 * - `auth` events for session setup outcomes (service "smb").
 * Encrypted (0xFD transform) and compressed (0xFC) messages are counted and
 * skipped: their content cannot be read.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import { authEvent } from '../auth-event.js';
import { startRecord } from '../zeek-record.js';
import {
  NbssType,
  NtStatus,
  Smb1Command,
  Smb1Flags2,
  Smb2Command,
  Smb2Flags,
  SmbProtocol,
  smb1ShareTypeName,
  smb2DialectName,
  smb2ShareTypeName,
  statusName,
} from './consts.js';
import type { SmbMappingRecord, SmbNegotiateContext, SmbNegotiateEvent, SmbTreeConnectEvent } from './events.js';
import { NbssFramer, type FrameSink } from './framing.js';
import { GssAuth } from './gss-auth.js';
import { orderMappingRecord } from './record.js';
import { SmbFiles, type FileTarget, type PendingOpen } from './files.js';
import { SmbPipes, type PendingPipe } from './pipes.js';
import { parseSmb1, type Smb1Data, type Smb1Message } from './smb1.js';
import { parseSmb2, SMB2_HEADER_SIZE, SMB2_READ_WRITE_FILE_ID, SMB2_READ_WRITE_MIN_BODY, type Smb2Message } from './smb2.js';
import { smb2FileKey, u16, u32, u64 } from './wire.js';
import { MAGIC_BYTES, sniffMimeType } from '../file-magic.js';
import { SmbFileContent } from './file-content.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';
import type { OpenFile } from './files.js';

/** The MessageId of the SMB2 header at `p`. */
function smb2MessageId(b: Uint8Array, p: number): number {
  return u64(b, p + 24);
}

/**
 * Bytes of one SMB message kept for parsing. Negotiate, session setup and
 * tree connect messages are a few KiB at most (a Kerberos ticket with a big
 * PAC is the largest); READ/WRITE payloads beyond this are not kept but
 * streamed to the file content reader (framing.ts `rest`).
 */
export const SMB_KEEP_BYTES = 64 * 1024;
/** Outstanding requests remembered per connection; clients keep at most a few dozen in flight. */
export const SMB_MAX_PENDING = 256;
/** Compounded SMB2 messages followed in one frame: Windows chains 2-5; this bounds a loop. */
export const SMB2_MAX_COMPOUND = 32;

interface Pending {
  ts: number;
  command: number;
  smbVersion: 1 | 2;
  dialects?: string[];
  contexts?: SmbNegotiateContext[];
  path?: string;
  service?: string;
  /** SMB1 plain session setup: "DOMAIN\\account". */
  plainUser?: string;
  /** A create request on a disk share (or an unknown tree). */
  open?: PendingOpen;
  /** A create request on a pipe share. */
  pipe?: PendingPipe;
  /** A read (or SMB1 TransactNmPipe) on an open pipe: its handle key. */
  pipeRead?: string;
  /** A read of an open file (SMB2 READ, SMB1 READ_ANDX): the file and the offset asked for. */
  fileRead?: { file: OpenFile; offset: number };
}

/** A WRITE request's or READ response's data that goes on past the kept part of its frame (framing.ts `rest`). */
interface DataRest {
  file: OpenFile;
  write: boolean;
  /** File offset of the next data byte. */
  offset: number;
  /** Data bytes still to come. */
  remaining: number;
}

/** FSCTL_PIPE_TRANSCEIVE: a write and a read of a pipe in one IOCTL (MS-FSCC §2.3.53). */
const FSCTL_PIPE_TRANSCEIVE = 0x0011c017;
/** IOCTL request and response bodies up to their output count (MS-SMB2 §2.2.31, §2.2.32). */
const SMB2_IOCTL_REQUEST_MIN_BODY = 56;
const SMB2_IOCTL_RESPONSE_MIN_BODY = 48;
/** READ response body up to DataLength (MS-SMB2 §2.2.20). */
const SMB2_READ_RESPONSE_MIN_BODY = 8;
/** WRITE request: DataOffset at 2, Length at 4 (MS-SMB2 §2.2.21). */
const SMB2_WRITE_DATA_OFFSET = 2;
/** READ request: the file offset read from (8 bytes). */
const SMB2_READ_OFFSET = 8;
/** WRITE request: the file offset written at (8 bytes). */
const SMB2_WRITE_FILE_OFFSET = 8;

/** The type of bytes written at a file's start (offset 0) from b[start, end), kept bytes ending at `kept`. */
function writtenType(b: Uint8Array, offset: number, start: number, end: number, kept: number): string | undefined {
  if (offset !== 0 || start < 0) return undefined;
  const stop = Math.min(end, kept, start + MAGIC_BYTES);
  return stop > start ? sniffMimeType(b, start, stop) : undefined;
}

/**
 * SMB2 messages the analyzer reads beyond the header. Everything else,
 * READ/WRITE responses (the bulk of a transfer) above all, is read without
 * a message object: READ/WRITE requests have their FileId and offset read
 * in place, their data (and a READ response's) handed to the file's
 * transfer.
 */
function smb2Parsed(command: number, reply: boolean): boolean {
  switch (command) {
    case Smb2Command.NEGOTIATE:
    case Smb2Command.SESSION_SETUP:
    case Smb2Command.TREE_CONNECT:
    case Smb2Command.CREATE:
      return true;
    case Smb2Command.TREE_DISCONNECT:
    case Smb2Command.CLOSE:
    case Smb2Command.SET_INFO:
      return !reply;
    default:
      return false;
  }
}

/** A tree's key: SMB2 tree ids are given per session. */
function smb2TreeKey(sessionId: number, treeId: number): string {
  return `${sessionId}/${treeId}`;
}

/** SMB1 tree ids are given per connection. */
function smb1TreeKey(tid: number): string {
  return `${tid}`;
}

export class SmbAnalyzer implements Analyzer, FrameSink {
  readonly #ctx: AnalyzerContext;
  readonly #framers: [NbssFramer, NbssFramer];
  readonly #gss: GssAuth;
  readonly #pending2 = new Map<number, Pending>();
  readonly #pending1 = new Map<number, Pending>();
  readonly #files: SmbFiles;
  readonly #pipes: SmbPipes;
  readonly #content: SmbFileContent;
  /** Per direction (originator first): where the rest of the current truncated frame's data goes. */
  readonly #rest: [DataRest | null, DataRest | null] = [null, null];
  /** Whether the frame being read was cut at the framer's bound (its data goes on in `rest`). */
  #truncated = false;
  #confirmed = false;
  /** Messages skipped because they were encrypted (SMB3 transform header). */
  encryptedMessages = 0;
  /** Messages skipped because they were compressed (SMB 3.1.1 compression transform). */
  compressedMessages = 0;

  /** `hashes`: the digests of the files read and written (files.jsonl). */
  constructor(ctx: AnalyzerContext, hashes: readonly HashName[] = HASH_NAMES) {
    this.#ctx = ctx;
    this.#content = new SmbFileContent(ctx, hashes);
    this.#framers = [new NbssFramer(true, SMB_KEEP_BYTES), new NbssFramer(false, SMB_KEEP_BYTES)];
    this.#gss = new GssAuth(ctx);
    this.#files = new SmbFiles(ctx);
    this.#pipes = new SmbPipes(ctx);
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    this.#framers[fromOrig ? 0 : 1].feed(data, ts, this);
  }

  gap(fromOrig: boolean, len: number): void {
    const dir = fromOrig ? 0 : 1;
    this.#framers[dir].gap();
    // The data under way lost bytes (the rest of it may be among them): that file's digests are gone.
    const r = this.#rest[dir];
    if (r !== null) this.#content.lost(r.file, r.write, r.offset, Math.min(len, r.remaining));
    this.#rest[dir] = null;
  }

  rest(fromOrig: boolean, data: Uint8Array, start: number, end: number, ts: number): void {
    const dir = fromOrig ? 0 : 1;
    const r = this.#rest[dir];
    if (r === null) return;
    const take = Math.min(r.remaining, end - start);
    this.#content.bytes(r.file, r.write, r.offset, data, start, take, ts);
    r.offset += take;
    r.remaining -= take;
    if (r.remaining === 0) this.#rest[dir] = null;
  }

  framingError(_fromOrig: boolean, code: string): void {
    this.#ctx.anomaly(code);
  }

  frame(fromOrig: boolean, type: number, b: Uint8Array, s: number, e: number, truncated: boolean, ts: number): void {
    this.#rest[fromOrig ? 0 : 1] = null;
    this.#truncated = truncated;
    if (type !== NbssType.SESSION_MESSAGE) {
      // Session request/response and keepalives carry no SMB; a negative response ends the session attempt.
      if (type === NbssType.NEGATIVE_RESPONSE) this.#ctx.anomaly('smb_nbss_negative_response');
      return;
    }
    if (e - s < 4 || b[s + 1] !== 0x53 || b[s + 2] !== 0x4d || b[s + 3] !== 0x42) {
      if (e - s > 0) this.#ctx.anomaly('smb_not_smb');
      return;
    }
    const proto = b[s]!;
    if (proto === SmbProtocol.TRANSFORM) {
      this.encryptedMessages++;
      return;
    }
    if (proto === SmbProtocol.COMPRESSED) {
      this.compressedMessages++;
      return;
    }
    // A truncated frame (large READ/WRITE) still has a usable header; bodies Picket reads are small,
    // and READ/WRITE data past the kept part comes on through `rest`.
    if (proto === SmbProtocol.SMB2) {
      this.#smb2Frame(fromOrig, b, s, e, ts);
    } else if (proto === SmbProtocol.SMB1) {
      const msg = parseSmb1(b, s, e);
      if (msg === null) {
        this.#ctx.anomaly('smb1_truncated');
        return;
      }
      this.#confirm();
      if (msg.malformed !== undefined) this.#ctx.anomaly(msg.malformed);
      if (msg.isReply) this.#smb1Response(fromOrig, msg, b, e, ts);
      else this.#smb1Request(fromOrig, msg, b, e, ts);
    } else {
      this.#ctx.anomaly('smb_unknown_protocol');
    }
  }

  #confirm(): void {
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm('smb');
    }
  }

  #smb2Frame(fromOrig: boolean, b: Uint8Array, s: number, e: number, ts: number): void {
    let p = s;
    // The file the previous request of this compound acted on: a related request acts on it too.
    let chain: FileTarget | undefined;
    for (let i = 0; i < SMB2_MAX_COMPOUND; i++) {
      let next: number;
      const cmd = e - p >= SMB2_HEADER_SIZE ? u16(b, p + 12) : -1;
      const flags = cmd >= 0 ? u32(b, p + 16) : 0;
      const reply = (flags & Smb2Flags.SERVER_TO_REDIR) !== 0;
      if (cmd >= 0 && !smb2Parsed(cmd, reply)) {
        // Fast path for the bulk of traffic: only the command, NextCommand
        // and, in READ/WRITE requests, the FileId are needed, so no message
        // object is built.
        this.#confirm();
        if (!reply && (cmd === Smb2Command.READ || cmd === Smb2Command.WRITE)) {
          chain = this.#smb2ReadWrite(fromOrig, b, p, e, flags, cmd === Smb2Command.WRITE, chain, ts);
        } else {
          // Read responses: pipe data, or a file's bytes when its read request was seen.
          if (reply && cmd === Smb2Command.READ) this.#smb2ReadResponse(fromOrig, b, p, e, ts);
          // Pipe transceives: only a connection with an RPC pipe open pays for this.
          else if (cmd === Smb2Command.IOCTL && this.#pipes.count > 0) this.#smb2Ioctl(b, p, e, reply, ts);
          // A request on a handle of its own (not read here): what follows it is not about the chained file.
          if ((flags & Smb2Flags.RELATED_OPERATIONS) === 0) chain = undefined;
        }
        next = u32(b, p + 20);
      } else {
        const msg = parseSmb2(b, p, e);
        if (msg === null) {
          this.#ctx.anomaly('smb2_truncated');
          return;
        }
        this.#confirm();
        if (msg.malformed !== undefined) this.#ctx.anomaly(msg.malformed);
        if (msg.isReply) this.#smb2Response(msg, b, ts);
        else chain = this.#smb2Request(msg, b, ts, chain);
        if (msg.isReply === fromOrig) this.#ctx.anomaly('smb2_direction_mismatch');
        next = msg.nextCommand;
      }
      if (next === 0) return;
      // NextCommand must move forward by at least a header and stay 8-byte aligned.
      if (next < SMB2_HEADER_SIZE || (next & 7) !== 0 || p + next >= e) {
        this.#ctx.anomaly('smb2_bad_next_command');
        return;
      }
      p += next;
    }
    this.#ctx.anomaly('smb2_compound_too_long');
  }

  /**
   * A READ or WRITE request at `p`: the first read or write of an open file
   * is logged. Its FileId is read in place; a write's data goes to the
   * file's transfer, a read waits for its response.
   * Returns the file acted on, for a related request after it.
   */
  #smb2ReadWrite(fromOrig: boolean, b: Uint8Array, p: number, e: number, flags: number, write: boolean, chain: FileTarget | undefined, ts: number): FileTarget | undefined {
    if (e - p < SMB2_HEADER_SIZE + SMB2_READ_WRITE_MIN_BODY) {
      this.#ctx.anomaly('smb2_truncated');
      return undefined;
    }
    const key = smb2FileKey(b, p + SMB2_HEADER_SIZE + SMB2_READ_WRITE_FILE_ID);
    if (this.#pipes.count > 0 && this.#pipes.has(key)) {
      this.#smb2PipeAccess(b, p, e, write, key, ts);
      return undefined;
    }
    const target = this.#smb2Target(flags, chain, key);
    if (target !== undefined) {
      if (write) {
        const body = p + SMB2_HEADER_SIZE;
        const start = p + u16(b, body + SMB2_WRITE_DATA_OFFSET);
        const offset = u64(b, body + SMB2_WRITE_FILE_OFFSET);
        const len = u32(b, body + SMB2_WRITE_DATA_OFFSET + 2);
        const mime = writtenType(b, offset, start, start + len, e);
        this.#files.act(target, { kind: 'write', ts, mime });
        if (target.state === 'open') this.#fileData(fromOrig, target, true, offset, b, start, len, e, ts);
      } else {
        this.#files.act(target, { kind: 'read', ts });
        if (target.state === 'open') {
          const read = { file: target, offset: u64(b, p + SMB2_HEADER_SIZE + SMB2_READ_OFFSET) };
          this.#remember(this.#pending2, smb2MessageId(b, p), { ts, command: Smb2Command.READ, smbVersion: 2, fileRead: read });
        }
      }
    }
    return target;
  }

  /** A WRITE request on a pipe: its data goes to the pipe's RPC reader; a READ request waits for its response. */
  #smb2PipeAccess(b: Uint8Array, p: number, e: number, write: boolean, key: string, ts: number): void {
    const body = p + SMB2_HEADER_SIZE;
    if (write) {
      const start = p + u16(b, body + SMB2_WRITE_DATA_OFFSET);
      this.#pipes.data(key, true, b, start, start + u32(b, body + SMB2_WRITE_DATA_OFFSET + 2), e, ts);
    } else {
      this.#remember(this.#pending2, smb2MessageId(b, p), { ts, command: Smb2Command.READ, smbVersion: 2, pipeRead: key });
    }
  }

  /** A READ response: the data of a pipe read goes to the pipe's RPC reader, a file read's to the file's transfer. */
  #smb2ReadResponse(fromOrig: boolean, b: Uint8Array, p: number, e: number, ts: number): void {
    const status = u32(b, p + 8);
    if (status === NtStatus.PENDING) return;
    const id = smb2MessageId(b, p);
    const req = this.#pending2.get(id);
    if (req === undefined || (req.pipeRead === undefined && req.fileRead === undefined)) return;
    this.#pending2.delete(id);
    if (e - p < SMB2_HEADER_SIZE + SMB2_READ_RESPONSE_MIN_BODY) return;
    const body = p + SMB2_HEADER_SIZE;
    const start = p + b[body + 2]!;
    const len = u32(b, body + 4);
    if (req.pipeRead !== undefined) {
      if (status === NtStatus.SUCCESS || status === NtStatus.BUFFER_OVERFLOW) this.#pipes.data(req.pipeRead, false, b, start, start + len, e, ts);
    } else if (status === NtStatus.SUCCESS) {
      this.#fileData(fromOrig, req.fileRead!.file, false, req.fileRead!.offset, b, start, len, e, ts);
    }
  }

  /**
   * `len` bytes of `file`'s data at `offset`, starting at b[start] of a
   * frame kept up to `e`: what is there goes to the file's transfer, and
   * when the frame was cut, the rest follows through `rest`.
   */
  #fileData(fromOrig: boolean, file: OpenFile, write: boolean, offset: number, b: Uint8Array, start: number, len: number, e: number, ts: number): void {
    if (start > e) return;
    const avail = Math.min(len, e - start);
    this.#content.bytes(file, write, offset, b, start, avail, ts);
    if (avail < len && this.#truncated) this.#rest[fromOrig ? 0 : 1] = { file, write, offset: offset + avail, remaining: len - avail };
  }

  /** An IOCTL: a pipe transceive's input (request) or output (response) goes to the pipe's RPC reader. */
  #smb2Ioctl(b: Uint8Array, p: number, e: number, reply: boolean, ts: number): void {
    const body = p + SMB2_HEADER_SIZE;
    if (e - body < (reply ? SMB2_IOCTL_RESPONSE_MIN_BODY : SMB2_IOCTL_REQUEST_MIN_BODY)) return;
    if (u32(b, body + 4) !== FSCTL_PIPE_TRANSCEIVE) return;
    if (reply) {
      const status = u32(b, p + 8);
      if (status !== NtStatus.SUCCESS && status !== NtStatus.BUFFER_OVERFLOW) return;
    }
    const key = smb2FileKey(b, body + 8);
    if (!this.#pipes.has(key)) return;
    // Request: InputOffset/InputCount at 24/28; response: OutputOffset/OutputCount at 32/36.
    const at = reply ? body + 32 : body + 24;
    const start = p + u32(b, at);
    this.#pipes.data(key, !reply, b, start, start + u32(b, at + 4), e, ts);
  }

  /**
   * The file a request acts on: for a related request in a compound, the
   * file of the request before it (its FileId field is then a placeholder,
   * all ones, since the create's handle is not known yet); otherwise the
   * open file with that FileId, if its create was seen.
   */
  #smb2Target(flags: number, chain: FileTarget | undefined, fileKey: string): FileTarget | undefined {
    if ((flags & Smb2Flags.RELATED_OPERATIONS) !== 0 && chain !== undefined) return chain;
    return this.#files.file(fileKey);
  }

  #remember(map: Map<number, Pending>, key: number, p: Pending): void {
    if (map.size >= SMB_MAX_PENDING && !map.has(key)) {
      this.#ctx.anomaly('smb_too_many_pending');
      const oldest = map.keys().next();
      if (oldest.done !== true) this.#expire(map, oldest.value);
    }
    map.set(key, p);
  }

  /** Drops a pending request that will never be answered, reporting what it was. */
  #expire(map: Map<number, Pending>, key: number): void {
    const p = map.get(key);
    map.delete(key);
    if (p === undefined) return;
    if (p.dialects !== undefined) this.#negotiateEvent(p, p.ts, undefined, undefined, []);
    if (p.path !== undefined) this.#treeEvent(p, undefined, undefined);
  }

  // ---- SMB2 ----

  /** Returns the file the request acted on (for a related request after it in the compound). */
  #smb2Request(msg: Smb2Message, b: Uint8Array, ts: number, chain: FileTarget | undefined): FileTarget | undefined {
    switch (msg.command) {
      case Smb2Command.NEGOTIATE: {
        const dialects: string[] = [];
        const ds = msg.dialects ?? [];
        for (let i = 0; i < ds.length; i++) dialects.push(smb2DialectName(ds[i]!));
        this.#remember(this.#pending2, msg.messageId, {
          ts,
          command: msg.command,
          smbVersion: 2,
          dialects,
          contexts: msg.contexts ?? [],
        });
        break;
      }
      case Smb2Command.SESSION_SETUP:
        if (msg.blobStart >= 0) this.#gss.clientToken(b, msg.blobStart, msg.blobEnd, ts);
        this.#remember(this.#pending2, msg.messageId, { ts, command: msg.command, smbVersion: 2 });
        break;
      case Smb2Command.TREE_CONNECT:
        if (msg.path !== undefined) {
          this.#remember(this.#pending2, msg.messageId, { ts, command: msg.command, smbVersion: 2, path: msg.path });
        }
        break;
      case Smb2Command.TREE_DISCONNECT:
        this.#files.treeDisconnected(smb2TreeKey(msg.sessionId, msg.treeId));
        this.#pipes.treeDisconnected(smb2TreeKey(msg.sessionId, msg.treeId));
        break;
      case Smb2Command.CREATE: {
        const c = msg.create;
        if (c === undefined) return undefined;
        const tree = smb2TreeKey(msg.sessionId, msg.treeId);
        const open = this.#files.createRequested(2, ts, tree, c.name, c.disposition, c.options);
        if (open !== undefined) this.#remember(this.#pending2, msg.messageId, { ts, command: msg.command, smbVersion: 2, open });
        else {
          const pipe = this.#pipes.createRequested(tree, c.name);
          if (pipe !== undefined) this.#remember(this.#pending2, msg.messageId, { ts, command: msg.command, smbVersion: 2, pipe });
        }
        return open;
      }
      case Smb2Command.CLOSE: {
        if (msg.fileKey === undefined) return undefined;
        if (this.#pipes.count > 0) this.#pipes.closed(msg.fileKey, ts);
        const target = this.#smb2Target(msg.flags, chain, msg.fileKey);
        if (target !== undefined) this.#files.act(target, { kind: 'close', ts });
        if (target?.state === 'open') this.#content.finish(target, true);
        return target;
      }
      case Smb2Command.SET_INFO: {
        if (msg.fileKey === undefined) return undefined;
        const target = this.#smb2Target(msg.flags, chain, msg.fileKey);
        const si = msg.setInfo;
        if (target !== undefined && si !== undefined) {
          if (si.renameTo !== undefined) this.#files.act(target, { kind: 'rename', ts, name: si.renameTo });
          // A cleared delete mark undoes nothing already logged: Zeek ignores it too.
          if (si.deletePending === true) this.#files.act(target, { kind: 'delete', ts });
        }
        return target;
      }
      default:
        break;
    }
    return undefined;
  }

  #smb2Response(msg: Smb2Message, b: Uint8Array, ts: number): void {
    // Interim "pending" responses announce an async reply; the real one comes later.
    if (msg.status === NtStatus.PENDING && msg.isAsync) return;
    const key = msg.messageId;
    switch (msg.command) {
      case Smb2Command.NEGOTIATE: {
        let p = this.#pending2.get(key);
        if (p !== undefined) this.#pending2.delete(key);
        else p = this.#takeSmb1Negotiate();
        if (p !== undefined) {
          const dialect = msg.dialect !== undefined ? smb2DialectName(msg.dialect) : undefined;
          this.#negotiateEvent(p, p.ts, dialect, statusName(msg.status), msg.contexts ?? []);
        }
        break;
      }
      case Smb2Command.SESSION_SETUP: {
        this.#pending2.delete(key);
        if (msg.blobStart >= 0) this.#gss.serverToken(b, msg.blobStart, msg.blobEnd, ts);
        this.#sessionSetupOutcome(msg.status, undefined, ts);
        break;
      }
      case Smb2Command.TREE_CONNECT: {
        const p = this.#pending2.get(key);
        if (p === undefined) return;
        this.#pending2.delete(key);
        const share = msg.shareType !== undefined ? smb2ShareTypeName(msg.shareType) : undefined;
        this.#treeEvent(p, statusName(msg.status), share);
        if (msg.status === NtStatus.SUCCESS) {
          const rec = this.#mappingRecord(p);
          if (share !== undefined) rec.share_type = share;
          this.#emitMapping(rec);
          if (p.path !== undefined) {
            this.#files.treeConnected(smb2TreeKey(msg.sessionId, msg.treeId), { path: p.path, shareType: share });
            this.#pipes.treeConnected(smb2TreeKey(msg.sessionId, msg.treeId), share, p.path);
          }
        }
        break;
      }
      case Smb2Command.CREATE: {
        const p = this.#pending2.get(key);
        if (p?.open === undefined && p?.pipe === undefined) return;
        this.#pending2.delete(key);
        if (p.pipe !== undefined) this.#pipes.answered(p.pipe, 2, msg.status, ts);
        if (msg.status !== NtStatus.SUCCESS || msg.opened === undefined) return;
        if (p.open !== undefined) this.#files.opened(p.open, msg.opened);
        else if (p.pipe !== undefined) this.#pipes.opened(p.pipe, msg.opened.fileKey, ts);
        break;
      }
      default:
        break;
    }
  }

  // ---- SMB1 ----

  #smb1Key(msg: Smb1Message): number {
    return msg.pid * 0x10000 + msg.mid;
  }

  #takeSmb1Negotiate(): Pending | undefined {
    for (const [k, p] of this.#pending1) {
      if (p.command === Smb1Command.NEGOTIATE) {
        this.#pending1.delete(k);
        return p;
      }
    }
    return undefined;
  }

  /** `e`: where the kept bytes of the message end (a named-pipe write may pass it when cut). */
  #smb1Request(fromOrig: boolean, msg: Smb1Message, b: Uint8Array, e: number, ts: number): void {
    const key = this.#smb1Key(msg);
    if (msg.dialects !== undefined) {
      this.#remember(this.#pending1, key, { ts, command: Smb1Command.NEGOTIATE, smbVersion: 1, dialects: msg.dialects, contexts: [] });
      return;
    }
    let p: Pending | undefined;
    const ss = msg.sessionSetup;
    if (ss !== undefined) {
      p = { ts, command: Smb1Command.SESSION_SETUP_ANDX, smbVersion: 1 };
      if (ss.blobStart >= 0 && ss.blobEnd > ss.blobStart) this.#gss.clientToken(b, ss.blobStart, ss.blobEnd, ts);
      else if (ss.account !== undefined || ss.domain !== undefined) p.plainUser = `${ss.domain ?? ''}\\${ss.account ?? ''}`;
    }
    const tc = msg.treeConnect;
    if (tc !== undefined && tc.path !== undefined) {
      if (p === undefined) p = { ts, command: Smb1Command.TREE_CONNECT_ANDX, smbVersion: 1 };
      p.path = tc.path;
      if (tc.service !== undefined) p.service = tc.service;
    }
    const c = msg.create;
    if (c !== undefined) {
      const open = this.#files.createRequested(1, ts, smb1TreeKey(msg.tid), c.name, c.disposition, c.options);
      const pipe = open === undefined ? this.#pipes.createRequested(smb1TreeKey(msg.tid), c.name) : undefined;
      if (open !== undefined || pipe !== undefined) {
        if (p === undefined) p = { ts, command: Smb1Command.NT_CREATE_ANDX, smbVersion: 1 };
        if (open !== undefined) p.open = open;
        if (pipe !== undefined) p.pipe = pipe;
      }
    }
    const access = msg.access;
    const pipes = this.#pipes;
    if (access !== undefined && pipes.count > 0 && pipes.has(access.fileKey)) {
      if (access.write) pipes.data(access.fileKey, true, b, access.dataStart, access.dataEnd, e, ts);
      else if (p === undefined) p = { ts, command: Smb1Command.READ_ANDX, smbVersion: 1, pipeRead: access.fileKey };
    } else if (access !== undefined) {
      const file = this.#files.file(access.fileKey);
      if (file !== undefined) {
        const action = access.write ? { kind: 'write' as const, ts, mime: writtenType(b, access.offset, access.dataStart, access.dataEnd, e) } : { kind: 'read' as const, ts };
        this.#files.act(file, action);
        if (access.write && access.dataStart >= 0 && access.offset >= 0) {
          this.#fileData(fromOrig, file, true, access.offset, b, access.dataStart, access.dataEnd - access.dataStart, e, ts);
        } else if (!access.write && access.offset >= 0) {
          if (p === undefined) p = { ts, command: Smb1Command.READ_ANDX, smbVersion: 1 };
          p.fileRead = { file, offset: access.offset };
        }
      }
    }
    const tr = msg.transact;
    if (tr !== undefined && pipes.count > 0 && pipes.has(tr.fileKey)) {
      pipes.data(tr.fileKey, true, b, tr.start, tr.end, e, ts);
      if (p === undefined) p = { ts, command: Smb1Command.TRANSACTION, smbVersion: 1, pipeRead: tr.fileKey };
    }
    if (p !== undefined) this.#remember(this.#pending1, key, p);
    if (msg.closeKey !== undefined) {
      const file = this.#files.file(msg.closeKey);
      if (file !== undefined) {
        this.#files.act(file, { kind: 'close', ts });
        this.#content.finish(file, true);
      }
      if (pipes.count > 0) pipes.closed(msg.closeKey, ts);
    }
    if (msg.command === Smb1Command.TREE_DISCONNECT) {
      this.#files.treeDisconnected(smb1TreeKey(msg.tid));
      this.#pipes.treeDisconnected(smb1TreeKey(msg.tid));
    }
  }

  #smb1Response(fromOrig: boolean, msg: Smb1Message, b: Uint8Array, e: number, ts: number): void {
    const key = this.#smb1Key(msg);
    const p = this.#pending1.get(key);
    if (p === undefined) return;
    this.#pending1.delete(key);
    const ntStatus = (msg.flags2 & Smb1Flags2.NT_STATUS) !== 0;
    const status = ntStatus ? statusName(msg.status) : `DOS-0x${msg.status.toString(16).padStart(8, '0')}`;
    if (p.command === Smb1Command.NEGOTIATE) {
      let dialect: string | undefined;
      const idx = msg.dialectIndex;
      if (idx !== undefined && p.dialects !== undefined && idx < p.dialects.length) dialect = p.dialects[idx];
      this.#negotiateEvent(p, p.ts, dialect, status, []);
      return;
    }
    if (p.command === Smb1Command.SESSION_SETUP_ANDX) {
      const ss = msg.sessionSetup;
      if (ss !== undefined && ss.blobStart >= 0 && ss.blobEnd > ss.blobStart) this.#gss.serverToken(b, ss.blobStart, ss.blobEnd, ts);
      this.#sessionSetupOutcome(msg.status, p.plainUser, ts);
    }
    if (p.path !== undefined) {
      const tc = msg.treeConnect;
      const share = tc?.service !== undefined ? smb1ShareTypeName(tc.service) : '';
      this.#treeEvent(p, status, share === '' ? undefined : share);
      if (msg.status === NtStatus.SUCCESS && tc !== undefined) {
        const rec = this.#mappingRecord(p);
        if (tc.service !== undefined) rec.service = tc.service;
        if (tc.nativeFs !== undefined && tc.nativeFs !== '') rec.native_file_system = tc.nativeFs;
        if (share !== '') rec.share_type = share;
        this.#emitMapping(rec);
        this.#files.treeConnected(smb1TreeKey(msg.tid), share === '' ? { path: p.path } : { path: p.path, shareType: share });
        this.#pipes.treeConnected(smb1TreeKey(msg.tid), share === '' ? undefined : share, p.path);
      }
    }
    if (p.open !== undefined && msg.status === NtStatus.SUCCESS && msg.opened !== undefined) this.#files.opened(p.open, msg.opened);
    if (p.pipe !== undefined) this.#pipes.answered(p.pipe, 1, msg.status, ts);
    if (p.pipe !== undefined && msg.status === NtStatus.SUCCESS && msg.opened !== undefined) this.#pipes.opened(p.pipe, msg.opened.fileKey, ts);
    if (p.pipeRead !== undefined && (msg.status === NtStatus.SUCCESS || msg.status === NtStatus.BUFFER_OVERFLOW)) {
      const data: Smb1Data | undefined = p.command === Smb1Command.TRANSACTION ? msg.transactData : msg.readData;
      if (data !== undefined) this.#pipes.data(p.pipeRead, false, b, data.start, data.end, e, ts);
    }
    const read = p.fileRead;
    if (read !== undefined && msg.status === NtStatus.SUCCESS && msg.readData !== undefined) {
      this.#fileData(fromOrig, read.file, false, read.offset, b, msg.readData.start, msg.readData.end - msg.readData.start, e, ts);
    }
  }

  // ---- shared ----

  /** A session setup response: intermediate (more processing) or final (auth outcome). */
  #sessionSetupOutcome(status: number, plainUser: string | undefined, ts: number): void {
    if (status === NtStatus.MORE_PROCESSING_REQUIRED) return;
    const gss = this.#gss;
    const success = status === NtStatus.SUCCESS;
    const name = statusName(status);
    const mech = gss.mechanism;
    const user = plainUser ?? gss.user;
    if (gss.sentCredentials || plainUser !== undefined || !success) {
      const ev = authEvent(this.#ctx.conn, ts, 'smb', success ? 'success' : 'failure');
      ev.detail = mech === '' ? name : `${name} (${mech})`;
      if (user !== undefined && user !== '\\') ev.user = user;
      this.#ctx.emit(ev);
    }
    gss.finish(success, name, ts);
  }

  #mappingRecord(p: Pending): SmbMappingRecord {
    const rec = startRecord<SmbMappingRecord>(this.#ctx.conn, p.ts);
    if (p.path !== undefined) rec.path = p.path;
    return rec;
  }

  #emitMapping(rec: SmbMappingRecord): void {
    this.#ctx.emit({ type: 'smb_mapping', log: 'smb_mapping', ts: rec.ts, uid: rec.uid, record: orderMappingRecord(rec) });
  }

  #negotiateEvent(
    p: Pending,
    ts: number,
    dialect: string | undefined,
    status: string | undefined,
    serverContexts: SmbNegotiateContext[],
  ): void {
    const c = this.#ctx.conn;
    const ev: SmbNegotiateEvent = {
      type: 'smb.negotiate',
      ts,
      uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      smb_version: p.smbVersion,
      client_dialects: p.dialects ?? [],
      client_contexts: p.contexts ?? [],
      server_contexts: serverContexts,
    };
    if (dialect !== undefined) ev.dialect = dialect;
    if (status !== undefined) ev.status = status;
    this.#ctx.emit(ev);
  }

  #treeEvent(p: Pending, status: string | undefined, share: string | undefined): void {
    const c = this.#ctx.conn;
    const ev: SmbTreeConnectEvent = {
      type: 'smb.tree_connect',
      ts: p.ts,
      uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      path: p.path ?? '',
    };
    if (share !== undefined) ev.share_type = share;
    if (status !== undefined) ev.status = status;
    this.#ctx.emit(ev);
  }

  end(_ts: number): void {
    for (const k of [...this.#pending2.keys()]) this.#expire(this.#pending2, k);
    for (const k of [...this.#pending1.keys()]) this.#expire(this.#pending1, k);
    this.#pipes.end(_ts);
    this.#content.end();
    this.#gss.flush();
  }
}
