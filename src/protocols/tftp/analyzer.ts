/**
 * TFTP: a request to UDP 69 names the file and the direction; the server
 * answers from a new port of its own to the client's port, and the whole
 * transfer runs there. The request's analyzer announces that flow
 * (AnalyzerContext.expect, UDP), whose analyzer reads the blocks; a server
 * that answers from port 69 itself is read on the request's flow. Each
 * request is logged (tftp.jsonl) when its transfer's flow ends, or with
 * the request's flow when no transfer came. A client repeating a request
 * that is still unanswered (its retransmission) is not a new request.
 */
import type { Analyzer, AnalyzerContext, ProtocolSpec } from '../analyzer.js';
import type { HashName } from '../../files/file-hashes.js';
import { MAX_REQUESTS_PER_FLOW, Opcode, TftpAnomaly, TRANSFER_WAIT_SECONDS } from './consts.js';
import { opcodeOf, parseRequest } from './parser.js';
import { TftpTransfer } from './transfer.js';

export const TFTP_SERVICE = 'tftp';

/** The analyzer of a request's flow (to port 69). */
export class TftpRequestAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #hashes: readonly HashName[];
  readonly #transfers: TftpTransfer[] = [];
  #confirmed = false;

  constructor(ctx: AnalyzerContext, hashes: readonly HashName[]) {
    this.#ctx = ctx;
    this.#hashes = hashes;
  }

  data(fromOrig: boolean, d: Uint8Array, ts: number): void {
    const op = opcodeOf(d);
    if (op === Opcode.RRQ || op === Opcode.WRQ) {
      if (fromOrig) this.#request(d, ts);
      else this.#ctx.anomaly(TftpAnomaly.BAD_PACKET);
      return;
    }
    // The server answering from port 69 itself: the transfer runs on this flow.
    const t = this.#transfers[this.#transfers.length - 1];
    if (t === undefined || t.taken) {
      this.#ctx.anomaly(TftpAnomaly.BAD_PACKET);
      return;
    }
    t.packet(this.#ctx, fromOrig, d, ts);
  }

  end(_ts: number): void {
    for (const t of this.#transfers) if (!t.taken) t.finish(this.#ctx);
  }

  #request(d: Uint8Array, ts: number): void {
    const req = parseRequest(d);
    if (req === null) {
      this.#ctx.anomaly(TftpAnomaly.BAD_PACKET);
      return;
    }
    const last = this.#transfers[this.#transfers.length - 1];
    if (last !== undefined && !last.taken && last.request.fileName === req.fileName && last.request.write === req.write && ts - last.ts <= TRANSFER_WAIT_SECONDS) return;
    if (this.#transfers.length >= MAX_REQUESTS_PER_FLOW) {
      this.#ctx.anomaly(TftpAnomaly.TOO_MANY_REQUESTS);
      return;
    }
    if (!this.#confirmed) {
      this.#confirmed = true;
      this.#ctx.confirm(TFTP_SERVICE);
    }
    const c = this.#ctx.conn;
    const t = new TftpTransfer(req, ts, c, this.#hashes);
    this.#transfers.push(t);
    // The server answers from a port of its own to the client's port.
    this.#ctx.expect?.({ transport: 'udp', orig_h: c.resp_h, resp_h: c.orig_h, resp_p: c.orig_p, spec: transferSpec(t), until: ts + TRANSFER_WAIT_SECONDS });
  }
}

/** The analyzer of a transfer's flow, announced by its request. */
class TftpTransferAnalyzer implements Analyzer {
  readonly #ctx: AnalyzerContext;
  readonly #transfer: TftpTransfer;

  constructor(ctx: AnalyzerContext, transfer: TftpTransfer) {
    this.#ctx = ctx;
    this.#transfer = transfer;
    transfer.taken = true;
    transfer.dataUid = ctx.conn.uid;
    ctx.confirm(TFTP_SERVICE);
  }

  data(fromOrig: boolean, d: Uint8Array, ts: number): void {
    this.#transfer.packet(this.#ctx, fromOrig, d, ts);
  }

  end(_ts: number): void {
    this.#transfer.finish(this.#ctx);
  }
}

/** The spec a request announces for its transfer's flow. */
function transferSpec(t: TftpTransfer): ProtocolSpec {
  return { name: TFTP_SERVICE, transports: ['udp'], ports: [], create: (ctx) => new TftpTransferAnalyzer(ctx, t) };
}
