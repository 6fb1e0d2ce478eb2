/**
 * What a client does with files on one SMB connection's shares: the trees
 * it connected (id -> share path), the files it has open (handle -> name,
 * size, times), and the smb_files.log lines and `smb.file` events about
 * them. SMB1 and SMB2 share it: the analyzer hands over parsed requests and
 * responses and the handle keys of `wire.ts`.
 *
 * What is logged, as Zeek's smb_files.log does by default plus reads and
 * writes:
 * - FILE_OPEN for every successful create of a file or directory;
 * - FILE_READ / FILE_WRITE the first time an open file is read or written
 *   (a large copy is thousands of requests: one line says it happened);
 * - FILE_RENAME (old name in `prev_name`) and FILE_DELETE (a delete mark, or
 *   a create with delete-on-close) when requested: like Zeek, the server's
 *   answer to these is not awaited;
 * - closes only forget the file (Zeek does not log them by default).
 * Files on named-pipe and printer shares are not files a defender looks
 * for here (Zeek logs them as PIPE_ and PRINT_ actions, off by default), so
 * they are left out; on a tree whose connect was not seen the share type is
 * unknown and the file is logged without `path`.
 */
import type { AnalyzerContext } from '../analyzer.js';
import { startRecord } from '../zeek-record.js';
import { CreateOptions, createDispositionName } from './consts.js';
import type { SmbFileAction, SmbFileEvent, SmbFilesRecord } from './events.js';
import type { FileTimes, SmbOpened } from './wire.js';
import type { ContentFile } from './file-content.js';

/** Trees remembered per connection: clients map a handful of shares (IPC$, a disk share or two). */
export const SMB_MAX_TREES = 64;
/** Open files remembered per connection: a busy client keeps a few hundred handles open at most. */
export const SMB_MAX_OPEN_FILES = 1024;
/** Actions queued on one create in a compound; the compound itself is bounded (SMB2_MAX_COMPOUND). */
const MAX_LATER_ACTIONS = 32;

/** The name Zeek gives an open of the share itself (an empty name). */
const SHARE_ROOT_NAME = '<share_root>';

/** A connected tree: its UNC path and share type ("DISK", "PIPE", ... when the response said). */
export interface SmbTree {
  path: string;
  shareType?: string;
}

/** Something a request does to a file. */
export type FileAction =
  | { kind: 'read' | 'delete' | 'close'; ts: number }
  /** `mime`: the type of the bytes when the write starts at the file's first byte (file-magic.ts). */
  | { kind: 'write'; ts: number; mime?: string }
  | { kind: 'rename'; ts: number; name: string };

/** A create request waiting for its response, with what later messages of its compound asked of the file. */
export interface PendingOpen {
  readonly state: 'pending';
  smbVersion: 1 | 2;
  ts: number;
  name: string;
  path: string | undefined;
  disposition: number;
  options: number;
  later: FileAction[];
}

/** A file the client has open (and, as a ContentFile, the bytes it moves). */
export interface OpenFile extends ContentFile {
  readonly state: 'open';
  key: string;
  smbVersion: 1 | 2;
  name: string;
  path: string | undefined;
  size: number;
  directory: boolean;
  times: FileTimes;
  disposition: number;
  read: boolean;
  written: boolean;
  deleted: boolean;
  /** Type of the bytes written at the file's start, once such a write was seen. */
  mime?: string;
}

/** What a related request in a compound acts on: the create before it (still unanswered) or an open file. */
export type FileTarget = PendingOpen | OpenFile;

/** A request's name as Zeek logs it: relative to the share, the share itself as "<share_root>". */
function shareRelative(name: string): string {
  // SMB1 names start with a backslash (relative to the share root); SMB2 ones do not.
  let i = 0;
  while (i < name.length && name.charCodeAt(i) === 0x5c) i++;
  const rel = i === 0 ? name : name.slice(i);
  return rel === '' ? SHARE_ROOT_NAME : rel;
}

const EVENT_ACTIONS: Record<SmbFileAction, SmbFileEvent['action']> = {
  'SMB::FILE_OPEN': 'open',
  'SMB::FILE_READ': 'read',
  'SMB::FILE_WRITE': 'write',
  'SMB::FILE_RENAME': 'rename',
  'SMB::FILE_DELETE': 'delete',
};

