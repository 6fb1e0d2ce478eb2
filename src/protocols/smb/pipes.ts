/**
 * The named pipes of one SMB connection that carry DCE/RPC: trees on
 * IPC$ (share type PIPE), creates on them (the pipe's name), and for each
 * open pipe a `DceRpcConversation` that the pipe's bytes are fed to —
 * written by the client (SMB2 WRITE, SMB1 WRITE_ANDX, the input of an
 * FSCTL_PIPE_TRANSCEIVE or TransactNmPipe) or read from the server (READ
 * responses, their outputs). SMB1 and SMB2 share it through the handle keys
 * of `wire.ts`. Nothing is made for a connection that opens no pipe.
 */
import type { AnalyzerContext } from '../analyzer.js';
import { DceRpcConversation } from '../dcerpc/conversation.js';
import { DceRpcAnomaly, MAX_PIPES } from '../dcerpc/consts.js';
import { NtStatus, statusName } from './consts.js';

/** Trees on pipe shares remembered per connection (IPC$, once per session). */
const MAX_PIPE_TREES = 64;

/** A create on a pipe tree waiting for its response: the pipe's name. */
export interface PendingPipe {
  readonly name: string;
}

/** A pipe name as logged: without leading backslashes ("\srvsvc" in SMB1 creates). */
function pipeName(name: string): string {
  let i = 0;
  while (i < name.length && name.charCodeAt(i) === 0x5c) i++;
  return i === 0 ? name : name.slice(i);
}

export class SmbPipes {
  readonly #ctx: AnalyzerContext;
  readonly #trees = new Set<string>();
  readonly #open = new Map<string, DceRpcConversation>();

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
  }

  /** Pipes open now: callers skip all pipe work while this is 0. */
  get count(): number {
    return this.#open.size;
  }

  /** A tree connected: remembered when it is a pipe share (IPC$). */
  treeConnected(key: string, shareType: string | undefined, path: string): void {
    const pipe = shareType === 'PIPE' || (shareType === undefined && /\\IPC\$$/i.test(path));
    if (!pipe) return;
    const trees = this.#trees;
    if (trees.size >= MAX_PIPE_TREES && !trees.has(key)) {
      const oldest = trees.values().next();
      if (oldest.done !== true) trees.delete(oldest.value);
    }
    trees.add(key);
  }

  treeDisconnected(key: string): void {
    this.#trees.delete(key);
  }

  /** A create request for `name` on tree `treeKey`: what to keep until its response, when the tree is a pipe share. */
  createRequested(treeKey: string, name: string): PendingPipe | undefined {
    if (!this.#trees.has(treeKey)) return undefined;
    return { name: pipeName(name) };
  }

  /** The server answered the create of pipe `req` with `status`: one smb.pipe event. */
  answered(req: PendingPipe, smbVersion: 1 | 2, status: number, ts: number): void {
    const c = this.#ctx.conn;
    this.#ctx.emit({
      type: 'smb.pipe',
      ts,
      uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      smb_version: smbVersion,
      name: req.name,
      status: statusName(status),
      opened: status === NtStatus.SUCCESS,
    });
  }

  /** The successful response: the pipe `fileKey` is open. */
  opened(req: PendingPipe, fileKey: string, ts: number): void {
    const open = this.#open;
    const before = open.get(fileKey);
    if (before !== undefined) before.end(ts);
    else if (open.size >= MAX_PIPES) {
      this.#ctx.anomaly(DceRpcAnomaly.TOO_MANY_PIPES);
      const oldest = open.entries().next();
      if (oldest.done !== true) {
        open.delete(oldest.value[0]);
        oldest.value[1].end(ts);
      }
    }
    open.set(fileKey, new DceRpcConversation(this.#ctx, 'smb', req.name));
  }

  /** True when `fileKey` is an open pipe. */
  has(fileKey: string): boolean {
    return this.#open.has(fileKey);
  }

  /**
   * Bytes of pipe `fileKey` in one direction: `b[start, end)`, of which
   * only `b[start, avail)` were kept (an SMB message cut by the framer).
   */
  data(fileKey: string, fromOrig: boolean, b: Uint8Array, start: number, end: number, avail: number, ts: number): void {
    const conv = this.#open.get(fileKey);
    if (conv === undefined || end <= start) return;
    const stop = Math.min(end, avail, b.length);
    if (stop > start) conv.feed(fromOrig, b, start, stop, ts, true);
    if (stop < end) conv.gap(fromOrig);
  }

  /** Pipe `fileKey` was closed: its unanswered calls are logged. */
  closed(fileKey: string, ts: number): void {
    const conv = this.#open.get(fileKey);
    if (conv === undefined) return;
    this.#open.delete(fileKey);
    conv.end(ts);
  }

  /** The connection ended. */
  end(ts: number): void {
    for (const conv of this.#open.values()) conv.end(ts);
    this.#open.clear();
  }
}
