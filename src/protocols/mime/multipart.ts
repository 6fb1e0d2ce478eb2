/**
 * Splits a multipart body (RFC 2046: multipart/form-data uploads in HTTP,
 * multipart/mixed and multipart/alternative e-mail, multipart/byteranges)
 * into its parts as the bytes stream in, the way Zeek's MIME analyzer turns
 * every part into a file of its own: each part with content is a file
 * transfer (src/files/transfer.ts, which counts and hashes it; base64
 * content is decoded first), named by its Content-Disposition (or its
 * Content-Type's `name`) and typed by its first bytes (file-magic.ts). A
 * part that is a multipart itself is split in turn, down to MAX_DEPTH
 * levels; its parts take its place in the list.
 *
 * Memory is bounded whatever the body: a part's headers are read up to
 * MAX_HEADER_BYTES, MAGIC_BYTES of its content are kept for typing, and at
 * most MAX_PARTS parts are reported. A multipart nested deeper than
 * MAX_DEPTH is one part, neither typed nor hashed; so is a byte range that
 * does not start at the file's first byte. Quoted-printable content is
 * typed but not hashed (its decoded bytes are the file, which is not
 * decoded here).
 */
import { MAGIC_BYTES, sniffMimeType } from '../file-magic.js';
import { FileTransfer } from '../../files/transfer.js';
import type { HashName } from '../../files/file-hashes.js';
import { dispositionFileName } from './disposition.js';
import { headerParam } from './params.js';
import { Base64Stream } from './base64-stream.js';

/** One file of a message body: its transfer (bytes, times, digests), name and type by content, either possibly unknown. */
export interface BodyFile {
  transfer: FileTransfer;
  /** Whether the file ended where its protocol said it would (not cut by a lost framing or the connection's end). */
  complete: boolean;
  fileName?: string;
  mime?: string;
  /** Size announced for it (an HTTP body's Content-Length), when known. */
  totalBytes?: number;
}

/** Parts reported per body; later parts are still skipped over correctly, not reported. */
export const MAX_PARTS = 64;
/** Multipart levels split: a message's mixed part holding an alternative one is two. */
export const MAX_DEPTH = 4;
/** Header bytes read per part; a part with longer headers is reported without them. */
const MAX_HEADER_BYTES = 2048;
/** Longest boundary RFC 2046 allows is 70 characters; senders exceeding it a little are still read. */
const MAX_BOUNDARY = 200;

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

/** Scanning for the next delimiter (in the preamble or inside a part's content). */
const S_CONTENT = 0;
/** Just after the boundary string: "--" closes, white space or a line end confirms a delimiter, anything else makes it content. */
const S_AFTER_DELIMITER = 1;
/** The rest of a boundary line (transport padding) up to its line feed. */
const S_BOUNDARY_LINE = 2;
/** A part's headers, up to the empty line. */
const S_HEADERS = 3;
/** After the closing delimiter: nothing more is read. */
const S_EPILOGUE = 4;

/** The `name` parameter of a Content-Type value (mail clients name attachments there too), or undefined. */
export function contentTypeName(contentType: string): string | undefined {
  return headerParam(contentType, 'name');
}

/**
 * The boundary parameter of a multipart Content-Type value, or undefined
 * when it has none (or one too long to be real).
 */
export function multipartBoundary(contentType: string): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(contentType);
  if (m === null) return undefined;
  const b = m[1] ?? m[2]!;
  return b.length === 0 || b.length > MAX_BOUNDARY ? undefined : b;
}

