/**
 * Writes classic pcap files (little-endian, microsecond or nanosecond
 * timestamps). Records are packed into a 1 MiB block that goes to the output
 * in one write when full, so writing millions of small packets costs a few
 * hundred system calls, not millions. Used by tests, the demo capture and the
 * benchmark generator.
 *
 * The writer owns its output: close() flushes and then ends the stream or
 * closes the file descriptor (never 0, 1 or 2, which belong to the process).
 */
import fs from 'node:fs';
import { PicketError } from '../util/errors.js';
import {
  MAX_CAPLEN, PCAP_FILE_HEADER_LEN, PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO, PCAP_RECORD_HEADER_LEN,
} from './formats.js';

/** Output block size: large enough that system-call cost vanishes, small enough to stay in cache. */
export const WRITER_BLOCK_SIZE = 1024 * 1024;
/** libpcap's default and maximum snap length. */
export const DEFAULT_SNAPLEN = MAX_CAPLEN;
/** Up to this many bytes a plain loop copies faster than creating a subarray view to set(). */
const SMALL_COPY = 256;
/** File descriptors the process owns and the writer must not close. */
const LAST_STDIO_FD = 2;

export interface PcapWriterOptions {
  /** Nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  /** Snap length written in the header; longer packets are cut to it. Default 262144. */
  snaplen?: number;
}

export class PcapWriter {
  /** Packets written so far. */
  packets = 0;
  /** Bytes written so far, headers included. */
  bytes = 0;

  readonly #fd: number;
  readonly #stream: fs.WriteStream | null;
  readonly #nano: boolean;
  readonly #snaplen: number;
  #block: Buffer = Buffer.allocUnsafe(WRITER_BLOCK_SIZE);
  #used = 0;
  #closed = false;
  #streamError: Error | null = null;

  constructor(out: fs.WriteStream | number, linkType: number, opts: PcapWriterOptions = {}) {
    if (typeof out === 'number') {
      this.#fd = out;
      this.#stream = null;
    } else {
      this.#fd = -1;
      this.#stream = out;
      out.on('error', (err) => { this.#streamError = err; });
    }
    this.#nano = opts.nanosecond === true;
    const snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    if (!Number.isInteger(snaplen) || snaplen <= 0 || snaplen > MAX_CAPLEN) {
      throw new PicketError('PKT_ERR_CAPTURE_WRITER_SNAPLEN', `snaplen must be an integer in 1..${MAX_CAPLEN}, got ${snaplen}`);
    }
    this.#snaplen = snaplen;
    const b = this.#block;
    b.writeUInt32LE(this.#nano ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, 0);
    b.writeUInt16LE(2, 4); // version 2.4
    b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8); // thiszone
    b.writeUInt32LE(0, 12); // sigfigs
    b.writeUInt32LE(snaplen, 16);
    b.writeUInt32LE(linkType >>> 0, 20);
    this.#used = PCAP_FILE_HEADER_LEN;
    this.bytes = PCAP_FILE_HEADER_LEN;
  }

  /** Writes one packet with a float-seconds timestamp. origLen defaults to data.length. */
  write(ts: number, data: Uint8Array, origLen?: number): void {
    this.writeFrom(ts, data, 0, data.length, origLen);
  }

  /** Same as write() for bytes inside a larger buffer, so callers can reuse one scratch buffer. */
  writeFrom(ts: number, buf: Uint8Array, offset: number, length: number, origLen?: number): void {
    const unit = this.#nano ? 1e9 : 1e6;
    let sec = Math.floor(ts);
    let frac = Math.round((ts - sec) * unit);
    if (frac >= unit) { sec++; frac -= unit; }
    this.writeExact(sec, frac, buf, offset, length, origLen);
  }

  /**
   * Writes one packet with an exact timestamp: `frac` is microseconds or
   * nanoseconds within the second, following the file's resolution.
   */
  writeExact(sec: number, frac: number, buf: Uint8Array, offset: number, length: number, origLen?: number): void {
    if (this.#closed) throw new PicketError('PKT_ERR_CAPTURE_WRITER_CLOSED', 'write after close');
    const caplen = length < this.#snaplen ? length : this.#snaplen;
    const need = PCAP_RECORD_HEADER_LEN + caplen;
    if (this.#used + need > this.#block.length) this.#flush();
    const b = this.#block;
    let o = this.#used;
    o = putU32(b, o, sec);
    o = putU32(b, o, frac);
    o = putU32(b, o, caplen);
    o = putU32(b, o, origLen ?? length);
    if (caplen <= SMALL_COPY) {
      for (let i = 0; i < caplen; i++) b[o + i] = buf[offset + i]!;
    } else {
      b.set(buf.subarray(offset, offset + caplen), o);
    }
    this.#used = o + caplen;
    this.packets++;
    this.bytes += need;
  }

  /** True when the output stream asked the producer to wait; await drain() then. */
  get needsDrain(): boolean {
    return this.#stream !== null && this.#stream.writableNeedDrain;
  }

  /** Resolves once a stream output has room again (immediately for a file descriptor). */
  drain(): Promise<void> {
    const s = this.#stream;
    if (s === null || !s.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => s.once('drain', () => resolve()));
  }

  /** Flushes what is buffered and closes the output. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    const s = this.#stream;
    if (s === null) {
      if (this.#fd > LAST_STDIO_FD) fs.closeSync(this.#fd);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      if (this.#streamError !== null) { reject(this.#streamError); return; }
      s.once('error', reject);
      s.end(() => resolve());
    });
  }

  #flush(): void {
    if (this.#used === 0) return;
    if (this.#stream !== null) {
      if (this.#streamError !== null) {
        throw new PicketError('PKT_ERR_CAPTURE_WRITER_IO', `pcap output failed: ${this.#streamError.message}`, { cause: this.#streamError });
      }
      // The stream keeps the block until it is written: hand it over and start a new one.
      this.#stream.write(this.#block.subarray(0, this.#used));
      this.#block = Buffer.allocUnsafe(WRITER_BLOCK_SIZE);
    } else {
      let done = 0;
      while (done < this.#used) done += fs.writeSync(this.#fd, this.#block, done, this.#used - done);
    }
    this.#used = 0;
  }
}

function putU32(b: Buffer, o: number, v: number): number {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
  return o + 4;
}
