/**
 * The bytes of files an SMB connection reads and writes, as file transfers
 * (src/files/transfer.ts: counted, hashed), one per direction per open
 * file: what the client wrote is an upload, what it read a download. SMB
 * moves a file as requests at offsets; the digests are kept only when the
 * transfer ran from offset 0 without a hole or a rewrite (a write) or up to
 * the file's size (a read; bytes read again are the same bytes and are
 * skipped). A transfer ends with the handle's close, or with the
 * connection (then a write is taken as cut short).
 */
import type { AnalyzerContext } from '../analyzer.js';
import type { HashName } from '../../files/file-hashes.js';
import { ConnectionFiles, FileTransfer } from '../../files/transfer.js';
import { MAGIC_BYTES, sniffMimeType } from '../file-magic.js';

/** One direction of one open file. A hole, a rewrite or lost bytes stop its hashing: it then gets no digests. */
interface Transfer {
  transfer: FileTransfer;
  /** The offset the next bytes must start at to continue the file. */
  next: number;
  /** Type of the first bytes (file-magic.ts). */
  mime: string | undefined;
}

/** What the content reader keeps on an open file (files.ts OpenFile): its name and size, and its transfers under way. */
export interface ContentFile {
  name: string;
  size: number;
  upload?: Transfer;
  download?: Transfer;
}

export class SmbFileContent {
  readonly #files: ConnectionFiles;
  readonly #hashes: readonly HashName[];
  /** Files with a transfer under way (ended at close or at the connection's end). */
  readonly #active = new Set<ContentFile>();

  constructor(ctx: AnalyzerContext, hashes: readonly HashName[]) {
    this.#files = new ConnectionFiles(ctx);
    this.#hashes = hashes;
  }

  /**
   * Bytes data[start, start+len) of `file` at `offset`, written (`write`)
   * or read, seen at `ts`. Continues the transfer when they follow on; a
   * transfer starts at offset 0 only.
   */
  bytes(file: ContentFile, write: boolean, offset: number, data: Uint8Array, start: number, len: number, ts: number): void {
    if (len <= 0) return;
    let t = write ? file.upload : file.download;
    if (t === undefined) {
      if (offset !== 0) return;
      const typed = Math.min(len, MAGIC_BYTES);
      t = { transfer: new FileTransfer(ts, this.#hashes), next: 0, mime: typed > 0 ? sniffMimeType(data, start, start + typed) : undefined };
      if (write) file.upload = t;
      else file.download = t;
      this.#active.add(file);
    }
    if (!write && offset < t.next) {
      // Read again: the file's bytes up to `next` are known already, only what lies past them is new.
      const known = Math.min(len, t.next - offset);
      offset += known;
      start += known;
      len -= known;
      if (len === 0) return;
    }
    // Written out of order, rewritten, or a region skipped: not the file's bytes in order.
    if (offset !== t.next) t.transfer.stopHashing();
    t.transfer.data(data, start, len, ts);
    t.next = Math.max(t.next, offset + len);
  }

  /** `len` bytes of `file`'s data at `offset` were lost. */
  lost(file: ContentFile, write: boolean, offset: number, len: number): void {
    const t = write ? file.upload : file.download;
    if (t === undefined || len <= 0) return;
    t.transfer.gap(len);
    t.next = Math.max(t.next, offset + len);
  }

  /** The handle was closed (`closed`) or the connection ended: its transfers end and are logged. */
  finish(file: ContentFile, closed: boolean): void {
    if (!this.#active.delete(file)) return;
    const up = file.upload;
    if (up !== undefined) this.#log(file, up, true, closed);
    const down = file.download;
    if (down !== undefined) this.#log(file, down, false, file.size > 0 && down.next >= file.size);
    delete file.upload;
    delete file.download;
  }

  /** The connection ended: every transfer still under way ends. */
  end(): void {
    for (const file of [...this.#active]) this.finish(file, false);
  }

  /** Logs one direction's transfer; `complete`: it reached the end of the file (its digests, if hashing held, stand). */
  #log(file: ContentFile, t: Transfer, write: boolean, complete: boolean): void {
    this.#files.ended(
      t.transfer,
      {
        source: 'SMB',
        depth: 0,
        isOrig: write,
        fileName: file.name,
        ...(t.mime !== undefined ? { mime: t.mime } : {}),
        ...(!write && file.size > 0 ? { totalBytes: file.size } : {}),
      },
      complete,
    );
  }
}