export class MultipartSplitter {
  /** "\r\n--" + boundary: what ends a part's content. */
  readonly #delimiter: Uint8Array;
  #state = S_CONTENT;
  /** Delimiter bytes matched so far; the body's start counts as a line break, so it may open with "--boundary". */
  #matched = 2;
  #dashes = 0;
  readonly #parts: BodyFile[] = [];
  /** Whether the bytes being scanned belong to a part (false in the preamble). */
  #inPart = false;
  #header = new Uint8Array(256);
  #headerLen = 0;
  #headerOverflow = false;
  /** The current part's first content bytes (decoded), for typing. */
  #content = new Uint8Array(64);
  #contentLen = 0;
  #fileName: string | undefined = undefined;
  /** The part's Content-Type `name`, the file name when no Content-Disposition gives one. */
  #typeName: string | undefined = undefined;
  #transfer: FileTransfer | null = null;
  /** The current part's base64 decoder, null when its content is not base64. */
  #base64: Base64Stream | null = null;
  #untyped = false;
  /** Quoted-printable content: typed, not hashed. */
  #quoted = false;
  /** The current part's boundary when it is a multipart to split in turn. */
  #nestedBoundary: string | undefined = undefined;
  /** The splitter of the current part, when it is a multipart. */
  #child: MultipartSplitter | null = null;
  #skipped = 0;
  /** Time of the bytes being fed. */
  #ts = 0;

  readonly #hashes: readonly HashName[];
  readonly #depth: number;

  /** `hashes`: the digests each part's transfer computes; `depth`: how deep this multipart sits in the body (1 at its top). */
  constructor(boundary: string, hashes: readonly HashName[], depth = 1) {
    this.#hashes = hashes;
    this.#depth = depth;
    const d = new Uint8Array(4 + boundary.length);
    d[0] = CR;
    d[1] = LF;
    d[2] = DASH;
    d[3] = DASH;
    for (let i = 0; i < boundary.length; i++) d[4 + i] = boundary.charCodeAt(i) & 0xff;
    this.#delimiter = d;
  }

  /** Parts past MAX_PARTS that were not reported. */
  get skippedParts(): number {
    return this.#skipped;
  }


