/**
 * A gzip or deflate content coding (RFC 9110 section 8.4.1) undone as the
 * body streams in, so that a coded body's file is its decoded bytes, as in
 * Zeek: typed, counted and hashed after decoding. fflate's streaming
 * inflaters do the work synchronously, chunk by chunk, holding only their
 * window. "deflate" is zlib-wrapped by the RFC; servers that send raw
 * deflate are recognised by the first byte, as browsers do.
 *
 * Bounded: decoding stops at MAX_DECODED_BYTES (a small body that inflates
 * without end is a decompression bomb); it also stops at the first corrupt
 * byte or lost chunk. Each inflater's state (about 48 KiB measured: its
 * window and output buffer) is charged to the thread's parser buffer budget
 * (buffer-budget.ts) while it lives, so many coded bodies under way at once
 * cannot exhaust memory: one the budget refuses is not decoded. A gzip body's trailer is checked here (its CRC-32 and
 * length; the inflater reads past them): a mismatch means the bytes are
 * not the file. A body whose decoding stopped early or failed its check is
 * not the file whole: `whole` says so.
 */
import zlib from 'node:zlib';
import { Gunzip, Inflate, Unzlib } from 'fflate';
import { parserBuffers, type BufferClaim } from '../buffer-budget.js';

/** Decoded bytes per body at most. */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;
/** What one inflater's state is charged against the parser buffer budget (measured about 48 KiB, with room). */
export const INFLATE_STATE_BYTES = 64 * 1024;

/** Receives the decoded bytes, in order. */
export type DecodedSink = (data: Uint8Array) => void;

type Inflater = Gunzip | Inflate | Unzlib;

export class ContentDecoder {
  readonly #gzip: boolean;
  readonly #sink: DecodedSink;
  #inflater: Inflater | null = null;
  /** The inflater's share of the parser buffer budget while it lives. */
  #claim: BufferClaim | null = null;
  /** Decoded bytes handed on. */
  decoded = 0;
  /** Decoding stopped before the end (corrupt data, lost bytes, over the bound, or refused). */
  failed = false;
  /** Decoding never started: the parser buffer budget had no room for an inflater. */
  refused = false;
  /** The coding's own end was reached (the last block, and for gzip its trailer). */
  ended = false;
  /** gzip: CRC-32 of the decoded bytes so far, and the last 8 coded bytes (the trailer, once all came). */
  #crc = 0;
  readonly #tail = new Uint8Array(8);
  #tailLen = 0;

  constructor(gzip: boolean, sink: DecodedSink) {
    this.#gzip = gzip;
    this.#sink = sink;
  }

  /** Coded bytes data[start, start+len), in order. */
  push(data: Uint8Array, start: number, len: number): void {
    if (this.failed || len <= 0) return;
    const chunk = data.subarray(start, start + len);
    // The trailer may come after the last block's bytes were decoded.
    if (this.#gzip) this.#keepTail(chunk);
    if (this.ended) return;
    if (this.#inflater === null) {
      const claim = parserBuffers.claim(this);
      if (!claim.resize(INFLATE_STATE_BYTES)) {
        // The thread's parsers hold all the buffer memory they may: this body is not decoded.
        this.failed = true;
        this.refused = true;
        return;
      }
      this.#claim = claim;
      this.#inflater = this.#create(chunk[0]!);
    }
    try {
      this.#inflater.push(chunk, false);
    } catch {
      this.failed = true;
    }
    if (this.failed || this.ended) this.#release();
  }

  /** Coded bytes were lost: nothing after them decodes. */
  lost(): void {
    if (!this.ended) this.failed = true;
    this.#release();
  }

  /** Lets go of the inflater and its share of the budget. */
  #release(): void {
    this.#inflater = null;
    this.#claim?.release();
    this.#claim = null;
  }

  /** The body ended: flushes what the inflater holds. True when the body decoded whole. */
  finish(): boolean {
    if (!this.failed && !this.ended && this.#inflater !== null) {
      try {
        this.#inflater.push(new Uint8Array(0), true);
      } catch {
        this.failed = true;
      }
    }
    this.#release();
    if (this.#gzip && this.ended && !this.failed && !this.#trailerMatches()) this.failed = true;
    return this.whole;
  }

  /** Keeps the last 8 bytes of the coded stream. */
  #keepTail(chunk: Uint8Array): void {
    const t = this.#tail;
    if (chunk.length >= 8) {
      t.set(chunk.subarray(chunk.length - 8));
      this.#tailLen = 8;
      return;
    }
    const keep = Math.min(this.#tailLen, 8 - chunk.length);
    t.copyWithin(0, this.#tailLen - keep, this.#tailLen);
    t.set(chunk, keep);
    this.#tailLen = keep + chunk.length;
  }

  /** The gzip trailer (RFC 1952 section 2.3.1): CRC-32 and length mod 2^32 of the decoded bytes, little-endian. */
  #trailerMatches(): boolean {
    if (this.#tailLen < 8) return false;
    const t = this.#tail;
    const crc = (t[0]! | (t[1]! << 8) | (t[2]! << 16) | (t[3]! << 24)) >>> 0;
    const size = (t[4]! | (t[5]! << 8) | (t[6]! << 16) | (t[7]! << 24)) >>> 0;
    return crc === this.#crc >>> 0 && size === this.decoded % 0x100000000;
  }

  /** Whether every decoded byte was handed on and the coding ended where it should. */
  get whole(): boolean {
    return !this.failed && this.ended;
  }

  #create(first: number): Inflater {
    const ondata = (out: Uint8Array, final: boolean): void => this.#out(out, final);
    if (this.#gzip) return new Gunzip(ondata);
    // A zlib header's first byte names deflate (8) as its method; anything else is raw deflate.
    return (first & 0x0f) === 8 ? new Unzlib(ondata) : new Inflate(ondata);
  }

  #out(out: Uint8Array, final: boolean): void {
    if (this.failed) return;
    if (this.decoded + out.length > MAX_DECODED_BYTES) {
      this.failed = true;
      return;
    }
    if (out.length > 0) {
      this.decoded += out.length;
      if (this.#gzip) this.#crc = zlib.crc32(out, this.#crc);
      this.#sink(out);
    }
    if (final) this.ended = true;
  }
}
