/**
 * One file crossing a connection: when its bytes came, how many, how many
 * were lost to gaps, and its digests (file-hashes.ts). A protocol analyzer
 * feeds it the file's bytes in order and, when the file ends, builds its
 * files.log line (`filesRecord`). Digests are kept only for files seen
 * whole: a file cut short or with a gap has none, rather than the digest of
 * something that is not the file.
 */
import type { ConnId } from '../events/conn-id.js';
import type { FilesRecord } from '../events/file.js';
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

  /** Stops hashing (the file turned out not to be what was fed, e.g. a coding was found). */
  stopHashing(): void {
    this.#hashes = null;
  }

  /** The digests when the file was seen whole (`complete`, no gap), else undefined. Call once. */
  finish(complete: boolean): FileDigests | undefined {
    const h = this.#hashes;
    this.#hashes = null;
    return complete && h !== null && this.missing === 0 ? h.digest() : undefined;
  }
}

/** What a protocol says about a file, for its files.log line. */
export interface FileFacts {
  fuid: string;
  /** Protocol the file came over, e.g. "HTTP". */
  source: string;
  depth: number;
  isOrig: boolean;
  mime?: string;
  fileName?: string;
  totalBytes?: number;
  digests?: FileDigests;
}

/** The files.log line of a file that ended, in Zeek's column order (unset columns left out). */
export function filesRecord(conn: ConnId, t: FileTransfer, f: FileFacts): FilesRecord {
  const d = f.digests;
  return {
    ts: t.firstTs,
    fuid: f.fuid,
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