  /** Body bytes data[start, start+len), in order, seen at `ts`. */
  feed(data: Uint8Array, start: number, len: number, ts: number): void {
    this.#ts = ts;
    const end = start + len;
    let i = start;
    const d = this.#delimiter;
    while (i < end) {
      switch (this.#state) {
        case S_CONTENT: {
          if (this.#matched === 0) {
            // Nothing pending: jump to the next carriage return, keeping what comes before.
            const cr = data.indexOf(CR, i);
            const stop = cr < 0 || cr >= end ? end : cr;
            this.#keep(data, i, stop);
            i = stop;
            if (i === end) break;
          }
          const b = data[i]!;
          if (b === d[this.#matched]) {
            i++;
            if (++this.#matched === d.length) {
              // A delimiter only if what follows says so (white space, a line end or "--").
              this.#matched = 0;
              this.#dashes = 0;
              this.#state = S_AFTER_DELIMITER;
            }
          } else {
            // The bytes taken for a delimiter were content after all (the body's
            // imagined leading line break excepted); only a CR can start a new match.
            const held = this.#matched;
            if (held > 0) this.#keepDelimiterPrefix(held);
            this.#matched = 0;
            if (b === CR) {
              this.#matched = 1;
              i++;
            }
          }
          break;
        }
        case S_AFTER_DELIMITER: {
          const b = data[i]!;
          if (b === DASH) {
            i++;
            if (++this.#dashes === 2) {
              this.#endPart(true);
              this.#state = S_EPILOGUE;
            }
          } else if (this.#dashes === 0 && (b === 0x20 || b === 0x09 || b === CR || b === LF)) {
            this.#endPart(true);
            this.#state = S_BOUNDARY_LINE;
          } else {
            // "--boundaryX" or "--boundary-X": a longer string that starts like the boundary, so content.
            this.#keep(d, 0, d.length);
            if (this.#dashes === 1) this.#keep(d, 2, 3);
            this.#state = S_CONTENT;
          }
          break;
        }
        case S_BOUNDARY_LINE: {
          const lf = data.indexOf(LF, i);
          if (lf < 0 || lf >= end) {
            i = end;
          } else {
            i = lf + 1;
            this.#startPart();
          }
          break;
        }
        case S_HEADERS:
          i = this.#readHeaders(data, i, end);
          break;
        default:
          return;
      }
    }
  }

  /** `len` bytes of the body were lost: the part they fell in cannot be hashed. */
  gap(len: number): void {
    if (this.#child !== null) this.#child.gap(len);
    else if (this.#inPart && this.#transfer !== null) this.#transfer.gap(len);
  }

  /**
   * The parts that had content, in order. A part still open is cut where
   * the bytes stopped: complete only if the body itself was (`complete`)
   * and only its closing delimiter is missing.
   */
  finish(complete: boolean): BodyFile[] {
    if (this.#inPart) this.#endPart(complete && (this.#state === S_CONTENT || this.#state === S_AFTER_DELIMITER));
    this.#state = S_EPILOGUE;
    return this.#parts;
  }

  #startPart(): void {
    this.#inPart = true;
    this.#state = S_HEADERS;
    this.#headerLen = 0;
    this.#headerOverflow = false;
    this.#contentLen = 0;
    this.#fileName = undefined;
    this.#typeName = undefined;
    this.#transfer = null;
    this.#base64 = null;
    this.#untyped = false;
    this.#quoted = false;
    this.#nestedBoundary = undefined;
    this.#child = null;
  }

  /** Reads header bytes up to the empty line that ends them; returns where reading stopped. */
  #readHeaders(data: Uint8Array, i: number, end: number): number {
    while (i < end) {
      const b = data[i++]!;
      if (this.#headerLen < MAX_HEADER_BYTES) {
        this.#growHeader();
        this.#header[this.#headerLen++] = b;
      } else {
        this.#headerOverflow = true;
        // Keep the last three bytes current so the end is still found.
        const h = this.#header;
        h[MAX_HEADER_BYTES - 3] = h[MAX_HEADER_BYTES - 2]!;
        h[MAX_HEADER_BYTES - 2] = h[MAX_HEADER_BYTES - 1]!;
        h[MAX_HEADER_BYTES - 1] = b;
      }
      if (b !== LF) continue;
      const h = this.#header;
      const n = this.#headerLen;
      // A part with no headers starts with its empty line; otherwise the headers end in CRLF CRLF (or a bare LF LF).
      const empty =
        (n === 1) ||
        (n === 2 && h[0] === CR) ||
        (n >= 2 && h[n - 2] === LF) ||
        (n >= 4 && h[n - 2] === CR && h[n - 3] === LF);
      if (!empty) continue;
      if (!this.#headerOverflow) this.#parseHeaders(h, n);
      this.#state = S_CONTENT;
      if (this.#nestedBoundary !== undefined) {
        // A multipart inside: its own parts are the files (they share this body's bound on parts).
        this.#child = new MultipartSplitter(this.#nestedBoundary, this.#hashes, this.#depth + 1);
        this.#matched = 0;
        return i;
      }
      // Hashed only when the bytes are the file itself, from its start (and a part past the bound is not reported at all).
      const hashed = !this.#untyped && !this.#quoted && this.#parts.length < MAX_PARTS;
      this.#transfer = new FileTransfer(this.#ts, hashed ? this.#hashes : []);
      // The delimiter's CR LF belongs to it, so a part's content may begin with a delimiter at once.
      this.#matched = 0;
      return i;
    }
    return i;
  }

  #growHeader(): void {
    if (this.#headerLen < this.#header.length) return;
    const bigger = new Uint8Array(Math.min(MAX_HEADER_BYTES, this.#header.length * 2));
    bigger.set(this.#header);
    this.#header = bigger;
  }

  #parseHeaders(h: Uint8Array, n: number): void {
    // Header text is ASCII by the RFC; other bytes pass through as Latin-1, which only names can carry.
    let text = '';
    for (let i = 0; i < n; i++) text += String.fromCharCode(h[i]!);
    const unfolded = text.replace(/\r?\n[ \t]+/g, ' ');
    for (const line of unfolded.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-disposition') {
        const fileName = dispositionFileName(value);
        if (fileName !== undefined) this.#fileName = fileName;
      } else if (name === 'content-type') {
        this.#typeName = contentTypeName(value);
        if (value.toLowerCase().startsWith('multipart/')) {
          // Split in turn, unless nested too deep: then one part, neither typed nor hashed.
          const boundary = multipartBoundary(value);
          if (boundary !== undefined && this.#depth < MAX_DEPTH) this.#nestedBoundary = boundary;
          else this.#untyped = true;
        }
      } else if (name === 'content-transfer-encoding') {
        const coding = value.toLowerCase();
        if (coding === 'base64') this.#base64 = new Base64Stream();
        else if (coding === 'quoted-printable') this.#quoted = true;
      } else if (name === 'content-range') {
        if (!/^\s*bytes\s+0-/i.test(value)) this.#untyped = true;
      }
    }
  }

  /** Content bytes data[from, to) of the current part (preamble and epilogue bytes are dropped). */
  #keep(data: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    if (this.#child !== null) {
      this.#child.feed(data, from, to - from, this.#ts);
      return;
    }
    if (this.#transfer === null) return;
    if (this.#base64 !== null) {
      const plain = this.#base64.decode(data, from, to);
      if (plain !== null) this.#contentBytes(plain, 0, plain.length);
    } else {
      this.#contentBytes(data, from, to);
    }
  }

  /** The first `n` delimiter bytes turned out to be content. */
  #keepDelimiterPrefix(n: number): void {
    this.#keep(this.#delimiter, 0, n);
  }

  /** Decoded content bytes: counted, hashed, and the first MAGIC_BYTES kept for typing. */
  #contentBytes(data: Uint8Array, from: number, to: number): void {
    this.#transfer!.data(data, from, to - from, this.#ts);
    const room = MAGIC_BYTES - this.#contentLen;
    if (room <= 0) return;
    const take = Math.min(room, to - from);
    this.#growContent(this.#contentLen + take);
    this.#content.set(data.subarray(from, from + take), this.#contentLen);
    this.#contentLen += take;
  }

  #growContent(need: number): void {
    if (need <= this.#content.length) return;
    let size = this.#content.length * 2;
    while (size < need) size *= 2;
    const bigger = new Uint8Array(Math.min(size, MAGIC_BYTES));
    bigger.set(this.#content.subarray(0, this.#contentLen));
    this.#content = bigger;
  }

  /** The current part ended (`complete`: at its delimiter). */
  #endPart(complete: boolean): void {
    if (!this.#inPart) return;
    this.#inPart = false;
    const child = this.#child;
    this.#child = null;
    if (child !== null) {
      // The nested multipart's parts, in their order, within this body's bound.
      for (const part of child.finish(complete)) {
        if (this.#parts.length < MAX_PARTS) this.#parts.push(part);
        else this.#skipped++;
      }
      this.#skipped += child.skippedParts;
      return;
    }
    const transfer = this.#transfer;
    this.#transfer = null;
    if (transfer === null) return; // cut inside its headers: no content, no file
    const last = this.#base64?.flush() ?? null;
    if (last !== null) {
      // The last group of unpadded base64 text.
      this.#transfer = transfer;
      this.#contentBytes(last, 0, last.length);
      this.#transfer = null;
    }
    if (transfer.seen === 0) return;
    if (this.#parts.length >= MAX_PARTS) {
      this.#skipped++;
      return;
    }
    const file: BodyFile = { transfer, complete };
    const name = this.#fileName ?? this.#typeName;
    if (name !== undefined) file.fileName = name;
    if (!this.#untyped && this.#contentLen > 0) {
      const mime = sniffMimeType(this.#content, 0, this.#contentLen);
      if (mime !== undefined) file.mime = mime;
    }
    this.#parts.push(file);
  }
}
