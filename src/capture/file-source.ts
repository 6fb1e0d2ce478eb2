/**
 * Reads pcap and pcapng files (or standard input, "-") in order as one stream
 * of packets. Files are streamed in 1 MiB chunks, never loaded whole; the
 * shared CaptureStreamParser delivers each packet synchronously as a view into
 * the chunk. A corrupt or cut-off file stops at the bad record (recorded in
 * stats.truncated) and reading goes on with the next file; only a missing
 * file or one that is not a capture at all raises an error.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { PicketError } from '../util/errors.js';
import { RawPacket, type PacketHandler } from './packet.js';
import { pumpStream, type PumpEnd, type PumpHandle } from './pump.js';
import { createCaptureStats, type CaptureStats } from './stats.js';
import { CaptureStreamParser } from './stream-parser.js';

export type { CaptureStats, TruncationRecord } from './stats.js';

/**
 * Read size. Measured: ~20 Mpkt/s for record headers at 1 MiB; smaller reads
 * pay the per-chunk stream overhead more often, larger ones only cost memory.
 */
export const FILE_READ_CHUNK = 1024 * 1024;

/** The path that means standard input. */
export const STDIN_PATH = '-';

export interface CaptureSource {
  /** Reads until the end (or stop()), calling onPacket synchronously for every packet. Never loads a whole file. */
  run(onPacket: PacketHandler): Promise<CaptureStats>;
  /** Ends reading as soon as possible; run() then resolves with the stats so far. */
  stop(): void;
  readonly stats: CaptureStats;
}

/** Several files read in order as one stream of packets; "-" means standard input. */
export function openCaptureFiles(paths: string[]): CaptureSource {
  return new FileCaptureSource(paths.slice());
}

class FileCaptureSource implements CaptureSource {
  readonly stats: CaptureStats = createCaptureStats();
  readonly #paths: string[];
  readonly #pkt = new RawPacket();
  readonly #pump: PumpHandle = { abort: null };
  #parser: CaptureStreamParser | null = null;
  #stopped = false;
  #running = false;

  constructor(paths: string[]) {
    this.#paths = paths;
  }

  stop(): void {
    this.#stopped = true;
    this.#parser?.stop();
    this.#pump.abort?.();
  }

  async run(onPacket: PacketHandler): Promise<CaptureStats> {
    if (this.#running) throw new PicketError('PKT_ERR_CAPTURE_STATE', 'capture source is already running');
    this.#running = true;
    // Check every file before reading any: a typo in the last name should
    // fail now, not after the first files took minutes.
    for (const p of this.#paths) {
      if (p !== STDIN_PATH) await checkReadable(p);
    }
    for (const p of this.#paths) {
      if (this.#stopped) break;
      await this.#readOne(p, onPacket);
    }
    return this.stats;
  }

  async #readOne(file: string, onPacket: PacketHandler): Promise<void> {
    const isStdin = file === STDIN_PATH;
    if (!isStdin && isRegularFile(file)) {
      await this.#readRegular(file, onPacket);
      return;
    }
    const stream: Readable = isStdin ? process.stdin : fs.createReadStream(file, { highWaterMark: FILE_READ_CHUNK });
    const parser = new CaptureStreamParser(file, this.stats, this.#pkt, onPacket);
    this.#parser = parser;
    this.stats.files++;
    let ended: PumpEnd;
    try {
      ended = await pumpStream(stream, parser, this.#pump);
    } catch (err) {
      release(stream, isStdin);
      // System errors (EACCES, EIO...) become an open error naming the file;
      // anything else (a throwing packet handler) reaches the caller as is.
      if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string') {
        throw new PicketError('PKT_ERR_CAPTURE_OPEN', `cannot read capture ${file}: ${err.message}`, { cause: err });
      }
      throw err;
    } finally {
      this.#parser = null;
    }
    if (ended === 'end') parser.end();
    else release(stream, isStdin);
    if (parser.formatError !== undefined) {
      throw new PicketError('PKT_ERR_CAPTURE_FORMAT', parser.formatError);
    }
  }

  async #readRegular(file: string, onPacket: PacketHandler): Promise<void> {
    const parser = new CaptureStreamParser(file, this.stats, this.#pkt, onPacket);
    this.#parser = parser;
    this.stats.files++;
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      this.#parser = null;
      throw new PicketError('PKT_ERR_CAPTURE_OPEN', `cannot read capture ${file}: ${(err as Error).message}`, { cause: err });
    }
    const buf = new Uint8Array(REGULAR_READ_CHUNK);
    let sinceYield = 0;
    let atEnd = false;
    try {
      while (!parser.finished && !this.#stopped) {
        let n: number;
        try {
          n = fs.readSync(fd, buf, 0, buf.length, null);
        } catch (err) {
          throw new PicketError('PKT_ERR_CAPTURE_OPEN', `cannot read capture ${file}: ${(err as Error).message}`, { cause: err });
        }
        if (n === 0) {
          atEnd = true;
          break;
        }
        parser.push(n === buf.length ? buf : buf.subarray(0, n));
        sinceYield += n;
        if (sinceYield >= YIELD_EVERY_BYTES) {
          sinceYield = 0;
          await nextTurn();
        }
      }
    } finally {
      fs.closeSync(fd);
      this.#parser = null;
    }
    if (atEnd) parser.end();
    if (parser.formatError !== undefined) {
      throw new PicketError('PKT_ERR_CAPTURE_FORMAT', parser.formatError);
    }
  }
}

/**
 * Regular files are read with synchronous reads into one reused buffer:
 * measured 1.3x faster end to end than a read stream (no per-chunk promise
 * and event-loop round trip, no idle gaps), with the event loop given a turn
 * every YIELD_EVERY_BYTES so signals and timers are still served.
 */
const REGULAR_READ_CHUNK = 4 * 1024 * 1024;
const YIELD_EVERY_BYTES = 64 * 1024 * 1024;

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Standard input belongs to the process: pause it rather than destroy it. */
function release(stream: Readable, isStdin: boolean): void {
  if (isStdin) stream.pause();
  else stream.destroy();
}

async function checkReadable(file: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new PicketError('PKT_ERR_CAPTURE_OPEN', `cannot open capture ${file}: ${why}`, { cause: err });
  }
  if (st.isDirectory()) {
    throw new PicketError('PKT_ERR_CAPTURE_OPEN', `cannot open capture ${file}: it is a directory`);
  }
}