export class SmbFiles {
  readonly #ctx: AnalyzerContext;
  readonly #trees = new Map<string, SmbTree>();
  readonly #open = new Map<string, OpenFile>();

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
  }

  /** A successful tree connect: `key` is the analyzer's tree key (tree id, with the session for SMB2). */
  treeConnected(key: string, tree: SmbTree): void {
    const trees = this.#trees;
    if (trees.size >= SMB_MAX_TREES && !trees.has(key)) {
      this.#ctx.anomaly('smb_too_many_trees');
      const oldest = trees.keys().next();
      if (oldest.done !== true) trees.delete(oldest.value);
    }
    trees.set(key, tree);
  }

  treeDisconnected(key: string): void {
    this.#trees.delete(key);
  }

  /**
   * A create request for `name` on tree `treeKey`: what to keep until its
   * response, or undefined when the tree is a pipe or printer share.
   */
  createRequested(smbVersion: 1 | 2, ts: number, treeKey: string, name: string, disposition: number, options: number): PendingOpen | undefined {
    const tree = this.#trees.get(treeKey);
    if (tree?.shareType !== undefined && tree.shareType !== 'DISK') return undefined;
    return { state: 'pending', smbVersion, ts, name: shareRelative(name), path: tree?.path, disposition, options, later: [] };
  }

  /**
   * The successful response to `req`: the file is remembered by its handle
   * and its open logged, then what the rest of its compound asked.
   */
  opened(req: PendingOpen, facts: SmbOpened): void {
    const file: OpenFile = {
      state: 'open',
      key: facts.fileKey,
      smbVersion: req.smbVersion,
      name: req.name,
      path: req.path,
      size: facts.size,
      directory: facts.directory || (req.options & CreateOptions.DIRECTORY_FILE) !== 0,
      times: facts.times,
      disposition: req.disposition,
      read: false,
      written: false,
      deleted: false,
    };
    const open = this.#open;
    if (open.size >= SMB_MAX_OPEN_FILES && !open.has(file.key)) {
      this.#ctx.anomaly('smb_too_many_open_files');
      const oldest = open.keys().next();
      if (oldest.done !== true) open.delete(oldest.value);
    }
    open.set(file.key, file);
    this.#log(file, 'SMB::FILE_OPEN', req.ts);
    // Delete-on-close: the file goes when this handle closes; the intent is known now.
    if ((req.options & CreateOptions.DELETE_ON_CLOSE) !== 0) this.#delete(file, req.ts);
    for (let i = 0; i < req.later.length; i++) this.#apply(file, req.later[i]!);
  }

  /** The open file with handle `key`, if its create was seen. */
  file(key: string): OpenFile | undefined {
    return this.#open.get(key);
  }

  /**
   * `action` on `target`: done now on an open file; kept on an unanswered
   * create (a later message of its compound) until the create succeeds.
   */
  act(target: FileTarget, action: FileAction): void {
    if (target.state === 'open') this.#apply(target, action);
    else if (target.later.length < MAX_LATER_ACTIONS) target.later.push(action);
  }

  #apply(file: OpenFile, action: FileAction): void {
    switch (action.kind) {
      case 'read':
        if (file.read) return;
        file.read = true;
        this.#log(file, 'SMB::FILE_READ', action.ts);
        return;
      case 'write':
        if (action.mime !== undefined && file.mime === undefined) file.mime = action.mime;
        if (file.written) return;
        file.written = true;
        this.#log(file, 'SMB::FILE_WRITE', action.ts);
        return;
      case 'rename': {
        const prev = file.name;
        file.name = shareRelative(action.name);
        this.#log(file, 'SMB::FILE_RENAME', action.ts, prev);
        return;
      }
      case 'delete':
        this.#delete(file, action.ts);
        return;
      case 'close':
        // Only this handle: another open of the same key would have replaced it.
        if (this.#open.get(file.key) === file) this.#open.delete(file.key);
        return;
    }
  }

  #delete(file: OpenFile, ts: number): void {
    if (file.deleted) return;
    file.deleted = true;
    this.#log(file, 'SMB::FILE_DELETE', ts);
  }

  #log(file: OpenFile, action: SmbFileAction, ts: number, prevName?: string): void {
    const c = this.#ctx.conn;
    const ev: SmbFileEvent = {
      type: 'smb.file',
      ts,
      uid: c.uid,
      client: c.orig_h,
      server: c.resp_h,
      server_port: c.resp_p,
      smb_version: file.smbVersion,
      action: EVENT_ACTIONS[action],
      name: file.name,
      size: file.size,
      directory: file.directory,
      disposition: createDispositionName(file.disposition),
    };
    if (file.path !== undefined) ev.path = file.path;
    if (prevName !== undefined) ev.prev_name = prevName;
    if (action === 'SMB::FILE_WRITE' && file.mime !== undefined) ev.mime_type = file.mime;
    this.#ctx.emit(ev);

    // Filled in column order, so it needs no re-ordering.
    const rec = startRecord<SmbFilesRecord>(c, ts);
    rec.action = action;
    if (file.path !== undefined) rec.path = file.path;
    rec.name = file.name;
    rec.size = file.size;
    if (prevName !== undefined) rec.prev_name = prevName;
    const t = file.times;
    if (t.modified !== undefined) rec['times.modified'] = t.modified;
    if (t.accessed !== undefined) rec['times.accessed'] = t.accessed;
    if (t.created !== undefined) rec['times.created'] = t.created;
    if (t.changed !== undefined) rec['times.changed'] = t.changed;
    this.#ctx.emit({ type: 'smb_files', log: 'smb_files', ts, uid: c.uid, record: rec });
  }
}
