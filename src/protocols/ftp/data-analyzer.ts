/**
 * An FTP data channel (conn.log service "ftp-data"): the bytes each side
 * sends are one file, whose name and direction come from the transfer
 * command under way on the control connection when they began (RETR, STOR,
 * LIST...). Each file is counted, typed and hashed as it streams past
 * (src/files/) and logged when the channel ends; its digests stand when no
 * byte was lost and, where the server announced a size, all of it came.
 */
import type { Analyzer, AnalyzerContext } from '../analyzer.js';
import type { HashName } from '../../files/file-hashes.js';
import { ConnectionFiles, FileTransfer } from '../../files/transfer.js';
import { MAGIC_BYTES, sniffMimeType } from '../file-magic.js';
import type { FtpFileSession } from '../../events/file.js';

/** files.log `source` of FTP files (Zeek's name for the data channel analyzer). */
export const FTP_DATA_SOURCE = 'FTP_DATA';
/** conn.log `service` of a data channel. */
export const FTP_DATA_SERVICE = 'ftp-data';

/** A transfer command on the control connection, as the data channel sees it (and fills in). */
export interface TransferCommand {
  command: string;
  arg: string | undefined;
  /** Size the server announced (150 reply, or 213 to SIZE before it). */
  size: number | undefined;
  /** Set by the data channel once its file began: for the command's ftp.log line. */
  fuid: string | undefined;
  mime: string | undefined;
}

/** The control connection a data channel belongs to. */
export interface ControlChannel {
  /** The session as it stands (user, client and server), for the file's event. */
  session(): Omit<FtpFileSession, 'command' | 'arg' | 'upload'>;
  /** The transfer command under way now, if any. */
  transfer(): TransferCommand | undefined;
}

/** Commands whose data channel carries a file from the client to the server. */
const UPLOADS: ReadonlySet<string> = new Set(['STOR', 'STOU', 'APPE']);

interface SideFile {
  transfer: FileTransfer;
  fuid: string;
  command: TransferCommand | undefined;
  /** The file's first bytes, for its type. */
  head: Uint8Array;
  headLen: number;
}

export class FtpDataAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #control: ControlChannel;
  readonly #hashes: readonly HashName[];
  readonly #files: ConnectionFiles;
  #orig: SideFile | undefined = undefined;
  #resp: SideFile | undefined = undefined;

  constructor(ctx: AnalyzerContext, control: ControlChannel, hashes: readonly HashName[]) {
    this.#ctx = ctx;
    this.#control = control;
    this.#hashes = hashes;
    this.#files = new ConnectionFiles(ctx);
  }

  data(fromOrig: boolean, data: Uint8Array, ts: number): void {
    if (data.length === 0) return;
    let f = fromOrig ? this.#orig : this.#resp;
    if (f === undefined) {
      if (this.#orig === undefined && this.#resp === undefined) this.#ctx.confirm(FTP_DATA_SERVICE);
      const command = this.#control.transfer();
      f = { transfer: new FileTransfer(ts, this.#hashes), fuid: this.#files.reserve(), command, head: new Uint8Array(MAGIC_BYTES), headLen: 0 };
      if (command !== undefined) command.fuid = f.fuid;
      if (fromOrig) this.#orig = f;
      else this.#resp = f;
    }
    if (f.headLen < MAGIC_BYTES) {
      const n = Math.min(MAGIC_BYTES - f.headLen, data.length);
      f.head.set(data.subarray(0, n), f.headLen);
      f.headLen += n;
      if (f.command !== undefined && (f.headLen === MAGIC_BYTES || f.command.mime === undefined)) f.command.mime = this.#mime(f);
    }
    f.transfer.data(data, 0, data.length, ts);
  }

  gap(fromOrig: boolean, len: number): void {
    (fromOrig ? this.#orig : this.#resp)?.transfer.gap(len);
  }

  end(_ts: number): void {
    if (this.#orig !== undefined) this.#log(this.#orig, true);
    if (this.#resp !== undefined) this.#log(this.#resp, false);
    this.#orig = undefined;
    this.#resp = undefined;
  }

  #mime(f: SideFile): string | undefined {
    return f.headLen > 0 ? sniffMimeType(f.head, 0, f.headLen) : undefined;
  }

  #log(f: SideFile, isOrig: boolean): void {
    const cmd = f.command;
    const size = cmd?.size;
    const mime = this.#mime(f);
    const session: FtpFileSession = { ...this.#control.session(), upload: cmd !== undefined && UPLOADS.has(cmd.command) };
    if (cmd !== undefined) {
      session.command = cmd.command;
      if (cmd.arg !== undefined) session.arg = cmd.arg;
    }
    this.#files.ended(
      f.transfer,
      {
        source: FTP_DATA_SOURCE,
        depth: 0,
        isOrig,
        ...(mime !== undefined ? { mime } : {}),
        ...(cmd?.arg !== undefined ? { fileName: cmd.arg } : {}),
        ...(size !== undefined ? { totalBytes: size } : {}),
      },
      // Cut short when the server said how much would come and less did.
      size === undefined || f.transfer.seen >= size,
      { ftp: session, fuid: f.fuid },
    );
  }
}
