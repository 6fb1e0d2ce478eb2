/**
 * The files one HTTP message's body holds, as Zeek's file analysis sees
 * them: the body itself, or each part of a multipart body (multipart.ts).
 * Each file is a transfer (src/files/transfer.ts: bytes, times, MD5/SHA-1/
 * SHA-256), typed by its first bytes (file-magic.ts) after transfer framing
 * (the stream hands over de-chunked bytes) and after a gzip or deflate
 * content coding, which is undone as the body streams (content-decoder.ts:
 * the file is the decoded bytes, as in Zeek); plus what the headers say
 * about it: the declared Content-Type and the Content-Disposition file name.
 *
 * Neither typed nor hashed: other content codings (br, zstd), a coded
 * multipart body, and a partial reply (206) that does not start at the
 * file's first byte. A coded body that does not decode to its end (corrupt,
 * cut, or past the decoding bound) is typed but not hashed.
 */
import { MAGIC_BYTES, sniffMimeType } from '../file-magic.js';
import { asciiBytes, equalsIgnoreCase, logString } from '../wire-text.js';
import { dispositionFileName } from '../mime/disposition.js';
import { FileTransfer } from '../../files/transfer.js';
import type { HashName } from '../../files/file-hashes.js';
import { multipartBoundary, MultipartSplitter, type BodyFile } from '../mime/multipart.js';
import { ContentDecoder } from './content-decoder.js';

export type { BodyFile } from '../mime/multipart.js';

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


export class BodyType {
  /** Declared media type, lower-case, without parameters. */
  contentType: string | undefined = undefined;
  /** Content-Disposition file name. */
  fileName: string | undefined = undefined;
  /** Content-Length of the body, set by the reader once the headers are done; -1 when none. */
  declaredLength = -1;
  #coding = CODING_IDENTITY;
  #skip = false;
  #buf: Uint8Array | null = null;
  #len = 0;
  #done = false;
  #mime: string | undefined = undefined;
  /** The boundary of a multipart body, from its Content-Type. */
  #boundary: string | undefined = undefined;
  #parts: MultipartSplitter | null = null;
  /** The body as one file, once its first byte came (not for a split multipart body). */
  #whole: FileTransfer | null = null;
  #files: BodyFile[] | null = null;
  /** The gzip or deflate decoder of a coded body. */
  #decoder: ContentDecoder | null = null;
  /** Time of the bytes being fed (decoded bytes come out during a feed). */
  #ts = 0;
  readonly #hashes: readonly HashName[];

  /** `hashes`: the digests computed for each file the bodies hold. */
  constructor(hashes: readonly HashName[]) {
    this.#hashes = hashes;
  }

  reset(): void {
    this.contentType = undefined;
    this.fileName = undefined;
    this.declaredLength = -1;
    this.#coding = CODING_IDENTITY;
    this.#skip = false;
    this.#len = 0;
    this.#done = false;
    this.#mime = undefined;
    this.#boundary = undefined;
    this.#parts = null;
    this.#whole = null;
    this.#files = null;
    this.#decoder = null;
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

  /**
   * Bytes the body decoded to, when its gzip or deflate coding was undone
   * (up to where decoding stopped, as Zeek counts a body's length after
   * decompression); -1 when the body was not decoded (identity, another
   * coding, a coded multipart body or range, no room in the budget).
   */
  get decodedLength(): number {
    const d = this.#decoder;
    return d === null || d.refused ? -1 : d.decoded;
  }

  /** Body bytes data[start, start+len), in order, seen at `ts`. */
  feed(data: Uint8Array, start: number, len: number, ts: number): void {
    if (len <= 0) return;
    if (this.#boundary !== undefined) {
      if (this.#coding === CODING_IDENTITY) {
        (this.#parts ??= new MultipartSplitter(this.#boundary, this.#hashes)).feed(data, start, len, ts);
        return;
      }
      // A coded multipart body: its parts are inside the coding; one untyped file.
      this.#skip = true;
    }
    const coded = this.#coding === CODING_GZIP || this.#coding === CODING_DEFLATE;
    if (coded && !this.#skip) {
      this.#ts = ts;
      this.#whole ??= new FileTransfer(ts, this.#hashes);
      const d = (this.#decoder ??= new ContentDecoder(this.#coding === CODING_GZIP, (out) => this.#plain(out, 0, out.length)));
      d.push(data, start, len);
      // Decoding stopped short: what came out is not the whole file.
      if (d.failed) this.#whole.stopHashing();
      return;
    }
    (this.#whole ??= new FileTransfer(ts, this.#coding === CODING_IDENTITY && !this.#skip ? this.#hashes : [])).data(data, start, len, ts);
    if (this.#done || this.#skip || this.#coding === CODING_OTHER) return;
    if (this.#len === 0 && len >= MAGIC_BYTES) {
      // The usual case: the first bytes arrived in one piece, read them where they are.
      this.#mime = sniffMimeType(data, start, start + MAGIC_BYTES);
      this.#done = true;
      return;
    }
    this.#head(data, start, len);
  }

  /** Decoded bytes of a coded body: the file's own. */
  #plain(data: Uint8Array, start: number, len: number): void {
    this.#whole!.data(data, start, len, this.#ts);
    if (!this.#done) this.#head(data, start, len);
  }

  /** Keeps the file's first MAGIC_BYTES for its type. */
  #head(data: Uint8Array, start: number, len: number): void {
    let buf = this.#buf;
    if (buf === null) buf = this.#buf = new Uint8Array(MAGIC_BYTES);
    const take = Math.min(len, MAGIC_BYTES - this.#len);
    buf.set(data.subarray(start, start + take), this.#len);
    this.#len += take;
    if (this.#len === MAGIC_BYTES) this.#sniff();
  }

  /** `len` bytes of the body were lost in the stream (the framing held). */
  gap(len: number): void {
    if (this.#parts !== null) {
      this.#parts.gap(len);
      return;
    }
    // A coded body decodes no further than the hole.
    this.#decoder?.lost();
    this.#whole?.gap(len);
  }

  /**
   * The files the body holds, from what was read of it: the body itself, or
   * each part of a multipart body that had content. `complete`: the body
   * ended where its framing said (not cut by a lost framing or the
   * connection's end). Later bytes change nothing.
   */
  finish(complete: boolean): readonly BodyFile[] {
    if (this.#files !== null) return this.#files;
    let files: BodyFile[] = [];
    if (this.#parts !== null) {
      files = this.#parts.finish(complete);
    } else if (this.#whole !== null) {
      // A coded body is the file whole only when its coding ended where the body did.
      const decoded = this.#decoder === null || this.#decoder.finish();
      if (!decoded) this.#whole.stopHashing();
      const whole: BodyFile = { transfer: this.#whole, complete: complete && decoded };
      if (this.fileName !== undefined) whole.fileName = this.fileName;
      // The announced length is the file's when the body is not coded nor a range.
      if (this.declaredLength >= 0 && this.#coding === CODING_IDENTITY && !this.#skip) whole.totalBytes = this.declaredLength;
      const mime = this.#sniff();
      if (mime !== undefined) whole.mime = mime;
      files.push(whole);
    }
    this.#files = files;
    return files;
  }

  /** The type of the bytes read so far (once: later bytes change nothing). */
  #sniff(): string | undefined {
    if (this.#done) return this.#mime;
    this.#done = true;
    if (this.#skip || this.#len === 0 || this.#buf === null) return undefined;
    // The bytes kept are the file's (decoded, for a coded body).
    if (this.#coding !== CODING_OTHER) this.#mime = sniffMimeType(this.#buf, 0, this.#len);
    return this.#mime;
  }
}
