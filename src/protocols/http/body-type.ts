/**
 * What one HTTP message's body is: the MIME type of its first bytes
 * (file-magic.ts), read after transfer framing (the stream hands over
 * de-chunked bytes) and after a gzip or deflate content coding, as Zeek's
 * file analysis sees it; plus what the headers say about it: the declared
 * Content-Type and the Content-Disposition file name. A multipart body is
 * split into its parts (multipart.ts), each a file of its own, as Zeek's
 * MIME analyzer does.
 *
 * Not typed: other content codings (br, zstd), a coded multipart body, and
 * a partial reply (206) that does not start at the file's first byte.
 */
import zlib from 'node:zlib';
import { MAGIC_BYTES, sniffMimeType } from '../file-magic.js';
import { asciiBytes, equalsIgnoreCase, logString } from '../wire-text.js';
import { dispositionFileName } from './disposition.js';
import { multipartBoundary, MultipartSplitter, type BodyFile } from './multipart.js';

export type { BodyFile } from './multipart.js';

/** Compressed bytes kept to inflate the first MAGIC_BYTES of a coded body. */
const CODED_BYTES = 2048;
/** Longest header value read for a type or file name. */
const MAX_VALUE = 512;

const CODING_IDENTITY = 0;
const CODING_GZIP = 1;
const CODING_DEFLATE = 2;
const CODING_OTHER = 3;

const H_CONTENT_TYPE = asciiBytes('content-type');
const H_CONTENT_DISPOSITION = asciiBytes('content-disposition');
const H_CONTENT_ENCODING = asciiBytes('content-encoding');
const H_CONTENT_RANGE = asciiBytes('content-range');

const INFLATE_OPTIONS = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

export class BodyType {
  /** Declared media type, lower-case, without parameters. */
  contentType: string | undefined = undefined;
  /** Content-Disposition file name. */
  fileName: string | undefined = undefined;
  #coding = CODING_IDENTITY;
  #skip = false;
  #buf: Uint8Array | null = null;
  #len = 0;
  #done = false;
  #mime: string | undefined = undefined;
  /** The boundary of a multipart body, from its Content-Type. */
  #boundary: string | undefined = undefined;
  #parts: MultipartSplitter | null = null;
  #files: BodyFile[] | null = null;

  reset(): void {
    this.contentType = undefined;
    this.fileName = undefined;
    this.#coding = CODING_IDENTITY;
    this.#skip = false;
    this.#len = 0;
    this.#done = false;
    this.#mime = undefined;
    this.#boundary = undefined;
    this.#parts = null;
    this.#files = null;
  }

  /** Reads the header if it is one this cares about; true when it was. */
  header(buf: Uint8Array, start: number, nameEnd: number, v: number, ve: number): boolean {
    if (equalsIgnoreCase(buf, start, nameEnd, H_CONTENT_TYPE)) {
      const value = logString(buf, v, Math.min(ve, v + MAX_VALUE));
      const t = value.split(';')[0]!.trim().toLowerCase();
      if (t !== '') this.contentType = t;
      if (t.startsWith('multipart/')) {
        // Typed part by part; without a boundary its parts cannot be found.
        this.#boundary = multipartBoundary(value);
        if (this.#boundary === undefined) this.#skip = true;
      }
      return true;
    }
    if (equalsIgnoreCase(buf, start, nameEnd, H_CONTENT_DISPOSITION)) {
      const name = dispositionFileName(logString(buf, v, Math.min(ve, v + MAX_VALUE)));
      if (name !== undefined) this.fileName = name;
      return true;
    }
    if (equalsIgnoreCase(buf, start, nameEnd, H_CONTENT_ENCODING)) {
      const coding = logString(buf, v, Math.min(ve, v + MAX_VALUE)).trim().toLowerCase();
      if (coding === 'gzip' || coding === 'x-gzip') this.#coding = CODING_GZIP;
      else if (coding === 'deflate') this.#coding = CODING_DEFLATE;
      else if (coding !== '' && coding !== 'identity') this.#coding = CODING_OTHER;
      return true;
    }
    if (equalsIgnoreCase(buf, start, nameEnd, H_CONTENT_RANGE)) {
      // "bytes 0-499/1234": only a range from the first byte shows the file's beginning.
      if (!/^\s*bytes\s+0-/i.test(logString(buf, v, Math.min(ve, v + 64)))) this.#skip = true;
      return true;
    }
    return false;
  }

  /** Body bytes data[start, start+len), in order. */
  feed(data: Uint8Array, start: number, len: number): void {
    if (this.#done || this.#skip || this.#coding === CODING_OTHER || len <= 0) return;
    if (this.#boundary !== undefined) {
      if (this.#coding !== CODING_IDENTITY) return;
      (this.#parts ??= new MultipartSplitter(this.#boundary)).feed(data, start, len);
      return;
    }
    const want = this.#coding === CODING_IDENTITY ? MAGIC_BYTES : CODED_BYTES;
    if (this.#len === 0 && len >= want && this.#coding === CODING_IDENTITY) {
      // The usual case: the first bytes arrived in one piece, read them where they are.
      this.#mime = sniffMimeType(data, start, start + want);
      this.#done = true;
      return;
    }
    let buf = this.#buf;
    if (buf === null || buf.length < want) buf = this.#buf = new Uint8Array(want);
    const take = Math.min(len, want - this.#len);
    buf.set(data.subarray(start, start + take), this.#len);
    this.#len += take;
    if (this.#len === want) this.#sniff();
  }

  /**
   * The files the body holds, from what was read of it: the body itself
   * (named by Content-Disposition, typed by content), or each part of a
   * multipart body that has a name or a type. Later bytes change nothing.
   */
  finish(): readonly BodyFile[] {
    if (this.#files !== null) return this.#files;
    const files: BodyFile[] = [];
    if (this.fileName !== undefined || this.#boundary === undefined) {
      const mime = this.#boundary === undefined ? this.#sniff() : undefined;
      const whole: BodyFile = {};
      if (this.fileName !== undefined) whole.fileName = this.fileName;
      if (mime !== undefined) whole.mime = mime;
      if (whole.fileName !== undefined || whole.mime !== undefined) files.push(whole);
    }
    if (this.#parts !== null) files.push(...this.#parts.finish());
    this.#files = files;
    return files;
  }

  /** The type of the bytes read so far (once: later bytes change nothing). */
  #sniff(): string | undefined {
    if (this.#done) return this.#mime;
    this.#done = true;
    if (this.#skip || this.#len === 0 || this.#buf === null) return undefined;
    const got = this.#buf.subarray(0, this.#len);
    if (this.#coding === CODING_IDENTITY) {
      this.#mime = sniffMimeType(got, 0, got.length);
    } else if (this.#coding !== CODING_OTHER) {
      const plain = inflatePrefix(got, this.#coding === CODING_GZIP);
      if (plain !== undefined) this.#mime = sniffMimeType(plain, 0, Math.min(plain.length, MAGIC_BYTES));
    }
    return this.#mime;
  }
}

/** The decoded beginning of a gzip or deflate body, or undefined when it does not decode. */
function inflatePrefix(coded: Uint8Array, gzip: boolean): Uint8Array | undefined {
  try {
    if (gzip) return zlib.gunzipSync(coded, INFLATE_OPTIONS);
    // "deflate" is zlib-wrapped by the RFC; some servers send raw deflate.
    return coded.length > 0 && (coded[0]! & 0x0f) === 8 ? zlib.inflateSync(coded, INFLATE_OPTIONS) : zlib.inflateRawSync(coded, INFLATE_OPTIONS);
  } catch {
    return undefined;
  }
}
