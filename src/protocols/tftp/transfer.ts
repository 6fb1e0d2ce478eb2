/**
 * One TFTP request and its transfer: the blocks in order (retransmitted
 * ones passed over, skipped ones counted as a gap), the block size an OACK
 * agreed, the ERROR that ended it; the file it moved (typed and hashed as
 * it streams, logged to files.jsonl, source "TFTP") and its tftp.jsonl
 * line. Fed by the data flow's analyzer, or by the request's own flow when
 * the server answers from port 69.
 */
import type { AnalyzerContext } from '../analyzer.js';
import type { ConnId } from '../../events/conn-id.js';
import type { HashName } from '../../files/file-hashes.js';
import { ConnectionFiles, FileTransfer } from '../../files/transfer.js';
import { MAGIC_BYTES, sniffMimeType } from '../file-magic.js';
import { startRecord } from '../zeek-record.js';
import { DEFAULT_BLOCK_SIZE, MAX_BLOCK_SIZE, Opcode, TftpAnomaly } from './consts.js';
import type { TftpRecord } from './events.js';
import { blockOf, opcodeOf, parseError, parseOack, type TftpRequest } from './parser.js';

/** files.log `source` of TFTP files. */
export const TFTP_SOURCE = 'TFTP';

interface SideFile {
  transfer: FileTransfer;
  files: ConnectionFiles;
  fromOrig: boolean;
  head: Uint8Array;
  headLen: number;
}

export class TftpTransfer {
  readonly request: TftpRequest;
  readonly ts: number;
  /** The request's connection. */
  readonly control: ConnId;
  /** A data flow took this transfer (it logs it when it ends). */
  taken = false;
  dataUid: string | undefined = undefined;
  readonly #hashes: readonly HashName[];
  #blockSize = DEFAULT_BLOCK_SIZE;
  /** The next block number expected (16 bits, wrapping). */
  #next = 1;
  #size = 0;
  #blockSent = 0;
  #blockAcked = 0;
  #error: { code: number; message: string } | undefined = undefined;
  /** The last block (shorter than the block size) or an ERROR arrived. */
  #done = false;
  #complete = true;
  #file: SideFile | undefined = undefined;
  #logged = false;

  constructor(request: TftpRequest, ts: number, control: ConnId, hashes: readonly HashName[]) {
    this.request = request;
    this.ts = ts;
    this.control = control;
    this.#hashes = hashes;
  }

  /** One datagram of the transfer, from the flow's originator or not, on the flow `ctx` serves. */
  packet(ctx: AnalyzerContext, fromOrig: boolean, d: Uint8Array, ts: number): void {
    switch (opcodeOf(d)) {
      case Opcode.DATA: {
        const block = blockOf(d);
        if (block < 0) return ctx.anomaly(TftpAnomaly.BAD_PACKET);
        this.#blockSent++;
        if (!this.#done) this.#data(ctx, fromOrig, block, d.subarray(4), ts);
        return;
      }
      case Opcode.ACK:
        if (blockOf(d) < 0) return ctx.anomaly(TftpAnomaly.BAD_PACKET);
        this.#blockAcked++;
        return;
      case Opcode.OACK: {
        const o = parseOack(d);
        if (o === null) return ctx.anomaly(TftpAnomaly.BAD_PACKET);
        const size = Number(o.get('blksize'));
        if (Number.isInteger(size) && size >= 8 && size <= MAX_BLOCK_SIZE) this.#blockSize = size;
        return;
      }
      case Opcode.ERROR: {
        const e = parseError(d);
        if (e === null) return ctx.anomaly(TftpAnomaly.BAD_PACKET);
        this.#error ??= e;
        if (!this.#done) {
          this.#done = true;
          this.#complete = false;
        }
        return;
      }
      default:
        ctx.anomaly(TftpAnomaly.BAD_PACKET);
    }
  }

  #data(ctx: AnalyzerContext, fromOrig: boolean, block: number, payload: Uint8Array, ts: number): void {
    const ahead = (block - this.#next) & 0xffff;
    // A block from before the expected one is a retransmission.
    if (ahead >= 0x8000) return;
    let f = this.#file;
    if (f === undefined) {
      f = { transfer: new FileTransfer(ts, this.#hashes), files: new ConnectionFiles(ctx), fromOrig, head: new Uint8Array(MAGIC_BYTES), headLen: 0 };
      this.#file = f;
    }
    if (ahead > 0) {
      // Blocks lost before this one (the capture missed them).
      f.transfer.gap(ahead * this.#blockSize);
      this.#complete = false;
    }
    if (f.headLen < MAGIC_BYTES && ahead === 0 && this.#size === 0) {
      const n = Math.min(MAGIC_BYTES, payload.length);
      f.head.set(payload.subarray(0, n));
      f.headLen = n;
    }
    f.transfer.data(payload, 0, payload.length, ts);
    this.#size += payload.length;
    this.#next = (block + 1) & 0xffff;
    if (payload.length < this.#blockSize) this.#done = true;
  }

  /** Logs the transfer (its file, then its tftp.jsonl line) on the flow `ctx` serves; later calls do nothing. */
  finish(ctx: AnalyzerContext): void {
    if (this.#logged) return;
    this.#logged = true;
    const f = this.#file;
    if (f !== undefined) {
      const mime = f.headLen > 0 ? sniffMimeType(f.head, 0, f.headLen) : undefined;
      f.files.ended(
        f.transfer,
        { source: TFTP_SOURCE, depth: 0, isOrig: f.fromOrig, ...(mime !== undefined ? { mime } : {}), fileName: this.request.fileName },
        this.#done && this.#complete,
        { tftp: { request_uid: this.control.uid, client: this.control.orig_h, server: this.control.resp_h, write: this.request.write } },
      );
    }
    // Zeek's column order (insertion order is the key order); unset fields stay absent.
    const rec = startRecord<TftpRecord>(this.control, this.ts);
    rec.wrq = this.request.write;
    rec.fname = this.request.fileName;
    rec.mode = this.request.mode;
    if (this.dataUid !== undefined) rec.uid_data = this.dataUid;
    rec.size = this.#size;
    rec.block_sent = this.#blockSent;
    rec.block_acked = this.#blockAcked;
    if (this.#error !== undefined) {
      rec.error_code = this.#error.code;
      rec.error_msg = this.#error.message;
    }
    ctx.emit({ type: 'tftp', log: 'tftp', ts: rec.ts, uid: rec.uid, record: rec });
  }
}
