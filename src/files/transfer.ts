/**
 * One file crossing a connection: when its bytes came, how many, how many
 * were lost to gaps, and its digests (file-hashes.ts). A protocol analyzer
 * feeds it the file's bytes in order and, when the file ends, hands it to
 * its connection's `ConnectionFiles`, which logs it. Digests are kept only for files seen
 * whole: a file cut short or with a gap has none, rather than the digest of
 * something that is not the file.
 */
import type { ConnId } from '../events/conn-id.js';
import type { FileEvent, FilesRecord } from '../events/file.js';
import type { AnalyzerContext } from '../protocols/analyzer.js';
import { makeFuid } from './fuid.js';
import { FileHashes, type FileDigests, type HashName } from './file-hashes.js';

/** files.log's `analyzers` name for each digest. */
const ANALYZER_NAMES: Readonly<Record<HashName, string>> = { md5: 'MD5', sha1: 'SHA1', sha256: 'SHA256' };

export class FileTransfer {
  readonly firstTs: number;
  lastTs: number;
  /** Bytes seen. */
  seen = 0;
  /** Bytes known lost (stream gaps). */
  missing = 0;
  #hashes: FileHashes | null;

  /**
   * `hashes`: the digests to compute, none when the bytes fed are not the
   * file itself (content still coded, a piece from its middle) or the site
   * computes none.
   */
  constructor(ts: number, hashes: readonly HashName[]) {
    this.firstTs = ts;
    this.lastTs = ts;
    this.#hashes = hashes.length > 0 ? new FileHashes(hashes) : null;
  }

  /** Whether the digests are still being computed. */
  get hashing(): boolean {
    return this.#hashes !== null;
  }

  /** The next bytes of the file, data[start, start+len), seen at `ts`. */
  data(data: Uint8Array, start: number, len: number, ts: number): void {
    if (len <= 0) return;
    this.seen += len;
    if (ts > this.lastTs) this.lastTs = ts;
    this.#hashes?.update(data, start, len);
  }

  /** `len` bytes of the file were lost: its digests can no longer be known. */
  gap(len: number): void {
    this.missing += len;
    this.#hashes = null;
  }

  /** Stops hashing: the bytes fed are no longer the file in order (written out of order, rewritten, a region skipped). */
  stopHashing(): void {
    this.#hashes = null;
  }

  /** The digests when the file was seen whole (`complete`, no gap), else undefined. Call once. */
  finish(complete: boolean): FileDigests | undefined {
    const h = this.#hashes;
    this.#hashes = null;
    // A gap already dropped the hashes.
    return complete && h !== null ? h.digest() : undefined;
  }
}

/** What a protocol says about a file, for its files.log line. */
export interface FileFacts {
  /** Protocol the file came over, e.g. "HTTP". */
  source: string;
  depth: number;
  isOrig: boolean;
  mime?: string;
  fileName?: string;
  totalBytes?: number;
}

/** What a file event carries besides its files.log line, for rules (not logged). */
export interface FileAbout {
  /** The HTTP request the file came with. */
  http?: FileEvent['http'];
  /** The FTP control connection whose data channel carried it. */
  ftp?: FileEvent['ftp'];
  /** The mail transaction whose message carried it. */
  smtp?: FileEvent['smtp'];
  /** The TFTP request whose transfer carried it. */
  tftp?: FileEvent['tftp'];
  /** Its fuid, when taken earlier with `reserve` (default: the next one). */
  fuid?: string;
}

/**
 * The files one connection carried, as they end: each is numbered (its
 * fuid, makeFuid), its digests taken if it was seen whole, and its
 * files.log line emitted as a `file` event. One per analyzer instance.
 */
export class ConnectionFiles {
  readonly #ctx: AnalyzerContext;
  #count = 0;

  constructor(ctx: AnalyzerContext) {
    this.#ctx = ctx;
  }

  /** The fuid of a file that has begun, for a log written before it ends; pass it to `ended`. */
  reserve(): string {
    return makeFuid(this.#ctx.conn.uid, this.#count++);
  }

  /**
   * Logs transfer `t` as ended (`complete`: where its protocol said it
   * ends) with what its protocol says of it, and `about` it for rules.
   * Returns its fuid.
   */
  ended(t: FileTransfer, facts: FileFacts, complete: boolean, about: FileAbout = {}): string {
    const conn = this.#ctx.conn;
    const fuid = about.fuid ?? this.reserve();
    const record = filesRecord(conn, t, fuid, facts, t.finish(complete));
    const ev: FileEvent = { type: 'file', log: 'files', ts: record.ts, uid: conn.uid, record };
    if (about.http !== undefined) ev.http = about.http;
    if (about.ftp !== undefined) ev.ftp = about.ftp;
    if (about.smtp !== undefined) ev.smtp = about.smtp;
    if (about.tftp !== undefined) ev.tftp = about.tftp;
    this.#ctx.emit(ev);
    return fuid;
  }
}

/** The files.log line of a file that ended, in Zeek's column order (unset columns left out). */
function filesRecord(conn: ConnId, t: FileTransfer, fuid: string, f: FileFacts, d: FileDigests | undefined): FilesRecord {
  return {
    ts: t.firstTs,
    fuid,
    uid: conn.uid,
    'id.orig_h': conn.orig_h,
    'id.orig_p': conn.orig_p,
    'id.resp_h': conn.resp_h,
    'id.resp_p': conn.resp_p,
    source: f.source,
    depth: f.depth,
    analyzers: d !== undefined ? (Object.keys(d) as HashName[]).map((n) => ANALYZER_NAMES[n]) : [],
    ...(f.mime !== undefined ? { mime_type: f.mime } : {}),
    ...(f.fileName !== undefined ? { filename: f.fileName } : {}),
    duration: t.lastTs - t.firstTs,
    is_orig: f.isOrig,
    seen_bytes: t.seen,
    ...(f.totalBytes !== undefined ? { total_bytes: f.totalBytes } : {}),
    missing_bytes: t.missing,
    overflow_bytes: 0,
    timedout: false,
    ...(d?.md5 !== undefined ? { md5: d.md5 } : {}),
    ...(d?.sha1 !== undefined ? { sha1: d.sha1 } : {}),
    ...(d?.sha256 !== undefined ? { sha256: d.sha256 } : {}),
  };
}
